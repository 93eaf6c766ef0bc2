import Testing

@testable import GatewayTranscoding

@Suite struct UTF8ValidationTests {
  @Test(
    arguments: [
      ([], true), (Array("plain ascii, longer than eight bytes".utf8), true),
      (Array("héllo ✓ 𝄞".utf8), true),
      ([0xC3, 0x28], false), ([0xC0, 0x80], false),  // bad continuation; overlong NUL
      ([0xE0, 0x80, 0x80], false), ([0xED, 0xA0, 0x80], false),  // overlong; surrogate
      ([0xF4, 0x90, 0x80, 0x80], false), ([0xF8, 0x88, 0x80, 0x80, 0x80], false),  // > U+10FFFF
      ([0xE2, 0x9C], false), ([0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0xFF], false),
    ] as [([UInt8], Bool)])
  func knownCases(bytes: [UInt8], valid: Bool) {
    #expect(bytes.withUnsafeBytes { UTF8Validation.isValid($0) } == valid)
  }

  /// Agrees with the standard library on random strings biased towards UTF-8's interesting bytes.
  @Test func agreesWithTheStandardLibrary() {
    var random = SeededGenerator(seed: 99)
    let interesting: [UInt8] = [
      0x00, 0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF,
      0x9F, 0xA0, 0x8F, 0x90,
    ]
    for _ in 0..<20_000 {
      let count = Int.random(in: 0...12, using: &random)
      let bytes = (0..<count).map { _ in
        Bool.random(using: &random)
          ? interesting.randomElement(using: &random)! : UInt8.random(in: 0...255, using: &random)
      }
      let expected = String(validating: bytes, as: UTF8.self) != nil
      #expect(bytes.withUnsafeBytes { UTF8Validation.isValid($0) } == expected, "\(bytes)")
    }
  }
}
