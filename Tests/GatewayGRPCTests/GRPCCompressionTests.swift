import GatewayGRPC
import Testing

@Suite struct GRPCCompressionTests {
  static func hex(_ string: String) -> [UInt8] {
    var out: [UInt8] = []
    var chars = Array(string.utf8)[...]
    while chars.count >= 2 {
      out.append(UInt8(String(decoding: chars.prefix(2), as: UTF8.self), radix: 16)!)
      chars = chars.dropFirst(2)
    }
    return out
  }

  /// python3 -c 'import gzip,sys; sys.stdout.write(gzip.compress(b"hello, gzip", mtime=0).hex())'
  static let gzipFixture = hex("1f8b0800000000000203cb48cdc9c9d75148afca2c00004a9bb15c0b000000")
  /// python3 -c 'import zlib,sys; sys.stdout.write(zlib.compress(b"hello, deflate").hex())'
  static let deflateFixture = hex("789ccb48cdc9c9d75148494dcb492c49050026ad0536")

  @Test func inflatesPythonFixtures() throws {
    let gz = try Self.gzipFixture.withUnsafeBytes {
      try GRPCCompression.gzip.decompress($0, limit: 100)
    }
    #expect(gz == Array("hello, gzip".utf8))
    let zl = try Self.deflateFixture.withUnsafeBytes {
      try GRPCCompression.deflate.decompress($0, limit: 100)
    }
    #expect(zl == Array("hello, deflate".utf8))
  }

  @Test(arguments: GRPCCompression.allCases, [0, 1, 1000, 70_000])
  func roundTrips(compression: GRPCCompression, size: Int) throws {
    let plain = (0..<size).map { UInt8(truncatingIfNeeded: $0 * 31 / 7) }
    let packed = try plain.withUnsafeBytes { try compression.compress($0) }
    let unpacked = try packed.withUnsafeBytes { try compression.decompress($0, limit: size) }
    #expect(unpacked == plain)
  }

  @Test func decompressedLimitIsEnforced() throws {
    let plain = [UInt8](repeating: 0, count: 1_000_000)  // compresses to about 1 KiB
    let packed = try plain.withUnsafeBytes { try GRPCCompression.gzip.compress($0) }
    #expect(packed.count < 2000)
    let error = #expect(throws: GRPCError.self) {
      try packed.withUnsafeBytes { try GRPCCompression.gzip.decompress($0, limit: 999_999) }
    }
    #expect(error?.code == .messageTooLarge)
  }

  @Test func corruptTruncatedAndTrailingDataFail() throws {
    var truncated = Self.gzipFixture
    truncated.removeLast(4)
    var trailing = Self.gzipFixture
    trailing.append(0)
    var corrupt = Self.gzipFixture
    corrupt[12] ^= 0xFF
    for input in [truncated, trailing, corrupt, [], Self.deflateFixture] {
      let error = #expect(throws: GRPCError.self) {
        try input.withUnsafeBytes { try GRPCCompression.gzip.decompress($0, limit: 100) }
      }
      #expect(error?.code == .decompressionFailed)
    }
  }

  @Test func parsesEncodingNames() {
    #expect(GRPCCompression(headerValue: "GZIP") == .gzip)
    #expect(GRPCCompression(headerValue: "deflate") == .deflate)
    #expect(GRPCCompression(headerValue: "identity") == nil)
    #expect(GRPCCompression(headerValue: "snappy") == nil)
  }
}
