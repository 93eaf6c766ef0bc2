import Foundation
import Testing

/// Issue 4 through the built gateway and the real reference agent: the `/-/session` endpoints,
/// self-recovery (another writer's token, lock-all, expiry; with and without a password), the
/// retry counters, and the agent's session errors passed through gRPC-Web unchanged.
@Suite("Session lifecycle and self-recovery", .serialized)
struct SessionLifecycleTests {
  static let basic = "Basic " + Data(":secret-password".utf8).base64EncodedString()

  // MARK: Helpers

  /// A call straight to the agent (h2c over its Unix socket), bypassing the gateway and its file.
  static func direct(
    _ agentSocket: String, _ path: String, _ message: [UInt8] = [], authorization: String? = nil
  ) throws -> CurlResult {
    var arguments = ["-sS", "-i", "--http2-prior-knowledge", "--unix-socket", agentSocket,
                     "-H", "content-type: application/grpc", "-H", "te: trailers",
                     "--data-binary", "@-"]
    if let authorization { arguments += ["-H", "authorization: \(authorization)"] }
    arguments.append("http://localhost" + path)
    let (code, output, errors) = try runProcess("/usr/bin/curl", arguments, input: GRPCWeb.frame(message))
    return Curl.parse(code: code, output: output, stderr: errors)
  }

  /// A fresh valid token from the agent, without touching the token file.
  static func freshToken(_ fixture: Fixture) throws -> String {
    try freshToken(agentSocket: fixture.agent.socketPath)
  }

  static func freshToken(agentSocket: String) throws -> String {
    let result = try direct(agentSocket, "/polykey.v1.ClientService/SessionsUnlock", authorization: basic)
    let value = try #require(result.header("authorization"))
    return String(value.dropFirst("Bearer ".count))
  }

  /// `SessionsLockAll` straight to the agent: every token issued so far becomes invalid.
  static func lockAll(_ fixture: Fixture) throws {
    let result = try direct(fixture.agent.socketPath, "/polykey.v1.ClientService/SessionsLockAll", authorization: basic)
    #expect(result.exitCode == 0)
  }

  /// Writes the token file the way a Polykey client does (lock, truncate, write, unlock).
  static func polykeyWrite(_ path: String, _ token: String) throws {
    let script = """
      import fcntl, os, sys
      fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o600)
      fcntl.flock(fd, fcntl.LOCK_EX)
      os.ftruncate(fd, 0)
      os.write(fd, (sys.argv[2] + "\\n").encode())
      fcntl.flock(fd, fcntl.LOCK_UN)
      os.close(fd)
      """
    let (code, _, errors) = try runProcess("/usr/bin/python3", ["-c", script, path, token])
    #expect(code == 0, "\(errors)")
  }

  static func get(_ fixture: Fixture, _ path: String, method: String = "GET", body: String? = nil) throws -> CurlResult {
    try Curl.run(socket: fixture.gateway.socketPath, path: path, method: method,
                 body: body.map { Array($0.utf8) })
  }

  static func json(_ result: CurlResult) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(result.body)) as? [String: Any])
  }

  /// A metric's value from `/-/metrics`.
  static func metric(_ fixture: Fixture, _ name: String) throws -> Int {
    let text = try get(fixture, "/-/metrics").text
    let line = text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
    return Int(line?.split(separator: " ").last ?? "") ?? -1
  }

  /// The outcome of a gRPC-Web answer: the trailer frame's, or a trailers-only head's.
  static func outcome(_ result: CurlResult, _ response: GRPCWeb.Response?) -> [String: String] {
    if let trailers = response?.trailers, !trailers.isEmpty { return trailers }
    var headers: [String: String] = [:]
    for (name, value) in result.headers { headers[name.lowercased()] = value }
    return headers
  }

  static func control(requireAuth: Bool = true, messages: UInt64 = 0, delayMs: UInt64 = 0) -> [UInt8] {
    var writer = ProtoWriter()
    writer.uint(1, messages)
    writer.uint(3, delayMs)
    writer.bool(14, requireAuth)
    return writer.bytes
  }

  // MARK: Endpoints

  @Test func sessionEndpointsStoreReportAndRemoveTheToken() throws {
    let fixture = try Fixture()
    var state = try Self.json(try Self.get(fixture, "/-/session"))
    #expect(state["state"] as? String == "absent")
    #expect(state["tokenFile"] as? String == fixture.gateway.tokenFile)
    #expect(state["issuedAt"] is NSNull && state["expiresAt"] is NSNull)

    let token = try Self.freshToken(fixture)
    let put = try Self.get(fixture, "/-/session", method: "PUT", body: "{\"token\": \"\(token)\"}")
    #expect(put.status == 200)
    state = try Self.json(put)
    #expect(state["state"] as? String == "present")
    // Written before the answer: a script may use the file at once.
    #expect(fixture.gateway.storedToken == token)
    let issued = try #require(state["issuedAt"] as? String)
    let expires = try #require(state["expiresAt"] as? String)
    #expect(issued.hasSuffix("Z") && expires.hasSuffix("Z") && issued < expires)
    #expect(!put.text.contains(token))

    let (_, echo) = try fixture.web("/polykey.v1.TestService/Echo", echoRequest())
    #expect(echo?.trailers["x-echo-authorization-sha256"] == (try sha256Hex("Bearer " + token)))

    let delete = try Self.get(fixture, "/-/session", method: "DELETE")
    #expect(delete.status == 200)
    #expect(try Self.json(delete)["state"] as? String == "absent")
    #expect(!FileManager.default.fileExists(atPath: fixture.gateway.tokenFile))
  }

  @Test(arguments: [
    "", "not json", "{\"token\": 5}", "{\"token\": \"has space\"}", "[]", "{\"token\": \"\"}",
  ])
  func badSessionBodiesAre400(body: String) throws {
    let fixture = try Fixture()
    let result = try Self.get(fixture, "/-/session", method: "PUT", body: body)
    #expect(result.status == 400)
    #expect(result.header("X-Exit-Code") == "65")
    let error = try #require(try Self.json(result)["error"] as? [String: Any])
    #expect(error["code"] as? String == "invalid_argument")
    #expect(error["exitCode"] as? Int == 65)
    // The same type as a JSON call's bad body; BadRequest is for malformed HTTP.
    #expect(error["type"] as? String == "ErrorGatewayInvalidRequest")
  }

  @Test func wrongMethodsAre405() throws {
    let fixture = try Fixture()
    let post = try Self.get(fixture, "/-/session", method: "POST", body: "{}")
    #expect(post.status == 405)
    #expect(post.header("Allow") == "GET, HEAD, PUT, DELETE")
    #expect(post.header("X-Exit-Code") == "64")
    let get = try Self.get(fixture, "/-/session/unlock")
    #expect(get.status == 405)
  }

  @Test func unlockEndpointWithTheRightAndTheWrongPassword() throws {
    let fixture = try Fixture()
    let wrong = try Self.get(fixture, "/-/session/unlock", method: "POST", body: "{\"password\": \"nope\"}")
    #expect(wrong.status == 401)
    #expect(wrong.header("WWW-Authenticate") == "Bearer")
    #expect(wrong.header("X-Exit-Code") == "65")
    let error = try #require(try Self.json(wrong)["error"] as? [String: Any])
    #expect(error["type"] as? String == "ErrorClientAuthDenied")
    #expect(error["code"] as? String == "unauthenticated")
    #expect(error["exitCode"] as? Int == 65)
    #expect(error["message"] as? String == "Incorrect password")
    #expect(fixture.gateway.storedToken == nil)

    let right = try Self.get(fixture, "/-/session/unlock", method: "POST", body: "{\"password\": \"secret-password\"}")
    #expect(right.status == 200)
    #expect(try Self.json(right)["state"] as? String == "present")
    let token = try #require(fixture.gateway.storedToken)
    #expect(!right.text.contains(token))
    #expect(try Self.metric(fixture, "session_gateway_unlocks_total{outcome=\"ok\"}") == 1)
    #expect(try Self.metric(fixture, "session_gateway_unlocks_total{outcome=\"failed\"}") == 1)
  }

  @Test func unlockWithTheAgentDownIs503() throws {
    let fixture = try Fixture()
    fixture.agent.child.stop()
    let result = try Self.get(fixture, "/-/session/unlock", method: "POST", body: "{\"password\": \"x\"}")
    #expect(result.status == 503)
    #expect(result.header("Retry-After") == "1")
    #expect(result.header("X-Exit-Code") == "69")
  }

  /// A password whose Basic credential would be over 16 KiB is refused by the gateway (400/65)
  /// without an unlock call: it was a 503 from the agent connection (nghttp2 will not send a
  /// header block over 64 KiB) or the agent's RESOURCE_EXHAUSTED. The longest allowed one goes.
  @Test func anUnlockPasswordTooLongForMetadataIs400() throws {
    let fixture = try Fixture()
    for length in [12_288, 47_000, 60_000] {
      let body = "{\"password\": \"" + String(repeating: "p", count: length) + "\"}"
      let result = try Self.get(fixture, "/-/session/unlock", method: "POST", body: body)
      #expect(result.status == 400, "\(length): \(result.text)")
      #expect(result.header("X-Exit-Code") == "65")
      let error = try #require(try Self.json(result)["error"] as? [String: Any])
      #expect(error["code"] as? String == "invalid_argument")
      #expect(error["exitCode"] as? Int == 65)
      let message = error["message"] as? String ?? ""
      #expect(message.hasPrefix("\"password\" is over 12287 bytes"), "\(message)")
    }
    #expect(try Self.metric(fixture, "session_gateway_unlocks_total{outcome=\"failed\"}") == 0)
    let longest = "{\"password\": \"" + String(repeating: "p", count: 12_287) + "\"}"
    let result = try Self.get(fixture, "/-/session/unlock", method: "POST", body: longest)
    #expect(result.status != 400 && result.status != 503, "\(result.text)")
    #expect(try Self.metric(fixture, "session_gateway_unlocks_total{outcome=\"failed\"}") == 1)
  }

  /// The same limit for the self-recovery password: the gateway does not start (EX_CONFIG),
  /// naming where the password came from.
  @Test func aPasswordTooLongForMetadataStopsTheGateway() throws {
    let directory = try TemporaryDirectory()
    let passwordFile = directory.file("password")
    try String(repeating: "p", count: 13_000).write(
      toFile: passwordFile, atomically: false, encoding: .utf8)
    let common = [
      "--agent", "unix:" + directory.file("none.sock"), "--listen", directory.file("g.sock"),
      "--token-file", directory.file("token"),
    ]
    // Under `timeout`: a gateway that starts after all would run until stopped.
    let (fileExit, _, fileErrors) = try runProcess(
      "/usr/bin/timeout", ["10", TestPaths.gatewayBinary] + common + ["--password-file", passwordFile])
    #expect(fileExit == 78)
    #expect(fileErrors.contains("the password in \(passwordFile) is over 12287 bytes"), "\(fileErrors)")
    #expect(!fileErrors.contains("ppppp"))
    let (environmentExit, _, environmentErrors) = try runProcess(
      "/usr/bin/env",
      ["PK_PASSWORD=" + String(repeating: "p", count: 13_000), "/usr/bin/timeout", "10",
       TestPaths.gatewayBinary] + common)
    #expect(environmentExit == 78)
    #expect(environmentErrors.contains("PK_PASSWORD is over 12287 bytes"), "\(environmentErrors)")
  }

  @Test func tokenFlagSeedsTheFile() throws {
    let directory = try TemporaryDirectory()
    let agent = try ReferenceAgent(directory: directory)
    let token = try Self.freshToken(agentSocket: agent.socketPath)
    let gateway = try Gateway(agent: agent.address, directory: directory, arguments: ["--token", token])
    #expect(gateway.storedToken == token)
    let state = try JSONSerialization.jsonObject(
      with: Data(try Curl.run(socket: gateway.socketPath, path: "/-/session", method: "GET").body)) as? [String: Any]
    #expect(state?["state"] as? String == "present")
    #expect(!gateway.log.contains(token))
  }

  // MARK: Self-recovery

  /// The token in the file changed while the call was under way (another client wrote it after
  /// lock-all): the gateway retries once with it.
  @Test func anotherWritersTokenIsRetried() throws {
    let fixture = try Fixture()
    try fixture.unlock()
    let box = LockedData()
    let socket = fixture.gateway.socketPath
    let body = GRPCWeb.frame(Self.control(delayMs: 1500))
    let caller = Thread {
      let result = try? Curl.run(
        socket: socket, path: "/polykey.v1.TestService/Control",
        headers: ["Content-Type: application/grpc-web+proto"], body: body)
      let status = result.map {
        SessionLifecycleTests.outcome($0, GRPCWeb.parse($0.body))["grpc-status"] ?? "none"
      }
      box.set(Data((status ?? "failed").utf8))
    }
    caller.start()
    usleep(400_000)  // the gateway has sent the old token; the agent waits before checking it
    try Self.lockAll(fixture)
    let fresh = try Self.freshToken(fixture)
    try Self.polykeyWrite(fixture.gateway.tokenFile, fresh)
    while box.get() == nil { usleep(10_000) }
    #expect(String(decoding: box.get()!, as: UTF8.self) == "0")
    #expect(try Self.metric(fixture, "session_gateway_auth_retries_total{reason=\"file_token\"}") == 1)
    #expect(try Self.metric(fixture, "session_gateway_auth_rejections_total") == 1)
  }

  @Test func lockAllThenThePasswordUnlocksAndRetries() throws {
    let fixture = try Fixture(gatewayArguments: ["--password-file", "PASSWORD_FILE"])
    try fixture.unlock()
    let before = try #require(fixture.gateway.storedToken)
    try Self.lockAll(fixture)
    // A server-streaming call: retried too, since nothing reached the caller.
    let (result, response) = try fixture.web("/polykey.v1.TestService/Control", Self.control(messages: 3))
    #expect(result.status == 200)
    #expect(response?.messages.count == 3)
    #expect(response?.trailers["grpc-status"] == "0")
    _ = try fixture.gateway.waitForToken(differentFrom: before)
    #expect(try Self.metric(fixture, "session_gateway_auth_retries_total{reason=\"unlock\"}") == 1)
    #expect(try Self.metric(fixture, "session_gateway_unlocks_total{outcome=\"ok\"}") == 1)
    // The next call needs no recovery.
    let (_, again) = try fixture.web("/polykey.v1.ClientService/AgentStatus")
    #expect(again?.trailers["grpc-status"] == "0")
    #expect(try Self.metric(fixture, "session_gateway_auth_rejections_total") == 1)
  }

  @Test func noTokenAtAllAndAPasswordUnlocks() throws {
    let fixture = try Fixture(gatewayArguments: ["--password-file", "PASSWORD_FILE"])
    let (_, response) = try fixture.web("/polykey.v1.ClientService/AgentStatus")
    #expect(response?.trailers["grpc-status"] == "0")
    #expect(fixture.gateway.storedToken != nil)
  }

  @Test func anExpiredTokenIsRenewedWithThePassword() throws {
    let fixture = try Fixture(agentArguments: ["--token-ttl", "1"], gatewayArguments: ["--password-file", "PASSWORD_FILE"])
    try fixture.unlock()
    usleep(2_100_000)
    let (_, response) = try fixture.web("/polykey.v1.TestService/Echo", echoRequest())
    #expect(response?.trailers["grpc-status"] == "0")
    #expect(response?.trailers["x-echo-auth-outcome"] == "AUTH_OUTCOME_BEARER_VALID")
    #expect(try Self.metric(fixture, "session_gateway_auth_retries_total{reason=\"unlock\"}") == 1)
  }

  /// Without a password the rejection goes through gRPC-Web unchanged, and the session reads
  /// `rejected` until the token changes.
  @Test(arguments: ["v1", "v2"])
  func anExpiredTokenWithoutAPasswordIsTheAgentsError(names: String) throws {
    let fixture = try Fixture(agentArguments: ["--token-ttl", "1", "--auth-error-names", names])
    try fixture.unlock()
    usleep(2_100_000)
    let (result, response) = try fixture.web("/polykey.v1.TestService/Echo", echoRequest())
    let outcome = Self.outcome(result, response)
    #expect(outcome["grpc-status"] == "2")
    let error = try #require(outcome["error"])
    #expect(error.contains(names == "v1" ? "ErrorSessionTokenInvalid" : "ErrorClientAuthDenied"))
    let state = try Self.json(try Self.get(fixture, "/-/session"))
    #expect(state["state"] as? String == "rejected")
    #expect(try Self.metric(fixture, "session_gateway_auth_retries_total{reason=\"unlock\"}") == 0)
  }

  @Test func noTokenNoPasswordIsTheAgentsError() throws {
    let fixture = try Fixture(agentArguments: ["--auth-error-code", "16"])
    let (result, response) = try fixture.web("/polykey.v1.ClientService/AgentStatus")
    let outcome = Self.outcome(result, response)
    #expect(outcome["grpc-status"] == "16")
    #expect(outcome["error"]?.contains("ErrorClientJWTTokenNotProvided") == true)
  }

  @Test func aWrongPasswordFileAnswersTheUnlocksError() throws {
    let fixture = try Fixture(gatewayArguments: ["--password-file", "WRONG_PASSWORD_FILE"])
    let (result, response) = try fixture.web("/polykey.v1.ClientService/AgentStatus")
    let outcome = Self.outcome(result, response)
    #expect(outcome["grpc-status"] == "2")
    #expect(outcome["error"]?.contains("Incorrect password") == true)
    #expect(try Self.metric(fixture, "session_gateway_unlocks_total{outcome=\"failed\"}") == 1)
  }

  /// A password given through a pipe (`--password-file <(…)`) is read at start and used.
  @Test func aPasswordFromAPipeUnlocks() throws {
    let fixture = try Fixture(gatewayArguments: ["--password-file", "PASSWORD_FIFO"])
    let (result, response) = try fixture.web("/polykey.v1.ClientService/AgentStatus")
    #expect(Self.outcome(result, response)["grpc-status"] == "0", "\(result.text)")
    #expect(try Self.metric(fixture, "session_gateway_unlocks_total{outcome=\"ok\"}") == 1)
  }

  /// The caller's own credentials are not the session's: no recovery.
  @Test func theCallersOwnCredentialsAreNeverRecovered() throws {
    let fixture = try Fixture(gatewayArguments: ["--password-file", "PASSWORD_FILE"])
    let wrong = "Basic " + Data(":wrong".utf8).base64EncodedString()
    let (result, response) = try fixture.web(
      "/polykey.v1.ClientService/AgentStatus", headers: ["Authorization: " + wrong])
    #expect(Self.outcome(result, response)["error"]?.contains("Incorrect password") == true)
    #expect(try Self.metric(fixture, "session_gateway_unlocks_total{outcome=\"ok\"}") == 0)
  }

  @Test func passwordFromTheEnvironment() throws {
    let directory = try TemporaryDirectory()
    let agent = try ReferenceAgent(directory: directory)
    let gateway = try Gateway(
      agent: agent.address, directory: directory, environment: ["PK_PASSWORD": "secret-password"])
    let result = try Curl.run(
      socket: gateway.socketPath, path: "/polykey.v1.ClientService/AgentStatus",
      headers: ["Content-Type: application/grpc-web+proto"], body: GRPCWeb.frame([]))
    #expect(GRPCWeb.parse(result.body)?.trailers["grpc-status"] == "0")
    #expect(gateway.storedToken != nil)
  }

  // MARK: Agent errors through gRPC-Web, unchanged

  @Test(arguments: ["new", "old", "plain"])
  func polykeyErrorTrailersPassThrough(shape: String) throws {
    let fixture = try Fixture()
    var error = ProtoWriter()
    error.string(1, "ErrorVaultsVaultUndefined")
    error.string(2, "Vault does not exist")
    error.uint(4, 67)
    error.string(5, shape)
    var control = ProtoWriter()
    control.uint(5, 2)
    control.string(6, "vault caf\u{E9} missing")
    control.bytes(13, error.bytes)
    let (result, response) = try fixture.web("/polykey.v1.TestService/ControlUnary", control.bytes)
    let outcome = Self.outcome(result, response)
    #expect(outcome["grpc-status"] == "2")
    #expect(outcome["grpc-message"] == "vault caf%C3%A9 missing")
    let trailer = try #require(outcome["error"])
    #expect(trailer.contains("ErrorVaultsVaultUndefined"))
  }

  @Test func statusDetailsPassThrough() throws {
    let fixture = try Fixture()
    var entry = ProtoWriter()
    entry.string(1, "grpc-status-details-bin")
    entry.bytes(3, [0x08, 0x05, 0x12, 0x01, 0x78])  // code 5, message "x"
    var control = ProtoWriter()
    control.uint(5, 5)
    control.string(6, "x")
    control.bytes(11, entry.bytes)
    let (result, response) = try fixture.web("/polykey.v1.TestService/ControlUnary", control.bytes)
    let outcome = Self.outcome(result, response)
    #expect(outcome["grpc-status"] == "5")
    #expect(outcome["grpc-status-details-bin"] == "CAUSAXg")
  }
}

