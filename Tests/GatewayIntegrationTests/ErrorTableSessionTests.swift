import Foundation
import Testing

// The contract's "Session errors" table (interface.md, "Errors"), in JSON mode, against the
// real reference agent: missing and rejected tokens in either generation's names, with the
// Polykey trailer on UNKNOWN or UNAUTHENTICATED and with a bare UNAUTHENTICATED; refused
// passwords. No password is configured here, so nothing recovers (self-recovery is in
// SelfRecoveryJSONTests.swift).

let bearerChallenge = "Bearer"
let invalidTokenChallenge = "Bearer error=\"invalid_token\""

extension Fixture {
  /// Every token the agent has handed out that the test saw, to check none leaked.
  func expectNoTokenIn(_ texts: [String], tokens: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
    let metrics = try Curl.run(socket: gateway.socketPath, path: "/-/metrics", method: "GET").text
    let everything = texts.joined(separator: "\n") + metrics + gateway.log
    for token in Set(tokens) {
      #expect(!everything.contains(token), "a token leaked", sourceLocation: sourceLocation)
    }
  }
}

extension CurlResult {
  /// Head and body, for leak checks.
  var everything: String { headers.map { "\($0.0): \($0.1)" }.joined(separator: "\n") + "\n" + text }
}

/// The real cases: the agent's own authentication, configured per generation of names and per
/// status. Each configuration: no token (77), a token made invalid by lock-all (65), an expired
/// token (65).
@Suite("Error table in JSON mode: session rows from the agent's own authentication")
struct SessionRowsFromTheAgentTests {
  struct Configuration: Sendable, CustomTestStringConvertible {
    var names: String
    var status: Int
    var testDescription: String { "names \(names), status \(status)" }
  }

  @Test(
    "Missing, locked-all and expired tokens",
    arguments: [
      Configuration(names: "v1", status: 2), Configuration(names: "v2", status: 2),
      Configuration(names: "v1", status: 16), Configuration(names: "v2", status: 16),
    ])
  func agentRejections(_ configuration: Configuration) throws {
    let fixture = try Fixture(agentArguments: [
      "--token-ttl", "1", "--auth-error-names", configuration.names,
      "--auth-error-code", String(configuration.status),
    ])
    let v1 = configuration.names == "v1"
    let echo = "/polykey.v1.TestService/Echo"
    let authenticated = #"{"payload": "aGk=", "requireAuth": true}"#
    var texts: [String] = []
    var tokens: [String] = []

    // No token was sent and the agent wants one.
    let missing = try fixture.json(echo, authenticated)
    texts.append(missing.everything)
    let missingError = try expectError(
      missing,
      ExpectedError(
        http: 401, type: "ErrorClientJWTTokenNotProvided", code: "unauthenticated", exitCode: 77,
        grpcStatus: configuration.status,
        message: v1 ? "JWT Token not provided in metadata" : "Authorization metadata is required",
        challenge: bearerChallenge))
    let missingData = try #require(missingError["data"] as? [String: Any])
    #expect(missingData["type"] as? String == (v1 ? "ErrorClientJWTTokenNotProvided" : "ErrorClientAuthMissing"))

    // A token invalidated by lock-all.
    try fixture.unlock()
    tokens.append(try #require(fixture.gateway.storedToken))
    try SessionLifecycleTests.lockAll(fixture)
    let locked = try fixture.json(echo, authenticated)
    texts.append(locked.everything)
    let lockedError = try expectError(
      locked,
      ExpectedError(
        http: 401, type: "ErrorSessionTokenInvalid", code: "unauthenticated", exitCode: 65,
        grpcStatus: configuration.status,
        message: v1 ? "Invalid JWT Token, please reauthenticate." : "Authorization denied",
        challenge: invalidTokenChallenge))
    let lockedData = try #require(lockedError["data"] as? [String: Any])
    #expect(lockedData["type"] as? String == (v1 ? "ErrorSessionTokenInvalid" : "ErrorClientAuthDenied"))
    let state = try SessionLifecycleTests.json(try SessionLifecycleTests.get(fixture, "/-/session"))
    #expect(state["state"] as? String == "rejected")

    // An expired token (lives 1 to 2 s).
    try fixture.unlock()
    tokens.append(try #require(fixture.gateway.storedToken))
    usleep(2_100_000)
    let expired = try fixture.json(echo, authenticated)
    texts.append(expired.everything)
    try expectError(
      expired,
      ExpectedError(
        http: 401, type: "ErrorSessionTokenInvalid", code: "unauthenticated", exitCode: 65,
        grpcStatus: configuration.status, challenge: invalidTokenChallenge))

    #expect(try SessionLifecycleTests.metric(fixture, "session_gateway_auth_rejections_total") == 3)
    try fixture.expectNoTokenIn(texts, tokens: tokens)
  }
}

/// Scripted rejections (TestService's `polykey_error` or a bare status), with and without the
/// session token, on one agent and gateway: these rows leave the session as it was.
@Suite("Error table in JSON mode: session rows, scripted", .serialized, .sharedFixture())
struct SessionRowsScriptedTests {
  struct Row: Sendable, CustomTestStringConvertible {
    /// The trailer's error type; nil: a bare status, no trailer.
    var agentType: String?
    var agentExitCode: Int = 0
    var status: Int
    var shape: String = "new"
    var tokenSent: Bool
    var expectedType: String
    var expectedExitCode: Int
    var challenge: String
    var testDescription: String {
      "\(agentType ?? "bare") \(shape) status \(status) \(tokenSent ? "token sent" : "no token")"
    }
  }

  static var rows: [Row] {
    var rows: [Row] = []
    for status in [2, 16] {
      for shape in ["new", "old"] {
        for (type, exit) in [("ErrorClientJWTTokenNotProvided", 77), ("ErrorClientAuthMissing", 77)] {
          rows.append(Row(
            agentType: type, agentExitCode: exit, status: status, shape: shape, tokenSent: false,
            expectedType: "ErrorClientJWTTokenNotProvided", expectedExitCode: 77, challenge: bearerChallenge))
          rows.append(Row(
            agentType: type, agentExitCode: exit, status: status, shape: shape, tokenSent: true,
            expectedType: "ErrorSessionTokenInvalid", expectedExitCode: 65, challenge: invalidTokenChallenge))
        }
        for (type, exit) in [
          ("ErrorSessionTokenInvalid", 65), ("ErrorClientAuthDenied", 65), ("ErrorClientAuthFormat", 64),
        ] {
          rows.append(Row(
            agentType: type, agentExitCode: exit, status: status, shape: shape, tokenSent: true,
            expectedType: "ErrorSessionTokenInvalid", expectedExitCode: 65, challenge: invalidTokenChallenge))
        }
      }
    }
    // Malformed credentials the gateway did not choose: the agent's type and exit code.
    rows.append(Row(
      agentType: "ErrorClientAuthFormat", agentExitCode: 64, status: 2, tokenSent: false,
      expectedType: "ErrorClientAuthFormat", expectedExitCode: 64, challenge: bearerChallenge))
    // A bare UNAUTHENTICATED.
    rows.append(Row(
      agentType: nil, status: 16, tokenSent: false,
      expectedType: "ErrorClientJWTTokenNotProvided", expectedExitCode: 77, challenge: bearerChallenge))
    rows.append(Row(
      agentType: nil, status: 16, tokenSent: true,
      expectedType: "ErrorSessionTokenInvalid", expectedExitCode: 65, challenge: invalidTokenChallenge))
    return rows
  }

  @Test("A rejection maps to its session row", arguments: rows)
  func row(_ row: Row) throws {
    let fixture = try SharedFixture.current
    if row.tokenSent {
      if fixture.gateway.storedToken == nil { try fixture.unlock() }
    } else if fixture.gateway.storedToken != nil {
      _ = try SessionLifecycleTests.get(fixture, "/-/session", method: "DELETE")
    }
    let token = fixture.gateway.storedToken
    let polykeyError: [String: Any]? = row.agentType.map {
      ["type": $0, "description": "the agent's description", "exitCode": row.agentExitCode, "shape": row.shape]
    }
    let result = try fixture.json(
      "/polykey.v1.TestService/ControlUnary",
      try controlJSON(status: row.status, message: "agent says no", polykeyError: polykeyError))
    let error = try expectError(
      result,
      ExpectedError(
        http: 401, type: row.expectedType, code: "unauthenticated", exitCode: row.expectedExitCode,
        grpcStatus: row.status, message: row.agentType == nil ? "agent says no" : "the agent's description",
        challenge: row.challenge))
    if row.agentType != nil {
      #expect(error["description"] as? String == "the agent's description")
      let data = try #require(error["data"] as? [String: Any])
      #expect((data[row.shape == "old" ? "name" : "type"] as? String) == row.agentType)
    } else {
      #expect(error["data"] == nil)
    }
    // Nothing recovered, nothing changed: the same token is still there.
    #expect(fixture.gateway.storedToken == token)
    if let token { try fixture.expectNoTokenIn([result.everything], tokens: [token]) }
  }

  /// The caller's own `Authorization`, refused or malformed: 401 with the agent's type and exit
  /// code; the session is not involved.
  @Test(
    arguments: [
      ("Basic " + Data(":wrong-password".utf8).base64EncodedString(), "ErrorClientAuthDenied", 65),
      ("Basic !!not-base64", "ErrorClientAuthFormat", 64),
      ("Token abc", "ErrorClientAuthFormat", 64),
    ])
  func theCallersRefusedCredentials(authorization: String, type: String, exitCode: Int) throws {
    let fixture = try SharedFixture.current
    let result = try fixture.json(
      "/polykey.v1.TestService/Echo", #"{"requireAuth": true}"#, headers: ["Authorization: " + authorization])
    try expectError(
      result,
      ExpectedError(
        http: 401, type: type, code: "unauthenticated", exitCode: exitCode, grpcStatus: 2,
        challenge: bearerChallenge))
  }

  /// The gateway's own unlock with a password the agent refuses.
  @Test func aWrongPasswordForTheUnlockEndpoint() throws {
    let fixture = try SharedFixture.current
    let result = try SessionLifecycleTests.get(
      fixture, "/-/session/unlock", method: "POST", body: #"{"password": "nope"}"#)
    try expectError(
      result,
      ExpectedError(
        http: 401, type: "ErrorClientAuthDenied", code: "unauthenticated", exitCode: 65, grpcStatus: 2,
        message: "Incorrect password", challenge: bearerChallenge))
  }
}
