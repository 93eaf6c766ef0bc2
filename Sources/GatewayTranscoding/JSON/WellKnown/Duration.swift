/// `google.protobuf.Duration` as decimal seconds with an `s`: `"1.5s"`, `"-0.010s"`.
///
/// Input takes 0 to 9 fraction digits; output writes 0, 3, 6 or 9. Both ways the range is
/// +-315,576,000,000 seconds (10,000 years), and nanos carry the sign of seconds.
enum DurationJSON {
  static let maxSeconds: Int64 = 315_576_000_000

  static func parse(_ bytes: UnsafeRawBufferPointer) -> (seconds: Int64, nanos: Int32)? {
    var reader = DigitReader(bytes)
    let isNegative = reader.consume(UInt8(ascii: "-"))
    guard let (whole, _) = reader.digits(upTo: 12) else { return nil }
    var nanos = 0
    if reader.consume(UInt8(ascii: ".")) {
      guard let parsed = reader.nanos() else { return nil }
      nanos = parsed
    }
    guard reader.consume(UInt8(ascii: "s")), reader.isAtEnd, Int64(whole) <= maxSeconds else {
      return nil
    }
    return isNegative ? (-Int64(whole), -Int32(nanos)) : (Int64(whole), Int32(nanos))
  }

  /// Appends the quoted form; false when out of range or the signs disagree.
  static func append<Sink: ByteSink>(seconds: Int64, nanos: Int32, to output: inout Sink) -> Bool {
    guard seconds >= -maxSeconds && seconds <= maxSeconds, nanos > -1_000_000_000,
      nanos < 1_000_000_000, !(seconds > 0 && nanos < 0), !(seconds < 0 && nanos > 0)
    else { return false }
    output.append(UInt8(ascii: "\""))
    if seconds < 0 || nanos < 0 { output.append(UInt8(ascii: "-")) }
    output.appendDecimal(seconds.magnitude)
    output.appendNanosFraction(Int(nanos.magnitude))
    output.appendASCII("s\"")
    return true
  }
}

extension JSONMessageDecoder {
  mutating func decodeDuration(
    type: Int, _ descriptor: MessageDescriptor
  ) throws(TranscodingError) -> DynamicMessage {
    let parsed = try withWellKnownString("duration") { bytes in DurationJSON.parse(bytes) }
    guard let (seconds, nanos) = parsed else {
      throw .invalid(
        "invalid duration: expected seconds with up to 9 fraction digits and an s, like 1.5s, within +-315576000000s"
      )
    }
    var message = DynamicMessage(type: type, fieldCount: descriptor.fields.count)
    message.values[try descriptor.wellKnownField(1)] = .int64(seconds)
    message.values[try descriptor.wellKnownField(2)] = .int32(nanos)
    return message
  }
}

extension JSONMessageEncoder {
  func writeDuration(
    _ message: DynamicMessage, _ descriptor: MessageDescriptor, to output: inout [UInt8]
  ) throws(TranscodingError) {
    let seconds = message.int64Value(1, descriptor)
    let nanos = message.int32Value(2, descriptor)
    guard DurationJSON.append(seconds: seconds, nanos: nanos, to: &output) else {
      throw .unencodable(
        "duration out of range or with mixed signs (seconds \(seconds), nanos \(nanos))")
    }
  }
}
