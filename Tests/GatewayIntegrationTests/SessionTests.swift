import Foundation
import Testing

/// The session half of issue 2: token attached, rotated tokens stored, another writer's token
/// picked up, the caller's own Authorization passed through.
@Suite("Session through the gateway", .serialized)
struct SessionTests {
  @Test func everyRotatedTokenIsWrittenToTheFile() throws {
    let fixture = try Fixture()
    try fixture.unlock()
    var seen: Set<String> = []
    var token = try #require(fixture.gateway.storedToken)
    for _ in 0..<4 {
      #expect(seen.insert(token).inserted, "each call leaves a new token")
      let (_, response) = try fixture.web("/polykey.v1.TestService/Echo", echoRequest())
      #expect(response?.trailers["x-echo-auth-outcome"] == "AUTH_OUTCOME_BEARER_VALID")
      token = try fixture.gateway.waitForToken(differentFrom: token)
    }
    let attributes = try FileManager.default.attributesOfItem(atPath: fixture.gateway.tokenFile)
    #expect((attributes[.posixPermissions] as? Int) == 0o600)
    let directory = (fixture.gateway.tokenFile as NSString).deletingLastPathComponent
    let directoryAttributes = try FileManager.default.attributesOfItem(atPath: directory)
    #expect((directoryAttributes[.posixPermissions] as? Int) == 0o700)
    let contents = try String(contentsOfFile: fixture.gateway.tokenFile, encoding: .utf8)
    #expect(contents.hasSuffix("\n") && contents.filter { $0 == "\n" }.count == 1)
  }

  @Test func aTokenWrittenByAnotherProcessIsUsedAtOnce() throws {
    let fixture = try Fixture()
    try fixture.unlock()
    let valid = try #require(fixture.gateway.storedToken)

    // Another client (the CLI, say) writes the file: the very next call sends its token.
    try "written-by-someone-else\n".write(
      toFile: fixture.gateway.tokenFile, atomically: false, encoding: .utf8)
    let (_, invalid) = try fixture.web("/polykey.v1.TestService/Echo", echoRequest(requireAuth: false))
    #expect(invalid?.trailers["x-echo-authorization-sha256"] == (try sha256Hex("Bearer written-by-someone-else")))

    // Replaced atomically (a new inode) by a valid token: picked up too.
    let temporary = fixture.directory.file("token.new")
    try (valid + "\n").write(toFile: temporary, atomically: false, encoding: .utf8)
    #expect(rename(temporary, fixture.gateway.tokenFile) == 0)
    let (_, accepted) = try fixture.web("/polykey.v1.TestService/Echo", echoRequest())
    #expect(accepted?.trailers["x-echo-auth-outcome"] == "AUTH_OUTCOME_BEARER_VALID")
    #expect(accepted?.trailers["x-echo-authorization-sha256"] == (try sha256Hex("Bearer " + valid)))
  }

  @Test func theCallersOwnAuthorizationIsPassedThroughUnchanged() throws {
    let fixture = try Fixture()
    try fixture.unlock()
    let sessionToken = try #require(fixture.gateway.storedToken)
    let basic = "Basic " + Data(":secret-password".utf8).base64EncodedString()
    let (result, response) = try fixture.web(
      "/polykey.v1.TestService/Echo", echoRequest(), headers: ["Authorization: " + basic])
    #expect(result.status == 200)
    let web = try #require(response)
    #expect(web.trailers["x-echo-authorization-count"] == "1")
    #expect(web.trailers["x-echo-authorization-scheme"] == "Basic")
    #expect(web.trailers["x-echo-authorization-sha256"] == (try sha256Hex(basic)))
    #expect(web.trailers["x-echo-auth-outcome"] == "AUTH_OUTCOME_BASIC_VALID")
    // The token the agent handed back for the Basic call is stored, not passed on.
    let stored = try fixture.gateway.waitForToken(differentFrom: sessionToken)
    #expect(!result.text.contains(stored))
  }

  /// `Grpc-Metadata-Authorization` is the caller's Authorization in JSON mode; with another one
  /// the agent would see two, so the call is refused before it reaches the agent.
  @Test func twoAuthorizationsAre400() throws {
    let fixture = try Fixture()
    let basic = "Basic " + Data(":secret-password".utf8).base64EncodedString()
    let json = try fixture.json(
      "/polykey.v1.TestService/Echo", #"{"requireAuth": false}"#,
      headers: ["Authorization: " + basic, "Grpc-Metadata-Authorization: Bearer other"])
    #expect(json.status == 400, "\(json.text)")
    #expect(try errorObject(json)["type"] as? String == "ErrorGatewayInvalidRequest")
    let (web, response) = try fixture.web(
      "/polykey.v1.TestService/Echo", echoRequest(requireAuth: false),
      headers: ["Authorization: " + basic, "Authorization: Bearer other"])
    #expect(web.status == 200)
    // A trailers-only answer: the status comes as headers.
    #expect((web.header("grpc-status") ?? response?.trailers["grpc-status"]) == "3", "\(web.text)")
    // One is fine, from either header.
    let one = try fixture.json(
      "/polykey.v1.TestService/Echo", #"{"requireAuth": false}"#,
      headers: ["Grpc-Metadata-Authorization: " + basic])
    #expect(try jsonObject(one)["authorizationCount"] as? Int == 1)
  }

  @Test func withNoTokenNoAuthorizationIsSent() throws {
    let fixture = try Fixture()
    let (_, response) = try fixture.web("/polykey.v1.TestService/Echo", echoRequest(requireAuth: false))
    #expect(response?.trailers["x-echo-authorization-count"] == "0")
    #expect(response?.trailers["x-echo-auth-outcome"] == "AUTH_OUTCOME_NONE")
  }

  @Test func theTokenNeverReachesTheCallerOrTheLog() throws {
    let fixture = try Fixture()
    try fixture.unlock()
    var tokens: [String] = [try #require(fixture.gateway.storedToken)]
    var everything = ""
    for path in ["/polykey.v1.ClientService/AgentStatus", "/polykey.v1.TestService/Echo"] {
      let (result, _) = try fixture.web(path)
      everything += result.headers.map { "\($0.0): \($0.1)" }.joined() + result.text
      tokens.append(try fixture.gateway.waitForToken(differentFrom: tokens.last))
    }
    let metrics = try Curl.run(socket: fixture.gateway.socketPath, path: "/-/metrics", method: "GET")
    everything += metrics.text + fixture.gateway.log
    for token in tokens {
      #expect(!everything.contains(token))
    }
  }
}
