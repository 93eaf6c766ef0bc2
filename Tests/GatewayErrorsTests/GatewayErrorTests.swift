import Foundation
import GatewayCore
import GatewayErrors
import Testing

/// `GatewayError.jsonBody` is checked by parsing it back with Foundation, never by its bytes alone.
@Suite struct GatewayErrorJSONBodyTests {
  /// Parses a body and returns its `error` object, recording an issue when it is not the shape.
  static func errorObject(
    _ body: [UInt8], sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> [String: Any] {
    #expect(body.last == 0x0A, "body ends with a newline", sourceLocation: sourceLocation)
    #expect(
      !body.dropLast().contains(0x0A), "body is one line", sourceLocation: sourceLocation)
    let parsed = try JSONSerialization.jsonObject(with: Data(body), options: [])
    let top = try #require(parsed as? [String: Any], sourceLocation: sourceLocation)
    #expect(Array(top.keys) == ["error"], sourceLocation: sourceLocation)
    return try #require(top["error"] as? [String: Any], sourceLocation: sourceLocation)
  }

  @Test func requiredFieldsOnly() throws {
    let error = GatewayError.gateway("BadRequest", .invalidArgument, "bad body")
    let object = try Self.errorObject(error.jsonBody)
    #expect(Set(object.keys) == ["type", "code", "message", "exitCode"])
    #expect(object["type"] as? String == "ErrorGatewayBadRequest")
    #expect(object["code"] as? String == "invalid_argument")
    #expect(object["message"] as? String == "bad body")
    #expect(object["exitCode"] as? Int == 65)
  }

  /// The contract's example, field for field and in its order.
  @Test func contractExample() throws {
    var error = GatewayError(
      type: "ErrorSessionTokenInvalid", code: .unauthenticated, httpStatus: 401,
      message: "Invalid JWT Token, please reauthenticate.", exitCode: 65, grpcStatus: 16)
    error.agentDescription = "Invalid JWT Token, please reauthenticate."
    let text = String(decoding: error.jsonBody, as: UTF8.self)
    #expect(
      text == """
        {"error":{"type":"ErrorSessionTokenInvalid","code":"unauthenticated","grpcStatus":16,\
        "message":"Invalid JWT Token, please reauthenticate.",\
        "description":"Invalid JWT Token, please reauthenticate.","exitCode":65}}

        """)
    let object = try Self.errorObject(error.jsonBody)
    #expect(object["grpcStatus"] as? Int == 16)
    #expect(object["description"] as? String == "Invalid JWT Token, please reauthenticate.")
  }

  @Test(arguments: [0, 2, 16, 17])
  func grpcStatusWhenSet(status: Int) throws {
    let error = GatewayError(
      type: "ErrorX", code: .unknown, httpStatus: 500, message: "m", grpcStatus: status)
    let object = try Self.errorObject(error.jsonBody)
    #expect(object["grpcStatus"] as? Int == status)
  }

  @Test func codeOutsideTheTableIsNamedUnknown() throws {
    let error = GatewayError(
      type: "ErrorX", code: GRPCStatusCode(rawValue: 42), httpStatus: 500, message: "m",
      grpcStatus: 42)
    let object = try Self.errorObject(error.jsonBody)
    #expect(object["code"] as? String == "unknown")
    #expect(object["grpcStatus"] as? Int == 42)
    #expect(object["exitCode"] as? Int == 70)
  }

  @Test func dataIsEmbeddedAsJSON() throws {
    var error = GatewayError(
      type: "ErrorVaultsVaultUndefined", code: .unknown, httpStatus: 404,
      message: "Vault does not exist", exitCode: 66, grpcStatus: 2)
    let trailer = """
      {"type":"ErrorVaultsVaultUndefined","data":{"message":"Vault does not exist",\
      "description":"Vault does not exist","exitCode":66,"timestamp":"2022-01-01T00:00:00.000Z",\
      "data":{"vault":"x\\"y"},"cause":null,"stack":"line1\\nline2"}}
      """
    error.data = Array(trailer.utf8)
    let object = try Self.errorObject(error.jsonBody)
    let data = try #require(object["data"] as? [String: Any])
    #expect(data["type"] as? String == "ErrorVaultsVaultUndefined")
    let inner = try #require(data["data"] as? [String: Any])
    #expect(inner["exitCode"] as? Int == 66)
    #expect(inner["stack"] as? String == "line1\nline2")
    #expect((inner["data"] as? [String: Any])?["vault"] as? String == "x\"y")
    #expect(inner["cause"] is NSNull)
    #expect(object["exitCode"] as? Int == 66)
  }

  @Test(arguments: [
    "plain",
    "",
    "quote \" and backslash \\ and slash /",
    "line\nbreak\r\nand\ttab",
    "nul \u{0} one \u{1} unit separator \u{1F} delete \u{7F}",
    "form feed \u{0C} backspace \u{08} vertical tab \u{0B}",
    "caf\u{E9} \u{1F600} \u{2028}\u{2029} \u{FEFF}",
    "\\u0000 is text, not an escape",
    "}\"}],{\"injected\":true",
  ])
  func stringsAreEscaped(text: String) throws {
    var error = GatewayError(
      type: "Error\(text)", code: .internal, httpStatus: 500, message: text, grpcStatus: 13)
    error.agentDescription = text
    let object = try Self.errorObject(error.jsonBody)
    #expect(object["type"] as? String == "Error\(text)")
    #expect(object["message"] as? String == text)
    #expect(object["description"] as? String == text)
    #expect(
      Set(object.keys) == ["type", "code", "grpcStatus", "message", "description", "exitCode"])
    // Control characters never appear raw inside the body.
    #expect(!error.jsonBody.dropLast().contains { $0 < 0x20 })
  }
}
