/// Proto3 JSON to protobuf binary without a `DynamicMessage`: scans the JSON and writes each
/// field's wire bytes as its key is read, in input order. Nested messages get a one-byte
/// length that is back-patched (shifting the payload when it needs more), repeated scalars
/// are packed, map entries written key then value, `null` and defaults of fields without
/// presence left out, strings without escapes copied straight from the input.
///
/// Scalars, enums given by number and every error message come from `JSONMessageDecoder`'s
/// own functions; well-known types other than Timestamp and Duration are decoded by it into a
/// `DynamicMessage` whose binary is appended.
struct JSONToBinaryTranscoder {
  var decoder: JSONMessageDecoder
  let tables: TranscodingTables
  /// Owned by the caller, which deallocates it.
  var out: OutputBuffer
  /// Keys of the maps being written, for duplicate checks (a stack: a map value may hold
  /// maps): string keys as their tokens, other keys as their bits.
  var mapKeys: [JSONStringToken] = []
  var mapNumbers: [UInt64] = []

  init(
    json: UnsafeRawBufferPointer, pool: SchemaPool, options: JSONDecodingOptions,
    out: OutputBuffer
  ) {
    decoder = JSONMessageDecoder(bytes: json, pool: pool, options: options)
    tables = pool.tables
    self.out = out
  }

  /// The whole document as a message of `type` (already checked to be in the pool).
  mutating func transcode(type: Int) throws(TranscodingError) {
    switch tables.messages[type].special {
    case .plain: try writeObject(type)
    case .timestamp, .duration:
      let (seconds, nanos) = try readTime(tables.messages[type].special)
      writeTimeFields(seconds, nanos)
    case .delegated:
      appendBinary(of: try decoder.decodeMessageValue(type: type))
    }
    try decoder.scanner.expectEnd()
  }

  /// A message decoded by the `DynamicMessage` path, in binary.
  mutating func appendBinary(of message: DynamicMessage) {
    message.binary(pool: decoder.pool).withUnsafeBytes { out.appendBytes($0) }
  }

  // MARK: objects

  private func fieldName(_ message: TranscodingTables.Message, _ local: Int) -> String {
    let name = tables.fields[Int(message.fieldStart) + local].jsonName
    return String(decoding: tables.bytes(name), as: UTF8.self)
  }

  /// The field a key names: the one after the previous match first (JSON written in
  /// declaration order), else the name table.
  @inline(__always)
  private func fieldIndex(
    _ message: TranscodingTables.Message, _ key: UnsafeRawBufferPointer, hint: inout Int
  ) -> Int? {
    let count = Int(message.fieldCount)
    if hint < count {
      let field = tables.fields[Int(message.fieldStart) + hint]
      if TranscodingTables.equal(tables.bytes(field.jsonName), key) {
        hint += 1
        return hint - 1
      }
    }
    guard let local = tables.lookup(key, slotStart: message.slotStart, mask: message.slotMask)
    else { return nil }
    hint = local + 1
    return local
  }

  /// A JSON object of `type`'s fields, written as the message's wire bytes.
  mutating func writeObject(_ type: Int) throws(TranscodingError) {
    guard try decoder.scanner.peek() == UInt8(ascii: "{") else {
      throw decoder.mismatch(expected: "an object")
    }
    if try decoder.scanner.enterObject() { return }
    let message = tables.messages[type]
    var seen = FieldSet(count: Int(message.fieldCount))
    var oneofs = FieldSet(count: Int(message.oneofCount))
    var unknownKeys: [[UInt8]] = []
    var hint = 0
    repeat {
      let key = try decoder.scanner.readKey()
      let found: Int?
      if key.hasEscapes {
        let unescaped = decoder.scanner.unescaped(key)
        found = unescaped.withUnsafeBytes { fieldIndex(message, $0, hint: &hint) }
      } else {
        found = fieldIndex(
          message, UnsafeRawBufferPointer(rebasing: decoder.scanner.bytes[key.start..<key.end]),
          hint: &hint)
      }
      guard let local = found else {
        let keyBytes = decoder.scanner.withBytes(key) { Array($0) }
        guard decoder.ignoreUnknownFields else {
          throw TranscodingError(
            .invalidValue, path: String(decoding: keyBytes, as: UTF8.self), "unknown field")
        }
        if unknownKeys.contains(keyBytes) {
          throw TranscodingError(
            .invalidValue, path: String(decoding: keyBytes, as: UTF8.self), "key given twice")
        }
        unknownKeys.append(keyBytes)
        try decoder.scanner.skipValue()
        continue
      }
      if seen.insert(local) {
        throw TranscodingError(
          .invalidValue, path: fieldName(message, local),
          "field given twice (its JSON name and its proto name count as the same field)")
      }
      let field = tables.fields[Int(message.fieldStart) + local]
      do throws(TranscodingError) {
        let isSet = try writeField(field)
        if isSet, field.oneof >= 0, oneofs.insert(Int(field.oneof)) {
          let names = decoder.pool.messages[type].oneofNames
          let oneof = Int(field.oneof)
          throw TranscodingError.invalid(
            "more than one member of oneof \(oneof < names.count ? names[oneof] : "?") is set")
        }
      } catch {
        throw error.prefixed(field: fieldName(message, local))
      }
    } while try decoder.scanner.nextMember()
  }

  /// One member's value; whether the field now holds a value (for oneof checks).
  @inline(__always)
  private mutating func writeField(_ field: TranscodingTables.Field) throws(TranscodingError)
    -> Bool
  {
    if field.isMap {
      if try decoder.scanner.consumeNull() { return false }
      try writeMap(field)
      return true
    }
    if field.isRepeated {
      if try decoder.scanner.consumeNull() { return false }
      try writeList(field)
      return true
    }
    if try decoder.scanner.peek() == UInt8(ascii: "n") && !field.nullIsValue {
      _ = try decoder.scanner.consumeNull()
      return false
    }
    return try writeValue(field, number: field.number, skipDefault: !field.hasPresence)
  }

  /// One value with its tag; false for an unknown enum name that is ignored. With
  /// `skipDefault`, a default scalar is left out (but still counts as set).
  mutating func writeValue(
    _ field: TranscodingTables.Field, number: Int32, skipDefault: Bool
  ) throws(TranscodingError) -> Bool {
    switch field.kind {
    case .message:
      try writeMessage(Int(field.messageType), number: number)
    case .string:
      guard try decoder.scanner.peek() == UInt8(ascii: "\"") else {
        throw decoder.mismatch(expected: "a string")
      }
      let token = try decoder.scanner.readStringToken()
      if skipDefault && token.start == token.end { return true }
      out.appendTag(number, .lengthDelimited)
      if token.hasEscapes {
        let bytes = decoder.scanner.unescaped(token)
        out.appendVarint(UInt64(bytes.count))
        bytes.withUnsafeBytes { out.appendBytes($0) }
      } else {
        out.appendVarint(UInt64(token.end - token.start))
        out.appendBytes(
          UnsafeRawBufferPointer(rebasing: decoder.scanner.bytes[token.start..<token.end]))
      }
    case .bytes:
      guard try decoder.scanner.peek() == UInt8(ascii: "\"") else {
        throw decoder.mismatch(expected: "a base64 string")
      }
      let token = try decoder.scanner.readStringToken()
      let start = out.count
      out.appendTag(number, .lengthDelimited)
      let mark = out.beginLength()
      let decoded = decoder.scanner.withBytes(token) { Base64Bytes.decode($0, appendingTo: &out) }
      guard decoded else { throw .invalid("invalid base64") }
      if skipDefault && out.count == mark {
        out.truncate(to: start)
      } else {
        out.endLength(mark)
      }
    default:
      guard let bits = try readScalarBits(field) else { return false }
      if skipDefault && bits == 0 { return true }
      out.appendTag(number, field.wireType)
      out.appendPayload(bits, field.wireType)
    }
    return true
  }

  /// A scalar or enum value as its wire bits (varint value, or fixed32/fixed64 bits); nil for
  /// an ignored unknown enum name. Zero bits are the type's default.
  @inline(__always)
  mutating func readScalarBits(_ field: TranscodingTables.Field) throws(TranscodingError)
    -> UInt64?
  {
    switch field.kind {
    case .enumeration:
      guard let number = try readEnum(Int(field.enumType)) else { return nil }
      return UInt64(bitPattern: Int64(number))
    case .bool:
      guard let value = try decoder.scanner.consumeBool() else {
        throw decoder.mismatch(expected: "true or false")
      }
      return value ? 1 : 0
    default:
      return Self.wireBits(try decoder.decodeScalar(field.type), field.kind)
    }
  }

  @inline(__always)
  static func wireBits(_ value: ProtoValue, _ kind: TranscodingTables.Kind) -> UInt64 {
    switch value {
    case .int32(let v):
      switch kind {
      case .sint32: return UInt64(ZigZag.encoded(v))
      case .sfixed32: return UInt64(UInt32(bitPattern: v))
      default: return UInt64(bitPattern: Int64(v))
      }
    case .int64(let v):
      return kind == .sint64 ? ZigZag.encoded(v) : UInt64(bitPattern: v)
    case .uint32(let v): return UInt64(v)
    case .uint64(let v): return v
    case .float(let v): return UInt64(v.bitPattern)
    case .double(let v): return v.bitPattern
    case .bool(let v): return v ? 1 : 0
    case .enumNumber(let v): return UInt64(bitPattern: Int64(v))
    default: return 0
    }
  }

  /// An enum by name (looked up on the raw bytes), else whatever `decodeEnum` makes of it.
  @inline(__always)
  private mutating func readEnum(_ type: Int) throws(TranscodingError) -> Int32? {
    if try decoder.scanner.peek() == UInt8(ascii: "\"") {
      let start = decoder.scanner.index
      let token = try decoder.scanner.readStringToken()
      let descriptor = tables.enums[type]
      if !token.hasEscapes,
        let value = tables.lookup(
          UnsafeRawBufferPointer(rebasing: decoder.scanner.bytes[token.start..<token.end]),
          slotStart: descriptor.slotStart, mask: descriptor.slotMask)
      {
        return tables.enumValues[value].number
      }
      decoder.scanner.index = start
    }
    switch try decoder.decodeEnum(type) {
    case .enumNumber(let number)?: return number
    default: return nil
    }
  }
}
