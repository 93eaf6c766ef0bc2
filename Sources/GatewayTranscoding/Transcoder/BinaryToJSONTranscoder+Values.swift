import GatewayCore

/// Values: scalars from their wire bits, strings, bytes, elements and map entries.
extension BinaryToJSONTranscoder {
  /// The keys of the map being written beyond `JSONToBinaryTranscoder.linearKeyLimit`
  /// entries, as sets (below, the key stacks are scanned).
  struct MapKeys {
    var strings: Set<[UInt8]>? = nil
    var numbers: Set<UInt64>? = nil
  }

  /// One value's wire bits: a varint, or fixed32/fixed64 bits.
  @inline(__always)
  func readBits(_ wireType: WireType, _ reader: inout WireReader) throws(TranscodingError)
    -> UInt64
  {
    switch wireType {
    case .fixed32: return UInt64(try reader.decodeFixed32())
    case .fixed64: return try reader.decodeFixed64()
    default: return try reader.decodeVarint()
    }
  }

  /// Whether the bits hold the type's default (floating point zero only when positive).
  @inline(__always)
  static func isZero(_ bits: UInt64, _ kind: TranscodingTables.Kind) -> Bool {
    switch kind {
    case .int32, .uint32, .sint32, .fixed32, .sfixed32, .float, .enumeration:
      UInt32(truncatingIfNeeded: bits) == 0
    default: bits == 0
    }
  }

  /// A scalar or enum value, as `JSONMessageEncoder.writeSingular` writes it.
  @inline(__always)
  mutating func writeScalar(_ field: TranscodingTables.Field, _ bits: UInt64) {
    let low = UInt32(truncatingIfNeeded: bits)
    switch field.kind {
    case .int32, .sfixed32: out.appendDecimal(Int64(Int32(bitPattern: low)))
    case .sint32: out.appendDecimal(Int64(ZigZag.decoded(low)))
    case .uint32, .fixed32: out.appendDecimal(UInt64(low))
    case .int64, .sfixed64: appendQuoted(Int64(bitPattern: bits))
    case .sint64: appendQuoted(ZigZag.decoded(bits))
    case .uint64, .fixed64:
      out.append(UInt8(ascii: "\""))
      out.appendDecimal(bits)
      out.append(UInt8(ascii: "\""))
    case .float: out.appendJSONFloat(Float(bitPattern: low))
    case .double: out.appendJSONDouble(Double(bitPattern: bits))
    case .bool: out.appendASCII(bits != 0 ? "true" : "false")
    case .enumeration: writeEnum(Int32(bitPattern: low), Int(field.enumType))
    case .string, .bytes, .message: out.appendASCII("null")
    }
  }

  @inline(__always)
  private mutating func appendQuoted(_ value: Int64) {
    out.append(UInt8(ascii: "\""))
    out.appendDecimal(value)
    out.append(UInt8(ascii: "\""))
  }

  /// An enum's first declared name, its number when it has none; `null` for NullValue.
  @inline(__always)
  private mutating func writeEnum(_ number: Int32, _ type: Int) {
    let descriptor = tables.enums[type]
    if descriptor.isNullValue {
      out.appendASCII("null")
    } else if let value = tables.enumValue(descriptor, number: number) {
      out.appendBytes(tables.bytes(tables.enumValues[value].quoted))
    } else {
      out.appendDecimal(Int64(number))
    }
  }

  /// A string or bytes value.
  ///
  /// - Throws: `.malformedBinary` for a string that is not UTF-8.
  @inline(__always)
  mutating func writeLengthDelimited(
    _ kind: TranscodingTables.Kind, _ value: UnsafeRawBufferPointer
  ) throws(TranscodingError) {
    if kind == .string {
      guard appendValidatedJSONString(value) else {
        throw .malformed("string is not valid UTF-8")
      }
    } else {
      appendBase64(value)
    }
  }

  /// A string's bytes as a quoted JSON string, checked to be UTF-8 in the same pass (eight
  /// bytes at a time while they are plain ASCII); false when they are not UTF-8.
  mutating func appendValidatedJSONString(_ bytes: UnsafeRawBufferPointer) -> Bool {
    out.append(UInt8(ascii: "\""))
    var runStart = 0
    var index = 0
    let count = bytes.count
    while index < count {
      if index + 8 <= count {
        let mask = ByteWord.quoteBackslashControlHigh(
          bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
        if mask == 0 {
          index += 8
          continue
        }
        index += mask.trailingZeroBitCount >> 3
      }
      let byte = bytes[index]
      if byte >= 0x80 {
        guard let length = UTF8Validation.sequenceLength(bytes, at: index) else { return false }
        index += length
        continue
      }
      if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
        index += 1
        continue
      }
      if runStart < index {
        out.appendBytes(UnsafeRawBufferPointer(rebasing: bytes[runStart..<index]))
      }
      out.appendEscape(byte)
      index += 1
      runStart = index
    }
    if runStart < count {
      out.appendBytes(UnsafeRawBufferPointer(rebasing: bytes[runStart..<count]))
    }
    out.append(UInt8(ascii: "\""))
    return true
  }

  /// Quoted padded standard base64, written straight into the buffer.
  private mutating func appendBase64(_ bytes: UnsafeRawBufferPointer) {
    let length = Base64.encodedCount(bytes.count) + 2
    out.appendUnchecked(reserving: length) { output in
      let table = Self.base64Alphabet.utf8Start
      output[0] = UInt8(ascii: "\"")
      var o = 1
      var i = 0
      let n = bytes.count
      while i + 3 <= n {
        let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
        output[o] = table[Int(v >> 18)]
        output[o + 1] = table[Int(v >> 12 & 0x3F)]
        output[o + 2] = table[Int(v >> 6 & 0x3F)]
        output[o + 3] = table[Int(v & 0x3F)]
        i += 3
        o += 4
      }
      if n - i == 1 {
        let v = UInt32(bytes[i]) << 16
        output[o] = table[Int(v >> 18)]
        output[o + 1] = table[Int(v >> 12 & 0x3F)]
        output[o + 2] = UInt8(ascii: "=")
        output[o + 3] = UInt8(ascii: "=")
        o += 4
      } else if n - i == 2 {
        let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
        output[o] = table[Int(v >> 18)]
        output[o + 1] = table[Int(v >> 12 & 0x3F)]
        output[o + 2] = table[Int(v >> 6 & 0x3F)]
        output[o + 3] = UInt8(ascii: "=")
        o += 4
      }
      output[o] = UInt8(ascii: "\"")
      return o + 1
    }
  }

  private static let base64Alphabet: StaticString =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

  /// One value in the field's own wire type: a repeated element, a singular message.
  mutating func writeElement(
    _ field: TranscodingTables.Field, _ reader: inout WireReader, depth: Int
  ) throws(TranscodingError) {
    switch field.kind {
    case .message:
      guard depth < DynamicMessage.maxBinaryDepth else {
        throw .malformed("messages nested deeper than \(DynamicMessage.maxBinaryDepth)")
      }
      let bytes = try reader.decodeLengthDelimited()
      try writeMessage(Int(field.messageType), bytes, depth: depth + 1)
    case .string, .bytes:
      try writeLengthDelimited(field.kind, try reader.decodeLengthDelimited())
    default:
      writeScalar(field, try readBits(field.wireType, &reader))
    }
  }

  /// One entry as `"key":value`; false when it is not exactly a key then a value, or its key
  /// was written before (the caller falls back).
  mutating func writeMapEntry(
    _ field: TranscodingTables.Field, _ entry: UnsafeRawBufferPointer, depth: Int,
    _ keys: inout MapKeys, _ stringBase: Int, _ numberBase: Int
  ) throws(TranscodingError) -> Bool {
    let keyField = tables.fields[Int(field.mapKey)]
    let valueField = tables.fields[Int(field.mapValue)]
    var reader = WireReader(entry)
    guard !reader.isAtEnd else { return false }
    let (keyNumber, keyWireType) = try reader.decodeTag()
    guard keyNumber == 1 && keyWireType == keyField.wireType else { return false }
    if keyField.kind == .string {
      let key = try reader.decodeLengthDelimited()
      if keys.strings == nil
        && mapStrings.count - stringBase >= JSONToBinaryTranscoder.linearKeyLimit
      {
        keys.strings = Set(mapStrings[stringBase...].map { Array($0) })
      }
      if keys.strings != nil {
        guard keys.strings!.insert(Array(key)).inserted else { return false }
      } else {
        for other in mapStrings[stringBase...] where TranscodingTables.equal(other, key) {
          return false
        }
      }
      mapStrings.append(key)
      guard appendValidatedJSONString(key) else { throw .malformed("string is not valid UTF-8") }
    } else {
      let bits = try readBits(keyField.wireType, &reader)
      let identity: UInt64
      switch keyField.kind {
      case .bool: identity = bits != 0 ? 1 : 0
      case .int64, .uint64, .sint64, .fixed64, .sfixed64: identity = bits
      default: identity = UInt64(UInt32(truncatingIfNeeded: bits))
      }
      if keys.numbers == nil
        && mapNumbers.count - numberBase >= JSONToBinaryTranscoder.linearKeyLimit
      {
        keys.numbers = Set(mapNumbers[numberBase...])
      }
      if keys.numbers != nil {
        guard keys.numbers!.insert(identity).inserted else { return false }
      } else if mapNumbers[numberBase...].contains(identity) {
        return false
      }
      mapNumbers.append(identity)
      if keyField.kind == .bool {
        out.appendASCII(bits != 0 ? "\"true\"" : "\"false\"")
      } else {
        let quoted: Bool
        switch keyField.kind {
        case .int64, .uint64, .sint64, .fixed64, .sfixed64: quoted = false
        default: quoted = true
        }
        // 64-bit keys are written quoted by `writeScalar`; 32-bit ones need the quotes here.
        if quoted { out.append(UInt8(ascii: "\"")) }
        writeScalar(keyField, bits)
        if quoted { out.append(UInt8(ascii: "\"")) }
      }
    }
    out.append(UInt8(ascii: ":"))
    guard !reader.isAtEnd else { return false }
    let (valueNumber, valueWireType) = try reader.decodeTag()
    guard valueNumber == 2 && valueWireType == valueField.wireType else { return false }
    try writeElement(valueField, &reader, depth: depth)
    return reader.isAtEnd
  }
}
