/// Appends protobuf wire values to a byte array. Length-delimited values are written in place:
/// one byte is reserved for the length, and the payload is shifted only when its length needs
/// a longer varint (payloads of 128 bytes and more).
public struct WireWriter {
  public var bytes: [UInt8]

  public init(bytes: [UInt8] = []) {
    self.bytes = bytes
  }

  /// How many bytes `value` takes as a varint (1...10).
  @inline(__always)
  public static func varintSize(_ value: UInt64) -> Int {
    // 1 + floor(bitWidth - 1) / 7, with 0 taking one byte.
    let bits = 64 - (value | 1).leadingZeroBitCount
    return (bits + 6) / 7
  }

  @inline(__always)
  public mutating func writeVarint(_ value: UInt64) {
    var value = value
    while value >= 0x80 {
      bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
      value >>= 7
    }
    bytes.append(UInt8(value))
  }

  @inline(__always)
  public mutating func writeTag(fieldNumber: Int32, wireType: WireType) {
    writeVarint(UInt64(UInt32(bitPattern: fieldNumber) << 3 | UInt32(wireType.rawValue)))
  }

  @inline(__always)
  public mutating func writeFixed32(_ value: UInt32) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
  }

  @inline(__always)
  public mutating func writeFixed64(_ value: UInt64) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
  }

  /// A length prefix and the payload.
  public mutating func writeLengthDelimited(_ payload: UnsafeRawBufferPointer) {
    writeVarint(UInt64(payload.count))
    bytes.append(contentsOf: payload)
  }

  public mutating func writeLengthDelimited(_ payload: [UInt8]) {
    writeVarint(UInt64(payload.count))
    bytes.append(contentsOf: payload)
  }

  /// Starts a length-delimited value whose payload is about to be appended; returns the mark
  /// to pass to `endLengthDelimited(_:)`.
  @inline(__always)
  public mutating func beginLengthDelimited() -> Int {
    bytes.append(0)
    return bytes.count
  }

  /// Writes the length of everything appended since `beginLengthDelimited()`, shifting the
  /// payload when the length needs more than the one reserved byte.
  @inline(__always)
  public mutating func endLengthDelimited(_ mark: Int) {
    let length = bytes.count - mark
    if length < 0x80 {
      bytes[mark - 1] = UInt8(truncatingIfNeeded: length)
      return
    }
    insertLength(length, at: mark)
  }

  @usableFromInline
  mutating func insertLength(_ length: Int, at mark: Int) {
    let size = Self.varintSize(UInt64(length))
    let extra = size - 1
    bytes.append(contentsOf: repeatElement(0, count: extra))
    bytes.withUnsafeMutableBytes { raw in
      guard let base = raw.baseAddress else { return }
      // Overlapping move (memmove semantics).
      (base + mark + extra).copyMemory(from: base + mark, byteCount: length)
      var value = UInt64(length)
      var index = mark - 1
      while value >= 0x80 {
        raw[index] = UInt8(truncatingIfNeeded: value) | 0x80
        value >>= 7
        index += 1
      }
      raw[index] = UInt8(value)
    }
  }
}
