extension DynamicMessage {
  /// Messages nested deeper than this in binary input are rejected (protobuf's default
  /// recursion limit).
  public static let maxBinaryDepth = 100

  /// Decodes proto3 binary input as a message of `type` (an index into `pool.messages`).
  ///
  /// Last value wins for singular scalars, repeated occurrences of a singular message are
  /// merged, repeated scalars are accepted packed and unpacked, map entries missing a key or
  /// value get the default, setting a oneof member clears the others, unknown fields (and
  /// known numbers with the wrong wire type) are kept byte for byte in `unknownFields`, and
  /// enum numbers without a name are kept.
  ///
  /// - Throws: `TranscodingError` `.malformedBinary` with the JSON-name path of the field:
  ///   truncated input, a bad tag or varint, invalid UTF-8 in a string, nesting deeper than
  ///   `maxBinaryDepth`.
  public init(binary: UnsafeRawBufferPointer, type: Int, pool: SchemaPool) throws(TranscodingError)
  {
    guard pool.messages.indices.contains(type) else {
      throw TranscodingError(.invalidValue, "unknown message type index \(type)")
    }
    self = pool.messages[type].binaryLayout.newMessage(type: type)
    try mergeBinary(binary, pool: pool)
  }

  /// Decodes `binary` into this message, as protobuf's `MergeFromString`.
  public mutating func mergeBinary(
    _ binary: UnsafeRawBufferPointer, pool: SchemaPool
  ) throws(TranscodingError) {
    var reader = WireReader(binary)
    try BinaryDecoder(pool: pool).merge(&self, from: &reader, depth: 0, endGroup: nil)
  }
}

/// The binary decoding walk; one per call, holding only the pool. Field facts come from
/// each message's `BinaryLayout`; names (for error paths) from its descriptors, on error only.
struct BinaryDecoder {
  let pool: SchemaPool

  /// Reads fields until the end of `reader` or, for a group, its end-group tag.
  func merge(
    _ message: inout DynamicMessage, from reader: inout WireReader, depth: Int, endGroup: Int32?
  ) throws(TranscodingError) {
    guard pool.messages.indices.contains(message.type) else {
      throw TranscodingError(.invalidValue, "unknown message type index \(message.type)")
    }
    let layout = pool.messages[message.type].binaryLayout
    if message.values.count < layout.fields.count {
      message.values += repeatElement(nil, count: layout.fields.count - message.values.count)
    }
    while !reader.isAtEnd {
      let tagStart = reader.position
      let (number, wireType) = try reader.decodeTag()
      if wireType == .endGroup {
        guard number == endGroup else { throw .malformed("end-group tag without a group") }
        return
      }
      if let index = layout.index(of: number) {
        let handled: Bool
        do {
          handled = try mergeField(
            layout, index, wireType: wireType, into: &message, from: &reader, depth: depth)
        } catch {
          throw error.prefixed(field: pool.messages[message.type].fields[index].jsonName)
        }
        if handled { continue }
      }
      try reader.decodeSkip(number, wireType)
      message.unknownFields.append(contentsOf: reader.bytes(from: tagStart))
    }
    if endGroup != nil { throw .malformed("group without an end-group tag") }
  }

  /// Decodes one occurrence of a known field; false when the wire type does not fit the field
  /// (the caller keeps it as an unknown field).
  private func mergeField(
    _ layout: BinaryLayout, _ index: Int, wireType: WireType,
    into message: inout DynamicMessage, from reader: inout WireReader, depth: Int
  ) throws(TranscodingError) -> Bool {
    let field = layout.fields[index]
    if field.isMap {
      guard wireType == .lengthDelimited else { return false }
      let entry = try reader.decodeLengthDelimited()
      var map: ProtoMap
      if case .map(let existing)? = message.values[index] {
        map = existing
      } else {
        map = ProtoMap()
      }
      message.values[index] = nil
      try mergeMapEntry(field, entry, into: &map, depth: depth)
      message.values[index] = .map(map)
      return true
    }
    if field.isRepeated {
      var list: [ProtoValue]
      if case .list(let existing)? = message.values[index] { list = existing } else { list = [] }
      if wireType == field.wireType {
        message.values[index] = nil
        do {
          list.append(try element(field, from: &reader, depth: depth))
        } catch {
          throw error.prefixed(index: list.count)
        }
      } else if wireType == .lengthDelimited && field.type.isPackable {
        let packed = try reader.decodeLengthDelimited()
        message.values[index] = nil
        list.reserveCapacity(list.count + Self.elementCount(packed, field.wireType))
        var elements = WireReader(packed)
        while !elements.isAtEnd {
          do {
            list.append(try scalar(field.type, from: &elements))
          } catch {
            throw error.prefixed(index: list.count)
          }
        }
      } else {
        return false
      }
      message.values[index] = .list(list)
      return true
    }
    guard wireType == field.wireType else { return false }
    if field.oneofIndex >= 0, message.values[index] == nil {
      for other in layout.fields.indices
      where other != index && layout.fields[other].oneofIndex == field.oneofIndex {
        message.values[other] = nil
      }
    }
    if field.isMessage {
      var sub: DynamicMessage
      if case .message(let existing)? = message.values[index] {
        sub = existing
      } else {
        sub = try emptyMessage(field.messageType)
      }
      message.values[index] = nil
      try mergeMessage(&sub, field, from: &reader, depth: depth)
      message.values[index] = .message(sub)
    } else {
      message.values[index] = try scalar(field.type, from: &reader)
    }
    return true
  }

  /// How many values a packed run holds (exact: fixed sizes, or varint last bytes).
  private static func elementCount(_ packed: UnsafeRawBufferPointer, _ wireType: WireType) -> Int {
    switch wireType {
    case .fixed32: return packed.count / 4
    case .fixed64: return packed.count / 8
    default:
      var count = 0
      for byte in packed where byte < 0x80 { count += 1 }
      return count
    }
  }

  /// One element of a repeated field in its field type's own wire type.
  private func element(
    _ field: BinaryLayout.Field, from reader: inout WireReader, depth: Int
  ) throws(TranscodingError) -> ProtoValue {
    guard field.isMessage else { return try scalar(field.type, from: &reader) }
    var sub = try emptyMessage(field.messageType)
    try mergeMessage(&sub, field, from: &reader, depth: depth)
    return .message(sub)
  }

  /// A length-delimited sub-message or (for `.group`) a group body up to its end tag.
  private func mergeMessage(
    _ sub: inout DynamicMessage, _ field: BinaryLayout.Field, from reader: inout WireReader,
    depth: Int
  ) throws(TranscodingError) {
    guard depth < DynamicMessage.maxBinaryDepth else {
      throw .malformed("messages nested deeper than \(DynamicMessage.maxBinaryDepth)")
    }
    if field.type == .group {
      try merge(&sub, from: &reader, depth: depth + 1, endGroup: field.number)
    } else {
      var nested = WireReader(try reader.decodeLengthDelimited())
      try merge(&sub, from: &nested, depth: depth + 1, endGroup: nil)
    }
  }

  private func emptyMessage(_ type: Int) throws(TranscodingError) -> DynamicMessage {
    guard pool.messages.indices.contains(type) else {
      throw TranscodingError(.invalidValue, "a message field has no message type")
    }
    return pool.messages[type].binaryLayout.newMessage(type: type)
  }

  /// One `map<K, V>` entry: a missing key or value is the default, the last entry per key wins
  /// (`ProtoMap.set`), a value message given twice in one entry is merged.
  private func mergeMapEntry(
    _ field: BinaryLayout.Field, _ bytes: UnsafeRawBufferPointer, into map: inout ProtoMap,
    depth: Int
  ) throws(TranscodingError) {
    guard pool.messages.indices.contains(field.messageType) else {
      throw TranscodingError(.invalidValue, "a map field has no entry type")
    }
    let entry = pool.messages[field.messageType].binaryLayout
    guard let keyIndex = entry.index(of: 1), let valueIndex = entry.index(of: 2) else {
      throw TranscodingError(.invalidValue, "a map entry has no key or value")
    }
    let keyField = entry.fields[keyIndex]
    let valueField = entry.fields[valueIndex]
    var key: ProtoValue?
    var value: ProtoValue?
    var reader = WireReader(bytes)
    while !reader.isAtEnd {
      let (number, wireType) = try reader.decodeTag()
      if number == 1 && wireType == keyField.wireType {
        key = try scalar(keyField.type, from: &reader)
      } else if number == 2 && wireType == valueField.wireType {
        if valueField.isMessage {
          var sub: DynamicMessage
          if case .message(let existing)? = value {
            sub = existing
          } else {
            sub = try emptyMessage(valueField.messageType)
          }
          value = nil
          try mergeMessage(&sub, valueField, from: &reader, depth: depth)
          value = .message(sub)
        } else {
          value = try scalar(valueField.type, from: &reader)
        }
      } else {
        guard wireType != .endGroup else { throw .malformed("end-group tag without a group") }
        try reader.decodeSkip(number, wireType)
      }
    }
    let mapKey: MapKey
    switch key ?? ProtoValue.defaultValue(of: keyField.type) {
    case .int32(let v): mapKey = .int64(Int64(v))
    case .int64(let v): mapKey = .int64(v)
    case .uint32(let v): mapKey = .uint64(UInt64(v))
    case .uint64(let v): mapKey = .uint64(v)
    case .bool(let v): mapKey = .bool(v)
    case .string(let v): mapKey = .string(v)
    default: throw TranscodingError(.invalidValue, "a map has an invalid key type")
    }
    if let value {
      map.set(mapKey, value)
    } else if valueField.isMessage {
      map.set(mapKey, .message(try emptyMessage(valueField.messageType)))
    } else {
      map.set(mapKey, ProtoValue.defaultValue(of: valueField.type))
    }
  }

  /// A non-message value, read in its type's wire type (the caller checked it).
  @inline(__always)
  private func scalar(
    _ type: FieldType, from reader: inout WireReader
  ) throws(TranscodingError) -> ProtoValue {
    switch type {
    case .int32: return .int32(Int32(truncatingIfNeeded: try reader.decodeVarint()))
    case .int64: return .int64(Int64(bitPattern: try reader.decodeVarint()))
    case .uint32: return .uint32(UInt32(truncatingIfNeeded: try reader.decodeVarint()))
    case .uint64: return .uint64(try reader.decodeVarint())
    case .sint32:
      return .int32(ZigZag.decoded(UInt32(truncatingIfNeeded: try reader.decodeVarint())))
    case .sint64: return .int64(ZigZag.decoded(try reader.decodeVarint()))
    case .bool: return .bool(try reader.decodeVarint() != 0)
    case .enum: return .enumNumber(Int32(truncatingIfNeeded: try reader.decodeVarint()))
    case .fixed32: return .uint32(try reader.decodeFixed32())
    case .sfixed32: return .int32(Int32(bitPattern: try reader.decodeFixed32()))
    case .float: return .float(Float(bitPattern: try reader.decodeFixed32()))
    case .fixed64: return .uint64(try reader.decodeFixed64())
    case .sfixed64: return .int64(Int64(bitPattern: try reader.decodeFixed64()))
    case .double: return .double(Double(bitPattern: try reader.decodeFixed64()))
    case .string:
      let bytes = try reader.decodeLengthDelimited()
      guard UTF8Validation.isValid(bytes) else { throw .malformed("string is not valid UTF-8") }
      return .string(
        bytes.withMemoryRebound(to: UInt8.self) { String(decoding: $0, as: UTF8.self) })
    case .bytes: return .bytes(Array(try reader.decodeLengthDelimited()))
    case .message, .group:
      throw TranscodingError(.invalidValue, "a message is not a scalar")
    }
  }
}
