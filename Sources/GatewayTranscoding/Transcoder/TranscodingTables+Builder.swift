extension TranscodingTables {
  /// Fills the tables' arrays from the pool's descriptors. Anything the streaming
  /// transcoders would have to trust (a type reference, a map entry's fields, a well-known
  /// type's fields) is checked here; a message failing a check is `.delegated`.
  struct Builder {
    let descriptors: [MessageDescriptor]
    let enumDescriptors: [EnumDescriptor]
    var messages: [Message] = []
    var fields: [Field] = []
    var enums: [Enum] = []
    var enumValues: [EnumValue] = []
    var dense: [Int32] = []
    var sorted: [Int32] = []
    var slots: [Slot] = []
    var bytes: [UInt8] = []

    init(_ descriptors: [MessageDescriptor], _ enumDescriptors: [EnumDescriptor]) {
      self.descriptors = descriptors
      self.enumDescriptors = enumDescriptors
    }

    mutating func build() {
      for descriptor in enumDescriptors { addEnum(descriptor) }
      var starts: [Int32] = []
      starts.reserveCapacity(descriptors.count)
      var total = 0
      for descriptor in descriptors {
        starts.append(Int32(total))
        total += descriptor.fields.count
      }
      fields.reserveCapacity(total)
      for descriptor in descriptors { addMessage(descriptor, starts: starts) }
    }

    private mutating func append<S: Sequence<UInt8>>(_ content: S) -> Range {
      let start = bytes.count
      bytes.append(contentsOf: content)
      return Range(start: Int32(start), count: Int32(bytes.count - start))
    }

    private mutating func appendQuoted(_ name: String, suffix: String = "") -> Range {
      var quoted: [UInt8] = []
      quoted.appendJSONString(name)
      quoted.append(contentsOf: suffix.utf8)
      return append(quoted)
    }

    /// An open-addressing table of `entries` (name, entry), later entries replacing earlier
    /// ones with the same name; returns its first slot and mask.
    private mutating func addSlots(_ entries: [(name: Range, entry: Int32)]) -> (Int32, Int32) {
      var size = 2
      while size < entries.count * 2 { size *= 2 }
      let start = slots.count
      slots.append(contentsOf: repeatElement(Slot(), count: size))
      let mask = size - 1
      for (name, entry) in entries {
        let nameBytes = Array(
          bytes[Int(name.start)..<Int(name.start + name.count)])
        let hash = nameBytes.withUnsafeBytes { TranscodingTables.hash($0) }
        var position = Int(hash) & mask
        while true {
          let slot = slots[start + position]
          if slot.entry < 0 {
            slots[start + position] = Slot(hash: hash, entry: entry, name: name)
            break
          }
          if slot.hash == hash
            && bytes[Int(slot.name.start)..<Int(slot.name.start + slot.name.count)]
              .elementsEqual(nameBytes)
          {
            slots[start + position].entry = entry
            break
          }
          position = (position + 1) & mask
        }
      }
      return (Int32(start), Int32(mask))
    }

    private mutating func addEnum(_ descriptor: EnumDescriptor) {
      let valueStart = enumValues.count
      var names: [(name: Range, entry: Int32)] = []
      var maxDense: Int32 = -1
      for (offset, value) in descriptor.values.enumerated() {
        let name = append(value.name.utf8)
        let quoted = appendQuoted(value.name)
        enumValues.append(EnumValue(number: value.number, name: name, quoted: quoted))
        names.append((name, Int32(valueStart + offset)))
        if value.number >= 0 && value.number < TranscodingTables.denseLimit {
          maxDense = max(maxDense, value.number)
        }
      }
      let denseStart = dense.count
      dense.append(contentsOf: repeatElement(0, count: Int(maxDense + 1)))
      for (offset, value) in descriptor.values.enumerated()
      where value.number >= 0 && value.number <= maxDense
        && dense[denseStart + Int(value.number)] == 0
      {
        dense[denseStart + Int(value.number)] = Int32(valueStart + offset + 1)
      }
      let (slotStart, slotMask) = addSlots(names)
      enums.append(
        Enum(
          valueStart: Int32(valueStart), valueCount: Int32(descriptor.values.count),
          denseStart: Int32(denseStart), denseCount: maxDense + 1, slotStart: slotStart,
          slotMask: slotMask, isNullValue: descriptor.fullName == "google.protobuf.NullValue"))
    }

    private func special(_ descriptor: MessageDescriptor) -> Special {
      switch descriptor.wellKnownType {
      case nil, .empty?: return .plain
      case .timestamp?, .duration?:
        guard let seconds = descriptor.indexOfField(1), let nanos = descriptor.indexOfField(2),
          descriptor.fields[seconds].type == .int64, !descriptor.fields[seconds].isRepeated,
          descriptor.fields[nanos].type == .int32, !descriptor.fields[nanos].isRepeated
        else { return .delegated }
        return descriptor.wellKnownType == .timestamp ? .timestamp : .duration
      default: return .delegated
      }
    }

    private static func kind(_ type: FieldType) -> Kind {
      switch type {
      case .int32: .int32
      case .int64: .int64
      case .uint32: .uint32
      case .uint64: .uint64
      case .sint32: .sint32
      case .sint64: .sint64
      case .fixed32: .fixed32
      case .fixed64: .fixed64
      case .sfixed32: .sfixed32
      case .sfixed64: .sfixed64
      case .float: .float
      case .double: .double
      case .bool: .bool
      case .string: .string
      case .bytes: .bytes
      case .enum: .enumeration
      case .message, .group: .message
      }
    }

    /// The JSON a field without presence has when unset (`JSONMessageEncoder.writeDefault`).
    private func defaultJSON(_ field: FieldDescriptor) -> String {
      if field.isMap { return "{}" }
      if field.isRepeated { return "[]" }
      switch field.type {
      case .int64, .uint64, .sint64, .fixed64, .sfixed64: return "\"0\""
      case .int32, .uint32, .sint32, .fixed32, .sfixed32, .float, .double: return "0"
      case .bool: return "false"
      case .string, .bytes: return "\"\""
      case .message, .group: return "null"
      case .enum:
        guard let type = field.enumType, enumDescriptors.indices.contains(type) else { return "0" }
        let descriptor = enumDescriptors[type]
        if descriptor.fullName == "google.protobuf.NullValue" { return "null" }
        guard let name = descriptor.nameByNumber[0] else { return "0" }
        var quoted: [UInt8] = []
        quoted.appendJSONString(name)
        return String(decoding: quoted, as: UTF8.self)
      }
    }

    private mutating func addMessage(_ descriptor: MessageDescriptor, starts: [Int32]) {
      var special = special(descriptor)
      let fieldStart = fields.count
      var oneofCount = descriptor.oneofNames.count
      var maxDense: Int32 = 0
      var names: [(name: Range, entry: Int32)] = []
      var jsonNames: [(name: Range, entry: Int32)] = []
      for (local, field) in descriptor.fields.enumerated() {
        var messageType: Int32 = -1
        var enumType: Int32 = -1
        var mapKey: Int32 = -1
        var mapValue: Int32 = -1
        var nullIsValue = false
        switch field.type {
        case .group:
          special = .delegated
        case .message:
          if let type = field.messageType, descriptors.indices.contains(type) {
            messageType = Int32(type)
            nullIsValue = descriptors[type].wellKnownType == .value
            if field.isMap {
              let entry = descriptors[type]
              if let key = entry.indexOfField(1), let value = entry.indexOfField(2) {
                mapKey = starts[type] + Int32(key)
                mapValue = starts[type] + Int32(value)
              } else {
                special = .delegated
              }
            }
          } else {
            special = .delegated
          }
        case .enum:
          if let type = field.enumType, enumDescriptors.indices.contains(type) {
            enumType = Int32(type)
            nullIsValue = enumDescriptors[type].fullName == "google.protobuf.NullValue"
          } else {
            special = .delegated
          }
        default:
          break
        }
        if field.isMap && mapKey < 0 { special = .delegated }
        if let oneof = field.oneofIndex { oneofCount = max(oneofCount, oneof + 1) }
        if field.number > 0 && field.number < TranscodingTables.denseLimit {
          maxDense = max(maxDense, field.number)
        }
        let jsonName = append(field.jsonName.utf8)
        let protoName = append(field.name.utf8)
        let defaultValue = defaultJSON(field)
        fields.append(
          Field(
            number: field.number, type: field.type, kind: Self.kind(field.type),
            wireType: field.type.binaryWireType, isRepeated: field.isRepeated,
            isPacked: field.isPacked && field.type.isPackable, isMap: field.isMap,
            hasPresence: field.hasPresence, nullIsValue: nullIsValue,
            oneof: Int32(field.oneofIndex ?? -1), messageType: messageType, enumType: enumType,
            mapKey: mapKey, mapValue: mapValue, jsonName: jsonName, protoName: protoName,
            jsonKey: appendQuoted(field.jsonName, suffix: ":"),
            protoKey: appendQuoted(field.name, suffix: ":"),
            jsonKeyDefault: appendQuoted(field.jsonName, suffix: ":" + defaultValue),
            protoKeyDefault: appendQuoted(field.name, suffix: ":" + defaultValue)))
        names.append((protoName, Int32(local)))
        jsonNames.append((jsonName, Int32(local)))
      }
      let denseStart = dense.count
      dense.append(contentsOf: repeatElement(0, count: Int(maxDense) + 1))
      for (local, field) in descriptor.fields.enumerated()
      where field.number > 0 && field.number <= maxDense {
        dense[denseStart + Int(field.number)] = Int32(local + 1)
      }
      let order = descriptor.fields.indices.sorted {
        descriptor.fields[$0].number < descriptor.fields[$1].number
      }
      sorted.append(contentsOf: order.map { Int32($0) })
      // JSON names win over a proto name spelled the same (as `fieldIndexByJSONKey`).
      let (slotStart, slotMask) = addSlots(names + jsonNames)
      messages.append(
        Message(
          fieldStart: Int32(fieldStart), fieldCount: Int32(descriptor.fields.count),
          denseStart: Int32(denseStart), denseCount: maxDense + 1, slotStart: slotStart,
          slotMask: slotMask, oneofCount: Int32(oneofCount), special: special))
    }
  }
}
