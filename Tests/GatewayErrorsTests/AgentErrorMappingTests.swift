import Foundation
import GatewayCore
import GatewayErrors
import Testing

/// `GatewayError.fromAgent` and `fromTransport`: every row of the contract's tables
/// (interface.md, "Errors"), one test argument each, the body parsed back.
@Suite struct AgentErrorMappingTests {
  /// A Polykey `error` trailer in the new or old shape.
  static func trailer(_ type: String, exitCode: Int?, description: String = "d", message: String = "",
                      shape: String = "new") -> String {
    let exit = exitCode.map { ",\"exitCode\":\($0)" } ?? ""
    if shape == "old" {
      return "{\"name\":\"\(type)\",\"description\":\"\(description)\",\"message\":\"\(message)\"\(exit),\"data\":{}}"
    }
    return "{\"type\":\"\(type)\",\"data\":{\"message\":\"\(message)\",\"description\":\"\(description)\"\(exit),\"data\":{}}}"
  }

  struct SessionRow: Sendable, CustomTestStringConvertible {
    var name: String
    var code: GRPCStatusCode
    var trailer: String?
    var tokenSent: Bool
    var type: String
    var exitCode: Int
    var challenge: String
    var testDescription: String { name }
  }

  static let sessionRows: [SessionRow] = [
    .init(name: "v1 missing", code: .unknown,
          trailer: trailer("ErrorClientJWTTokenNotProvided", exitCode: 77, description: "JWT Token not provided in metadata"),
          tokenSent: false, type: "ErrorClientJWTTokenNotProvided", exitCode: 77, challenge: "Bearer"),
    .init(name: "v2 missing", code: .unknown,
          trailer: trailer("ErrorClientAuthMissing", exitCode: 77), tokenSent: false,
          type: "ErrorClientJWTTokenNotProvided", exitCode: 77, challenge: "Bearer"),
    .init(name: "v1 missing, old shape, UNAUTHENTICATED", code: .unauthenticated,
          trailer: trailer("ErrorClientJWTTokenNotProvided", exitCode: 77, shape: "old"), tokenSent: false,
          type: "ErrorClientJWTTokenNotProvided", exitCode: 77, challenge: "Bearer"),
    .init(name: "bare UNAUTHENTICATED, nothing sent", code: .unauthenticated, trailer: nil,
          tokenSent: false, type: "ErrorClientJWTTokenNotProvided", exitCode: 77, challenge: "Bearer"),
    .init(name: "v1 invalid", code: .unknown,
          trailer: trailer("ErrorSessionTokenInvalid", exitCode: 65, description: "Invalid JWT Token, please reauthenticate."),
          tokenSent: true, type: "ErrorSessionTokenInvalid", exitCode: 65,
          challenge: "Bearer error=\"invalid_token\""),
    .init(name: "v1 invalid, old shape", code: .unknown,
          trailer: trailer("ErrorSessionTokenInvalid", exitCode: 65, shape: "old"), tokenSent: true,
          type: "ErrorSessionTokenInvalid", exitCode: 65, challenge: "Bearer error=\"invalid_token\""),
    .init(name: "v2 denied", code: .unknown, trailer: trailer("ErrorClientAuthDenied", exitCode: 65),
          tokenSent: true, type: "ErrorSessionTokenInvalid", exitCode: 65,
          challenge: "Bearer error=\"invalid_token\""),
    .init(name: "v2 format, token sent", code: .unknown, trailer: trailer("ErrorClientAuthFormat", exitCode: 64),
          tokenSent: true, type: "ErrorSessionTokenInvalid", exitCode: 65,
          challenge: "Bearer error=\"invalid_token\""),
    .init(name: "bare UNAUTHENTICATED, token sent", code: .unauthenticated, trailer: nil, tokenSent: true,
          type: "ErrorSessionTokenInvalid", exitCode: 65, challenge: "Bearer error=\"invalid_token\""),
    .init(name: "wrong password", code: .unknown,
          trailer: trailer("ErrorClientAuthDenied", exitCode: 65, description: "Incorrect password"),
          tokenSent: false, type: "ErrorClientAuthDenied", exitCode: 65, challenge: "Bearer"),
    .init(name: "malformed caller credentials", code: .unknown,
          trailer: trailer("ErrorClientAuthFormat", exitCode: 64), tokenSent: false,
          type: "ErrorClientAuthFormat", exitCode: 64, challenge: "Bearer"),
  ]

  @Test(arguments: sessionRows)
  func sessionRow(_ row: SessionRow) throws {
    var metadata = Metadata()
    if let trailer = row.trailer { metadata.append("error", trailer) }
    let error = GatewayError.fromAgent(
      code: row.code, message: "", metadata: metadata, tokenSent: row.tokenSent)
    #expect(error.httpStatus == 401)
    #expect(error.type == row.type)
    #expect(error.exitCode == row.exitCode)
    #expect(error.code == .unauthenticated)
    #expect(error.grpcStatus == row.code.rawValue)
    #expect(error.headers.first { $0.0 == "WWW-Authenticate" }?.1 == row.challenge)
    let object = try Self.errorObject(error.jsonBody)
    #expect(object["code"] as? String == "unauthenticated")
    #expect(object["exitCode"] as? Int == row.exitCode)
    #expect(!(object["message"] as? String ?? "").isEmpty, "message falls back to the description")
    if row.trailer != nil { #expect(object["data"] is [String: Any]) }
  }

  /// "An agent error carried in the error trailer": HTTP status by its exit code, in both shapes.
  static let exitCodeRows: [(Int, Int)] = [
    (64, 400), (65, 400), (66, 404), (67, 404), (69, 503), (75, 503), (77, 403), (70, 500),
    (68, 500), (71, 500), (74, 500), (76, 500), (78, 500), (1, 500),
  ]

  @Test(arguments: exitCodeRows, ["new", "old"])
  func trailerRow(_ row: (Int, Int), shape: String) throws {
    let (exitCode, http) = row
    let metadata = Metadata([
      ("error", Self.trailer("ErrorVaultsX", exitCode: exitCode, description: "Vault thing", message: "vault 'a' x", shape: shape))
    ])
    for code in [GRPCStatusCode.unknown, .internal, .notFound] {
      let error = GatewayError.fromAgent(code: code, message: "vault 'a' x", metadata: metadata, tokenSent: true)
      #expect(error.httpStatus == http)
      #expect(error.exitCode == exitCode)
      #expect(error.type == "ErrorVaultsX")
      #expect(error.code == code)
      #expect(error.grpcStatus == code.rawValue)
      let object = try Self.errorObject(error.jsonBody)
      #expect(object["message"] as? String == "vault 'a' x")
      #expect(object["description"] as? String == "Vault thing")
      let data = try #require(object["data"] as? [String: Any])
      #expect((data["type"] ?? data["name"]) as? String == "ErrorVaultsX")
    }
  }

  @Test func trailerMessageFallsBackToTheDescription() {
    let metadata = Metadata([("error", Self.trailer("ErrorX", exitCode: 66, description: "the description"))])
    let error = GatewayError.fromAgent(code: .unknown, message: "", metadata: metadata, tokenSent: true)
    #expect(error.message == "the description")
  }

  /// A non-Polykey error (`{"type": "Error", "data": {"message", "stack"}}`) has no exit code:
  /// HTTP status and exit code by the gRPC status, its type and data kept.
  @Test func plainShapeTrailerFollowsTheStatus() throws {
    let metadata = Metadata([("error", "{\"type\":\"TypeError\",\"data\":{\"message\":\"x is undefined\",\"stack\":\"s\"}}")])
    let error = GatewayError.fromAgent(code: .unknown, message: "", metadata: metadata, tokenSent: true)
    #expect(error.httpStatus == 500)
    #expect(error.exitCode == 70)
    #expect(error.type == "TypeError")
    #expect(error.message == "x is undefined")
    let invalidArgument = GatewayError.fromAgent(code: .invalidArgument, message: "m", metadata: metadata, tokenSent: true)
    #expect(invalidArgument.httpStatus == 400)
    #expect(invalidArgument.exitCode == 65)
  }

  /// "An agent error with only a gRPC status": HTTP by status, exit code by HTTP.
  static let plainRows: [(GRPCStatusCode, Int, Int)] = [
    (.invalidArgument, 400, 65), (.failedPrecondition, 400, 65), (.outOfRange, 400, 65),
    (.permissionDenied, 403, 77), (.notFound, 404, 66), (.alreadyExists, 409, 65),
    (.aborted, 409, 65), (.resourceExhausted, 429, 75), (.cancelled, 499, 75),
    (.unknown, 500, 70), (.internal, 500, 70), (.dataLoss, 500, 70), (.unimplemented, 501, 64),
    (.unavailable, 503, 69), (.deadlineExceeded, 504, 75),
    (GRPCStatusCode(rawValue: 42), 500, 70),
  ]

  @Test(arguments: plainRows)
  func plainStatusRow(_ row: (GRPCStatusCode, Int, Int)) throws {
    let (code, http, exitCode) = row
    let error = GatewayError.fromAgent(
      code: code, message: "caf\u{E9} \u{1F600} 100%", metadata: Metadata([("x-other", "1")]), tokenSent: true)
    #expect(error.httpStatus == http)
    #expect(error.exitCode == exitCode)
    #expect(error.grpcStatus == code.rawValue)
    #expect(error.type.hasPrefix("ErrorAgent"))
    #expect(error.headers.isEmpty)
    let object = try Self.errorObject(error.jsonBody)
    #expect(object["message"] as? String == "caf\u{E9} \u{1F600} 100%")
    #expect(object["code"] as? String == code.name)
    #expect(object["data"] == nil)
  }

  @Test func plainTypesAreNamedForTheStatus() {
    let error = GatewayError.fromAgent(code: .notFound, message: "", metadata: Metadata(), tokenSent: false)
    #expect(error.type == "ErrorAgentNotFound")
    #expect(GatewayError.fromAgent(code: .invalidArgument, message: "m", metadata: Metadata(), tokenSent: false).type
      == "ErrorAgentInvalidArgument")
  }

  @Test(arguments: ["not json", "[1,2]", "{\"noType\":1}", "{\"type\":\"", "{\"type\":5}"])
  func unusableTrailersAreIgnored(trailer: String) {
    let error = GatewayError.fromAgent(
      code: .notFound, message: "m", metadata: Metadata([("error", trailer)]), tokenSent: true)
    #expect(error.httpStatus == 404)
    #expect(error.data == nil)
  }

  // MARK: grpc-status-details-bin

  static func statusDetails(code: Int, message: String, details: [(String, [UInt8])]) -> String {
    func varint(_ v: Int) -> [UInt8] {
      var v = UInt64(v); var out: [UInt8] = []
      while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
      return out + [UInt8(v)]
    }
    func field(_ n: Int, _ bytes: [UInt8]) -> [UInt8] { varint(n << 3 | 2) + varint(bytes.count) + bytes }
    var out = varint(1 << 3) + varint(code) + field(2, Array(message.utf8))
    for (url, value) in details { out += field(3, field(1, Array(url.utf8)) + field(2, value)) }
    return Data(out).base64EncodedString().replacingOccurrences(of: "=", with: "")
  }

  @Test func statusDetailsGoInTheBody() throws {
    let encoded = Self.statusDetails(
      code: 3, message: "from details",
      details: [("type.googleapis.com/google.rpc.BadRequest", [1, 2, 3]),
                ("type.googleapis.com/known.Type", [9])])
    let error = GatewayError.fromAgent(
      code: .invalidArgument, message: "", metadata: Metadata([("grpc-status-details-bin", encoded)]),
      tokenSent: true,
      decodeAny: { url, value in
        url.hasSuffix("known.Type") ? Array("{\"@type\":\"\(url)\",\n\"v\":\(value[0])}".utf8) : nil
      })
    #expect(error.message == "from details")
    let object = try Self.errorObject(error.jsonBody)
    let details = try #require(object["details"] as? [[String: Any]])
    #expect(details.count == 2)
    #expect(details[0]["@type"] as? String == "type.googleapis.com/google.rpc.BadRequest")
    #expect(details[0]["value"] as? String == "AQID")
    #expect(details[1]["v"] as? Int == 9)
  }

  @Test(arguments: ["", "!!!", "CAM", "Cg==", Data([0x1A, 0x05, 0x0A]).base64EncodedString()])
  func brokenStatusDetailsAreIgnored(value: String) throws {
    let error = GatewayError.fromAgent(
      code: .internal, message: "m", metadata: Metadata([("grpc-status-details-bin", value)]),
      tokenSent: true)
    #expect(error.httpStatus == 500)
    _ = try Self.errorObject(error.jsonBody)
  }

  // MARK: Transport

  @Test func unreachableAgent() throws {
    let error = GatewayError.fromTransport(code: .unavailable, message: "Could not connect")
    #expect(error.httpStatus == 503)
    #expect(error.exitCode == 69)
    #expect(error.type == "ErrorGatewayAgentUnavailable")
    #expect(error.headers.first { $0.0 == "Retry-After" }?.1 == "1")
    #expect(error.grpcStatus == nil)
  }

  @Test func deadline() {
    let error = GatewayError.fromTransport(code: .deadlineExceeded, message: "")
    #expect(error.httpStatus == 504)
    #expect(error.exitCode == 75)
    #expect(error.type == "ErrorGatewayDeadlineExceeded")
    #expect(error.code == .deadlineExceeded)
  }

  @Test(arguments: [(GRPCStatusCode.internal, 500, 70), (.cancelled, 499, 75), (.resourceExhausted, 429, 75), (.unimplemented, 501, 64)])
  func otherTransportStatuses(_ row: (GRPCStatusCode, Int, Int)) {
    let error = GatewayError.fromTransport(code: row.0, message: "x")
    #expect(error.httpStatus == row.1)
    #expect(error.exitCode == row.2)
    #expect(error.type.hasPrefix("ErrorGateway"))
  }

  static func errorObject(_ body: [UInt8]) throws -> [String: Any] {
    #expect(body.last == 0x0A)
    #expect(!body.dropLast().contains(0x0A), "one line")
    let top = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
    return try #require(top["error"] as? [String: Any])
  }
}

/// The small JSON parser the session code reads peer documents with.
@Suite struct JSONValueTests {
  @Test(arguments: [
    "{}", "[]", "null", "true", " {\"a\": [1, -2.5e3, \"x\\u00e9\\ud83d\\ude00\", null, false]} ",
    "0", "-0.5", "1E2",
  ])
  func accepts(text: String) {
    #expect(JSONValue.parse(text) != nil)
  }

  @Test(arguments: [
    "", "{", "[1,]", "{\"a\":}", "01", "1.", ".5", "\"\u{01}\"", "\"\\x\"", "{} x", "nul", "{'a':1}",
    String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
  ])
  func rejects(text: String) {
    #expect(JSONValue.parse(text) == nil)
  }

  @Test func values() {
    let value = JSONValue.parse("{\"s\":\"a\\nb\",\"n\":65,\"f\":1.5}")
    #expect(value?["s"]?.stringValue == "a\nb")
    #expect(value?["n"]?.intValue == 65)
    #expect(value?["f"]?.intValue == nil)
    #expect(value?["f"]?.numberValue == 1.5)
  }
}
