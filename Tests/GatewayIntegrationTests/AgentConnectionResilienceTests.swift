import Foundation
import Testing

/// Streaming uploads of unknown length and a broken agent connection, on libcurl 7.88 (Debian
/// 12): calls that stream their body must succeed among many others, a call the agent ends
/// early must not take others down, and after the agent connection broke later calls succeed.
/// `Tests/Adversarial/t_stream_upload.py` is the long-running version of the first test.
@Suite("Agent connection resilience", .serialized)
struct AgentConnectionResilienceTests {
  /// A JSON streaming call whose NDJSON lines are sent one chunk at a time (so the gateway
  /// streams the body to the agent with unknown length); returns the whole response.
  /// `refused`: a bad token of the caller's own and `requireAuth` on the first line, so the
  /// agent ends the call while the caller is still sending.
  static func streamingCall(
    _ socket: String, method: String, lines: Int, refused: Bool = false
  ) throws -> String {
    let connection = try RawConnection(path: socket)
    connection.send(
      "POST /polykey.v1.TestService/\(method) HTTP/1.1\r\nHost: x\r\n"
        + "Content-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n"
        + (refused ? "Authorization: Bearer not-a-token\r\n" : "") + "Connection: close\r\n\r\n")
    for index in 0..<lines {
      let line =
        refused && index == 0
        ? "{\"payload\":\"eQ==\",\"requireAuth\":true}\n" : "{\"payload\":\"eA==\"}\n"
      connection.send(String(line.utf8.count, radix: 16) + "\r\n" + line + "\r\n")
      usleep(2_000)
    }
    connection.send("0\r\n\r\n")
    return connection.receive(timeout: 15).0
  }

  /// A call made while the agent connection is still opening waits for its first answer
  /// (the libcurl 7.88 workaround), and its deadline runs meanwhile: with the first call
  /// taking 3 s, a call with a 300 ms deadline ends 504 at its deadline, not after 3 s.
  @Test func aCallWaitingForTheConnectionKeepsItsDeadline() throws {
    let fixture = try Fixture(gatewayArguments: ["--descriptor-set", Fixture.descriptorSet])
    let socket = fixture.gateway.socketPath
    let slow = Thread {
      _ = try? Curl.run(
        socket: socket, path: "/polykey.v1.TestService/ControlUnary",
        headers: ["Content-Type: application/json"], body: Array(#"{"delayMs": 3000}"#.utf8))
    }
    slow.start()
    usleep(300_000)  // the slow call opens the connection
    let started = Date()
    let result = try Curl.run(
      socket: socket, path: "/polykey.v1.TestService/Echo",
      headers: ["Content-Type: application/json", "Grpc-Timeout: 300m"], body: Array("{}".utf8))
    let waited = Date().timeIntervalSince(started)
    #expect(result.status == 504, "\(result.text)")
    #expect(waited < 2, "waited \(waited) s")
    let message = try errorObject(result)["message"] as? String ?? ""
    #expect(message.contains("the call's deadline (300 ms) passed"), "\(message)")
  }

  static func unaryCall(_ socket: String) throws -> CurlResult {
    try Curl.run(
      socket: socket, path: "/polykey.v1.TestService/Echo",
      headers: ["Content-Type: application/json"], body: Array(#"{"payload":"aGVsbG8="}"#.utf8))
  }

  /// What a call's answer says: "ok", "refused" (the agent's own rejection), "lost" (libcurl
  /// 7.88 dropped an answer the agent sent before the request ended, and the gateway says so),
  /// or the answer itself.
  static func outcome(_ kind: String, _ response: String, lines: Int) -> String {
    switch kind {
    case "refused":
      if response.contains("\"unauthenticated\"") { return "refused" }
      if response.contains("lost the answer") || response.contains("not sent again") {
        return "lost"
      }
    case "bidi":
      if response.hasPrefix("HTTP/1.1 200"), !response.contains("\"error\""),
        response.components(separatedBy: "{\"result\":").count - 1 == lines
      {
        return "ok"
      }
    case "collect":
      if response.hasPrefix("HTTP/1.1 200"),
        response.contains("\"payload\":\"" + Data(repeating: 0x78, count: lines).base64EncodedString())
      {
        return "ok"
      }
    default:
      if response.contains("aGVsbG8=") { return "ok" }
    }
    return String(response.prefix(300))
  }

  /// Runs `perCaller` calls on each of `callers` threads at once: bidirectional, client
  /// streaming, unary and (when `withRefused`) refused streaming calls in turn.
  static func callStorm(
    _ socket: String, callers: Int, perCaller: Int, withRefused: Bool
  ) -> [String: Int] {
    let results = LockedCounts()
    let kinds = withRefused ? ["bidi", "collect", "unary", "refused"] : ["bidi", "collect", "unary"]
    for caller in 0..<callers {
      Thread {
        for round in 0..<perCaller {
          let kind = kinds[(caller + round) % kinds.count]
          let lines = 1 + (caller + round) % 6
          let response: String
          do {
            switch kind {
            case "bidi": response = try streamingCall(socket, method: "EchoStream", lines: lines)
            case "collect": response = try streamingCall(socket, method: "EchoCollect", lines: lines)
            case "refused":
              response = try streamingCall(socket, method: "EchoStream", lines: 4, refused: true)
            default:
              let result = try unaryCall(socket)
              response = "HTTP/1.1 \(result.status)\r\n\r\n" + result.text
            }
          } catch {
            response = "\(error)"
          }
          results.add(kind + ": " + outcome(kind, response, lines: lines))
        }
        results.finishOne()
      }.start()
    }
    while results.finished < callers { usleep(10_000) }
    return results.counts
  }

  @Test func streamingUploadsSucceedAmongManyCallsAndRefusedOnesHarmNoOther() throws {
    let fixture = try Fixture()
    let socket = fixture.gateway.socketPath
    let counts = Self.callStorm(socket, callers: 8, perCaller: 16, withRefused: true)
    // Every normal call succeeds; a refused one gets the agent's answer or, when libcurl 7.88
    // dropped it, says so (README, "Known issues"); nothing else.
    let expected: Set = ["bidi: ok", "collect: ok", "unary: ok", "refused: refused", "refused: lost"]
    #expect(Set(counts.keys).isSubset(of: expected), "\(counts)")
    #expect(counts["bidi: ok"] == 32 && counts["collect: ok"] == 32 && counts["unary: ok"] == 32)
    // And the agent connection still serves calls afterwards.
    for _ in 0..<10 {
      let result = try Self.unaryCall(socket)
      #expect(result.status == 200 && result.text.contains("aGVsbG8="), "\(result.text)")
    }
    let after = Self.callStorm(socket, callers: 4, perCaller: 6, withRefused: false)
    #expect(after == ["bidi: ok": 8, "collect: ok": 8, "unary: ok": 8], "\(after)")
  }

  @Test func callsSucceedAgainAfterTheAgentConnectionBroke() throws {
    let fixture = try Fixture()
    let socket = fixture.gateway.socketPath
    #expect(try Self.unaryCall(socket).status == 200)
    // Calls in flight when the agent dies: a server stream and a bidirectional stream.
    let inFlight = LockedCounts()
    Thread {
      let result = try? Curl.run(
        socket: socket, path: "/polykey.v1.TestService/Control",
        headers: ["Content-Type: application/json"],
        body: Array(#"{"messageCount": 100, "intervalMs": 50}"#.utf8))
      inFlight.add("server stream: \(result?.status ?? 0)")
      inFlight.finishOne()
    }.start()
    let bidi = try RawConnection(path: socket)
    bidi.send(
      "POST /polykey.v1.TestService/EchoStream HTTP/1.1\r\nHost: x\r\n"
        + "Content-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "13\r\n{\"payload\":\"b25l\"}\n\r\n")
    #expect(bidi.receive(timeout: 10) { $0.contains("b25l") }.0.contains("HTTP/1.1 200"))
    usleep(300_000)

    // kill -9 the agent mid-flight, and start another on the same socket.
    let agentProcess = fixture.agent.child.process
    kill(agentProcess.processIdentifier, SIGKILL)
    agentProcess.waitUntilExit()
    bidi.send("13\r\n{\"payload\":\"dHdv\"}\n\r\n0\r\n\r\n")
    // The streams in flight end with an error line (the agent is gone), not a hang.
    let (bidiEnd, _) = bidi.receive(timeout: 5) { $0.hasSuffix("0\r\n\r\n") }
    #expect(bidiEnd.contains("{\"error\":"), "\(bidiEnd)")
    while inFlight.finished < 1 { usleep(10_000) }
    #expect(inFlight.counts == ["server stream: 200": 1], "\(inFlight.counts)")
    var agents: [ReferenceAgent] = []
    defer { for agent in agents { agent.child.stop() } }
    agents.append(try Self.restartAgent(fixture, name: "agent-1"))

    // Three times: the first call on the new connection is one the agent refuses mid-upload
    // (libcurl 7.88 mostly loses that answer: the call that opened the connection ends without
    // one), with others waiting for that connection. A prior-knowledge transfer that then reused
    // the open connection broke it for good ("Error in the HTTP2 framing layer").
    for round in 0..<3 {
      if round > 0 {
        kill(agents[round - 1].child.process.processIdentifier, SIGKILL)
        agents[round - 1].child.process.waitUntilExit()
        agents.append(try Self.restartAgent(fixture, name: "agent-\(round + 1)"))
      }
      let opened = LockedCounts()
      Thread {
        let response = (try? Self.streamingCall(socket, method: "EchoStream", lines: 4, refused: true)) ?? ""
        opened.add(Self.outcome("refused", response, lines: 4))
        opened.finishOne()
      }.start()
      usleep(5_000)
      for _ in 0..<4 {
        Thread {
          _ = try? Self.unaryCall(socket)  // may fail: the agent was just restarted
          opened.finishOne()
        }.start()
      }
      while opened.finished < 5 { usleep(10_000) }
      #expect(Set(opened.counts.keys).isSubset(of: ["refused", "lost"]), "\(opened.counts)")
      for _ in 0..<3 {
        let result = try Self.unaryCall(socket)
        #expect(result.status == 200 && result.text.contains("aGVsbG8="), "round \(round): \(result.text)")
      }
    }

    // Every later call succeeds, streaming or not, one at a time and many at once.
    for _ in 0..<5 {
      let result = try Self.unaryCall(socket)
      #expect(result.status == 200 && result.text.contains("aGVsbG8="), "\(result.text)")
    }
    let after = Self.callStorm(socket, callers: 4, perCaller: 6, withRefused: false)
    #expect(after == ["bidi: ok": 8, "collect: ok": 8, "unary: ok": 8], "\(after)")
    let metrics = try Curl.run(socket: socket, path: "/-/metrics", method: "GET").text
    #expect(metrics.contains("session_gateway_agent_connection_failures_total "), "\(metrics)")
  }

  /// Starts another reference agent on the fixture's agent socket (the old one was killed).
  static func restartAgent(_ fixture: Fixture, name: String) throws -> ReferenceAgent {
    try? FileManager.default.removeItem(atPath: fixture.agent.socketPath)
    return try ReferenceAgent(directory: fixture.directory, name: name)
  }
}
