import GatewayTranscoding
import Testing

@Suite struct WireWriterTests {
  @Test(arguments: [
    0, 1, 127, 128, 300, 16383, 16384, UInt64(UInt32.max), UInt64.max >> 1, UInt64.max,
  ])
  func varintRoundTrip(value: UInt64) throws {
    let bytes = Wire.varint(value)
    #expect(bytes.count == WireWriter.varintSize(value))
    let decoded = try bytes.withUnsafeBytes { raw in
      var reader = WireReader(raw)
      return try reader.readVarint()
    }
    #expect(decoded == value)
  }

  @Test func knownEncodings() {
    #expect(Wire.varint(150) == [0x96, 0x01])
    #expect(Wire.tag(1, .varint) == [0x08])
    #expect(Wire.tag(16, .lengthDelimited) == [0x82, 0x01])
    var writer = WireWriter()
    writer.writeFixed32(0x0403_0201)
    writer.writeFixed64(0x0807_0605_0403_0201)
    #expect(writer.bytes == [1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8])
  }

  /// Payloads whose length needs 1, 2 and 3 varint bytes, nested: the reserved byte is shifted
  /// correctly and outer lengths account for inner shifts.
  @Test(arguments: [0, 1, 127, 128, 300, 16383, 16384, 70000])
  func lengthDelimitedInPlace(count: Int) throws {
    let payload = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    var writer = WireWriter(bytes: [0xAA])
    let outer = writer.beginLengthDelimited()
    writer.bytes.append(0x55)
    let inner = writer.beginLengthDelimited()
    writer.bytes += payload
    writer.endLengthDelimited(inner)
    writer.endLengthDelimited(outer)

    var expectedInner = WireWriter()
    expectedInner.writeLengthDelimited(payload)
    var expected = WireWriter(bytes: [0xAA])
    expected.writeLengthDelimited([0x55] + expectedInner.bytes)
    #expect(writer.bytes == expected.bytes)
  }
}
