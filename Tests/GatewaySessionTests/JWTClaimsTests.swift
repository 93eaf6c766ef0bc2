import Foundation
import Testing

@testable import GatewaySession

@Suite struct JWTClaimsTests {
  static func b64url(_ text: String) -> String {
    Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
      .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
  }

  static func compact(_ claims: String) -> String {
    b64url("{\"alg\":\"HS256\",\"typ\":\"JWT\"}") + "." + b64url(claims) + ".c2lnbmF0dXJl"
  }

  @Test func compactJWT() throws {
    let claims = try #require(JWTClaims(token: Self.compact("{\"iat\":1704067200,\"exp\":1704070800,\"jti\":\"x\"}")))
    #expect(claims.issuedAt == 1_704_067_200)
    #expect(claims.expiresAt == 1_704_070_800)
    #expect(JWTClaims.rfc3339(claims.issuedAt!) == "2024-01-01T00:00:00Z")
    #expect(JWTClaims.rfc3339(claims.expiresAt!) == "2024-01-01T01:00:00Z")
  }

  /// The JSON General JWS form newer agents issue, with a fractional `iat`.
  @Test func generalJWSWithFractionalIssuedAt() throws {
    let token = "{\"payload\":\"\(Self.b64url("{\"iat\":1704067200.25,\"exp\":1704070800,\"nbf\":1}"))\","
      + "\"signatures\":[{\"protected\":\"eyJhbGciOiJCTEFLRTJiIn0\",\"signature\":\"abc\"}]}"
    let claims = try #require(JWTClaims(token: token))
    #expect(JWTClaims.rfc3339(try #require(claims.issuedAt)) == "2024-01-01T00:00:00.250Z")
    #expect(JWTClaims.rfc3339(try #require(claims.expiresAt)) == "2024-01-01T01:00:00Z")
  }

  @Test func claimsThatAreMissingOrNotTimesAreAbsent() throws {
    let claims = try #require(JWTClaims(token: Self.compact("{\"iat\":\"yesterday\",\"exp\":-5}")))
    #expect(claims.issuedAt == nil && claims.expiresAt == nil)
    let huge = try #require(JWTClaims(token: Self.compact("{\"iat\":1e300,\"exp\":253402300799}")))
    #expect(huge.issuedAt == nil)
    #expect(JWTClaims.rfc3339(try #require(huge.expiresAt)) == "9999-12-31T23:59:59Z")
  }

  @Test(arguments: [
    "", "garbage", "a.b", "a.b.c.d", "x.!!!.y", "x.\(b64url("[1]")).y", "x.\(b64url("{")).y",
    "{", "{\"payload\":5}", "{\"payload\":\"%%%\"}", "{\"signatures\":[]}",
    String(repeating: "a", count: 20000),
  ])
  func garbageIsNoClaims(token: String) {
    #expect(JWTClaims(token: token) == nil)
  }

  @Test(arguments: [
    (0.0, "1970-01-01T00:00:00Z"), (951_782_400, "2000-02-29T00:00:00Z"),
    (1_709_210_096.5, "2024-02-29T12:34:56.500Z"), (4_102_444_800, "2100-01-01T00:00:00Z"),
  ])
  func rfc3339(seconds: Double, text: String) {
    #expect(JWTClaims.rfc3339(seconds) == text)
  }
}
