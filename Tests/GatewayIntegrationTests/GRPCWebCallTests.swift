import Foundation
import Testing

/// gRPC-Web calls through the built gateway to the real reference agent, driven by curl.
@Suite("gRPC-Web calls", .serialized)
struct GRPCWebCallTests {
  @Test func unaryCallCarriesTheSessionAndRotatesTheToken() throws {
    let fixture = try Fixture()
    try fixture.unlock()
    let tokenBefore = try #require(fixture.gateway.storedToken)

    let (result, response) = try fixture.web("/polykey.v1.TestService/Echo", echoRequest())

    #expect(result.status == 200)
    #expect(result.header("Content-Type") == "application/grpc-web+proto")
    let web = try #require(response)
    #expect(web.trailers["grpc-status"] == "0")
    #expect(web.trailers["x-echo-auth-outcome"] == "AUTH_OUTCOME_BEARER_VALID")
    #expect(web.trailers["x-echo-authorization-scheme"] == "Bearer")
    #expect(web.trailers["x-echo-authorization-sha256"] == (try sha256Hex("Bearer " + tokenBefore)))
    let reply = ProtoReader.fields(try #require(web.messages.first))
    #expect(reply.first { $0.0 == 1 }?.1 == .bytes(Array("hello".utf8)))
    // The agent handed back a fresh token: stored, never passed on.
    let tokenAfter = try fixture.gateway.waitForToken(differentFrom: tokenBefore)
    #expect(tokenAfter != tokenBefore)
    #expect(!result.text.contains(tokenAfter) && !result.text.contains(tokenBefore))
    #expect(!result.headers.contains { $0.0.lowercased() == "authorization" })
    #expect(!fixture.gateway.log.contains(tokenAfter) && !fixture.gateway.log.contains(tokenBefore))
  }

  @Test func serverStreamingPassesEveryFrameAndTheTrailers() throws {
    let fixture = try Fixture()
    var control = ProtoWriter()
    control.uint(1, 5)  // message_count
    control.uint(2, 300)  // payload_size
    let (result, response) = try fixture.web("/polykey.v1.TestService/Control", control.bytes)
    #expect(result.status == 200)
    #expect(result.header("Transfer-Encoding") == "chunked")
    let web = try #require(response)
    #expect(web.messages.count == 5)
    for (index, message) in web.messages.enumerated() {
      let fields = ProtoReader.fields(message)
      let expectedIndex: ProtoReader.Value? = index == 0 ? nil : .varint(UInt64(index))
      #expect(fields.first { $0.0 == 1 }?.1 == expectedIndex)
      #expect(fields.first { $0.0 == 2 }?.1 == .bytes((0..<300).map { UInt8($0 % 256) }))
    }
    #expect(web.trailers["grpc-status"] == "0")
    #expect(web.trailerFrames == 1)
  }

  /// A `-bin` request header that is not base64 is refused like other bad input: trailers-only,
  /// `grpc-status: 3`, the message naming the header. Padded and unpadded values go through.
  @Test func invalidBase64InABinaryHeaderIsInvalidArgument() throws {
    let fixture = try Fixture()
    let (refused, response) = try fixture.web(
      "/polykey.v1.TestService/Echo", echoRequest(requireAuth: false),
      headers: ["X-Trace-Bin: not base64!"])
    #expect(refused.status == 200)
    #expect(
      (refused.header("grpc-status") ?? response?.trailers["grpc-status"]) == "3", "\(refused.text)"
    )
    let message =
      (refused.header("grpc-message") ?? response?.trailers["grpc-message"] ?? "")
      .removingPercentEncoding ?? ""
    #expect(message.contains("X-Trace-Bin"), "\(message)")
    for value in ["AAEC/w==", "AAEC/w"] {
      var control = ProtoWriter()
      control.bool(9, true)  // echo_metadata_in_trailers
      let (result, web) = try fixture.web(
        "/polykey.v1.TestService/ControlUnary", control.bytes, headers: ["X-Trace-Bin: \(value)"])
      #expect(result.status == 200)
      #expect(web?.trailers["grpc-status"] == "0", "\(value): \(result.text)")
      #expect(Base64Check.decode(web?.trailers["x-trace-bin"] ?? "") == [0, 1, 2, 255])
    }
  }

  /// What `base64` (coreutils) prints, 76-column lines and a final newline, is a valid body.
  @Test func textModeTakesWrappedBase64() throws {
    let fixture = try Fixture()
    var control = ProtoWriter()
    control.uint(1, 3)
    control.uint(2, 7)
    control.string(6, String(repeating: "A", count: 200))  // long enough to wrap
    let encoded = Data(GRPCWeb.frame(control.bytes)).base64EncodedString(
      options: [.lineLength76Characters, .endLineWithLineFeed]) + "\n"
    #expect(encoded.contains("\n"))
    let result = try Curl.run(
      socket: fixture.gateway.socketPath, path: "/polykey.v1.TestService/Control",
      headers: ["Content-Type: application/grpc-web-text"], body: Array(encoded.utf8))
    #expect(result.status == 200)
    #expect(result.header("Content-Type") == "application/grpc-web-text")
    #expect(result.text.hasPrefix("AAAAA"), "a message frame first: \(result.text.prefix(40))")
  }

  @Test func textModeIsBase64BothWays() throws {
    let fixture = try Fixture()
    var control = ProtoWriter()
    control.uint(1, 3)
    control.uint(2, 7)
    let body = Array(Data(GRPCWeb.frame(control.bytes)).base64EncodedString().utf8)
    let result = try Curl.run(
      socket: fixture.gateway.socketPath, path: "/polykey.v1.TestService/Control",
      headers: ["Content-Type: application/grpc-web-text"], body: body)
    #expect(result.status == 200)
    #expect(result.header("Content-Type") == "application/grpc-web-text")
    // Each unit is padded on its own: decode group by group.
    var decoded: [UInt8] = []
    var text = result.text[...]
    while !text.isEmpty {
      let end = text.index(after: text.firstIndex(of: "=").map { index in
        var last = index
        while text.index(after: last) < text.endIndex, text[text.index(after: last)] == "=" {
          last = text.index(after: last)
        }
        return last
      } ?? text.index(before: text.endIndex))
      decoded += [UInt8](try #require(Data(base64Encoded: String(text[..<end]))))
      text = text[end...]
    }
    let web = try #require(GRPCWeb.parse(decoded))
    #expect(web.messages.count == 3)
    #expect(web.trailers["grpc-status"] == "0")
  }

  /// Requests of unknown length (text mode, a chunked body) are gathered and sent with their
  /// length: libcurl 7.88's HTTP/2 uploads of unknown length failed now and then under load
  /// ("necessary data rewind wasn't possible") and could leave the agent connection broken.
  @Test func requestsOfUnknownLengthSucceedCallAfterCall() throws {
    let fixture = try Fixture()
    var control = ProtoWriter()
    control.uint(1, 1)
    let frame = GRPCWeb.frame(control.bytes)
    let text = Array(Data(frame).base64EncodedString().utf8)
    var failures: [String] = []
    for index in 0..<40 {
      let result = try Curl.run(
        socket: fixture.gateway.socketPath, path: "/polykey.v1.TestService/Control",
        headers: index % 2 == 0
          ? ["Content-Type: application/grpc-web-text"]
          : ["Content-Type: application/grpc-web+proto", "Transfer-Encoding: chunked"],
        body: index % 2 == 0 ? text : frame)
      if result.status != 200 || result.header("grpc-status") != nil || result.body.count < 20 {
        failures.append("\(index): \(result.status) \(result.headers)")
      }
    }
    #expect(failures.isEmpty, "\(failures)")
  }

  @Test func agentStatusAndMessageGoThroughUnchanged() throws {
    let fixture = try Fixture()
    var control = ProtoWriter()
    control.uint(1, 1)
    control.uint(5, 5)  // NOT_FOUND
    control.string(6, "déjà vu 100%")
    var entry = ProtoWriter()
    entry.string(1, "x-detail")
    entry.string(2, "kept")
    control.bytes(11, entry.bytes)
    let (result, response) = try fixture.web("/polykey.v1.TestService/Control", control.bytes)
    #expect(result.status == 200)
    let web = try #require(response)
    #expect(web.messages.count == 1)
    #expect(web.trailers["grpc-status"] == "5")
    #expect(web.trailers["grpc-message"] == "d%C3%A9j%C3%A0 vu 100%25")
    #expect(web.trailers["x-detail"] == "kept")
  }

  @Test func trailersOnlyAnswerBecomesHeaders() throws {
    let fixture = try Fixture()
    var control = ProtoWriter()
    control.uint(5, 7)  // PERMISSION_DENIED
    control.string(6, "no")
    control.bool(7, true)  // trailers_only
    let (result, _) = try fixture.web("/polykey.v1.TestService/ControlUnary", control.bytes)
    #expect(result.status == 200)
    #expect(result.header("grpc-status") == "7")
    #expect(result.header("grpc-message") == "no")
    #expect(result.body.isEmpty)
  }

  @Test func polykeyErrorTrailerPassesThrough() throws {
    let fixture = try Fixture()
    // No token at all: the agent says ErrorClientJWTTokenNotProvided in its `error` trailer.
    let (result, response) = try fixture.web("/polykey.v1.ClientService/AgentStatus")
    #expect(result.status == 200)
    let status = response?.trailers["grpc-status"] ?? result.header("grpc-status")
    #expect(status == "2")
    let error = response?.trailers["error"] ?? result.header("error") ?? ""
    #expect(error.contains("ErrorClientJWTTokenNotProvided"))
  }

  @Test func unreachableAgentIsUnavailable() throws {
    let directory = try TemporaryDirectory()
    let gateway = try Gateway(agent: "unix:" + directory.file("nobody-home.sock"), directory: directory)
    let result = try Curl.run(
      socket: gateway.socketPath, path: "/polykey.v1.ClientService/AgentStatus",
      headers: ["Content-Type: application/grpc-web+proto"], body: GRPCWeb.frame([]))
    #expect(result.status == 200)
    #expect(result.header("grpc-status") == "14")
    // And it keeps serving.
    let health = try Curl.run(socket: gateway.socketPath, path: "/-/health", method: "GET")
    #expect(health.status == 200)
  }
}
