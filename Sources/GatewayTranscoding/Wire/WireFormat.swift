/// The protobuf wire types. 6 and 7 are not valid on the wire.
public enum WireType: UInt8, Sendable {
  case varint = 0
  case fixed64 = 1
  case lengthDelimited = 2
  case startGroup = 3
  case endGroup = 4
  case fixed32 = 5
}

/// Why wire bytes could not be read. The binary decoder turns it into a `TranscodingError`
/// with a field path, the schema loader into a `SchemaError` naming the file.
public enum WireError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The input ended inside a value, a tag or a length-delimited payload.
  case truncated
  /// A varint longer than 10 bytes, or whose 10th byte carries bits beyond 64.
  case malformedVarint
  /// Field number 0, a field number above 2^29-1, or wire type 6 or 7.
  case invalidTag
  /// An end-group tag without its start group, or one with another field number.
  case unmatchedGroup
  /// Groups nested deeper than `WireReader.maxGroupDepth` while skipping.
  case tooDeep

  public var description: String {
    switch self {
    case .truncated: "truncated input"
    case .malformedVarint: "malformed varint"
    case .invalidTag: "invalid tag (field number 0 or out of range, or wire type 6/7)"
    case .unmatchedGroup: "unmatched end-group tag"
    case .tooDeep: "groups nested too deeply"
    }
  }
}

/// Zigzag encoding of signed integers (`sint32`, `sint64`): small magnitudes, small varints.
public enum ZigZag {
  @inline(__always)
  public static func encoded(_ value: Int32) -> UInt32 {
    UInt32(bitPattern: (value &<< 1) ^ (value >> 31))
  }

  @inline(__always)
  public static func decoded(_ value: UInt32) -> Int32 {
    Int32(bitPattern: (value >> 1) ^ (0 &- (value & 1)))
  }

  @inline(__always)
  public static func encoded(_ value: Int64) -> UInt64 {
    UInt64(bitPattern: (value &<< 1) ^ (value >> 63))
  }

  @inline(__always)
  public static func decoded(_ value: UInt64) -> Int64 {
    Int64(bitPattern: (value >> 1) ^ (0 &- (value & 1)))
  }
}
