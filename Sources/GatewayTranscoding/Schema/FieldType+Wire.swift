extension FieldType {
  /// Scalars that may be written packed: every numeric type, bool and enum.
  var isPackable: Bool {
    switch self {
    case .string, .bytes, .message, .group: false
    default: true
    }
  }

  /// Map keys: integral types, bool and string.
  var isValidMapKey: Bool {
    switch self {
    case .double, .float, .bytes, .message, .group, .enum: false
    default: true
    }
  }

  /// The wire type a single value of this type is written with.
  var binaryWireType: WireType {
    switch self {
    case .int32, .int64, .uint32, .uint64, .sint32, .sint64, .bool, .enum: .varint
    case .fixed64, .sfixed64, .double: .fixed64
    case .fixed32, .sfixed32, .float: .fixed32
    case .string, .bytes, .message: .lengthDelimited
    case .group: .startGroup
    }
  }
}
