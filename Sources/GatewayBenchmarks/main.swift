import CCurl
import Glibc

// session-gateway benchmarks: `GatewayBenchmarks [options] [names...]`.
//
// Names: `e2e` (plain variant), `e2e-token` (the agent rotates a token on every call), `e2e-json`
// (JSON calls against gRPC-Web calls through the same gateway: what transcoding adds), `codec`
// (proto3 JSON <-> binary, see Codec/CodecBenchmark.swift), `micro`
// (every micro benchmark) or one micro benchmark's name (`http1.parser`, ...). No names: all.
// Every figure is reported next to a baseline measured in the same run; machines are noisy.

signal(SIGPIPE, SIG_IGN)

let usage = """
  usage: GatewayBenchmarks [options] [e2e] [e2e-token] [e2e-json] [codec] [micro | MICRO-NAME...]
    --gateway PATH     session-gateway binary   (env BENCH_GATEWAY; default: next to this binary)
    --agent PATH       bench echo agent binary  (env BENCH_AGENT; default: .build/bench-agent/echo_server)
    --runs N           timed runs per measurement (default 10)
    --run-seconds S    length of one e2e run per path (default 0.8)
    --warmup-seconds S e2e warm-up per path and concurrency (default 0.4)
    --concurrency LIST e2e calls in flight, comma-separated (default 1,64)
    --payload BYTES    e2e message size (default 100)
    --descriptor-set F bench schema for e2e-json (default: .build/bench-agent/bench.binpb)
    --keep             keep the temporary directory (logs, sockets; under $TMPDIR, default /tmp)
    --write-fixtures DIR  codec: write the schema and the three messages (JSON, binary) to DIR
    --read-fixtures DIR   codec: time the messages in DIR instead of generated ones

  """

#if DEBUG
  let banner = String(repeating: "!", count: 72)
  say(banner)
  say("!!! DEBUG BUILD: these figures mean nothing. Use swift build -c release. !!!")
  say(banner)
#endif

func environmentValue(_ name: String) -> String? {
  guard let value = getenv(name) else { return nil }
  return String(cString: value)
}

func directoryOfExecutable() -> String {
  let argument0 = CommandLine.arguments[0]
  if let slash = argument0.lastIndex(of: "/") { return String(argument0[..<slash]) }
  return "."
}

/// The options and benchmark names on the command line.
func parseArguments(_ list: [String]) -> (EndToEndOptions, [String]) {
  var options = EndToEndOptions()
  var names: [String] = []
  var arguments = list[...]
  func value(_ flag: String) -> String {
    guard let next = arguments.popFirst() else {
      printError("GatewayBenchmarks: \(flag) needs a value")
      exit(64)
    }
    return next
  }
  while let argument = arguments.popFirst() {
    switch argument {
    case "--gateway": options.gatewayBinary = value(argument)
    case "--agent": options.agentBinary = value(argument)
    case "--runs": options.runs = max(1, Int(value(argument)) ?? 10)
    case "--run-seconds": options.runSeconds = Double(value(argument)) ?? 0.8
    case "--warmup-seconds": options.warmupSeconds = Double(value(argument)) ?? 0.4
    case "--payload": options.payloadBytes = max(0, Int(value(argument)) ?? 100)
    case "--concurrency":
      options.concurrencies = value(argument).split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 }
      if options.concurrencies.isEmpty { options.concurrencies = [1] }
    case "--keep": options.keepTemporaryFiles = true
    case "--descriptor-set": options.descriptorSet = value(argument)
    case "--write-fixtures": options.codecWriteFixtures = value(argument)
    case "--read-fixtures": options.codecReadFixtures = value(argument)
    case "--help", "-h":
      print(usage, terminator: "")
      exit(0)
    default:
      if argument.hasPrefix("-") {
        printError("GatewayBenchmarks: unknown option \(argument)\n\(usage)")
        exit(64)
      }
      names.append(argument)
    }
  }
  return (options, names)
}

var (options, names) = parseArguments(Array(CommandLine.arguments.dropFirst()))
let chosen = names
let selected: (String) -> Bool = { name in chosen.isEmpty || chosen.contains(name) }
let microSelected: (String) -> Bool = { name in
  chosen.isEmpty || chosen.contains("micro") || chosen.contains(name)
}

var figures = Figures()
var failed = false
let started = nowNanoseconds()

curl_global_init(Int(CURL_GLOBAL_ALL))
let curlVersion = String(cString: curl_version())
say("session-gateway benchmarks; \(curlVersion)")

if selected("e2e") || selected("e2e-token") || selected("e2e-json") {
  if options.gatewayBinary.isEmpty {
    options.gatewayBinary = environmentValue("BENCH_GATEWAY") ?? directoryOfExecutable() + "/session-gateway"
  }
  if options.agentBinary.isEmpty {
    options.agentBinary = environmentValue("BENCH_AGENT") ?? ".build/bench-agent/echo_server"
  }
  say("gateway: \(options.gatewayBinary)")
  say("agent:   \(options.agentBinary)")
  if options.descriptorSet.isEmpty {
    let besideAgent = options.agentBinary.split(separator: "/", omittingEmptySubsequences: false)
      .dropLast().joined(separator: "/")
    options.descriptorSet = (besideAgent.isEmpty ? "." : besideAgent) + "/bench.binpb"
  }
  if !isExecutable(options.gatewayBinary) || !isExecutable(options.agentBinary) {
    printError(
      "GatewayBenchmarks: missing binary; build with swift build -c release and Tests/BenchAgent/build.sh (or run deploy/benchmark.sh)"
    )
    exit(69)
  }
  for (name, tokens) in [("e2e", false), ("e2e-token", true)] where selected(name) {
    do {
      try EndToEndBenchmark.run(
        variant: tokens ? "token" : "plain", tokenMetadata: tokens, options: options, figures: &figures)
    } catch {
      printError("GatewayBenchmarks: \(name) failed: \(error)")
      failed = true
    }
  }
  if selected("e2e-json") {
    do {
      try EndToEndBenchmark.run(
        variant: "json", tokenMetadata: false, options: options, figures: &figures,
        baseline: .gateway, subject: .json)
    } catch {
      printError("GatewayBenchmarks: e2e-json failed: \(error)")
      failed = true
    }
  }
}

if selected("codec") {
  do {
    try CodecBenchmark.run(
      runs: options.runs, writeFixtures: options.codecWriteFixtures,
      readFixtures: options.codecReadFixtures, figures: &figures)
  } catch {
    printError("GatewayBenchmarks: codec failed: \(error)")
    failed = true
  }
}

let microNames = [
  "http1.parser", "http1.connection", "grpc.deframe-message", "grpc.deframe-passthrough",
  "grpcweb.trailers-ok", "grpcweb.trailers-error",
]
if microNames.contains(where: microSelected) {
  MicroBenchmarks.run(selected: microSelected, runs: options.runs, figures: &figures)
}

let unknown = names.filter {
  !["e2e", "e2e-token", "e2e-json", "codec", "micro"].contains($0) && !microNames.contains($0)
}
if !unknown.isEmpty {
  printError("GatewayBenchmarks: unknown benchmark(s): \(unknown.joined(separator: " "))")
  failed = true
}

say()
for line in figures.lines { say(line) }
say("total time \(format(Double(nowNanoseconds() - started) / 1e9, 1)) s")
exit(failed ? 1 : 0)
