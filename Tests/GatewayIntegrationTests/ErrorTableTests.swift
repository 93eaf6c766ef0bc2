import Foundation
import Testing

// The contract's "Other errors" table (interface.md, "Errors"), row by row, in JSON mode:
// the built gateway, the real reference agent, curl over the Unix socket. The session table is
// in ErrorTableSessionTests.swift.

/// What an error response must say.
struct ExpectedError: Sendable {
  var http: Int
  var type: String
  var code: String
  var exitCode: Int
  /// nil: the body has no `grpcStatus` (an error the gateway made itself).
  var grpcStatus: Int?
  var message: String?
  /// The `WWW-Authenticate` header; nil: none.
  var challenge: String?
}

/// Checks an ordinary error response against the row: status, headers, and the body's fields.
@discardableResult
func expectError(
  _ result: CurlResult, _ expected: ExpectedError, sourceLocation: SourceLocation = #_sourceLocation
) throws -> [String: Any] {
  #expect(result.status == expected.http, "\(result.text)", sourceLocation: sourceLocation)
  #expect(result.header("Content-Type") == "application/json", sourceLocation: sourceLocation)
  #expect(result.header("X-Exit-Code") == String(expected.exitCode), sourceLocation: sourceLocation)
  #expect(result.header("WWW-Authenticate") == expected.challenge, sourceLocation: sourceLocation)
  let error = try errorObject(result)
  try expectErrorObject(error, expected, sourceLocation: sourceLocation)
  return error
}

/// Checks an error object (a response's, or a stream's last line) against the row.
func expectErrorObject(
  _ error: [String: Any], _ expected: ExpectedError,
  sourceLocation: SourceLocation = #_sourceLocation
) throws {
  #expect(error["type"] as? String == expected.type, "\(error)", sourceLocation: sourceLocation)
  #expect(error["code"] as? String == expected.code, "\(error)", sourceLocation: sourceLocation)
  #expect(error["exitCode"] as? Int == expected.exitCode, "\(error)", sourceLocation: sourceLocation)
  #expect(error["grpcStatus"] as? Int == expected.grpcStatus, "\(error)", sourceLocation: sourceLocation)
  #expect(error["message"] is String, sourceLocation: sourceLocation)
  if let message = expected.message {
    #expect(error["message"] as? String == message, "\(error)", sourceLocation: sourceLocation)
  }
}

/// A `ControlRequest` in JSON.
func controlJSON(
  status: Int = 0, message: String = "", messages: Int = 0, polykeyError: [String: Any]? = nil,
  errorTrailerJSON: String? = nil, trailing: [[String: Any]] = [], requireAuth: Bool = false,
  delayMs: Int = 0, echoTrailers: Bool = false
) throws -> String {
  var request: [String: Any] = [
    "statusCode": status, "statusMessage": message, "messageCount": messages,
    "requireAuth": requireAuth, "delayMs": delayMs, "echoMetadataInTrailers": echoTrailers,
  ]
  if let polykeyError { request["polykeyError"] = polykeyError }
  if let errorTrailerJSON { request["errorTrailerJson"] = errorTrailerJSON }
  if !trailing.isEmpty { request["trailingMetadata"] = trailing }
  return String(decoding: try JSONSerialization.data(withJSONObject: request), as: UTF8.self)
}

/// A serialized `google.rpc.Status`, base64 (for a `grpc-status-details-bin` trailer).
func rpcStatus(code: Int, message: String, details: [(String, [UInt8])]) -> [UInt8] {
  var status = ProtoWriter()
  status.uint(1, UInt64(code))
  status.string(2, message)
  for (url, value) in details {
    var any = ProtoWriter()
    any.string(1, url)
    any.bytes(2, value)
    status.bytes(3, any.bytes)
  }
  return status.bytes
}

@Suite(
  "Error table in JSON mode: the agent's errors and the gateway's own", .serialized,
  .sharedFixture(gateway: ["--max-body-bytes", "65536"]))
struct ErrorTableTests {
  static let unary = "/polykey.v1.TestService/ControlUnary"
  static let stream = "/polykey.v1.TestService/Control"

  // MARK: An agent error in the `error` trailer: HTTP status by its exit code

  /// exit code → HTTP status: 64, 65 → 400; 66, 67 → 404; 69, 75 → 503; 77 → 403; others → 500.
  static let exitCodeRows: [(exitCode: Int, http: Int)] = [
    (64, 400), (65, 400), (66, 404), (67, 404), (69, 503), (75, 503), (77, 403), (70, 500),
    (71, 500), (78, 500),
  ]

  @Test("An error trailer maps by its exit code", arguments: exitCodeRows, ["new", "old"])
  func trailerRow(_ row: (exitCode: Int, http: Int), shape: String) throws {
    let fixture = try SharedFixture.current
    let type = "ErrorTestExit\(row.exitCode)"
    let body = try controlJSON(
      status: 2, message: "grpc message",
      polykeyError: [
        "type": type, "description": "described \(row.exitCode)", "message": "vault café ✓ missing",
        "exitCode": row.exitCode, "shape": shape,
      ])
    let result = try fixture.json(Self.unary, body)
    let error = try expectError(
      result,
      ExpectedError(
        http: row.http, type: type, code: "unknown", exitCode: row.exitCode, grpcStatus: 2,
        message: "vault café ✓ missing"))
    #expect(error["description"] as? String == "described \(row.exitCode)")
    // The trailer, kept whole under `data`.
    let data = try #require(error["data"] as? [String: Any], "\(result.text)")
    if shape == "new" {
      #expect(data["type"] as? String == type)
      let inner = try #require(data["data"] as? [String: Any])
      #expect(inner["exitCode"] as? Int == row.exitCode)
      #expect(inner["stack"] is String && inner["timestamp"] is String)
    } else {
      #expect(data["name"] as? String == type)
      #expect(data["exitCode"] as? Int == row.exitCode)
      #expect(data["stack"] is String && data["timestamp"] is String)
    }
  }

  @Test("An empty message in the trailer gives its description", arguments: ["new", "old"])
  func trailerMessageFallsBackToTheDescription(shape: String) throws {
    let fixture = try SharedFixture.current
    let body = try controlJSON(
      status: 2,
      polykeyError: [
        "type": "ErrorVaultsVaultUndefined", "description": "Vault does not exist", "message": "",
        "exitCode": 67, "shape": shape,
      ])
    try expectError(
      try fixture.json(Self.unary, body),
      ExpectedError(
        http: 404, type: "ErrorVaultsVaultUndefined", code: "unknown", exitCode: 67, grpcStatus: 2,
        message: "Vault does not exist"))
  }

  /// The trailer wins over the status that carried it; `code` and `grpcStatus` are the status.
  @Test func aTrailerOnAnyStatusMapsByItsExitCode() throws {
    let fixture = try SharedFixture.current
    let body = try controlJSON(
      status: 5, message: "not found at all",
      polykeyError: ["type": "ErrorUsage", "description": "bad usage", "exitCode": 64])
    try expectError(
      try fixture.json(Self.unary, body),
      ExpectedError(
        http: 400, type: "ErrorUsage", code: "not_found", exitCode: 64, grpcStatus: 5,
        message: "bad usage"))
  }

  /// A non-Polykey error (`{"type", "data": {"message", "stack"}}`, no exit code) maps by the
  /// gRPC status, keeping its type and the trailer.
  @Test func aNonPolykeyTrailerMapsByTheStatus() throws {
    let fixture = try SharedFixture.current
    let body = try controlJSON(
      status: 2, polykeyError: ["type": "TypeError", "message": "x is undefined", "shape": "plain"])
    let error = try expectError(
      try fixture.json(Self.unary, body),
      ExpectedError(
        http: 500, type: "TypeError", code: "unknown", exitCode: 70, grpcStatus: 2,
        message: "x is undefined"))
    #expect((error["data"] as? [String: Any])?["type"] as? String == "TypeError")
  }

  /// An `error` trailer that is not a Polykey error's JSON is ignored: the status maps.
  @Test func anUnusableTrailerIsIgnored() throws {
    let fixture = try SharedFixture.current
    let body = try controlJSON(status: 9, message: "precondition", errorTrailerJSON: "not json")
    try expectError(
      try fixture.json(Self.unary, body),
      ExpectedError(
        http: 400, type: "ErrorAgentFailedPrecondition", code: "failed_precondition", exitCode: 65,
        grpcStatus: 9, message: "precondition"))
  }

  // MARK: An agent error with only a gRPC status

  /// (status, code, HTTP, exit code), every row but UNAUTHENTICATED (a session row).
  static let statusRows: [(status: Int, code: String, http: Int, exitCode: Int)] = [
    (1, "cancelled", 499, 75),
    (2, "unknown", 500, 70),
    (3, "invalid_argument", 400, 65),
    (4, "deadline_exceeded", 504, 75),
    (5, "not_found", 404, 66),
    (6, "already_exists", 409, 65),
    (7, "permission_denied", 403, 77),
    (8, "resource_exhausted", 429, 75),
    (9, "failed_precondition", 400, 65),
    (10, "aborted", 409, 65),
    (11, "out_of_range", 400, 65),
    (12, "unimplemented", 501, 64),
    (13, "internal", 500, 70),
    (14, "unavailable", 503, 69),
    (15, "data_loss", 500, 70),
  ]

  /// Also checks `grpc-message`: UTF-8, percent-encoded on the wire (with a literal `%`).
  @Test("A plain gRPC status maps by the status table", arguments: statusRows)
  func plainStatusRow(_ row: (status: Int, code: String, http: Int, exitCode: Int)) throws {
    let fixture = try SharedFixture.current
    let message = "row \(row.status): café ✓ 100% «done»"
    let result = try fixture.json(Self.unary, try controlJSON(status: row.status, message: message))
    let type = "ErrorAgent" + row.code.split(separator: "_").map { $0.capitalized }.joined()
    let error = try expectError(
      result,
      ExpectedError(
        http: row.http, type: type, code: row.code, exitCode: row.exitCode, grpcStatus: row.status,
        message: message))
    #expect(error["data"] == nil)
  }

  @Test func aPlainStatusWithoutAMessageSaysWhichStatus() throws {
    let fixture = try SharedFixture.current
    let error = try expectError(
      try fixture.json(Self.unary, try controlJSON(status: 5)),
      ExpectedError(http: 404, type: "ErrorAgentNotFound", code: "not_found", exitCode: 66, grpcStatus: 5))
    #expect((error["message"] as? String ?? "").contains("not_found"))
  }

  // MARK: grpc-status-details-bin

  /// Details whose type the schemas know are proto3 JSON with `@type` first (a message, a
  /// well-known type); unknown types, and values that do not decode as their type, keep
  /// `{"@type", "value": base64}`.
  @Test func statusDetailsAppearInTheBody() throws {
    let fixture = try SharedFixture.current
    var reply = ProtoWriter()  // polykey.v1.EchoReply
    reply.bytes(1, Array("hi".utf8))
    reply.string(2, "x-key")
    var entry = ProtoWriter()
    entry.string(1, "k")
    entry.string(2, "v")
    reply.bytes(3, entry.bytes)
    reply.uint(4, 2)
    reply.uint(8, 2)
    let unknown: [UInt8] = [0x0A, 0x02, 0x08, 0x05]
    let status = rpcStatus(
      code: 9, message: "from the details",
      details: [
        ("type.googleapis.com/polykey.v1.EchoReply", reply.bytes),
        ("type.googleapis.com/google.protobuf.Empty", []),
        ("type.googleapis.com/google.rpc.RetryInfo", unknown),
        ("type.googleapis.com/polykey.v1.EchoReply", [0xFF, 0xFF]),
      ])
    let body = try controlJSON(
      status: 9,
      trailing: [["key": "grpc-status-details-bin", "binaryValue": Data(status).base64EncodedString()]])
    let result = try fixture.json(Self.unary, body)
    // No grpc-message: the message is the Status's.
    let error = try expectError(
      result,
      ExpectedError(
        http: 400, type: "ErrorAgentFailedPrecondition", code: "failed_precondition", exitCode: 65,
        grpcStatus: 9, message: "from the details"))
    let details = try #require(error["details"] as? [[String: Any]], "\(result.text)")
    #expect(details.count == 4)
    #expect(result.text.contains(#"{"@type":"type.googleapis.com/polykey.v1.EchoReply","payload":"aGk=","#))
    #expect(details[0]["metadataKeys"] as? [String] == ["x-key"])
    #expect(details[0]["metadata"] as? [String: String] == ["k": "v"])
    #expect(details[0]["authorizationCount"] as? Int == 2)
    #expect(details[0]["authOutcome"] as? String == "AUTH_OUTCOME_BEARER_VALID")
    #expect(result.text.contains(#"{"@type":"type.googleapis.com/google.protobuf.Empty"}"#))
    #expect(details[2]["@type"] as? String == "type.googleapis.com/google.rpc.RetryInfo")
    #expect(details[2]["value"] as? String == Data(unknown).base64EncodedString())
    #expect(details[3]["value"] as? String == "//8=")
    // The header is the gateway's to read, not passed on as a Grpc-Trailer-*.
    #expect(result.header("Grpc-Trailer-Grpc-Status-Details-Bin") == nil)
  }

  // MARK: Errors the gateway makes itself

  @Test func aBadBodyIs400() throws {
    let fixture = try SharedFixture.current
    for body in ["{", #"{"messageCount": "many"}"#] {
      let error = try expectError(
        try fixture.json(Self.unary, body),
        ExpectedError(http: 400, type: "ErrorGatewayInvalidRequest", code: "invalid_argument", exitCode: 65))
      if body != "{" { #expect((error["message"] as? String ?? "").contains("messageCount")) }
    }
  }

  @Test(arguments: ["/polykey.v1.TestService/Nope", "/no.such.Service/Echo"])
  func anUnknownMethodIs404(path: String) throws {
    let fixture = try SharedFixture.current
    try expectError(
      try fixture.json(path),
      ExpectedError(http: 404, type: "ErrorGatewayMethodNotFound", code: "unimplemented", exitCode: 64))
  }

  /// Checked before the method lookup: an unknown method is a 405 too.
  @Test(arguments: ["GET", "PUT", "DELETE"])
  func anotherHTTPMethodIs405(method: String) throws {
    let fixture = try SharedFixture.current
    for path in [Self.unary, "/polykey.v1.TestService/Nope"] {
      let result = try fixture.json(path, method == "GET" ? nil : "{}", method: method)
      try expectError(
        result,
        ExpectedError(http: 405, type: "ErrorGatewayMethodNotAllowed", code: "unimplemented", exitCode: 64))
      #expect(result.header("Allow") == "POST")
    }
  }

  @Test func aBodyOverTheLimitIs413() throws {
    let fixture = try SharedFixture.current
    let big = "{\"statusMessage\": \"" + String(repeating: "x", count: 70_000) + "\"}"
    try expectError(
      try fixture.json(Self.unary, big),
      ExpectedError(http: 413, type: "ErrorGatewayBodyTooLarge", code: "resource_exhausted", exitCode: 65))
    // And the gateway goes on.
    #expect(try fixture.json(Self.unary).status == 200)
  }

  /// `Grpc-Timeout: 100m` against a call that waits 2 s: 504/75, well before the 2 s.
  @Test func aPassedDeadlineIs504() throws {
    let fixture = try SharedFixture.current
    let started = Date()
    let result = try fixture.json(
      Self.unary, try controlJSON(delayMs: 2000), headers: ["Grpc-Timeout: 100m"])
    #expect(Date().timeIntervalSince(started) < 1.5)
    #expect(result.status == 504, "\(result.text)")
    #expect(result.header("X-Exit-Code") == "75")
    let error = try errorObject(result)
    #expect(error["code"] as? String == "deadline_exceeded")
    #expect(error["exitCode"] as? Int == 75)
    // The gateway's deadline or the agent's, whichever fired first.
    let type = error["type"] as? String ?? ""
    #expect(type == "ErrorGatewayDeadlineExceeded" || type == "ErrorAgentDeadlineExceeded", "\(type)")
    if type == "ErrorGatewayDeadlineExceeded" {
      // The gateway's own words, not curl's "Operation timed out".
      let message = error["message"] as? String ?? ""
      #expect(message.hasPrefix("the call's deadline (100 ms) passed"), "\(message)")
    }
  }

  @Test func anInvalidGrpcTimeoutIs400() throws {
    let fixture = try SharedFixture.current
    try expectError(
      try fixture.json(Self.unary, headers: ["Grpc-Timeout: soon"]),
      ExpectedError(http: 400, type: "ErrorGatewayInvalidTimeout", code: "invalid_argument", exitCode: 65))
  }

  // MARK: NDJSON: the same mapping in a stream's last line

  /// Each row's error after the first streamed message is the last line, `{"error": …}`, with
  /// the same fields the unary call's error response has.
  @Test(
    "A stream failing after its first message ends with the mapped error",
    arguments: [
      "trailer-67", "trailer-old-75", "status-5", "status-14", "unauthenticated", "details",
    ])
  func streamLastLine(row: String) throws {
    let fixture = try SharedFixture.current
    let request: (Int) throws -> String = { messages in
      switch row {
      case "trailer-67":
        try controlJSON(
          status: 2, messages: messages,
          polykeyError: ["type": "ErrorVaultsVaultUndefined", "description": "Vault does not exist", "exitCode": 67])
      case "trailer-old-75":
        try controlJSON(
          status: 2, message: "later", messages: messages,
          polykeyError: ["type": "ErrorBusy", "message": "try later", "exitCode": 75, "shape": "old"])
      case "status-5": try controlJSON(status: 5, message: "gone: ünïcode", messages: messages)
      case "status-14": try controlJSON(status: 14, message: "going down", messages: messages)
      case "unauthenticated": try controlJSON(status: 16, messages: messages)
      default:
        try controlJSON(
          status: 3, messages: messages,
          trailing: [[
            "key": "grpc-status-details-bin",
            "binaryValue": Data(rpcStatus(code: 3, message: "m", details: [
              ("type.googleapis.com/google.protobuf.Empty", [])])).base64EncodedString(),
          ]])
      }
    }
    let unary = try fixture.json(Self.unary, try request(0))
    let expected = try errorObject(unary)
    #expect(unary.status >= 400)

    let streamed = try fixture.json(Self.stream, try request(2))
    #expect(streamed.status == 200)
    #expect(streamed.header("Content-Type") == "application/x-ndjson")
    #expect(streamed.text.hasSuffix("}\n"))
    let lines = try jsonLines(streamed)
    #expect(lines.count == 3, "\(streamed.text)")
    #expect(lines.prefix(2).allSatisfy { $0["result"] != nil })
    let error = try #require(lines.last?["error"] as? [String: Any], "\(streamed.text)")
    for key in ["type", "code", "grpcStatus", "message", "description", "exitCode"] {
      #expect(
        (error[key] as? NSObject) == (expected[key] as? NSObject), "\(key): \(error) vs \(expected)")
    }
    #expect((error["data"] == nil) == (expected["data"] == nil))
    #expect((error["details"] as? [Any])?.count == (expected["details"] as? [Any])?.count)
  }
}

/// An agent that is not there: 503/69 with `Retry-After`, for calls whose method is known.
@Suite("Error table in JSON mode: the agent unreachable")
struct AgentUnreachableTests {
  @Test func anUnreachableAgentIs503WithRetryAfter() throws {
    let fixture = try Fixture(gatewayArguments: ["--descriptor-set", Fixture.descriptorSet])
    fixture.agent.child.stop()
    for path in ["/polykey.v1.TestService/Echo", "/polykey.v1.TestService/Control"] {
      let result = try fixture.json(path)
      let error = try expectError(
        result,
        ExpectedError(http: 503, type: "ErrorGatewayAgentUnavailable", code: "unavailable", exitCode: 69))
      #expect(result.header("Retry-After") == "1")
      #expect(error["grpcStatus"] == nil)
      // Names the agent as configured, not curl's "localhost port 80".
      let message = try #require(error["message"] as? String)
      #expect(message.contains("cannot connect to unix:\(fixture.agent.socketPath): "), "\(message)")
      #expect(!message.contains("port 80"), "\(message)")
    }
  }
}
