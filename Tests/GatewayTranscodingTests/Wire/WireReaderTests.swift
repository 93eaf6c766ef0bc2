import GatewayTranscoding
import Testing

/// Runs `body` on a reader over `bytes` and returns its result, or the wire error it threw.
private func read<T>(
  _ bytes: [UInt8], _ body: (inout WireReader) throws(WireError) -> T
) -> Result<T, WireError> {
  bytes.withUnsafeBytes { raw in
    var reader = WireReader(raw)
    return Result { () throws(WireError) in try body(&reader) }
  }
}

@Suite struct WireReaderTests {
  @Test(
    arguments: [
      ([0x00], 0), ([0x01], 1), ([0x7F], 127), ([0x80, 0x01], 128), ([0x96, 0x01], 150),
      ([0xFF, 0xFF, 0xFF, 0xFF, 0x0F], UInt64(UInt32.max)),
      ([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], UInt64.max),
      // Padded (non-canonical) encodings are valid, as protobuf's longvarint tests require.
      ([0x80, 0x00], 0), ([0xB9, 0xE0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], 12345),
    ] as [([UInt8], UInt64)])
  func varints(bytes: [UInt8], value: UInt64) {
    #expect(
      read(bytes) { (r) throws(WireError) in (try r.readVarint(), r.isAtEnd) }.map(\.0)
        == .success(value))
    #expect(
      read(bytes) { (r) throws(WireError) in
        _ = try r.readVarint()
        return r.isAtEnd
      } == .success(true))
  }

  @Test func varintLongerThanTenBytesIsRejected() {
    let bytes: [UInt8] = Array(repeating: 0x80, count: 10) + [0x00]
    #expect(
      read(bytes) { (r) throws(WireError) in try r.readVarint() } == .failure(.malformedVarint))
  }

  @Test func tenthByteBeyondSixtyFourBitsIsRejected() {
    let bytes: [UInt8] = Array(repeating: 0xFF, count: 9) + [0x02]
    #expect(
      read(bytes) { (r) throws(WireError) in try r.readVarint() } == .failure(.malformedVarint))
  }

  @Test(arguments: [[], [0x80], [0xFF, 0xFF], Array(repeating: 0xFF, count: 9)] as [[UInt8]])
  func truncatedVarint(bytes: [UInt8]) {
    #expect(read(bytes) { (r) throws(WireError) in try r.readVarint() } == .failure(.truncated))
  }

  @Test func fixedValuesAreLittleEndian() {
    let bytes: [UInt8] = [1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8]
    let result = read(bytes) { (r) throws(WireError) in (try r.readFixed32(), try r.readFixed64()) }
    #expect(result.map(\.0) == .success(0x0403_0201))
    #expect(result.map(\.1) == .success(0x0807_0605_0403_0201))
    #expect(
      read([1, 2, 3]) { (r) throws(WireError) in try r.readFixed32() } == .failure(.truncated))
    #expect(
      read([1, 2, 3, 4, 5, 6, 7]) { (r) throws(WireError) in try r.readFixed64() }
        == .failure(.truncated))
  }

  @Test func tags() {
    #expect(read([0x08]) { (r) throws(WireError) in try r.readTag().fieldNumber } == .success(1))
    #expect(
      read([0x0A]) { (r) throws(WireError) in try r.readTag().wireType }
        == .success(.lengthDelimited))
    // 2^29-1, wire type 0: the largest field number.
    #expect(
      read(Wire.varint(UInt64(ProtoNaming.maxFieldNumber) << 3)) { (r) throws(WireError) in
        try r.readTag().fieldNumber
      } == .success(ProtoNaming.maxFieldNumber))
  }

  @Test(
    arguments: [
      [0x00], [0x07], [0x02],  // field number 0
      [0x0E], [0x0F],  // wire types 6 and 7
      [0x80, 0x80, 0x80, 0x80, 0x10],  // above 32 bits
    ] as [[UInt8]])
  func invalidTags(bytes: [UInt8]) {
    #expect(
      read(bytes) { (r) throws(WireError) in try r.readTag() }.map { _ in 0 }
        == .failure(.invalidTag))
  }

  @Test func lengthIsCheckedAgainstTheRemainingBytes() {
    #expect(
      read([0x03, 1, 2, 3]) { (r) throws(WireError) in Array(try r.readLengthDelimited()) }
        == .success([1, 2, 3]))
    #expect(
      read([0x04, 1, 2, 3]) { (r) throws(WireError) in Array(try r.readLengthDelimited()) }
        == .failure(.truncated))
    // A length near 2^64 must not overflow the position.
    let huge = Wire.varint(UInt64.max) + [1]
    #expect(
      read(huge) { (r) throws(WireError) in try r.readLengthDelimited().count }
        == .failure(.truncated))
    let big = Wire.varint(UInt64(Int.max)) + [1]
    #expect(
      read(big) { (r) throws(WireError) in try r.readLengthDelimited().count }
        == .failure(.truncated))
  }

  @Test func groupsAreSkippedToTheirEnd() {
    // field 5 group { field 1 varint 1, field 6 group { field 2 fixed32 } }, then field 3 varint
    let bytes =
      Wire.tag(5, .startGroup) + Wire.varintField(1, 1) + Wire.tag(6, .startGroup)
      + Wire.tag(2, .fixed32) + [1, 2, 3, 4] + Wire.tag(6, .endGroup) + Wire.tag(5, .endGroup)
      + Wire.varintField(3, 9)
    let result = read(bytes) { (r) throws(WireError) in
      let tag = try r.readTag()
      try r.skipField(fieldNumber: tag.fieldNumber, wireType: tag.wireType)
      return try r.readTag().fieldNumber
    }
    #expect(result == .success(3))
  }

  @Test(arguments: [
    (Wire.tag(5, .startGroup) + Wire.tag(6, .endGroup), WireError.unmatchedGroup),
    (Wire.tag(5, .startGroup) + Wire.varintField(1, 1), .truncated),
    (Wire.tag(5, .endGroup), .unmatchedGroup),
    (Array(repeating: Wire.tag(5, .startGroup), count: 200).flatMap { $0 }, .tooDeep),
  ])
  func badGroups(bytes: [UInt8], error: WireError) {
    let result = read(bytes) { (r) throws(WireError) in
      let tag = try r.readTag()
      try r.skipField(fieldNumber: tag.fieldNumber, wireType: tag.wireType)
    }
    #expect(result.map { 0 } == .failure(error))
  }

  @Test(arguments: [0, 1, -1, 2, -2, Int64.max, Int64.min, Int64(Int32.max), Int64(Int32.min)])
  func zigzag(value: Int64) {
    #expect(ZigZag.decoded(ZigZag.encoded(value)) == value)
    if let small = Int32(exactly: value) {
      #expect(ZigZag.decoded(ZigZag.encoded(small)) == small)
      #expect(UInt64(ZigZag.encoded(small)) == ZigZag.encoded(value))
    }
    #expect(ZigZag.encoded(Int64(-1)) == 1)
    #expect(ZigZag.encoded(Int64(1)) == 2)
  }
}
