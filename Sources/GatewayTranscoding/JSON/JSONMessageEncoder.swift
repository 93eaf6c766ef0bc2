extension DynamicMessage {
  /// The message in proto3 JSON (compact, UTF-8).
  ///
  /// - Throws: `.unencodable` when a well-known type holds a value its JSON form cannot
  ///   express (a Timestamp or Duration out of range, a FieldMask path that does not round
  ///   trip, an Any of an unknown type, a non-finite `Value.number_value`), or when a value
  ///   does not match its field's type. `path` names the field.
  public func json(
    pool: SchemaPool, options: JSONEncodingOptions = .init()
  ) throws(TranscodingError) -> [UInt8] {
    var output: [UInt8] = []
    output.reserveCapacity(256)
    try appendJSON(to: &output, pool: pool, options: options)
    return output
  }

  /// Appends the message's proto3 JSON to `output` (a response buffer). On error `output` may
  /// hold part of the message; the caller drops what it appended.
  public func appendJSON(
    to output: inout [UInt8], pool: SchemaPool, options: JSONEncodingOptions = .init()
  ) throws(TranscodingError) {
    let encoder = JSONMessageEncoder(pool: pool, options: options)
    try encoder.writeMessageValue(self, to: &output)
  }
}

/// The proto3 JSON encoder. Well-known types are in `WellKnown/`.
struct JSONMessageEncoder {
  let pool: SchemaPool
  let useProtoNames: Bool
  let emitDefaultValues: Bool

  init(pool: SchemaPool, options: JSONEncodingOptions) {
    self.pool = pool
    useProtoNames = options.useProtoNames
    emitDefaultValues = options.emitDefaultValues
  }

  /// The descriptor of `message`, checking that the message fits it.
  func descriptor(of message: DynamicMessage) throws(TranscodingError) -> MessageDescriptor {
    guard pool.messages.indices.contains(message.type) else {
      throw .unencodable("message type index \(message.type) is not in the schema")
    }
    let descriptor = pool.messages[message.type]
    guard descriptor.fields.count == message.values.count else {
      throw .unencodable("message has \(message.values.count) values for \(descriptor.fields.count) fields")
    }
    return descriptor
  }

  /// A message as an object, or in its well-known type's special form.
  func writeMessageValue(_ message: DynamicMessage, to output: inout [UInt8]) throws(TranscodingError) {
    guard pool.messages.indices.contains(message.type) else {
      throw .unencodable("message type index \(message.type) is not in the schema")
    }
    if let wellKnown = pool.messages[message.type].wellKnownType, wellKnown != .empty {
      let descriptor = try descriptor(of: message)
      switch wellKnown {
      case .timestamp: return try writeTimestamp(message, descriptor, to: &output)
      case .duration: return try writeDuration(message, descriptor, to: &output)
      case .fieldMask: return try writeFieldMask(message, descriptor, to: &output)
      case .struct: return try writeStruct(message, descriptor, to: &output)
      case .value: return try writeValue(message, descriptor, to: &output)
      case .listValue: return try writeListValue(message, descriptor, to: &output)
      case .any: return try writeAny(message, descriptor, to: &output)
      default: return try writeWrapper(message, descriptor, to: &output)
      }
    }
    output.append(UInt8(ascii: "{"))
    try writeFields(message, first: true, to: &output)
    output.append(UInt8(ascii: "}"))
  }

  /// The members of a message's object, without the braces; `first` says whether no member
  /// precedes them (Any writes `@type` first).
  func writeFields(
    _ message: DynamicMessage, first: Bool, to output: inout [UInt8]
  ) throws(TranscodingError) {
    // The descriptor's fields, not a copy of the whole descriptor: this runs for every object.
    let fields = pool.messages[message.type].fields
    guard fields.count == message.values.count else {
      throw .unencodable("message has \(message.values.count) values for \(fields.count) fields")
    }
    var first = first
    for index in 0..<fields.count {
      if let value = message.values[index] {
        if !fields[index].hasPresence && !emitDefaultValues && isDefault(value) { continue }
        if !first { output.append(UInt8(ascii: ",")) }
        first = false
        output.appendJSONString(useProtoNames ? fields[index].name : fields[index].jsonName)
        output.append(UInt8(ascii: ":"))
        do throws(TranscodingError) {
          try writeFieldValue(value, fields[index], to: &output)
        } catch {
          throw error.prefixed(field: useProtoNames ? fields[index].name : fields[index].jsonName)
        }
      } else if !fields[index].hasPresence && emitDefaultValues {
        if !first { output.append(UInt8(ascii: ",")) }
        first = false
        output.appendJSONString(useProtoNames ? fields[index].name : fields[index].jsonName)
        output.append(UInt8(ascii: ":"))
        writeDefault(fields[index], to: &output)
      }
    }
  }

  /// Whether a value of a field without presence is its type's default (then omitted unless
  /// `emitDefaultValues`). Floating point zero counts only when positive, as protobuf does.
  private func isDefault(_ value: ProtoValue) -> Bool {
    switch value {
    case .int32(let v): v == 0
    case .int64(let v): v == 0
    case .uint32(let v): v == 0
    case .uint64(let v): v == 0
    case .float(let v): v.bitPattern == 0
    case .double(let v): v.bitPattern == 0
    case .bool(let v): !v
    case .string(let v): v.isEmpty
    case .bytes(let v): v.isEmpty
    case .enumNumber(let v): v == 0
    case .message: false
    case .list(let v): v.isEmpty
    case .map(let v): v.count == 0
    }
  }

  /// The default of an unset field without presence.
  func writeDefault(_ field: FieldDescriptor, to output: inout [UInt8]) {
    if field.isMap {
      output.appendASCII("{}")
      return
    }
    if field.isRepeated {
      output.appendASCII("[]")
      return
    }
    switch field.type {
    case .int64, .uint64, .sint64, .fixed64, .sfixed64: output.appendASCII("\"0\"")
    case .int32, .uint32, .sint32, .fixed32, .sfixed32, .float, .double: output.appendASCII("0")
    case .bool: output.appendASCII("false")
    case .string, .bytes: output.appendASCII("\"\"")
    case .enum: writeEnum(0, field.enumType, to: &output)
    case .message, .group: output.appendASCII("null")
    }
  }

  /// A field's value: a list, a map or a singular value.
  func writeFieldValue(
    _ value: ProtoValue, _ field: FieldDescriptor, to output: inout [UInt8]
  ) throws(TranscodingError) {
    switch value {
    case .list(let list):
      guard field.isRepeated && !field.isMap else { throw mismatchedValue(value, field) }
      output.append(UInt8(ascii: "["))
      for index in 0..<list.count {
        if index > 0 { output.append(UInt8(ascii: ",")) }
        do throws(TranscodingError) {
          try writeSingular(list[index], field, to: &output)
        } catch {
          throw error.prefixed(index: index)
        }
      }
      output.append(UInt8(ascii: "]"))
    case .map(let map):
      guard field.isMap, let entryType = field.messageType, pool.messages.indices.contains(entryType),
        let valueIndex = pool.messages[entryType].indexOfField(2)
      else { throw mismatchedValue(value, field) }
      let valueField = pool.messages[entryType].fields[valueIndex]
      output.append(UInt8(ascii: "{"))
      let keys = map.keys
      let values = map.values
      for index in 0..<keys.count {
        if index > 0 { output.append(UInt8(ascii: ",")) }
        writeMapKey(keys[index], to: &output)
        output.append(UInt8(ascii: ":"))
        do throws(TranscodingError) {
          try writeSingular(values[index], valueField, to: &output)
        } catch {
          throw error.prefixed(mapKey: mapKeyText(keys[index]))
        }
      }
      output.append(UInt8(ascii: "}"))
    default:
      guard !field.isRepeated else { throw mismatchedValue(value, field) }
      try writeSingular(value, field, to: &output)
    }
  }

  private func writeMapKey(_ key: MapKey, to output: inout [UInt8]) {
    switch key {
    case .string(let text): output.appendJSONString(text)
    case .bool(let flag): output.appendASCII(flag ? "\"true\"" : "\"false\"")
    case .int64(let number):
      output.append(UInt8(ascii: "\""))
      output.appendDecimal(number)
      output.append(UInt8(ascii: "\""))
    case .uint64(let number):
      output.append(UInt8(ascii: "\""))
      output.appendDecimal(number)
      output.append(UInt8(ascii: "\""))
    }
  }

  private func mapKeyText(_ key: MapKey) -> String {
    switch key {
    case .string(let text): text
    case .bool(let flag): flag ? "true" : "false"
    case .int64(let number): String(number)
    case .uint64(let number): String(number)
    }
  }

  /// One value of a singular field, list element or map value.
  func writeSingular(
    _ value: ProtoValue, _ field: FieldDescriptor, to output: inout [UInt8]
  ) throws(TranscodingError) {
    switch value {
    case .int32(let v): output.appendDecimal(Int64(v))
    case .uint32(let v): output.appendDecimal(UInt64(v))
    case .int64(let v):
      output.append(UInt8(ascii: "\""))
      output.appendDecimal(v)
      output.append(UInt8(ascii: "\""))
    case .uint64(let v):
      output.append(UInt8(ascii: "\""))
      output.appendDecimal(v)
      output.append(UInt8(ascii: "\""))
    case .float(let v): output.appendJSONFloat(v)
    case .double(let v): output.appendJSONDouble(v)
    case .bool(let v): output.appendASCII(v ? "true" : "false")
    case .string(let v): output.appendJSONString(v)
    case .bytes(let v): Base64Bytes.appendQuoted(v, to: &output)
    case .enumNumber(let v):
      guard field.type == .enum else { throw mismatchedValue(value, field) }
      writeEnum(v, field.enumType, to: &output)
    case .message(let message):
      guard field.type == .message || field.type == .group, message.type == field.messageType
      else { throw mismatchedValue(value, field) }
      try writeMessageValue(message, to: &output)
    case .list, .map: throw mismatchedValue(value, field)
    }
  }

  /// An enum value's first declared name, its number when it has none; `null` for NullValue.
  private func writeEnum(_ number: Int32, _ type: Int?, to output: inout [UInt8]) {
    guard let type, pool.enums.indices.contains(type) else {
      output.appendDecimal(Int64(number))
      return
    }
    let descriptor = pool.enums[type]
    if descriptor.fullName == "google.protobuf.NullValue" {
      output.appendASCII("null")
    } else if let name = descriptor.nameByNumber[number] {
      output.appendJSONString(name)
    } else {
      output.appendDecimal(Int64(number))
    }
  }

  private func mismatchedValue(_ value: ProtoValue, _ field: FieldDescriptor) -> TranscodingError {
    let kind: String
    switch value {
    case .list: kind = "a list"
    case .map: kind = "a map"
    case .message: kind = "a message of another type"
    default: kind = "a value of another type"
    }
    return .unencodable("field \(field.name) (\(field.type)) holds \(kind)")
  }
}
