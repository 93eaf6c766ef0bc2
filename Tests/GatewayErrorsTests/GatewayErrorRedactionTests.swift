import Foundation
import GatewayCore
import GatewayErrors
import Testing

/// An agent that echoes the session token in an error must not hand it to the caller.
@Suite struct GatewayErrorRedactionTests {
  static let token = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.c2lnbmF0dXJl"

  @Test func theTokenIsRedactedFromEveryPartTheAgentWrote() throws {
    let trailer = #"{"type":"ErrorX","data":{"message":"bad token \#(Self.token)"},"exitCode":64}"#
    let status = Array("\u{08}\u{03}".utf8)  // google.rpc.Status{code: 3}, no details
    let error = GatewayError.fromAgent(
      code: .invalidArgument, message: "Bearer \(Self.token) rejected",
      metadata: Metadata([("error", trailer), ("grpc-status-details-bin", Base64.encode(status))]),
      tokenSent: true, decodeAny: nil
    ).redacting(Self.token)
    let body = String(decoding: error.jsonBody, as: UTF8.self)
    #expect(!body.contains(Self.token))
    #expect(!body.contains("c2lnbmF0dXJl"))
    let object = try GatewayErrorJSONBodyTests.errorObject(error.jsonBody)
    // The trailer's own message wins over the status message; both are scrubbed.
    #expect(object["message"] as? String == "bad token [redacted]")
    let data = try #require(object["data"] as? [String: Any])
    #expect((data["data"] as? [String: Any])?["message"] as? String == "bad token [redacted]")
    #expect(object["exitCode"] as? Int == 64)

    let statusOnly = GatewayError.fromAgent(
      code: .unauthenticated, message: "Bearer \(Self.token) rejected", metadata: Metadata(),
      tokenSent: true, decodeAny: nil
    ).redacting(Self.token)
    #expect(statusOnly.message == "Bearer [redacted] rejected")
  }

  @Test func aTokenThatJSONEscapesIsRedactedInBothSpellings() throws {
    let token = #"a"b\c"#
    var error = GatewayError.gateway("X", .internal, "raw \(token)")
    error.data = Array(#"{"t":"a\"b\\c"}"#.utf8)
    let redacted = error.redacting(token)
    #expect(redacted.message == "raw [redacted]")
    #expect(String(decoding: redacted.data ?? [], as: UTF8.self) == #"{"t":"[redacted]"}"#)
  }

  @Test func nothingElseChanges() {
    let error = GatewayError.gateway("X", .internal, "no secret here")
    #expect(error.redacting(Self.token).jsonBody == error.jsonBody)
    #expect(error.redacting("").jsonBody == error.jsonBody)
  }
}
