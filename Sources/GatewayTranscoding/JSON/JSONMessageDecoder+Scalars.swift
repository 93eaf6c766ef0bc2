/// Scalars and enums: the number, string and literal forms the proto3 mapping accepts.
extension JSONMessageDecoder {
  mutating func decodeScalar(_ type: FieldType) throws(TranscodingError) -> ProtoValue {
    switch type {
    case .int32, .sint32, .sfixed32:
      return .int32(Int32(truncatingIfNeeded: try decodeSigned(min: Int64(Int32.min), max: Int64(Int32.max))))
    case .int64, .sint64, .sfixed64:
      return .int64(try decodeSigned(min: .min, max: .max))
    case .uint32, .fixed32:
      return .uint32(UInt32(truncatingIfNeeded: try decodeUnsigned(max: UInt64(UInt32.max))))
    case .uint64, .fixed64:
      return .uint64(try decodeUnsigned(max: .max))
    case .bool:
      guard let value = try scanner.consumeBool() else {
        throw mismatch(expected: "true or false")
      }
      return .bool(value)
    case .double:
      return .double(try decodeFloatingPoint(isFloat: false).double)
    case .float:
      return .float(try decodeFloatingPoint(isFloat: true).float)
    case .string:
      guard try scanner.peek() == UInt8(ascii: "\"") else { throw mismatch(expected: "a string") }
      return .string(scanner.string(try scanner.readStringToken()))
    case .bytes:
      guard try scanner.peek() == UInt8(ascii: "\"") else {
        throw mismatch(expected: "a base64 string")
      }
      let token = try scanner.readStringToken()
      let decoded = scanner.withBytes(token) { Base64Bytes.decode($0) }
      guard let decoded else { throw .invalid("invalid base64") }
      return .bytes(decoded)
    case .message, .group, .enum:
      throw .invalid("internal: \(type) is not a scalar type")
    }
  }

  /// An enum value: its name, its number, or `null` for `google.protobuf.NullValue`. Nil for
  /// an unknown name when unknown fields are ignored (Python's `json_format` does the same).
  mutating func decodeEnum(_ type: Int) throws(TranscodingError) -> ProtoValue? {
    let descriptor = pool.enums[type]
    switch try scanner.peek() {
    case UInt8(ascii: "\""):
      let name = scanner.string(try scanner.readStringToken())
      if let number = descriptor.numberByName[name] { return .enumNumber(number) }
      if let number = Int32(name) { return .enumNumber(number) }
      if ignoreUnknownFields { return nil }
      throw .invalid("unknown value \"\(name)\" for enum \(descriptor.fullName)")
    case UInt8(ascii: "n") where descriptor.fullName == "google.protobuf.NullValue":
      _ = try scanner.consumeNull()
      return .enumNumber(0)
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      let token = try scanner.readNumberToken()
      let value = try checkedSigned(
        token.integer(in: scanner.bytes), min: Int64(Int32.min), max: Int64(Int32.max))
      return .enumNumber(Int32(truncatingIfNeeded: value))
    default:
      throw mismatch(expected: "an enum name or number")
    }
  }

  /// An integer written as a number or a string (`1`, `"1"`, `1e2`, `"1.0"`).
  private mutating func decodeInteger() throws(TranscodingError) -> JSONNumberToken.IntegerResult {
    switch try scanner.peek() {
    case UInt8(ascii: "\""):
      let token = try scanner.readStringToken()
      return try scanner.withBytes(token) { (text) throws(TranscodingError) in
        guard case .success(let number) = JSONNumberToken.scan(text, from: 0, to: text.count),
          number.end == text.count
        else { throw .invalid("not an integer: \"\(String(decoding: text, as: UTF8.self))\"") }
        return number.integer(in: text)
      }
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      return try scanner.readNumberToken().integer(in: scanner.bytes)
    default:
      throw mismatch(expected: "an integer")
    }
  }

  private mutating func decodeSigned(min: Int64, max: Int64) throws(TranscodingError) -> Int64 {
    try checkedSigned(decodeInteger(), min: min, max: max)
  }

  private mutating func decodeUnsigned(max: UInt64) throws(TranscodingError) -> UInt64 {
    switch try decodeInteger() {
    case .value(let isNegative, let magnitude):
      if isNegative && magnitude != 0 { throw .invalid("negative value for an unsigned integer") }
      guard magnitude <= max else { throw .invalid("integer out of range (maximum \(max))") }
      return magnitude
    case .notAnInteger: throw .invalid("not an integer")
    case .tooLarge: throw .invalid("integer out of range (maximum \(max))")
    }
  }

  /// A float or double: a number, a numeric string, or `"NaN"`, `"Infinity"`, `"-Infinity"`.
  /// Finite input that rounds to infinity in the field's type is out of range.
  private mutating func decodeFloatingPoint(
    isFloat: Bool
  ) throws(TranscodingError) -> (double: Double, float: Float) {
    let kind = isFloat ? "float" : "double"
    switch try scanner.peek() {
    case UInt8(ascii: "\""):
      let token = try scanner.readStringToken()
      return try scanner.withBytes(token) { (text) throws(TranscodingError) in
        if text.elementsEqual("NaN".utf8) { return (.nan, .nan) }
        if text.elementsEqual("Infinity".utf8) { return (.infinity, .infinity) }
        if text.elementsEqual("-Infinity".utf8) { return (-.infinity, -.infinity) }
        guard case .success(let number) = JSONNumberToken.scan(text, from: 0, to: text.count),
          number.end == text.count
        else { throw .invalid("not a number: \"\(String(decoding: text, as: UTF8.self))\"") }
        return try Self.checkedFloatingPoint(number, in: text, isFloat: isFloat, kind: kind)
      }
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      let number = try scanner.readNumberToken()
      return try Self.checkedFloatingPoint(number, in: scanner.bytes, isFloat: isFloat, kind: kind)
    default:
      throw mismatch(expected: "a number")
    }
  }

  private static func checkedFloatingPoint(
    _ number: JSONNumberToken, in bytes: UnsafeRawBufferPointer, isFloat: Bool, kind: String
  ) throws(TranscodingError) -> (double: Double, float: Float) {
    if isFloat {
      let value = number.float(in: bytes)
      guard value.isFinite else { throw .invalid("number out of range for a float") }
      return (0, value)
    }
    let value = number.double(in: bytes)
    guard value.isFinite else { throw .invalid("number out of range for a double") }
    return (value, 0)
  }
}

/// Range-checks a parsed integer.
func checkedSigned(
  _ result: JSONNumberToken.IntegerResult, min: Int64, max: Int64
) throws(TranscodingError) -> Int64 {
  switch result {
  case .value(let isNegative, let magnitude):
    if isNegative {
      guard magnitude <= min.magnitude else { throw .invalid("integer out of range (minimum \(min))") }
      return magnitude == min.magnitude ? min : -Int64(magnitude)
    }
    guard magnitude <= UInt64(max) else { throw .invalid("integer out of range (maximum \(max))") }
    return Int64(magnitude)
  case .notAnInteger: throw .invalid("not an integer")
  case .tooLarge: throw .invalid("integer out of range")
  }
}
