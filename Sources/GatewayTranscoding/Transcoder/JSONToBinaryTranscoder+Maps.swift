extension JSONToBinaryTranscoder {
  /// Maps with more entries than this check duplicate keys with a set instead of a scan.
  static let linearKeyLimit = 16

  /// A JSON object of map entries, each written as a length-delimited entry message with its
  /// key (1) and value (2), as `JSONMessageDecoder.decodeMap` reads them (same errors, same
  /// order of checks).
  mutating func writeMap(_ field: TranscodingTables.Field) throws(TranscodingError) {
    guard try decoder.scanner.peek() == UInt8(ascii: "{") else {
      throw decoder.mismatch(expected: "an object")
    }
    if try decoder.scanner.enterObject() { return }
    let keyField = tables.fields[Int(field.mapKey)]
    let valueField = tables.fields[Int(field.mapValue)]
    let stringKeys = keyField.kind == .string
    let base = stringKeys ? mapKeys.count : mapNumbers.count
    defer {
      if stringKeys {
        mapKeys.removeLast(mapKeys.count - base)
      } else {
        mapNumbers.removeLast(mapNumbers.count - base)
      }
    }
    var stringSet: Set<[UInt8]>? = nil
    var numberSet: Set<UInt64>? = nil
    repeat {
      let keyToken = try decoder.scanner.readKey()
      do throws(TranscodingError) {
        let entryStart = out.count
        out.appendTag(field.number, .lengthDelimited)
        let mark = out.beginLength()
        let duplicate: Bool
        var keyBits: UInt64 = 0
        if stringKeys {
          out.append(0x0A)
          if keyToken.hasEscapes {
            let bytes = decoder.scanner.unescaped(keyToken)
            out.appendVarint(UInt64(bytes.count))
            bytes.withUnsafeBytes { out.appendBytes($0) }
          } else {
            out.appendVarint(UInt64(keyToken.end - keyToken.start))
            out.appendBytes(
              UnsafeRawBufferPointer(rebasing: decoder.scanner.bytes[keyToken.start..<keyToken.end])
            )
          }
          duplicate = containsStringKey(keyToken, from: base, set: &stringSet)
        } else {
          let key = try decoder.mapKey(decoder.scanner.string(keyToken), keyField.type)
          let value: ProtoValue
          switch key {
          case .int64(let v):
            keyBits = UInt64(bitPattern: v)
            switch keyField.kind {
            case .int64, .sint64, .sfixed64: value = .int64(v)
            default: value = .int32(Int32(truncatingIfNeeded: v))
            }
          case .uint64(let v):
            keyBits = v
            switch keyField.kind {
            case .uint64, .fixed64: value = .uint64(v)
            default: value = .uint32(UInt32(truncatingIfNeeded: v))
            }
          case .bool(let v):
            keyBits = v ? 1 : 0
            value = .bool(v)
          case .string:
            throw TranscodingError.invalid("the schema gives this map a key type maps cannot have")
          }
          out.appendTag(1, keyField.wireType)
          out.appendPayload(Self.wireBits(value, keyField.kind), keyField.wireType)
          duplicate = containsNumberKey(keyBits, from: base, set: &numberSet)
        }
        if !valueField.nullIsValue, try decoder.scanner.peek() == UInt8(ascii: "n") {
          throw TranscodingError.invalid("null is not allowed as a map value")
        }
        let isSet = try writeValue(valueField, number: 2, skipDefault: false)
        if duplicate { throw TranscodingError.invalid("map key given twice") }
        if isSet {
          out.endLength(mark)
          if stringKeys {
            mapKeys.append(keyToken)
            stringSet?.insert(decoder.scanner.withBytes(keyToken) { Array($0) })
          } else {
            mapNumbers.append(keyBits)
            numberSet?.insert(keyBits)
          }
        } else {
          out.truncate(to: entryStart)
        }
      } catch {
        throw error.prefixed(mapKey: decoder.scanner.string(keyToken))
      }
    } while try decoder.scanner.nextMember()
  }

  /// Whether an earlier key of this map (from `base` on the stack) decodes to the same bytes.
  private mutating func containsStringKey(
    _ token: JSONStringToken, from base: Int, set: inout Set<[UInt8]>?
  ) -> Bool {
    let scanner = decoder.scanner
    if set == nil && mapKeys.count - base >= Self.linearKeyLimit {
      var keys = Set<[UInt8]>()
      for other in mapKeys[base...] { keys.insert(scanner.withBytes(other) { Array($0) }) }
      set = keys
    }
    if let set { return set.contains(scanner.withBytes(token) { Array($0) }) }
    for other in mapKeys[base...] {
      if !token.hasEscapes && !other.hasEscapes {
        if TranscodingTables.equal(
          UnsafeRawBufferPointer(rebasing: scanner.bytes[token.start..<token.end]),
          UnsafeRawBufferPointer(rebasing: scanner.bytes[other.start..<other.end]))
        {
          return true
        }
      } else if scanner.withBytes(token, { Array($0) }) == scanner.withBytes(other, { Array($0) }) {
        return true
      }
    }
    return false
  }

  private mutating func containsNumberKey(
    _ bits: UInt64, from base: Int, set: inout Set<UInt64>?
  ) -> Bool {
    if set == nil && mapNumbers.count - base >= Self.linearKeyLimit {
      set = Set(mapNumbers[base...])
    }
    if let set { return set.contains(bits) }
    return mapNumbers[base...].contains(bits)
  }
}
