/// Protobuf wire values appended straight to a byte array, for the streaming transcoder (the
/// same encoding as `WireWriter`, without a wrapper to swap in and out).
extension Array where Element == UInt8 {
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
    Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
  }

  @inline(__always)
  mutating func appendFixed64(_ value: UInt64) {
    Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
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

  /// Reserves one byte for a length; returns the mark to pass to `endLength(_:)`.
  @inline(__always)
  mutating func beginLength() -> Int {
    append(0)
    return count
  }

  /// Writes the length of what was appended since `beginLength()`, shifting it when the
  /// length needs more than the reserved byte.
  @inline(__always)
  mutating func endLength(_ mark: Int) {
    let length = count - mark
    if length < 0x80 {
      self[mark - 1] = UInt8(truncatingIfNeeded: length)
      return
    }
    insertLength(length, at: mark)
  }

  private mutating func insertLength(_ length: Int, at mark: Int) {
    let extra = WireWriter.varintSize(UInt64(length)) - 1
    append(contentsOf: repeatElement(0, count: extra))
    withUnsafeMutableBytes { raw in
      guard let base = raw.baseAddress else { return }
      (base + mark + extra).copyMemory(from: base + mark, byteCount: length)
      var value = UInt64(length)
      var index = mark - 1
      while value >= 0x80 {
        raw[index] = UInt8(truncatingIfNeeded: value) | 0x80
        value >>= 7
        index += 1
      }
      raw[index] = UInt8(truncatingIfNeeded: value)
    }
  }

  /// Drops everything from `position` on (a value that turned out to be left out).
  @inline(__always)
  mutating func truncate(to position: Int) {
    if position < count { removeLast(count - position) }
  }
}
