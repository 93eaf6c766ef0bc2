import Foundation
import Testing

/// Self-recovery (interface.md, "Errors": before answering a session error, at most once each)
/// through JSON calls, with the retry counters in `/-/metrics`, the retry's `grpc-timeout`,
/// and tokens that never leak.
@Suite("Self-recovery through JSON calls", .serialized)
struct SelfRecoveryJSONTests {
  static func metric(_ fixture: Fixture, _ name: String) throws -> Int {
    try SessionLifecycleTests.metric(fixture, name)
  }

  static let fileTokenRetries = "session_gateway_auth_retries_total{reason=\"file_token\"}"
  static let unlockRetries = "session_gateway_auth_retries_total{reason=\"unlock\"}"
  static let rejections = "session_gateway_auth_rejections_total"
  static let unlocksOK = "session_gateway_unlocks_total{outcome=\"ok\"}"
  static let unlocksFailed = "session_gateway_unlocks_total{outcome=\"failed\"}"

  /// Another process wrote a new token while the call was under way (after a lock-all): the
  /// call is sent again with it. No password is configured.
  @Test func aTokenAnotherProcessWroteIsRetried() throws {
    let fixture = try Fixture()
    try fixture.unlock()
    let old = try #require(fixture.gateway.storedToken)
    let box = LockedData()
    let socket = fixture.gateway.socketPath
    let body = Array(try controlJSON(requireAuth: true, delayMs: 1500).utf8)
    let caller = Thread {
      let result = try? Curl.run(
        socket: socket, path: "/polykey.v1.TestService/ControlUnary",
        headers: ["Content-Type: application/json"], body: body)
      box.set(Data(("\(result?.status ?? 0)\n" + (result?.everything ?? "")).utf8))
    }
    caller.start()
    usleep(400_000)  // the old token is on its way; the agent checks it after the delay
    try SessionLifecycleTests.lockAll(fixture)
    let fresh = try SessionLifecycleTests.freshToken(fixture)
    try SessionLifecycleTests.polykeyWrite(fixture.gateway.tokenFile, fresh)
    while box.get() == nil { usleep(10_000) }
    let answer = String(decoding: box.get()!, as: UTF8.self)
    #expect(answer.hasPrefix("200\n"), "\(answer)")
    #expect(answer.contains(#""index":0"#))
    #expect(try Self.metric(fixture, Self.fileTokenRetries) == 1)
    #expect(try Self.metric(fixture, Self.rejections) == 1)
    #expect(try Self.metric(fixture, Self.unlockRetries) == 0)
    let rotated = try fixture.gateway.waitForToken(differentFrom: fresh)
    try fixture.expectNoTokenIn([answer], tokens: [old, fresh, rotated])
  }

  /// Lock-all with a password configured: unlocked, the new token stored, the call retried;
  /// unary, then server streaming (nothing had reached the caller).
  @Test func lockAllWithAPasswordUnlocksStoresAndRetries() throws {
    let fixture = try Fixture(gatewayArguments: ["--password-file", "PASSWORD_FILE"])
    try fixture.unlock()
    var tokens = [try #require(fixture.gateway.storedToken)]
    var texts: [String] = []
    try SessionLifecycleTests.lockAll(fixture)

    let unary = try fixture.json("/polykey.v1.TestService/Echo", #"{"payload": "aGk=", "requireAuth": true}"#)
    texts.append(unary.everything)
    #expect(unary.status == 200, "\(unary.text)")
    let reply = try jsonObject(unary)
    #expect(reply["authOutcome"] as? String == "AUTH_OUTCOME_BEARER_VALID")
    tokens.append(try fixture.gateway.waitForToken(differentFrom: tokens.last))
    #expect(try Self.metric(fixture, Self.unlockRetries) == 1)
    #expect(try Self.metric(fixture, Self.unlocksOK) == 1)

    try SessionLifecycleTests.lockAll(fixture)
    let stream = try fixture.json(
      "/polykey.v1.TestService/Control", #"{"messageCount": 3, "requireAuth": true}"#)
    texts.append(stream.everything)
    #expect(stream.status == 200)
    let lines = try jsonLines(stream)
    #expect(lines.count == 3, "\(stream.text)")
    #expect(lines.allSatisfy { $0["result"] != nil })
    tokens.append(try fixture.gateway.waitForToken(differentFrom: tokens.last))
    #expect(try Self.metric(fixture, Self.unlockRetries) == 2)
    #expect(try Self.metric(fixture, Self.unlocksOK) == 2)
    #expect(try Self.metric(fixture, Self.rejections) == 2)
    #expect(try Self.metric(fixture, Self.fileTokenRetries) == 0)
    try fixture.expectNoTokenIn(texts, tokens: tokens)
  }

  /// A stream rejected after its first message reached the caller is not retried: its last
  /// line is the session error.
  @Test func aStreamRejectedAfterItsFirstMessageIsNotRetried() throws {
    let fixture = try Fixture(gatewayArguments: ["--password-file", "PASSWORD_FILE"])
    try fixture.unlock()
    let result = try fixture.json(
      "/polykey.v1.TestService/Control", try controlJSON(status: 16, messages: 1))
    #expect(result.status == 200)
    let lines = try jsonLines(result)
    #expect(lines.count == 2, "\(result.text)")
    let error = try #require(lines.last?["error"] as? [String: Any])
    try expectErrorObject(
      error,
      ExpectedError(
        http: 401, type: "ErrorSessionTokenInvalid", code: "unauthenticated", exitCode: 65, grpcStatus: 16))
    #expect(try Self.metric(fixture, Self.unlocksOK) == 0)
    #expect(try Self.metric(fixture, Self.unlockRetries) == 0)
  }

  /// A password the agent refuses: one unlock attempt, one 401 with the agent's error.
  @Test func aWrongPasswordIsOneUnlockAndOne401() throws {
    let fixture = try Fixture(gatewayArguments: ["--password-file", "WRONG_PASSWORD_FILE"])
    let result = try fixture.json("/polykey.v1.TestService/Echo", #"{"requireAuth": true}"#)
    try expectError(
      result,
      ExpectedError(
        http: 401, type: "ErrorClientAuthDenied", code: "unauthenticated", exitCode: 65, grpcStatus: 2,
        message: "Incorrect password", challenge: bearerChallenge))
    #expect(try Self.metric(fixture, Self.unlocksFailed) == 1)
    #expect(try Self.metric(fixture, Self.unlocksOK) == 0)
    #expect(try Self.metric(fixture, Self.rejections) == 1)
    #expect(try Self.metric(fixture, Self.unlockRetries) == 0)
    #expect(fixture.gateway.storedToken == nil)
  }

  /// An agent that rejects every attempt (a bare UNAUTHENTICATED whatever the token): the file
  /// token is tried (when it differs), the password once, then the 401. Never a loop.
  @Test func anAgentThatKeepsRejectingGetsOneUnlockAndOneRetry() throws {
    let fixture = try Fixture(gatewayArguments: ["--password-file", "PASSWORD_FILE"])
    try fixture.unlock()
    let result = try fixture.json("/polykey.v1.TestService/ControlUnary", try controlJSON(status: 16))
    try expectError(
      result,
      ExpectedError(
        http: 401, type: "ErrorSessionTokenInvalid", code: "unauthenticated", exitCode: 65,
        grpcStatus: 16, challenge: invalidTokenChallenge))
    #expect(try Self.metric(fixture, Self.rejections) == 2)
    #expect(try Self.metric(fixture, Self.unlocksOK) == 1)
    #expect(try Self.metric(fixture, Self.unlockRetries) == 1)
    #expect(try Self.metric(fixture, Self.fileTokenRetries) == 0)
  }

  /// The retry carries what is left of the deadline in its `grpc-timeout`, not the original:
  /// the first attempt spends 800 ms before its rejection, so the retry arrives with less than
  /// 4.2 s of a 5 s timeout (the agent reports the time left on arrival).
  @Test func theRetryCarriesTheRemainingTime() throws {
    let fixture = try Fixture(gatewayArguments: ["--password-file", "PASSWORD_FILE"])
    try fixture.unlock()
    // Without a retry the agent sees the whole timeout.
    let direct = try fixture.json(
      "/polykey.v1.TestService/ControlUnary", try controlJSON(requireAuth: true, echoTrailers: true),
      headers: ["Grpc-Timeout: 5S"])
    let whole = try #require(Int(direct.header("Grpc-Trailer-X-Time-Remaining-Ms") ?? ""), "\(direct.everything)")
    #expect(whole > 4500 && whole <= 5000, "\(whole)")

    try SessionLifecycleTests.lockAll(fixture)
    let started = Date()
    let retried = try fixture.json(
      "/polykey.v1.TestService/ControlUnary",
      try controlJSON(requireAuth: true, delayMs: 800, echoTrailers: true), headers: ["Grpc-Timeout: 5S"])
    let elapsed = Date().timeIntervalSince(started)
    #expect(retried.status == 200, "\(retried.text)")
    #expect(try Self.metric(fixture, Self.unlockRetries) == 1)
    let left = try #require(Int(retried.header("Grpc-Trailer-X-Time-Remaining-Ms") ?? ""), "\(retried.everything)")
    #expect(left < 4200, "the retry was sent with \(left) ms left")
    #expect(Double(left) > 5000 - elapsed * 1000 - 200, "\(left) ms left after \(elapsed) s")
  }
}

/// Newer agents issue tokens in the JSON General-JWS serialization: the gateway stores them,
/// reports their claims (fractional `iat`), and sends them back as bearer tokens.
@Suite("General-JWS session tokens end to end")
struct GeneralJWSTests {
  @Test func generalJWSTokensAreStoredReportedAndSent() throws {
    let fixture = try Fixture(agentArguments: ["--token-format", "general-jws"])
    let unlock = try SessionLifecycleTests.get(
      fixture, "/-/session/unlock", method: "POST", body: #"{"password": "secret-password"}"#)
    #expect(unlock.status == 200, "\(unlock.text)")
    let token = try #require(fixture.gateway.storedToken)
    let jws = try #require(
      try JSONSerialization.jsonObject(with: Data(token.utf8)) as? [String: Any], "\(token.prefix(20))")
    #expect(jws["payload"] is String)
    let signatures = try #require(jws["signatures"] as? [[String: Any]])
    #expect(signatures.count == 1 && signatures[0]["protected"] is String && signatures[0]["signature"] is String)

    // Its claims, read from the payload: iat has a fraction, exp is whole.
    let payload = try #require(base64URLDecode(jws["payload"] as? String ?? ""))
    let claims = try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
    let iat = try #require(claims["iat"] as? Double)
    let exp = try #require(claims["exp"] as? Double)
    #expect(iat != iat.rounded(.down))
    for state in [try SessionLifecycleTests.json(unlock),
                  try SessionLifecycleTests.json(try SessionLifecycleTests.get(fixture, "/-/session"))] {
      #expect(state["state"] as? String == "present")
      #expect(state["issuedAt"] as? String == rfc3339(iat), "\(state)")
      #expect(state["expiresAt"] as? String == rfc3339(exp), "\(state)")
    }

    // Sent back as the bearer token, accepted, rotated to another General-JWS token.
    let echo = try fixture.json("/polykey.v1.TestService/Echo", #"{"requireAuth": true}"#)
    #expect(echo.status == 200, "\(echo.text)")
    let reply = try jsonObject(echo)
    #expect(reply["authOutcome"] as? String == "AUTH_OUTCOME_BEARER_VALID")
    #expect(reply["authorizationCredentialSha256"] as? String == (try sha256Hex(token)))
    let rotated = try fixture.gateway.waitForToken(differentFrom: token)
    #expect(rotated.hasPrefix("{\"payload\":"))
    try fixture.expectNoTokenIn([unlock.everything, echo.everything], tokens: [token, rotated])
  }

  func base64URLDecode(_ text: String) -> Data? {
    var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
    return Data(base64Encoded: base64)
  }

  /// RFC 3339 UTC with milliseconds when there is a fraction, as the gateway writes it.
  func rfc3339(_ seconds: Double) -> String {
    let milliseconds = Int64((seconds * 1000).rounded())
    let date = Date(timeIntervalSince1970: Double(milliseconds / 1000))
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
    let fraction = milliseconds % 1000
    return formatter.string(from: date) + (fraction == 0 ? "" : String(format: ".%03d", fraction)) + "Z"
  }
}
