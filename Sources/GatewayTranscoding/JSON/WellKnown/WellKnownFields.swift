/// Field lookups shared by the well-known types: their fields are found by number, and a pool
/// whose copy of a well-known type lacks one is reported, not trapped on.
extension MessageDescriptor {
  func wellKnownField(_ number: Int32) throws(TranscodingError) -> Int {
    guard let index = indexOfField(number) else {
      throw TranscodingError(.invalidValue, "the schema's \(fullName) has no field \(number)")
    }
    return index
  }

  /// The index of field `number`: a linear scan, cheaper than hashing for the well-known
  /// types' few fields.
  @inline(__always)
  func indexOfField(_ number: Int32) -> Int? {
    if Int(number) <= fields.count && fields[Int(number) - 1].number == number { return Int(number) - 1 }
    for index in 0..<fields.count where fields[index].number == number { return index }
    return nil
  }
}

extension DynamicMessage {
  /// The value of a well-known type's field by number, nil when unset.
  func wellKnownValue(_ number: Int32, _ descriptor: MessageDescriptor) -> ProtoValue? {
    guard number > 0, let index = descriptor.indexOfField(number), index < values.count else { return nil }
    return values[index]
  }

  func int64Value(_ number: Int32, _ descriptor: MessageDescriptor) -> Int64 {
    switch wellKnownValue(number, descriptor) {
    case .int64(let v)?: v
    case .int32(let v)?: Int64(v)
    default: 0
    }
  }

  func int32Value(_ number: Int32, _ descriptor: MessageDescriptor) -> Int32 {
    switch wellKnownValue(number, descriptor) {
    case .int32(let v)?: v
    default: 0
    }
  }
}

/// Reads fixed-width ASCII digits, for the well-known types' string forms.
struct DigitReader {
  let bytes: UnsafeRawBufferPointer
  var index = 0

  init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

  var isAtEnd: Bool { index >= bytes.count }

  /// Exactly `count` digits.
  mutating func digits(_ count: Int) -> Int? {
    guard index + count <= bytes.count else { return nil }
    var value = 0
    for offset in 0..<count {
      let digit = bytes[index + offset] &- UInt8(ascii: "0")
      guard digit < 10 else { return nil }
      value = value * 10 + Int(digit)
    }
    index += count
    return value
  }

  /// One or more digits, at most `limit` of them; the value and the count.
  mutating func digits(upTo limit: Int) -> (value: Int, count: Int)? {
    var value = 0
    var count = 0
    while index < bytes.count, bytes[index] &- UInt8(ascii: "0") < 10 {
      guard count < limit else { return nil }
      value = value * 10 + Int(bytes[index] &- UInt8(ascii: "0"))
      count += 1
      index += 1
    }
    return count > 0 ? (value, count) : nil
  }

  mutating func consume(_ byte: UInt8) -> Bool {
    guard index < bytes.count, bytes[index] == byte else { return false }
    index += 1
    return true
  }

  /// Nanoseconds from 1 to 9 fraction digits after a `.`.
  mutating func nanos() -> Int? {
    guard let (value, count) = digits(upTo: 9) else { return nil }
    var nanos = value
    for _ in count..<9 { nanos *= 10 }
    return nanos
  }
}

extension Array where Element == UInt8 {
  /// `value` as exactly `width` digits, zero-padded.
  mutating func appendPadded(_ value: Int, width: Int) {
    var divisor = 1
    for _ in 1..<width { divisor *= 10 }
    var rest = value
    while divisor > 0 {
      append(UInt8(truncatingIfNeeded: rest / divisor) &+ 48)
      rest %= divisor
      divisor /= 10
    }
  }

  /// A fraction of a second with 0, 3, 6 or 9 digits (what protobuf writes).
  mutating func appendNanosFraction(_ nanos: Int) {
    guard nanos != 0 else { return }
    append(UInt8(ascii: "."))
    if nanos % 1_000_000 == 0 {
      appendPadded(nanos / 1_000_000, width: 3)
    } else if nanos % 1000 == 0 {
      appendPadded(nanos / 1000, width: 6)
    } else {
      appendPadded(nanos, width: 9)
    }
  }
}

extension JSONMessageDecoder {
  /// Reads a string value for a well-known type and hands its bytes to `body`.
  mutating func withWellKnownString<R>(
    _ typeName: String, _ body: (UnsafeRawBufferPointer) throws(TranscodingError) -> R
  ) throws(TranscodingError) -> R {
    guard try scanner.peek() == UInt8(ascii: "\"") else {
      throw mismatch(expected: "a string (\(typeName))")
    }
    let token = try scanner.readStringToken()
    return try scanner.withBytes(token, body)
  }
}
