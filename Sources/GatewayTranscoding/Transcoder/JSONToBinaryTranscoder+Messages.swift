/// Messages (plain, Timestamp and Duration, delegated) and lists.
extension JSONToBinaryTranscoder {
  /// A message value with its tag `number`.
  mutating func writeMessage(_ type: Int, number: Int32) throws(TranscodingError) {
    let special = tables.messages[type].special
    switch special {
    case .plain:
      out.appendTag(number, .lengthDelimited)
      let mark = out.beginLength()
      try writeObject(type)
      out.endLength(mark)
    case .timestamp, .duration:
      let (seconds, nanos) = try readTime(special)
      out.appendTag(number, .lengthDelimited)
      let mark = out.beginLength()
      writeTimeFields(seconds, nanos)
      out.endLength(mark)
    case .delegated:
      let message = try decoder.decodeMessageValue(type: type)
      out.appendTag(number, .lengthDelimited)
      let mark = out.beginLength()
      appendBinary(of: message)
      out.endLength(mark)
    }
  }

  /// A Timestamp's or Duration's string (the builder checked fields 1 and 2 are int64 and
  /// int32), with `decodeTimestamp`'s and `decodeDuration`'s errors.
  mutating func readTime(
    _ special: TranscodingTables.Special
  ) throws(TranscodingError) -> (Int64, Int32) {
    if special == .timestamp {
      let parsed = try decoder.withWellKnownString("RFC 3339 timestamp") { bytes in
        TimestampJSON.parse(bytes)
      }
      guard let parsed else {
        throw .invalid(
          "invalid timestamp: expected RFC 3339 like 1972-01-01T10:00:20.021Z, between 0001-01-01 and 9999-12-31"
        )
      }
      return parsed
    }
    let parsed = try decoder.withWellKnownString("duration") { bytes in DurationJSON.parse(bytes) }
    guard let parsed else {
      throw .invalid(
        "invalid duration: expected seconds with up to 9 fraction digits and an s, like 1.5s, within +-315576000000s"
      )
    }
    return parsed
  }

  mutating func writeTimeFields(_ seconds: Int64, _ nanos: Int32) {
    if seconds != 0 {
      out.append(0x08)
      out.appendVarint(UInt64(bitPattern: seconds))
    }
    if nanos != 0 {
      out.append(0x10)
      out.appendVarint(UInt64(bitPattern: Int64(nanos)))
    }
  }

  mutating func writeList(_ field: TranscodingTables.Field) throws(TranscodingError) {
    guard try decoder.scanner.peek() == UInt8(ascii: "[") else {
      throw decoder.mismatch(expected: "an array")
    }
    if try decoder.scanner.enterArray() { return }
    let start = out.count
    var mark = 0
    if field.isPacked {
      out.appendTag(field.number, .lengthDelimited)
      mark = out.beginLength()
    }
    var index = 0
    repeat {
      do throws(TranscodingError) {
        if !field.nullIsValue, try decoder.scanner.peek() == UInt8(ascii: "n") {
          throw TranscodingError.invalid("null is not allowed in a repeated field")
        }
        if field.isPacked {
          if let bits = try readScalarBits(field) { out.appendPayload(bits, field.wireType) }
        } else {
          _ = try writeValue(field, number: field.number, skipDefault: false)
        }
      } catch {
        throw error.prefixed(index: index)
      }
      index += 1
    } while try decoder.scanner.nextElement()
    if field.isPacked {
      if out.count == mark { out.truncate(to: start) } else { out.endLength(mark) }
    }
  }
}
