extension DynamicMessage {
  /// Decodes a message from its proto3 JSON form (RFC 8259 text in UTF-8).
  ///
  /// Field names may be the JSON names or the .proto names; well-known types take their
  /// special forms (a Timestamp is an RFC 3339 string, a Struct any object, ...).
  ///
  /// - Parameters:
  ///   - json: The whole document; whitespace around the value is allowed, nothing else.
  ///   - type: Index into `pool.messages`.
  /// - Throws: `.malformedJSON` when the bytes are not JSON or nest deeper than
  ///   `options.maxDepth`; `.invalidValue` when the JSON does not fit the type. The error's
  ///   `path` names the field (`items[2].createdAt`, `labels["k"]`).
  public init(
    json: UnsafeRawBufferPointer, type: Int, pool: SchemaPool,
    options: JSONDecodingOptions = .init()
  ) throws(TranscodingError) {
    guard pool.messages.indices.contains(type) else {
      throw .invalid("message type index \(type) is not in the schema")
    }
    var decoder = JSONMessageDecoder(bytes: json, pool: pool, options: options)
    self = try decoder.decodeMessageValue(type: type)
    try decoder.scanner.expectEnd()
  }
}

/// The proto3 JSON decoder: walks the schema and the scanner together, so no JSON tree is
/// built. Well-known types are in `WellKnown/`.
struct JSONMessageDecoder {
  var scanner: JSONScanner
  let pool: SchemaPool
  let ignoreUnknownFields: Bool

  init(bytes: UnsafeRawBufferPointer, pool: SchemaPool, options: JSONDecodingOptions) {
    scanner = JSONScanner(bytes: bytes, maxDepth: options.maxDepth)
    self.pool = pool
    ignoreUnknownFields = options.ignoreUnknownFields
  }

  /// A value of message type `type`: an object, or a well-known type's special form.
  mutating func decodeMessageValue(type: Int) throws(TranscodingError) -> DynamicMessage {
    if let wellKnown = pool.messages[type].wellKnownType, wellKnown != .empty {
      let descriptor = pool.messages[type]
      switch wellKnown {
      case .timestamp: return try decodeTimestamp(type: type, descriptor)
      case .duration: return try decodeDuration(type: type, descriptor)
      case .fieldMask: return try decodeFieldMask(type: type, descriptor)
      case .struct: return try decodeStruct(type: type, descriptor)
      case .value: return try decodeValue(type: type, descriptor)
      case .listValue: return try decodeListValue(type: type, descriptor)
      case .any: return try decodeAny(type: type, descriptor)
      default: return try decodeWrapper(type: type, descriptor)
      }
    }
    return try decodeObject(type: type)
  }

  /// A JSON object holding the message's fields (and, inside an Any, its `@type`).
  mutating func decodeObject(
    type: Int, skippingTypeKey: Bool = false
  ) throws(TranscodingError) -> DynamicMessage {
    guard try scanner.peek() == UInt8(ascii: "{") else { throw mismatch(expected: "an object") }
    // The descriptor's parts, not a copy of the whole descriptor: this runs for every object.
    let fields = pool.messages[type].fields
    var message = DynamicMessage(type: type, fieldCount: fields.count)
    if try scanner.enterObject() { return message }
    var seen = FieldSet(count: fields.count)
    var oneofsSet = FieldSet(count: pool.messages[type].oneofNames.count)
    var unknownKeys: [[UInt8]] = []
    var hint = 0
    repeat {
      let key = try scanner.readKey()
      guard let index = fieldIndex(key, fields, type, hint: &hint) else {
        if skippingTypeKey && scanner.withBytes(key, { $0.elementsEqual("@type".utf8) }) {
          _ = try scanner.readStringToken(peeked: ())
          continue
        }
        let keyBytes = scanner.withBytes(key) { Array($0) }
        guard ignoreUnknownFields else {
          throw TranscodingError(
            .invalidValue, path: String(decoding: keyBytes, as: UTF8.self), "unknown field")
        }
        if unknownKeys.contains(keyBytes) {
          throw TranscodingError(
            .invalidValue, path: String(decoding: keyBytes, as: UTF8.self), "key given twice")
        }
        unknownKeys.append(keyBytes)
        try scanner.skipValue()
        continue
      }
      if seen.insert(index) {
        throw TranscodingError(
          .invalidValue, path: fields[index].jsonName,
          "field given twice (its JSON name and its proto name count as the same field)")
      }
      do throws(TranscodingError) {
        let isSet = try decodeField(fields[index], into: &message.values[index])
        if isSet, let oneof = fields[index].oneofIndex, oneofsSet.insert(oneof) {
          let names = pool.messages[type].oneofNames
          throw TranscodingError.invalid(
            "more than one member of oneof \(oneof < names.count ? names[oneof] : "?") is set")
        }
      } catch {
        throw error.prefixed(field: fields[index].jsonName)
      }
    } while try scanner.nextMember()
    return message
  }

  /// The field a key names: first the one after the previous match (JSON written in
  /// declaration order), then every JSON and proto name, byte by byte.
  private func fieldIndex(
    _ key: JSONStringToken, _ fields: [FieldDescriptor], _ type: Int, hint: inout Int
  ) -> Int? {
    if key.hasEscapes {
      let name = scanner.string(key)
      let found = pool.messages[type].fieldIndexByJSONKey[name]
      if let found { hint = found + 1 }
      return found
    }
    let keyBytes = UnsafeRawBufferPointer(rebasing: scanner.bytes[key.start..<key.end])
    let count = fields.count
    if count == 0 { return nil }
    var index = hint < count ? hint : 0
    for _ in 0..<count {
      if bytesEqual(keyBytes, fields[index].jsonName) || bytesEqual(keyBytes, fields[index].name) {
        hint = index + 1
        return index
      }
      index += 1
      if index == count { index = 0 }
    }
    return nil
  }

  /// Decodes one field's value into `slot`. Returns whether the field now holds a value given
  /// in the input (false for `null` and for an ignored unknown enum name), for oneof checks.
  mutating func decodeField(
    _ field: FieldDescriptor, into slot: inout ProtoValue?
  ) throws(TranscodingError) -> Bool {
    if field.isMap {
      if try scanner.consumeNull() {
        slot = nil
        return false
      }
      slot = .map(try decodeMap(field))
      return true
    }
    if field.isRepeated {
      if try scanner.consumeNull() {
        slot = nil
        return false
      }
      slot = .list(try decodeList(field))
      return true
    }
    if try scanner.peek() == UInt8(ascii: "n") && !acceptsNull(field) {
      _ = try scanner.consumeNull()
      slot = nil
      return false
    }
    guard let value = try decodeSingular(field) else { return false }
    slot = value
    return true
  }

  /// Whether `null` is a value of this field's type rather than "unset": `Value` and
  /// `NullValue`.
  private func acceptsNull(_ field: FieldDescriptor) -> Bool {
    switch field.type {
    case .message:
      guard let type = field.messageType else { return false }
      return pool.messages[type].wellKnownType == .value
    case .enum:
      guard let type = field.enumType else { return false }
      return pool.enums[type].fullName == "google.protobuf.NullValue"
    default: return false
    }
  }

  /// One value of a singular field or of a list element; nil for an unknown enum name that
  /// `ignoreUnknownFields` skips.
  mutating func decodeSingular(_ field: FieldDescriptor) throws(TranscodingError) -> ProtoValue? {
    switch field.type {
    case .message, .group:
      guard let type = field.messageType, pool.messages.indices.contains(type) else {
        throw .invalid("the schema gives field \(field.name) no message type")
      }
      return .message(try decodeMessageValue(type: type))
    case .enum:
      guard let type = field.enumType, pool.enums.indices.contains(type) else {
        throw .invalid("the schema gives field \(field.name) no enum type")
      }
      return try decodeEnum(type)
    default:
      return try decodeScalar(field.type)
    }
  }

  private mutating func decodeList(_ field: FieldDescriptor) throws(TranscodingError) -> [ProtoValue] {
    guard try scanner.peek() == UInt8(ascii: "[") else { throw mismatch(expected: "an array") }
    var list: [ProtoValue] = []
    if try scanner.enterArray() { return list }
    let nullIsValue = field.type == .message && acceptsNull(field)
    var index = 0
    repeat {
      do throws(TranscodingError) {
        if !nullIsValue, try scanner.peek() == UInt8(ascii: "n") {
          throw TranscodingError.invalid("null is not allowed in a repeated field")
        }
        if let value = try decodeSingular(field) { list.append(value) }
      } catch {
        throw error.prefixed(index: index)
      }
      index += 1
    } while try scanner.nextElement()
    return list
  }

  private mutating func decodeMap(_ field: FieldDescriptor) throws(TranscodingError) -> ProtoMap {
    guard let entryType = field.messageType, pool.messages.indices.contains(entryType),
      let keyIndex = pool.messages[entryType].indexOfField(1),
      let valueIndex = pool.messages[entryType].indexOfField(2)
    else { throw .invalid("the schema gives map field \(field.name) no valid entry type") }
    let keyField = pool.messages[entryType].fields[keyIndex]
    let valueField = pool.messages[entryType].fields[valueIndex]
    guard try scanner.peek() == UInt8(ascii: "{") else { throw mismatch(expected: "an object") }
    var map = ProtoMap()
    if try scanner.enterObject() { return map }
    let nullIsValue = valueField.type == .message && acceptsNull(valueField)
    repeat {
      let keyToken = try scanner.readKey()
      let keyText = scanner.string(keyToken)
      do throws(TranscodingError) {
        let key = try mapKey(keyText, keyField.type)
        if !nullIsValue, try scanner.peek() == UInt8(ascii: "n") {
          throw TranscodingError.invalid("null is not allowed as a map value")
        }
        if let value = try decodeSingular(valueField) {
          let count = map.count
          map.set(key, value)
          if map.count == count { throw TranscodingError.invalid("map key given twice") }
        } else if map[key] != nil {
          throw TranscodingError.invalid("map key given twice")
        }
      } catch {
        throw error.prefixed(mapKey: keyText)
      }
    } while try scanner.nextMember()
    return map
  }

  /// A map key, always a JSON string: integers in decimal, bools as `true`/`false`.
  private func mapKey(_ text: String, _ type: FieldType) throws(TranscodingError) -> MapKey {
    switch type {
    case .string: return .string(text)
    case .bool:
      if text == "true" { return .bool(true) }
      if text == "false" { return .bool(false) }
      throw .invalid("map key must be \"true\" or \"false\"")
    case .int32, .sint32, .sfixed32, .int64, .sint64, .sfixed64:
      let is32 = type == .int32 || type == .sint32 || type == .sfixed32
      let value = try plainInteger(text, min: is32 ? Int64(Int32.min) : .min, max: is32 ? Int64(Int32.max) : .max)
      return .int64(value)
    case .uint32, .fixed32, .uint64, .fixed64:
      let is32 = type == .uint32 || type == .fixed32
      let magnitude = try withUTF8Bytes(text) { (bytes) throws(TranscodingError) -> UInt64 in
        guard case .success(let token) = JSONNumberToken.scan(bytes, from: 0, to: bytes.count),
          token.end == bytes.count, !token.hasFractionOrExponent, !token.isNegative || isZero(token, bytes)
        else { throw .invalid("map key must be an unsigned integer") }
        guard case .value(_, let magnitude) = token.integer(in: bytes),
          magnitude <= (is32 ? UInt64(UInt32.max) : .max)
        else { throw .invalid("map key out of range") }
        return magnitude
      }
      return .uint64(magnitude)
    default:
      throw .invalid("the schema gives this map a key type maps cannot have")
    }
  }

  private func isZero(_ token: JSONNumberToken, _ bytes: UnsafeRawBufferPointer) -> Bool {
    token.integerEnd - token.integerStart == 1 && bytes[token.integerStart] == UInt8(ascii: "0")
  }

  private func plainInteger(_ text: String, min: Int64, max: Int64) throws(TranscodingError) -> Int64 {
    return try withUTF8Bytes(text) { (bytes) throws(TranscodingError) -> Int64 in
      guard case .success(let token) = JSONNumberToken.scan(bytes, from: 0, to: bytes.count),
        token.end == bytes.count, !token.hasFractionOrExponent
      else { throw .invalid("map key must be an integer") }
      return try checkedSigned(token.integer(in: bytes), min: min, max: max)
    }
  }

  /// A description of the value at the scanner, for type mismatch errors.
  func mismatch(expected: String) -> TranscodingError {
    var copy = scanner
    let found: String
    switch (try? copy.peek()) ?? 0 {
    case UInt8(ascii: "{"): found = "an object"
    case UInt8(ascii: "["): found = "an array"
    case UInt8(ascii: "\""): found = "a string"
    case UInt8(ascii: "t"), UInt8(ascii: "f"): found = "a boolean"
    case UInt8(ascii: "n"): found = "null"
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): found = "a number"
    default: return scanner.error(.expectedValue)
    }
    return .invalid("expected \(expected), found \(found)")
  }
}

/// Which fields (or oneofs) an object has named so far: a bit mask, spilling into an array for
/// messages with more than 64.
struct FieldSet {
  private var low: UInt64 = 0
  private var high: [Bool]

  init(count: Int) { high = count > 64 ? Array(repeating: false, count: count - 64) : [] }

  /// Adds `index`; true if it was already there.
  @inline(__always)
  mutating func insert(_ index: Int) -> Bool {
    if index < 64 {
      let bit: UInt64 = 1 << UInt64(index)
      defer { low |= bit }
      return low & bit != 0
    }
    defer { high[index - 64] = true }
    return high[index - 64]
  }
}

/// Whether `bytes` spell `string` exactly.
@inline(__always)
func bytesEqual(_ bytes: UnsafeRawBufferPointer, _ string: String) -> Bool {
  var string = string
  return string.withUTF8 { utf8 in
    guard utf8.count == bytes.count else { return false }
    for index in 0..<utf8.count where utf8[index] != bytes[index] { return false }
    return true
  }
}
