/// Protobuf wire values appended straight to a byte sink, for the streaming transcoder (the
/// same encoding as `WireWriter`).
extension ByteSink {
  @inline(__always)
  mutating func appendVarint(_ value: UInt64) {
    if value < 0x80 {
      append(UInt8(truncatingIfNeeded: value))
      return
    }
    var value = value
    while value >= 0x80 {
      append(UInt8(truncatingIfNeeded: value) | 0x80)
      value >>= 7
    }
    append(UInt8(truncatingIfNeeded: value))
  }

  @inline(__always)
  mutating func appendTag(_ number: Int32, _ wireType: WireType) {
    appendVarint(UInt64(UInt32(bitPattern: number) << 3 | UInt32(wireType.rawValue)))
  }

  @inline(__always)
  mutating func appendFixed32(_ value: UInt32) {
    Swift.withUnsafeBytes(of: value.littleEndian) { appendBytes($0) }
  }

  @inline(__always)
  mutating func appendFixed64(_ value: UInt64) {
    Swift.withUnsafeBytes(of: value.littleEndian) { appendBytes($0) }
  }

  /// A value's payload in `wireType` (varint, fixed32 or fixed64) from its 64 wire bits.
  @inline(__always)
  mutating func appendPayload(_ bits: UInt64, _ wireType: WireType) {
    switch wireType {
    case .fixed32: appendFixed32(UInt32(truncatingIfNeeded: bits))
    case .fixed64: appendFixed64(bits)
    default: appendVarint(bits)
    }
  }
}
