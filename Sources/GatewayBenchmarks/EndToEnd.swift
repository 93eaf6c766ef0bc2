import Glibc

/// Settings of the end-to-end benchmark (flags and environment, see `usage`).
struct EndToEndOptions {
  var gatewayBinary = ""
  var agentBinary = ""
  var runs = 10
  var runSeconds = 0.8
  var warmupSeconds = 0.4
  var concurrencies = [1, 64]
  var payloadBytes = 100
  var keepTemporaryFiles = false
  /// The bench schema (`Tests/BenchAgent/build.sh` makes it) for the JSON variant.
  var descriptorSet = ""
  /// The codec benchmark's fixture directories (`--write-fixtures`, `--read-fixtures`).
  var codecWriteFixtures: String?
  var codecReadFixtures: String?
}

/// The bench agent and the gateway in front of it, in a private temporary directory.
final class Stack {
  let directory: String
  let agent: ChildProcess
  let gateway: ChildProcess
  let agentSocket: String
  let gatewaySocket: String
  let tokenFile: String
  static let seedToken = "bench-seed"

  init(options: EndToEndOptions, tokenMetadata: Bool, json: Bool = false) throws(BenchmarkError) {
    // $TMPDIR decides where the sockets and the token file live (default /tmp).
    let base = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    var template = Array((base + "/gateway-bench.XXXXXX").utf8CString)
    guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
      throw BenchmarkError("mkdtemp failed")
    }
    directory = String(cString: made)
    agentSocket = directory + "/agent.sock"
    gatewaySocket = directory + "/gateway/gateway.sock"
    tokenFile = directory + "/node/token"

    var pipeFDs: [Int32] = [0, 0]
    guard pipe(&pipeFDs) == 0 else { throw BenchmarkError("pipe failed") }
    var agentArguments = [options.agentBinary, "--listen", "unix:" + agentSocket]
    if tokenMetadata { agentArguments.append("--token-metadata") }
    do {
      agent = try ChildProcess(
        name: "agent", arguments: agentArguments, stdoutPath: nil,
        stderrPath: directory + "/agent.log", stdoutPipe: pipeFDs[1])
    } catch {
      close(pipeFDs[0])
      close(pipeFDs[1])
      throw error
    }
    close(pipeFDs[1])
    defer { close(pipeFDs[0]) }
    let line = Self.readLine(fd: pipeFDs[0], timeoutMilliseconds: 10_000)
    guard line.hasPrefix("READY") else {
      agent.stop()
      throw BenchmarkError(
        "bench agent did not print READY (got '\(line)'); see \(directory)/agent.log")
    }

    do {
      gateway = try ChildProcess(
        name: "gateway",
        arguments: [
          options.gatewayBinary, "--agent", "unix:" + agentSocket, "--listen", gatewaySocket,
          "--token-file", tokenFile, "--token", Self.seedToken, "--log-level", "error",
        ] + (json ? ["--descriptor-set", options.descriptorSet] : []),
        stdoutPath: directory + "/gateway.out", stderrPath: directory + "/gateway.log")
    } catch {
      agent.stop()
      throw error
    }
    for _ in 0..<500 where !fileExists(gatewaySocket) && gateway.isRunning { usleep(10_000) }
    guard fileExists(gatewaySocket), gateway.isRunning else {
      gateway.stop()
      agent.stop()
      let log = readSmallFile(directory + "/gateway.log") ?? ""
      throw BenchmarkError("the gateway did not start: \(log)")
    }
  }

  func stop(keepFiles: Bool) {
    gateway.stop()
    agent.stop()
    if keepFiles {
      say("  (files kept in \(directory))")
    } else {
      for name in ["agent.sock", "gateway/gateway.sock", "node/token", "agent.log", "gateway.log", "gateway.out"] {
        unlink(directory + "/" + name)
      }
      rmdir(directory + "/gateway")
      rmdir(directory + "/node")
      rmdir(directory)
    }
  }

  private static func readLine(fd: Int32, timeoutMilliseconds: Int32) -> String {
    var bytes: [UInt8] = []
    var byte: UInt8 = 0
    let deadline = nowNanoseconds() + UInt64(timeoutMilliseconds) * 1_000_000
    while nowNanoseconds() < deadline {
      var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      guard poll(&poller, 1, 100) >= 0 else { break }
      if poller.revents == 0 { continue }
      guard read(fd, &byte, 1) == 1 else { break }
      if byte == 0x0A { break }
      bytes.append(byte)
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}

/// One path at one concurrency, summed over the timed runs.
struct PathFigures {
  var callsPerSecond: [Double] = []
  var latencies: [UInt64] = []
  var calls = 0
  var errors = 0
  var connections = 0
  var firstError: String?
  var gatewayCPUMicroseconds = 0.0
  var agentCPUMicroseconds = 0.0
  var clientCPUMicroseconds = 0.0

  mutating func add(_ run: LoadClient.RunResult, gatewayCPU: Double, agentCPU: Double, clientCPU: Double) {
    callsPerSecond.append(run.callsPerSecond)
    latencies += run.latencies
    calls += run.calls
    errors += run.errors
    connections += run.connectionsOpened
    if firstError == nil { firstError = run.firstError }
    gatewayCPUMicroseconds += gatewayCPU
    agentCPUMicroseconds += agentCPU
    clientCPUMicroseconds += clientCPU
  }

  func perCall(_ microseconds: Double) -> Double { calls == 0 ? .nan : microseconds / Double(calls) }
}

enum EndToEndBenchmark {
  /// Runs one variant (plain, or with the agent rotating a token on every call) and reports it.
  ///
  /// `baseline` and `subject` are the two paths compared: direct gRPC against the gateway's
  /// gRPC-Web by default; gRPC-Web against JSON for the JSON variant (what transcoding adds).
  static func run(
    variant: String, tokenMetadata: Bool, options: EndToEndOptions, figures: inout Figures,
    baseline: LoadClient.Path = .direct, subject: LoadClient.Path = .gateway
  ) throws(BenchmarkError) {
    let stack = try Stack(
      options: options, tokenMetadata: tokenMetadata, json: subject == .json || baseline == .json)
    defer { stack.stop(keepFiles: options.keepTemporaryFiles) }
    usleep(200_000)  // let the gateway settle before the idle reading
    let idle = memoryKiB(pid: stack.gateway.pid)

    var payload = [UInt8](repeating: 0, count: options.payloadBytes)
    for index in payload.indices { payload[index] = UInt8(truncatingIfNeeded: index &* 31 &+ 7) }
    let handles = options.concurrencies.max() ?? 1
    func client(_ path: LoadClient.Path) throws(BenchmarkError) -> LoadClient {
      try LoadClient(
        path: path, socketPath: path == .direct ? stack.agentSocket : stack.gatewaySocket,
        handles: handles, payload: payload,
        authorization: path == .direct ? "Bearer " + Stack.seedToken : nil)
    }
    let gatewayClient = try client(subject)
    let directClient = try client(baseline)
    for client in [directClient, gatewayClient] {
      let primed = client.prime()
      guard primed.errors == 0 else {
        throw BenchmarkError("\(client.path.rawValue): first call failed: \(primed.firstError ?? "?")")
      }
    }

    say()
    say(
      "e2e/\(variant): payload \(options.payloadBytes) B, \(options.runs) runs x \(format(options.runSeconds, 2)) s per path and concurrency, paths alternating"
        + (tokenMetadata ? "; agent sends a new token on every call" : ""))
    say(
      pad("conc", 5) + " " + pad("path", 8, left: true) + pad("calls/s", 10) + pad("min", 9) + pad("max", 9)
        + pad("p50 us", 9) + pad("p90 us", 9) + pad("p99 us", 9) + pad("calls", 8) + pad("errors", 7)
        + pad("conns", 6) + pad("gw us/c", 9) + pad("agent us/c", 11) + pad("client us/c", 12))

    for concurrency in options.concurrencies {
      let warm = UInt64(options.warmupSeconds * 1e9)
      _ = directClient.run(concurrency: concurrency, durationNanoseconds: warm)
      _ = gatewayClient.run(concurrency: concurrency, durationNanoseconds: warm)
      var results: [LoadClient.Path: PathFigures] = [subject: PathFigures(), baseline: PathFigures()]
      var pairRatios: [Double] = []
      for runIndex in 0..<options.runs {
        var rates: [LoadClient.Path: Double] = [:]
        let order: [LoadClient] =
          runIndex % 2 == 0 ? [directClient, gatewayClient] : [gatewayClient, directClient]
        for client in order {
          let gatewayBefore = cpuMicroseconds(pid: stack.gateway.pid)
          let agentBefore = cpuMicroseconds(pid: stack.agent.pid)
          let clientBefore = cpuMicroseconds(pid: getpid())
          let result = client.run(
            concurrency: concurrency, durationNanoseconds: UInt64(options.runSeconds * 1e9))
          results[client.path]!.add(
            result,
            gatewayCPU: cpuMicroseconds(pid: stack.gateway.pid) - gatewayBefore,
            agentCPU: cpuMicroseconds(pid: stack.agent.pid) - agentBefore,
            clientCPU: cpuMicroseconds(pid: getpid()) - clientBefore)
          rates[client.path] = result.callsPerSecond
        }
        if let gatewayRate = rates[subject], let directRate = rates[baseline], directRate > 0 {
          pairRatios.append(gatewayRate / directRate)
        }
      }

      var medianLatency: [LoadClient.Path: UInt64] = [:]
      for path in [baseline, subject] {
        let figuresForPath = results[path]!
        let sorted = figuresForPath.latencies.sorted()
        let p50 = percentile(sorted, 0.50)
        let p90 = percentile(sorted, 0.90)
        let p99 = percentile(sorted, 0.99)
        medianLatency[path] = p50
        let rate = median(figuresForPath.callsPerSecond)
        let gatewayPerCall = path != .direct ? figuresForPath.perCall(figuresForPath.gatewayCPUMicroseconds) : .nan
        let agentPerCall = figuresForPath.perCall(figuresForPath.agentCPUMicroseconds)
        let clientPerCall = figuresForPath.perCall(figuresForPath.clientCPUMicroseconds)
        say(
          pad(String(concurrency), 5) + " " + pad(path.rawValue, 8, left: true)
            + pad(format(rate, 0), 10)
            + pad(format(figuresForPath.callsPerSecond.min() ?? 0, 0), 9)
            + pad(format(figuresForPath.callsPerSecond.max() ?? 0, 0), 9)
            + pad(format(Double(p50) / 1000, 1), 9) + pad(format(Double(p90) / 1000, 1), 9)
            + pad(format(Double(p99) / 1000, 1), 9) + pad(String(figuresForPath.calls), 8)
            + pad(String(figuresForPath.errors), 7) + pad(String(figuresForPath.connections), 6)
            + pad(path != .direct ? format(gatewayPerCall, 1) : "-", 9)
            + pad(format(agentPerCall, 1), 11) + pad(format(clientPerCall, 1), 12))
        if let firstError = figuresForPath.firstError {
          say("      first error (\(path.rawValue)): \(firstError)")
        }
        let key = "e2e.\(variant).c\(concurrency).\(path.rawValue)"
        figures.add(key + ".calls_per_s", rate, unit: "calls/s", decimals: 0)
        figures.add(key + ".p50_us", Double(p50) / 1000, unit: "us", decimals: 1)
        figures.add(key + ".p90_us", Double(p90) / 1000, unit: "us", decimals: 1)
        figures.add(key + ".p99_us", Double(p99) / 1000, unit: "us", decimals: 1)
        figures.add(key + ".errors", Double(figuresForPath.errors), unit: "count", decimals: 0)
        figures.add(key + ".agent_cpu_us_per_call", agentPerCall, unit: "us", decimals: 1)
        if path != .direct {
          figures.add(key + ".gateway_cpu_us_per_call", gatewayPerCall, unit: "us", decimals: 1)
        }
      }
      let ratio = median(pairRatios)
      let added = (Double(medianLatency[subject]!) - Double(medianLatency[baseline]!)) / 1000
      say(
        pad(String(concurrency), 5) + " " + pad("ratio", 8, left: true)
          + "  \(subject.rawValue)/\(baseline.rawValue) throughput \(format(ratio, 3)) (median of \(pairRatios.count) paired runs, range "
          + "\(format(pairRatios.min() ?? .nan, 3))-\(format(pairRatios.max() ?? .nan, 3))); added p50 latency \(format(added, 1)) us")
      figures.add(
        "e2e.\(variant).c\(concurrency).throughput_ratio", ratio,
        unit: "\(subject.rawValue)/\(baseline.rawValue)", decimals: 3)
      figures.add("e2e.\(variant).c\(concurrency).added_p50_us", added, unit: "us", decimals: 1)
    }

    let after = memoryKiB(pid: stack.gateway.pid)
    say(
      "      gateway memory: idle VmRSS \(idle.rss) KiB (VmHWM \(idle.hwm) KiB); after load VmRSS \(after.rss) KiB (VmHWM \(after.hwm) KiB)"
    )
    figures.add("e2e.\(variant).gateway_rss_idle_kib", Double(idle.rss), unit: "KiB", decimals: 0)
    figures.add("e2e.\(variant).gateway_rss_after_kib", Double(after.rss), unit: "KiB", decimals: 0)
    figures.add("e2e.\(variant).gateway_hwm_after_kib", Double(after.hwm), unit: "KiB", decimals: 0)
    if tokenMetadata {
      let stored = readSmallFile(stack.tokenFile) ?? ""
      let stripped = stored.split(separator: "\n").first.map(String.init) ?? ""
      say(
        "      token file after the run: '\(stripped)' (the agent's rotating bench-<n> tokens expected); "
          + "it lives on \(fileSystemName(stack.directory)): the token path's cost depends on it")
    }
    guard stack.gateway.isRunning else { throw BenchmarkError("the gateway exited during the run") }
  }
}

/// The file system type of `path` (the longest matching mount point in /proc/self/mounts), for the
/// report: token writes cost what the file system makes them cost.
func fileSystemName(_ path: String) -> String {
  var best = ("", "an unknown file system")
  for line in (readSmallFile("/proc/self/mounts") ?? "").split(separator: "\n") {
    let fields = line.split(separator: " ")
    guard fields.count >= 4 else { continue }
    let mountPoint = String(fields[1])
    let matches = mountPoint == "/" || path == mountPoint || path.hasPrefix(mountPoint + "/")
    if matches && mountPoint.count >= best.0.count {
      best = (mountPoint, "\(fields[2]) (\(mountPoint), \(fields[3]))")
    }
  }
  return best.1
}
