import Foundation
import Testing

extension Fixture {
  /// A JSON call through the gateway with curl (`--data-binary`, so the body is sent as is).
  func json(
    _ path: String, _ body: String? = "{}", headers: [String] = [], method: String = "POST",
    contentType: String? = "application/json"
  ) throws -> CurlResult {
    try Curl.run(
      socket: gateway.socketPath, path: path, method: method,
      headers: (contentType.map { ["Content-Type: \($0)"] } ?? []) + headers,
      body: body.map { Array($0.utf8) })
  }

  /// The path of the reference agent's descriptor set (made by its setup script).
  static var descriptorSet: String {
    URL(fileURLWithPath: TestPaths.agentScript).deletingLastPathComponent()
      .appendingPathComponent("gen/polykey.binpb").path
  }
}

/// The body as a JSON object.
func jsonObject(_ result: CurlResult) throws -> [String: Any] {
  let value = try JSONSerialization.jsonObject(with: Data(result.body))
  return try #require(value as? [String: Any], "not a JSON object: \(result.text)")
}

/// NDJSON lines as objects.
func jsonLines(_ result: CurlResult) throws -> [[String: Any]] {
  try result.text.split(separator: "\n").map {
    try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
  }
}

func errorObject(_ result: CurlResult) throws -> [String: Any] {
  try #require(try jsonObject(result)["error"] as? [String: Any], "no error object: \(result.text)")
}

/// JSON calls through the built gateway to the real reference agent, driven by curl; schemas
/// from the agent's reflection unless a test gives a descriptor set.
@Suite("JSON calls", .serialized)
struct JSONCallTests {
  @Test func unaryCallAnswersTheMessageWithDefaultsAndCarriesMetadataBothWays() throws {
    let fixture = try Fixture()
    let result = try fixture.json(
      "/polykey.v1.TestService/Echo", #"{"payload": "aGVsbG8=", "requireAuth": false}"#,
      headers: ["Grpc-Metadata-X-Trace: abc-123"])
    #expect(result.status == 200, "\(result.text)")
    #expect(result.header("Content-Type") == "application/json")
    let reply = try jsonObject(result)
    #expect(reply["payload"] as? String == "aGVsbG8=")
    #expect((reply["metadata"] as? [String: String])?["x-trace"] == "abc-123")
    // Only the caller's metadata and gRPC's own reach the method: no HTTP headers of curl's.
    let keys = reply["metadataKeys"] as? [String] ?? []
    #expect(keys.contains("x-trace"), "\(keys)")
    for httpOnly in ["content-length", "accept", "expect", "host"] {
      #expect(!keys.contains(httpOnly), "\(keys)")
    }
    // Defaults are written, in lowerCamelCase.
    #expect(reply["authorizationCount"] as? Int == 0)
    #expect(reply["authOutcome"] as? String == "AUTH_OUTCOME_NONE")
    #expect(reply["authorizationScheme"] as? String == "")
  }

  @Test func optionsSwitchToProtoNamesAndOmitDefaults() throws {
    let fixture = try Fixture()
    let result = try fixture.json(
      "/polykey.v1.TestService/Echo?proto_names&omit_defaults", #"{"payload": "aGk="}"#)
    #expect(result.status == 200, "\(result.text)")
    let reply = try jsonObject(result)
    #expect(reply["auth_outcome"] as? String == "AUTH_OUTCOME_NONE")
    #expect(reply["authorization_count"] == nil && reply["authorizationCount"] == nil)
  }

  @Test func anOptionValueThatIsNotABooleanIs400() throws {
    let fixture = try Fixture()
    let result = try fixture.json("/polykey.v1.TestService/Echo?proto_names=yes", "{}")
    #expect(result.status == 400, "\(result.text)")
    let error = try #require(try jsonObject(result)["error"] as? [String: Any])
    #expect(error["exitCode"] as? Int == 65)
    #expect((error["message"] as? String)?.contains("proto_names") == true)
    // `=false` and unrelated parameters are fine.
    let plain = try fixture.json("/polykey.v1.TestService/Echo?proto_names=false&x=1", "{}")
    #expect(plain.status == 200, "\(plain.text)")
    #expect(try jsonObject(plain)["authOutcome"] as? String == "AUTH_OUTCOME_NONE")
  }

  @Test func leadingAndTrailingMetadataComeBackAsHeaders() throws {
    let fixture = try Fixture()
    let body = """
      {"leadingMetadata": [{"key": "x-lead", "value": "one"}],
       "trailingMetadata": [{"key": "x-trail", "value": "two"}]}
      """
    let result = try fixture.json("/polykey.v1.TestService/ControlUnary", body)
    #expect(result.status == 200, "\(result.text)")
    #expect(result.header("Grpc-Metadata-X-Lead") == "one")
    #expect(result.header("Grpc-Trailer-X-Trail") == "two")
    #expect(try jsonObject(result)["index"] as? Int == 0)
  }

  /// A `Grpc-Metadata-*-Bin` value must be base64 (padded or not, as gRPC accepts): anything
  /// else is a 400 naming the header, before the call, instead of reaching the agent as is.
  @Test func invalidBase64InABinaryMetadataHeaderIs400() throws {
    let fixture = try Fixture()
    for value in ["not base64!", "AAE=x", "A"] {
      let result = try fixture.json(
        "/polykey.v1.TestService/Echo", #"{"requireAuth": false}"#,
        headers: ["Grpc-Metadata-X-Trace-Bin: \(value)"])
      #expect(result.status == 400, "\(value): \(result.text)")
      let error = try errorObject(result)
      #expect(error["type"] as? String == "ErrorGatewayInvalidRequest")
      #expect(error["exitCode"] as? Int == 65)
      let message = error["message"] as? String ?? ""
      #expect(message.contains("Grpc-Metadata-X-Trace-Bin"), "\(message)")
    }
    // Padded and unpadded both reach the agent, which decodes them (echoed back re-encoded).
    for value in ["AAEC/w==", "AAEC/w"] {
      let result = try fixture.json(
        "/polykey.v1.TestService/ControlUnary", #"{"echoMetadataInTrailers": true}"#,
        headers: ["Grpc-Metadata-X-Trace-Bin: \(value)"])
      #expect(result.status == 200, "\(value): \(result.text)")
      let echoed = result.header("Grpc-Trailer-X-Trace-Bin") ?? ""
      #expect(Base64Check.decode(echoed) == [0, 1, 2, 255], "\(echoed)")
    }
  }

  @Test func emptyBodyAndCurlFormContentTypeAreAnEmptyMessage() throws {
    let fixture = try Fixture()
    let empty = try fixture.json("/polykey.v1.TestService/Echo", "", contentType: nil)
    #expect(empty.status == 200, "\(empty.text)")
    #expect(try jsonObject(empty)["payload"] as? String == "")
    let form = try fixture.json(
      "/polykey.v1.TestService/Echo", #"{"payload":"eA=="}"#,
      contentType: "application/x-www-form-urlencoded")
    #expect(try jsonObject(form)["payload"] as? String == "eA==")
  }

  @Test func serverStreamingIsOneResultLinePerMessage() throws {
    let fixture = try Fixture()
    let result = try fixture.json(
      "/polykey.v1.TestService/Control", #"{"messageCount": 3, "payloadSize": 2}"#)
    #expect(result.status == 200)
    #expect(result.header("Content-Type") == "application/x-ndjson")
    #expect(result.header("Transfer-Encoding") == "chunked")
    let lines = try jsonLines(result)
    #expect(lines.count == 3)
    for (index, line) in lines.enumerated() {
      let message = try #require(line["result"] as? [String: Any])
      #expect(message["index"] as? Int == index)
      #expect(message["payload"] as? String == "AAE=")
    }
  }

  @Test func anErrorAfterTheFirstMessageIsTheLastLine() throws {
    let fixture = try Fixture()
    let result = try fixture.json(
      "/polykey.v1.TestService/Control",
      #"{"messageCount": 2, "statusCode": 5, "statusMessage": "gone: ünïcode"}"#)
    #expect(result.status == 200)
    let lines = try jsonLines(result)
    #expect(lines.count == 3)
    let error = try #require(lines.last?["error"] as? [String: Any])
    #expect(error["code"] as? String == "not_found")
    #expect(error["grpcStatus"] as? Int == 5)
    #expect(error["message"] as? String == "gone: ünïcode")
    #expect(error["exitCode"] is Int)
  }

  @Test func anErrorBeforeAnyMessageIsAnOrdinaryErrorResponse() throws {
    let fixture = try Fixture()
    let stream = try fixture.json("/polykey.v1.TestService/Control", #"{"statusCode": 5}"#)
    #expect(stream.status == 404, "\(stream.text)")
    #expect(try errorObject(stream)["grpcStatus"] as? Int == 5)
    let unary = try fixture.json("/polykey.v1.TestService/ControlUnary", #"{"statusCode": 3}"#)
    #expect(unary.status == 400)
    #expect(try errorObject(unary)["code"] as? String == "invalid_argument")
  }

  @Test func clientStreamingSendsEveryNDJSONLine() throws {
    let fixture = try Fixture()
    let body = "{\"payload\":\"YQ==\"}\n\n{\"payload\":\"Yg==\"}\r\n{\"payload\":\"Yw==\"}"
    let result = try fixture.json(
      "/polykey.v1.TestService/EchoCollect", body, contentType: "application/x-ndjson")
    #expect(result.status == 200, "\(result.text)")
    #expect(try jsonObject(result)["payload"] as? String == Data("abc".utf8).base64EncodedString())
  }

  @Test func bidirectionalStreamingAnswersEachLineBeforeTheNextIsSent() throws {
    let fixture = try Fixture()
    let connection = try RawConnection(path: fixture.gateway.socketPath)
    connection.send(
      "POST /polykey.v1.TestService/EchoStream HTTP/1.1\r\nHost: x\r\n"
        + "Content-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n")
    func chunk(_ text: String) -> String { String(text.utf8.count, radix: 16) + "\r\n" + text + "\r\n" }
    connection.send(chunk("{\"payload\":\"b25l\"}\n"))
    let (first, _) = connection.receive(timeout: 10) { $0.contains("b25l") }
    #expect(first.contains("HTTP/1.1 200"))
    #expect(first.contains("{\"result\":{\"payload\":\"b25l\""))
    connection.send(chunk("{\"payload\":\"dHdv\"}\n"))
    let (second, _) = connection.receive(timeout: 10) { $0.contains("dHdv") }
    #expect(second.contains("dHdv"))
    connection.send("0\r\n\r\n")
    let (end, _) = connection.receive(timeout: 10) { $0.hasSuffix("0\r\n\r\n") }
    #expect(end.hasSuffix("0\r\n\r\n"))
  }

  @Test func badBodiesAre400WithTheFieldPath() throws {
    let fixture = try Fixture()
    let cases: [(String, String)] = [
      ("{", ""),
      (#"{"payload": 5}"#, "payload"),
      (#"{"messageCount": -1}"#, "messageCount"),
      (#"{"messageCount": 4294967296}"#, "messageCount"),
      (#"{"leadingMetadata": [{"key": "a"}, {"binaryValue": "!!"}]}"#, "leadingMetadata[1].binaryValue"),
      (#"{"polykeyError": {"exitCode": "x"}}"#, "polykeyError.exitCode"),
      (#"{"noSuchField": 1}"#, "noSuchField"),
      ("[]", ""),
    ]
    for (body, path) in cases {
      let result = try fixture.json("/polykey.v1.TestService/ControlUnary", body)
      #expect(result.status == 400, "\(body): \(result.text)")
      #expect(result.header("X-Exit-Code") == "65")
      let error = try errorObject(result)
      #expect(error["code"] as? String == "invalid_argument")
      #expect(error["exitCode"] as? Int == 65)
      if !path.isEmpty {
        #expect((error["message"] as? String ?? "").contains(path), "\(body): \(result.text)")
      }
    }
    // An enum by an unknown name, and unknown fields ignored on request.
    let echo = try fixture.json("/polykey.v1.TestService/Echo", #"{"payload": "", "x": 1}"#)
    #expect(echo.status == 400)
    let ignored = try fixture.json(
      "/polykey.v1.TestService/Echo?ignore_unknown_fields", #"{"payload": "", "x": 1}"#)
    #expect(ignored.status == 200)
    // The gateway keeps serving after all of that.
    #expect(try fixture.json("/polykey.v1.TestService/Echo").status == 200)
  }

  @Test func unknownMethodsAre404AndOtherHTTPMethods405() throws {
    let fixture = try Fixture()
    for path in ["/polykey.v1.TestService/Nope", "/no.such.Service/Echo"] {
      let result = try fixture.json(path)
      #expect(result.status == 404, "\(result.text)")
      #expect(try errorObject(result)["exitCode"] as? Int == 64)
      #expect(try errorObject(result)["code"] as? String == "unimplemented")
    }
    let get = try fixture.json("/polykey.v1.TestService/Nope", nil, method: "GET")
    #expect(get.status == 405)
    #expect(try errorObject(get)["exitCode"] as? Int == 64)
    let unsupported = try fixture.json("/polykey.v1.TestService/Echo", "x", contentType: "text/plain")
    #expect(unsupported.status == 415)
  }

  @Test func methodsListsEveryServiceWithKindsAndTypes() throws {
    let fixture = try Fixture()
    _ = try fixture.json("/polykey.v1.TestService/Echo")  // the fetch has surely finished
    let result = try fixture.json("/-/methods", nil, method: "GET")
    #expect(result.status == 200)
    let listing = try jsonObject(result)
    #expect(listing["source"] as? String == "reflection")
    let services = try #require(listing["services"] as? [[String: Any]])
    let test = try #require(services.first { $0["name"] as? String == "polykey.v1.TestService" })
    let methods = try #require(test["methods"] as? [[String: Any]])
    let control = try #require(methods.first { $0["name"] as? String == "Control" })
    #expect(control["path"] as? String == "/polykey.v1.TestService/Control")
    #expect(control["kind"] as? String == "server_streaming")
    #expect(control["requestType"] as? String == "polykey.v1.ControlRequest")
    #expect(control["responseType"] as? String == "polykey.v1.ControlReply")
    let kinds = Set(methods.compactMap { $0["kind"] as? String })
    #expect(kinds == ["unary", "server_streaming", "client_streaming", "bidi_streaming"])
  }

  @Test func descriptorSetsWorkWithoutReflection() throws {
    let fixture = try Fixture(
      agentArguments: ["--no-reflection"], gatewayArguments: ["--descriptor-set", Fixture.descriptorSet])
    let result = try fixture.json("/polykey.v1.TestService/Echo", #"{"payload": "aGk="}"#)
    #expect(result.status == 200, "\(result.text)")
    let listing = try jsonObject(try fixture.json("/-/methods", nil, method: "GET"))
    #expect(listing["source"] as? String == "descriptor-set")
  }

  @Test func withoutReflectionOrDescriptorsJSONCallsAre503() throws {
    let fixture = try Fixture(agentArguments: ["--no-reflection"])
    let result = try fixture.json("/polykey.v1.TestService/Echo")
    #expect(result.status == 503, "\(result.text)")
    #expect(try errorObject(result)["exitCode"] as? Int == 69)
  }

  @Test func aMethodTheSchemasLackIsFetchedAgainFromAnUpgradedAgent() throws {
    let directory = try TemporaryDirectory()
    let older = try ReferenceAgent(directory: directory, arguments: ["--without-test-service"])
    let gateway = try Gateway(agent: older.address, directory: directory)
    let methods = { () throws -> String in
      try Curl.run(socket: gateway.socketPath, path: "/-/methods", method: "GET").text
    }
    try gateway.child.wait(for: "the first schema fetch") {
      (try? methods())?.contains("polykey.v1.ClientService") ?? false
    }
    #expect(try !methods().contains("polykey.v1.TestService"))
    older.child.stop()
    let newer = try ReferenceAgent(directory: directory, name: "agent-upgraded")
    #expect(newer.socketPath == older.socketPath)
    usleep(1_100_000)  // at most one fetch a second
    let result = try Curl.run(
      socket: gateway.socketPath, path: "/polykey.v1.TestService/Echo", body: Array("{}".utf8))
    #expect(result.status == 200, "\(result.text)")
    #expect(try methods().contains("polykey.v1.TestService"))
  }

  /// An agent that comes up after the gateway: `/-/methods` fetches again by itself (no JSON
  /// call needed first), and says why while it cannot.
  @Test func methodsFetchesAgainWhenTheAgentComesUpLate() throws {
    let directory = try TemporaryDirectory()
    let gateway = try Gateway(agent: "unix:" + directory.file("agent.sock"), directory: directory)
    let methods = { () throws -> [String: Any] in
      try jsonObject(try Curl.run(socket: gateway.socketPath, path: "/-/methods", method: "GET"))
    }
    let before = try methods()
    #expect((before["services"] as? [Any])?.isEmpty == true)
    #expect((before["reflectionError"] as? String)?.contains("cannot connect") == true, "\(before)")
    let agent = try ReferenceAgent(directory: directory)
    _ = agent
    usleep(1_100_000)  // at most one fetch a second
    let after = try methods()
    #expect(after["reflectionError"] == nil, "\(after)")
    let names = (after["services"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
    #expect(names.contains("polykey.v1.TestService"), "\(names)")
  }

  /// The caller's deadline covers the wait for the agent's schemas: an agent that never
  /// answers its reflection makes the call 504 when the caller's deadline passes, not 503
  /// when the gateway's own fetch gives up ten seconds later.
  @Test func theCallersDeadlineCoversTheSchemaFetch() throws {
    let directory = try TemporaryDirectory()
    let agent = try SilentAgent(directory: directory)
    let gateway = try Gateway(agent: agent.address, directory: directory)
    let started = Date()
    let result = try Curl.run(
      socket: gateway.socketPath, path: "/polykey.v1.TestService/Echo",
      headers: ["Content-Type: application/json", "Grpc-Timeout: 300m"], body: Array("{}".utf8))
    #expect(Date().timeIntervalSince(started) < 5)
    #expect(result.status == 504, "\(result.text)")
    #expect(result.header("X-Exit-Code") == "75")
    let message = try errorObject(result)["message"] as? String ?? ""
    #expect(message.contains("deadline (300 ms) passed before the call reached the agent"), "\(message)")
  }

  /// With the agent gone, a method the schemas lack may exist in the agent that comes back:
  /// the failed fetch makes it 503 (try again), not 404 (it does not exist).
  @Test func anUnknownMethodWhileTheAgentIsDownIs503() throws {
    let directory = try TemporaryDirectory()
    let agent = try ReferenceAgent(directory: directory)
    let gateway = try Gateway(agent: agent.address, directory: directory)
    try gateway.child.wait(for: "the first schema fetch") {
      (try? Curl.run(socket: gateway.socketPath, path: "/-/methods", method: "GET").text)?
        .contains("polykey.v1.TestService") ?? false
    }
    agent.child.stop()
    usleep(1_100_000)  // at most one fetch a second
    let result = try Curl.run(
      socket: gateway.socketPath, path: "/polykey.v1.TestService/NoSuchMethod", body: Array("{}".utf8))
    #expect(result.status == 503, "\(result.text)")
    #expect(result.header("X-Exit-Code") == "69")
    #expect(result.header("Retry-After") != nil)
  }

  /// Reflection that lists the services but answers every file lookup with an error: their
  /// methods are unknown, not missing, so a call is 503 (schemas unavailable), not 404; a
  /// service the agent did not list is still 404.
  @Test(arguments: ["error", "empty"])
  func reflectionThatGivesNoSchemaIs503(mode: String) throws {
    let directory = try TemporaryDirectory()
    let agent = try HostileAgent(directory: directory, reflection: mode)
    let gateway = try Gateway(agent: agent.address, directory: directory)
    let result = try Curl.run(
      socket: gateway.socketPath, path: "/polykey.v1.TestService/Echo", body: Array("{}".utf8))
    #expect(result.status == 503, "\(result.text)")
    #expect(result.header("X-Exit-Code") == "69")
    let error = try errorObject(result)
    #expect(error["code"] as? String == "unavailable")
    let message = error["message"] as? String ?? ""
    #expect(message.contains("schemas are unavailable"), "\(message)")
    #expect(message.contains("polykey.v1.TestService"), "\(message)")
    if mode == "error" { #expect(message.contains("nope"), "\(message)") }
    let unlisted = try Curl.run(
      socket: gateway.socketPath, path: "/no.such.Service/Echo", body: Array("{}".utf8))
    #expect(unlisted.status == 404, "\(unlisted.text)")
    #expect(gateway.log.contains("reflection gave no schema for some services"))
  }

  /// An empty descriptor set file is a valid, empty FileDescriptorSet: the gateway starts, and
  /// warns naming the file, since JSON calls then have nothing to call.
  @Test func aDescriptorSetWithoutServicesIsAWarningNamingTheFile() throws {
    let directory = try TemporaryDirectory()
    let agent = try ReferenceAgent(directory: directory)
    let empty = directory.file("empty.binpb")
    #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
    let gateway = try Gateway(
      agent: agent.address, directory: directory, arguments: ["--descriptor-set", empty])
    let result = try Curl.run(
      socket: gateway.socketPath, path: "/polykey.v1.TestService/Echo", body: Array("{}".utf8))
    #expect(result.status == 404, "\(result.text)")
    let log = gateway.log
    #expect(log.contains("descriptor set holds no services path=\(empty)"), "\(log)")
    #expect(log.contains("no services in the descriptor sets"), "\(log)")
  }

  /// With a set that has services beside it, only the empty one is named.
  @Test func onlyTheSetWithoutServicesIsNamed() throws {
    let directory = try TemporaryDirectory()
    let agent = try ReferenceAgent(directory: directory)
    let empty = directory.file("empty.binpb")
    #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
    let gateway = try Gateway(
      agent: agent.address, directory: directory,
      arguments: ["--descriptor-set", Fixture.descriptorSet, "--descriptor-set", empty])
    #expect(try Curl.run(
      socket: gateway.socketPath, path: "/polykey.v1.TestService/Echo", body: Array("{}".utf8)).status == 200)
    let log = gateway.log
    #expect(log.contains("descriptor set holds no services path=\(empty)"), "\(log)")
    #expect(!log.contains("path=\(Fixture.descriptorSet)"), "\(log)")
    #expect(!log.contains("no services in the descriptor sets"), "\(log)")
  }

  @Test func aBrokenDescriptorSetStopsTheGatewayNamingTheFileAndSymbol() throws {
    let directory = try TemporaryDirectory()
    // client_service.proto without the files it imports.
    let broken = directory.file("broken.binpb")
    let protos = URL(fileURLWithPath: TestPaths.agentScript).deletingLastPathComponent()
      .appendingPathComponent("protos").path
    let (code, _, errors) = try runProcess(
      "/usr/bin/protoc",
      ["-I", protos, "--descriptor_set_out=" + broken, "polykey/v1/client_service.proto"])
    #expect(code == 0, "\(errors)")
    let (exit, _, stderr) = try runProcess(
      TestPaths.gatewayBinary,
      ["--agent", "unix:" + directory.file("none.sock"), "--listen", directory.file("g.sock"),
       "--token-file", directory.file("token"), "--descriptor-set", broken])
    let message = stderr
    #expect(exit == 78)
    #expect(message.contains("polykey/v1/client_service.proto"), "\(message)")
    #expect(message.contains("google/protobuf/empty.proto, which is not in the descriptor set"), "\(message)")
  }
}

/// Decodes base64 padded or not (what an agent may send back).
enum Base64Check {
  static func decode(_ text: String) -> [UInt8]? {
    let padded = text + String(repeating: "=", count: (4 - text.count % 4) % 4)
    return Data(base64Encoded: padded).map { Array($0) }
  }
}
