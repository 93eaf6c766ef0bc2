import GatewayCore
import Testing

@Suite struct Base64Tests {
  /// RFC 4648 section 10 test vectors.
  static let rfcVectors: [(String, String)] = [
    ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
    ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
  ]

  @Test(arguments: rfcVectors)
  func encodesRFCVectors(plain: String, encoded: String) {
    #expect(Base64.encode(Array(plain.utf8)) == encoded)
  }

  @Test(arguments: rfcVectors)
  func decodesRFCVectorsPaddedAndUnpadded(plain: String, encoded: String) {
    #expect(Base64.decode(encoded) == Array(plain.utf8))
    let unpadded = String(encoded.prefix { $0 != "=" })
    #expect(Base64.decode(unpadded) == Array(plain.utf8))
  }

  @Test func alphabetsDiffer() {
    let bytes: [UInt8] = [0xFB, 0xFF, 0xBF]
    #expect(Base64.encode(bytes) == "+/+/")
    #expect(Base64.decode("+/+/") == bytes)
    #expect(Base64.decode("-_-_", alphabet: .urlSafe) == bytes)
    #expect(Base64.decode("-_-_") == nil)
    #expect(Base64.decode("+/+/", alphabet: .urlSafe) == nil)
  }

  @Test func jwtPartDecodes() {
    // {"alg":"HS256","typ":"JWT"}, the usual JWT header, unpadded URL-safe.
    let decoded = Base64.base64URLDecode("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9")
    #expect(decoded.map { String(decoding: $0, as: UTF8.self) } == #"{"alg":"HS256","typ":"JWT"}"#)
    #expect(Base64.base64URLDecode("_-8") == [0xFF, 0xEF])
  }

  @Test(arguments: [
    "Zg=", "Z", "Zm9vY", "Zm 9v", "Zm9v\n", "Zg==Zg==", "=Zg=", "Zm9v=", "====", "Z===",
    "Zm=v", "Zm9\u{00e9}", "Zg===",
  ])
  func rejectsInvalid(_ input: String) {
    #expect(Base64.decode(input) == nil)
  }

  @Test func roundTripsAllLengthsAndBytes() {
    let bytes = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
    for n in 0...bytes.count {
      let slice = Array(bytes[..<n])
      #expect(Base64.decode(Base64.encode(slice)) == slice)
    }
  }

  @Test func failedDecodeLeavesOutputUnchanged() {
    var out: [UInt8] = [1, 2]
    let ok = Array("Zm9v!A==".utf8).withUnsafeBytes {
      Base64.decode($0, alphabet: .standard, appendingTo: &out)
    }
    #expect(!ok)
    #expect(out == [1, 2])
  }

  @Test func encodeAppends() {
    var out: [UInt8] = Array("x".utf8)
    Array("fo".utf8).withUnsafeBytes { Base64.encode($0, appendingTo: &out) }
    #expect(String(decoding: out, as: UTF8.self) == "xZm8=")
    #expect(Base64.encodedCount(4) == 8)
  }
}
