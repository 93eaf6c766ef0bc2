/// `google.protobuf.Timestamp` as RFC 3339: `1972-01-01T10:00:20.021Z`.
///
/// Input takes `Z` or a `+hh:mm`/`-hh:mm` offset and 0 to 9 fraction digits; uppercase `T`
/// and `Z` only (the conformance suite rejects lowercase). Output is always UTC with `Z` and
/// 0, 3, 6 or 9 fraction digits. Both ways the range is 0001-01-01T00:00:00Z to
/// 9999-12-31T23:59:59.999999999Z.
enum TimestampJSON {
  static let minSeconds: Int64 = -62_135_596_800
  static let maxSeconds: Int64 = 253_402_300_799

  /// Seconds and nanos since the epoch, or nil when the text is not a timestamp in range.
  static func parse(_ bytes: UnsafeRawBufferPointer) -> (seconds: Int64, nanos: Int32)? {
    var reader = DigitReader(bytes)
    guard let year = reader.digits(4), reader.consume(UInt8(ascii: "-")),
      let month = reader.digits(2), reader.consume(UInt8(ascii: "-")),
      let day = reader.digits(2), reader.consume(UInt8(ascii: "T")),
      let hour = reader.digits(2), reader.consume(UInt8(ascii: ":")),
      let minute = reader.digits(2), reader.consume(UInt8(ascii: ":")),
      let second = reader.digits(2)
    else { return nil }
    guard year >= 1, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
      hour < 24, minute < 60, second < 60
    else { return nil }
    var nanos = 0
    if reader.consume(UInt8(ascii: ".")) {
      guard let parsed = reader.nanos() else { return nil }
      nanos = parsed
    }
    var offset = 0
    if !reader.consume(UInt8(ascii: "Z")) {
      let sign: Int
      if reader.consume(UInt8(ascii: "+")) {
        sign = 1
      } else if reader.consume(UInt8(ascii: "-")) {
        sign = -1
      } else {
        return nil
      }
      guard let offsetHours = reader.digits(2), reader.consume(UInt8(ascii: ":")),
        let offsetMinutes = reader.digits(2), offsetHours < 24, offsetMinutes < 60
      else { return nil }
      offset = sign * (offsetHours * 3600 + offsetMinutes * 60)
    }
    guard reader.isAtEnd else { return nil }
    let days = daysFromCivil(year: year, month: month, day: day)
    let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second - offset)
    guard seconds >= minSeconds && seconds <= maxSeconds else { return nil }
    return (seconds, Int32(nanos))
  }

  /// Appends the quoted RFC 3339 form; false when out of range.
  static func append<Sink: ByteSink>(seconds: Int64, nanos: Int32, to output: inout Sink) -> Bool {
    guard seconds >= minSeconds && seconds <= maxSeconds && nanos >= 0 && nanos <= 999_999_999
    else { return false }
    let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
    let secondOfDay = Int(seconds - Int64(days) * 86_400)
    let (year, month, day) = civilFromDays(days)
    output.append(UInt8(ascii: "\""))
    output.appendPadded(year, width: 4)
    output.append(UInt8(ascii: "-"))
    output.appendPadded(month, width: 2)
    output.append(UInt8(ascii: "-"))
    output.appendPadded(day, width: 2)
    output.append(UInt8(ascii: "T"))
    output.appendPadded(secondOfDay / 3600, width: 2)
    output.append(UInt8(ascii: ":"))
    output.appendPadded(secondOfDay / 60 % 60, width: 2)
    output.append(UInt8(ascii: ":"))
    output.appendPadded(secondOfDay % 60, width: 2)
    output.appendNanosFraction(Int(nanos))
    output.appendASCII("Z\"")
    return true
  }

  static func daysIn(month: Int, year: Int) -> Int {
    switch month {
    case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: 30
    default: 31
    }
  }

  /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
  static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
  }

  /// The date of a day count since 1970-01-01.
  static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let monthIndex = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
    let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
    return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
  }
}

extension JSONMessageDecoder {
  mutating func decodeTimestamp(
    type: Int, _ descriptor: MessageDescriptor
  ) throws(TranscodingError) -> DynamicMessage {
    let parsed = try withWellKnownString("RFC 3339 timestamp") { bytes in
      TimestampJSON.parse(bytes)
    }
    guard let (seconds, nanos) = parsed else {
      throw .invalid(
        "invalid timestamp: expected RFC 3339 like 1972-01-01T10:00:20.021Z, between 0001-01-01 and 9999-12-31"
      )
    }
    var message = DynamicMessage(type: type, fieldCount: descriptor.fields.count)
    message.values[try descriptor.wellKnownField(1)] = .int64(seconds)
    message.values[try descriptor.wellKnownField(2)] = .int32(nanos)
    return message
  }
}

extension JSONMessageEncoder {
  func writeTimestamp(
    _ message: DynamicMessage, _ descriptor: MessageDescriptor, to output: inout [UInt8]
  ) throws(TranscodingError) {
    let seconds = message.int64Value(1, descriptor)
    let nanos = message.int32Value(2, descriptor)
    guard TimestampJSON.append(seconds: seconds, nanos: nanos, to: &output) else {
      throw .unencodable(
        "timestamp out of range (seconds \(seconds), nanos \(nanos)): JSON allows 0001-01-01 to 9999-12-31")
    }
  }
}
