import Foundation
import Testing

/// The HTTP/1.1 server on the Unix socket: own endpoints, bad input, who may connect, and many
/// callers at once on one upstream HTTP/2 connection.
@Suite("The gateway's server", .serialized)
struct ServerBehaviourTests {
  @Test func healthAndUnknownEndpoints() throws {
    let fixture = try Fixture()
    let health = try Curl.run(socket: fixture.gateway.socketPath, path: "/-/health", method: "GET")
    #expect(health.status == 200)
    #expect(health.text == "{\"status\":\"serving\"}\n")
    let missing = try Curl.run(socket: fixture.gateway.socketPath, path: "/-/nothing", method: "GET")
    #expect(missing.status == 404)
    #expect(missing.text.contains("\"type\":\"ErrorGatewayNotFound\""))
    #expect(missing.header("X-Exit-Code") == "64")
    let get = try Curl.run(
      socket: fixture.gateway.socketPath, path: "/polykey.v1.TestService/Echo", method: "GET")
    #expect(get.status == 405)
    #expect(get.header("Allow") == "POST")
    #expect(get.text.contains("\"exitCode\":64"))
  }

  /// HEAD is a GET without the body: the head says how long the body would be, and the next
  /// response on the connection follows at once (a body sent anyway would sit in between).
  @Test func headIsAGetWithoutItsBody() throws {
    let fixture = try Fixture()
    let connection = try RawConnection(path: fixture.gateway.socketPath)
    connection.send("HEAD /-/health HTTP/1.1\r\nHost: x\r\n\r\nGET /-/health HTTP/1.1\r\nHost: x\r\n\r\n")
    let (text, _) = connection.receive(until: { $0.hasSuffix("}\n") })
    let responses = text.components(separatedBy: "HTTP/1.1 200")
    #expect(responses.count == 3, "\(text)")
    #expect(responses[1].contains("Content-Length: 21"), "\(text)")
    #expect(!responses[1].contains("serving"), "\(text)")
    #expect(responses[2].hasSuffix("{\"status\":\"serving\"}\n"), "\(text)")
    connection.send("POST /-/health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
    let (refused, _) = connection.receive(until: { $0.hasSuffix("}\n") })
    #expect(refused.hasPrefix("HTTP/1.1 405"), "\(refused)")
    #expect(refused.contains("Allow: GET, HEAD"), "\(refused)")
  }

  /// A caller that half-closes after pipelining an agent call and another request gets both
  /// answers, then end of file; while the agent takes its time, the gateway sleeps (an end of
  /// file is level-triggered: reading it again and again would spin a core).
  @Test func aHalfClosedCallerGetsEveryAnswerWithoutSpinning() throws {
    let fixture = try Fixture()
    let pid = fixture.gateway.child.process.processIdentifier
    let connection = try RawConnection(path: fixture.gateway.socketPath)
    let body = try controlJSON(delayMs: 1500)
    connection.send(
      "POST /polykey.v1.TestService/ControlUnary HTTP/1.1\r\nHost: x\r\n"
        + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        + "GET /-/health HTTP/1.1\r\nHost: x\r\n\r\n")
    connection.halfClose()
    let cpuBefore = try cpuTicks(pid)
    let (text, closed) = connection.receive(timeout: 10)
    let cpuTicksWaiting = try cpuTicks(pid) - cpuBefore
    #expect(closed)
    #expect(text.components(separatedBy: "HTTP/1.1 200").count == 3, "\(text)")
    #expect(text.hasSuffix("{\"status\":\"serving\"}\n"), "\(text)")
    // 1.5 s of waiting: a spinning loop would use about 150 ticks.
    #expect(cpuTicksWaiting < 40, "\(cpuTicksWaiting) ticks of CPU while waiting")
  }

  /// A caller gone both ways while its call waits is let go at once: its call is cancelled
  /// and its connection closed, not kept until the agent answers.
  @Test func aCallerThatClosesIsLetGoAtOnce() throws {
    let fixture = try Fixture()
    let body = try controlJSON(delayMs: 5000)
    var connection: RawConnection? = try RawConnection(path: fixture.gateway.socketPath)
    connection?.send(
      "POST /polykey.v1.TestService/ControlUnary HTTP/1.1\r\nHost: x\r\n"
        + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
    usleep(300_000)
    connection = nil  // closes the socket
    let openConnections = { () throws -> String in
      try Curl.run(socket: fixture.gateway.socketPath, path: "/-/metrics", method: "GET").text
        .split(separator: "\n").first { $0.hasPrefix("session_gateway_connections ") }
        .map(String.init) ?? ""
    }
    try fixture.gateway.child.wait(for: "the closed connection to be let go", timeout: 2) {
      (try? openConnections()) == "session_gateway_connections 1"  // the metrics request itself
    }
  }

  @Test func malformedRequestsGet400AndOthersKeepWorking() throws {
    let fixture = try Fixture()
    let keptAlive = try RawConnection(path: fixture.gateway.socketPath)
    let request = "GET /-/health HTTP/1.1\r\nHost: x\r\n\r\n"
    keptAlive.send(request)
    #expect(keptAlive.receive(until: { $0.hasSuffix("}\n") }).0.hasPrefix("HTTP/1.1 200"))

    for garbage in [
      "GARBAGE\r\n\r\n",
      "POST /a.B/C HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
      "GET / HTTP/1.1\r\nBad Header : x\r\n\r\n",
      "POST /a.B/C HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
      "GET /-/health HTTP/1.1\r\nX: " + String(repeating: "a", count: 70_000) + "\r\n\r\n",
      "POST /a.B/C HTTP/1.1\r\nContent-Type: application/grpc-web\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ] {
      let bad = try RawConnection(path: fixture.gateway.socketPath)
      bad.send(garbage)
      let (answer, closed) = bad.receive()
      #expect(answer.hasPrefix("HTTP/1.1 400"), "\(garbage.prefix(40))")
      #expect(answer.contains("Connection: close"))
      #expect(answer.contains("\"exitCode\":65"))
      #expect(closed)
    }
    let tooBig = try RawConnection(path: fixture.gateway.socketPath)
    tooBig.send("POST /a.B/C HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n")
    #expect(tooBig.receive().0.hasPrefix("HTTP/1.1 413"))

    // The first connection is still served, and so are new ones.
    keptAlive.send(request)
    #expect(keptAlive.receive(until: { $0.hasSuffix("}\n") }).0.hasPrefix("HTTP/1.1 200"))
    let (_, response) = try fixture.web("/polykey.v1.TestService/Echo", echoRequest(requireAuth: false))
    #expect(response?.trailers["grpc-status"] == "0")
  }

  @Test func pipelinedRequestsAreAnsweredInOrder() throws {
    let fixture = try Fixture()
    let connection = try RawConnection(path: fixture.gateway.socketPath)
    connection.send(
      "GET /-/health HTTP/1.1\r\nHost: x\r\n\r\nGET /-/nope HTTP/1.1\r\nHost: x\r\n\r\n"
        + "GET /-/health HTTP/1.1\r\nHost: x\r\n\r\n")
    let (text, _) = connection.receive(until: { $0.components(separatedBy: "HTTP/1.1 ").count == 4 && $0.hasSuffix("}\n") })
    let statuses = text.components(separatedBy: "HTTP/1.1 ").dropFirst().map { $0.prefix(3) }
    #expect(statuses == ["200", "404", "200"])
  }

  @Test(.enabled(if: getuid() == 0, "needs root to run a client as another user"))
  func anotherUserIsRefused() throws {
    let fixture = try Fixture()
    // The default socket is 0600 in a 0700 directory: another user cannot even connect.
    let denied = try Curl.run(
      socket: fixture.gateway.socketPath, path: "/-/health", method: "GET", user: "65534")
    #expect(denied.exitCode == 7)

    // Opened up on purpose (0666 in a world-searchable directory): SO_PEERCRED still refuses.
    let open = "/tmp/sgw-open-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(
      atPath: open, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
    defer { try? FileManager.default.removeItem(atPath: open) }
    let gateway = try Gateway(
      agent: fixture.agent.address, directory: fixture.directory, arguments: ["--socket-mode", "0666"],
      tokenFile: fixture.directory.file("other/token"), socketPath: open + "/gateway.sock")
    let refused = try Curl.run(socket: gateway.socketPath, path: "/-/health", method: "GET", user: "65534")
    #expect(refused.status == 403)
    #expect(refused.text.contains("ErrorGatewayPeerNotAllowed"))
    #expect(gateway.log.contains("refused a connection from another user"))
    let allowed = try Curl.run(socket: gateway.socketPath, path: "/-/health", method: "GET")
    #expect(allowed.status == 200)
  }

  @Test func theSocketFileIsPrivate() throws {
    let fixture = try Fixture()
    let attributes = try FileManager.default.attributesOfItem(atPath: fixture.gateway.socketPath)
    #expect((attributes[.posixPermissions] as? Int) == 0o600)
  }

  @Test func hundredConcurrentCallsOnTwentyConnectionsShareOneUpstreamConnection() throws {
    let fixture = try Fixture()
    try fixture.unlock()
    let fdsBefore = try openDescriptorCount(fixture.gateway.child.process.processIdentifier)
    // One curl process, 100 transfers, at most 20 at once on keep-alive connections.
    var blocks: [String] = []
    for index in 0..<100 {
      let request = fixture.directory.file("request-\(index)")
      let payload = Array("payload number \(index)".utf8)
      try Data(GRPCWeb.frame(echoRequest(payload: payload))).write(to: URL(fileURLWithPath: request))
      blocks.append("""
        url = "http://localhost/polykey.v1.TestService/Echo"
        unix-socket = "\(fixture.gateway.socketPath)"
        header = "Content-Type: application/grpc-web+proto"
        data-binary = "@\(request)"
        output = "\(fixture.directory.file("response-\(index)"))"
        write-out = "%{http_code} %{num_connects}\\n"

        """)
    }
    let config = "parallel\nparallel-max = 20\n" + blocks.joined(separator: "next\n")
    let configFile = fixture.directory.file("curl.config")
    try config.write(toFile: configFile, atomically: false, encoding: .utf8)
    let (code, output, errors) = try runProcess("/usr/bin/curl", ["-sS", "-K", configFile])
    #expect(code == 0, "\(errors)")
    let lines = String(decoding: output, as: UTF8.self).split(separator: "\n")
    #expect(lines.count == 100)
    #expect(lines.allSatisfy { $0.hasPrefix("200 ") })
    let connects = lines.compactMap { Int($0.split(separator: " ")[1]) }.reduce(0, +)
    #expect(connects <= 20, "curl opened \(connects) connections")
    for index in 0..<100 {
      let body = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture.directory.file("response-\(index)"))))
      let web = try #require(GRPCWeb.parse(body))
      #expect(web.trailers["grpc-status"] == "0")
      #expect(web.trailers["x-echo-auth-outcome"] == "AUTH_OUTCOME_BEARER_VALID")
      let reply = ProtoReader.fields(try #require(web.messages.first))
      #expect(reply.first { $0.0 == 1 }?.1 == .bytes(Array("payload number \(index)".utf8)))
    }
    let metrics = try Curl.run(socket: fixture.gateway.socketPath, path: "/-/metrics", method: "GET").text
    #expect(metrics.contains("session_gateway_agent_connections_opened_total 1\n"))
    // Every caller connection is closed again: no descriptors left behind.
    usleep(200_000)
    #expect(try openDescriptorCount(fixture.gateway.child.process.processIdentifier) <= fdsBefore + 1)
  }

  @Test func commandLine() throws {
    let (helpCode, help, _) = try runProcess(TestPaths.gatewayBinary, ["--help"])
    #expect(helpCode == 0)
    let helpText = String(decoding: help, as: UTF8.self)
    for flag in ["--listen", "--agent", "--token-file", "--agent-ca-file", "--allow-uid", "--version"] {
      #expect(helpText.contains(flag))
    }
    let (versionCode, version, _) = try runProcess(TestPaths.gatewayBinary, ["--version"])
    #expect(versionCode == 0)
    #expect(String(decoding: version, as: UTF8.self).hasPrefix("session-gateway "))
    let (badCode, _, badError) = try runProcess(TestPaths.gatewayBinary, ["--no-such-flag"])
    #expect(badCode == 64)
    #expect(badError.contains("unknown option"))
    let (missingCode, _, _) = try runProcess(TestPaths.gatewayBinary, [])
    #expect(missingCode == 64)
  }

  /// The example environment file lists every variable `--help` does, so a systemd user
  /// finds each setting there.
  @Test func theEnvironmentFileExampleListsEveryVariable() throws {
    let (_, help, _) = try runProcess(TestPaths.gatewayBinary, ["--help"])
    let helpText = String(decoding: help, as: UTF8.self)
    let variables = helpText.components(separatedBy: "[$").dropFirst().compactMap {
      $0.split(separator: "]").first.map(String.init)
    }
    #expect(variables.count >= 15, "\(variables)")
    let example = try String(
      contentsOf: TestPaths.repository.appendingPathComponent("deploy/session-gateway.env.example"),
      encoding: .utf8)
    for variable in variables + ["PK_PASSWORD"] {
      #expect(example.contains(variable + "="), "\(variable) is missing from the example")
    }
  }
}

func openDescriptorCount(_ pid: Int32) throws -> Int {
  try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count
}

/// User plus system CPU ticks (1/100 s) a process has used.
func cpuTicks(_ pid: Int32) throws -> Int {
  guard let stat = Gateway.readWhole("/proc/\(pid)/stat") else { throw TestFailure("no /proc stat") }
  // Fields after the command name, which is in parentheses and may hold spaces.
  guard let close = stat.lastIndex(of: ")") else { throw TestFailure("bad /proc stat") }
  let fields = stat[stat.index(after: close)...].split(separator: " ")
  guard fields.count > 13, let user = Int(fields[11]), let system = Int(fields[12]) else {
    throw TestFailure("bad /proc stat")
  }
  return user + system
}
