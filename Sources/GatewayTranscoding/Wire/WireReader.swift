/// Reads protobuf wire values from a borrowed buffer, checking every length against the bytes
/// that remain before touching them. Each read either returns a value and advances, or throws
/// and leaves the reader in an unspecified position (callers abandon it).
///
/// The buffer must outlive the reader; nothing is copied until a caller asks for an array or a
/// string.
public struct WireReader {
  /// Groups nested deeper than this while skipping an unknown field are rejected (protobuf's
  /// default recursion limit).
  public static let maxGroupDepth = 100

  @usableFromInline let buffer: UnsafeRawBufferPointer
  /// Offset of the next unread byte.
  public private(set) var position: Int

  public init(_ buffer: UnsafeRawBufferPointer) {
    self.buffer = buffer
    position = 0
  }

  @inline(__always) public var isAtEnd: Bool { position >= buffer.count }
  @inline(__always) public var remaining: Int { buffer.count - position }

  /// A varint of at most 10 bytes; padded (non-canonical) encodings are accepted as protobuf
  /// does, a 10th byte above 1 (bits beyond 64) is not.
  @inline(__always)
  public mutating func readVarint() throws(WireError) -> UInt64 {
    guard position < buffer.count else { throw .truncated }
    let first = buffer[position]
    if first < 0x80 {
      position += 1
      return UInt64(first)
    }
    return try readVarintSlow()
  }

  @usableFromInline
  mutating func readVarintSlow() throws(WireError) -> UInt64 {
    var result: UInt64 = 0
    var shift: UInt64 = 0
    var index = position
    let end = buffer.count
    while true {
      guard index < end else { throw .truncated }
      let byte = buffer[index]
      index += 1
      if shift == 63 {
        // The 10th byte may only hold bit 63, and cannot continue.
        guard byte <= 1 else { throw .malformedVarint }
        result |= UInt64(byte) << 63
        break
      }
      result |= UInt64(byte & 0x7F) << shift
      if byte < 0x80 { break }
      shift += 7
    }
    position = index
    return result
  }

  @inline(__always)
  public mutating func readFixed32() throws(WireError) -> UInt32 {
    guard remaining >= 4 else { throw .truncated }
    let value = buffer.loadUnaligned(fromByteOffset: position, as: UInt32.self)
    position += 4
    return UInt32(littleEndian: value)
  }

  @inline(__always)
  public mutating func readFixed64() throws(WireError) -> UInt64 {
    guard remaining >= 8 else { throw .truncated }
    let value = buffer.loadUnaligned(fromByteOffset: position, as: UInt64.self)
    position += 8
    return UInt64(littleEndian: value)
  }

  /// A tag: field number 1...2^29-1 and a wire type 0...5.
  @inline(__always)
  public mutating func readTag() throws(WireError) -> (fieldNumber: Int32, wireType: WireType) {
    let raw = try readVarint()
    guard raw <= UInt64(UInt32.max), raw >> 3 != 0,
      let wireType = WireType(rawValue: UInt8(raw & 7))
    else { throw .invalidTag }
    return (Int32(truncatingIfNeeded: raw >> 3), wireType)
  }

  /// A length-delimited payload, checked against the remaining bytes before it is taken.
  @inline(__always)
  public mutating func readLengthDelimited() throws(WireError) -> UnsafeRawBufferPointer {
    let length = try readVarint()
    guard length <= UInt64(remaining) else { throw .truncated }
    let start = position
    position += Int(length)
    return UnsafeRawBufferPointer(rebasing: buffer[start..<position])
  }

  /// The bytes from `start` (an earlier `position`) to the current position.
  public func bytes(from start: Int) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(rebasing: buffer[start..<position])
  }

  /// Skips the value of a field whose tag was just read. A start group is skipped up to its
  /// matching end group; a lone end group is an error (the caller handles the end of a group
  /// it is decoding before calling this).
  public mutating func skipField(fieldNumber: Int32, wireType: WireType) throws(WireError) {
    try skipField(fieldNumber: fieldNumber, wireType: wireType, depth: 0)
  }

  private mutating func skipField(
    fieldNumber: Int32, wireType: WireType, depth: Int
  ) throws(WireError) {
    switch wireType {
    case .varint: _ = try readVarint()
    case .fixed64:
      guard remaining >= 8 else { throw .truncated }
      position += 8
    case .fixed32:
      guard remaining >= 4 else { throw .truncated }
      position += 4
    case .lengthDelimited: _ = try readLengthDelimited()
    case .endGroup: throw .unmatchedGroup
    case .startGroup:
      guard depth < Self.maxGroupDepth else { throw .tooDeep }
      while true {
        guard !isAtEnd else { throw .truncated }
        let (number, type) = try readTag()
        if type == .endGroup {
          guard number == fieldNumber else { throw .unmatchedGroup }
          return
        }
        try skipField(fieldNumber: number, wireType: type, depth: depth + 1)
      }
    }
  }
}
