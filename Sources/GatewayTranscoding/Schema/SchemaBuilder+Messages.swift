extension SchemaBuilder {
  private func invalid(_ pending: PendingMessage, _ detail: String) -> SchemaError {
    SchemaError(
      .invalidDefinition, file: pending.file, symbol: pending.fullName,
      "\(pending.file): message \(pending.fullName): \(detail)")
  }

  func buildMessage(_ index: Int) throws(SchemaError) -> MessageDescriptor {
    let message = pending[index]
    let proto = message.proto
    let isProto3 = message.syntax == "proto3"
    let isEditions = message.syntax == "editions"

    // Oneofs holding a proto3 `optional` field are synthetic: not real oneofs.
    var isSynthetic = Array(repeating: false, count: proto.oneofs.count)
    for field in proto.fields where field.proto3Optional {
      if let oneof = field.oneofIndex, proto.oneofs.indices.contains(Int(oneof)) {
        isSynthetic[Int(oneof)] = true
      }
    }
    var realIndex = Array(repeating: -1, count: proto.oneofs.count)
    var oneofNames: [String] = []
    for (index, name) in proto.oneofs.enumerated() where !isSynthetic[index] {
      guard ProtoNaming.isIdentifier(name) else {
        throw invalid(message, "invalid oneof \"\(name)\"")
      }
      realIndex[index] = oneofNames.count
      oneofNames.append(name)
    }

    var fields: [FieldDescriptor] = []
    fields.reserveCapacity(proto.fields.count)
    var seenNumbers = Set<Int32>()
    var seenNames = Set<String>()
    for field in proto.fields {
      let fieldName = "\(message.fullName).\(field.name)"
      guard ProtoNaming.isIdentifier(field.name) else {
        throw invalid(message, "invalid field name \"\(field.name)\"")
      }
      guard (1...ProtoNaming.maxFieldNumber).contains(field.number) else {
        throw invalid(message, "field \(field.name) has invalid number \(field.number)")
      }
      guard seenNumbers.insert(field.number).inserted else {
        throw invalid(message, "field number \(field.number) is used twice")
      }
      guard seenNames.insert(field.name).inserted else {
        throw invalid(message, "field name \(field.name) is used twice")
      }
      guard (1...3).contains(field.label) else {
        throw invalid(message, "field \(field.name) has invalid label \(field.label)")
      }
      let isRepeated = field.label == 3

      // The type: given, or (in hand-made sets) implied by what the type name resolves to.
      var type: FieldType
      var messageType: Int?
      var enumType: Int?
      if let raw = field.type {
        guard let known = FieldType(rawValue: raw) else {
          throw invalid(message, "field \(field.name) has invalid type \(raw)")
        }
        type = known
      } else {
        type = .message
      }
      if type == .message || type == .group || type == .enum {
        guard let resolved = resolve(field.typeName, scope: message.fullName) else {
          throw unresolved(field.typeName, file: message.file, symbol: fieldName, what: "field")
        }
        switch resolved.symbol {
        case .message(let target) where type != .enum:
          messageType = target
        case .enumType(let target) where field.type == nil || type == .enum:
          type = .enum
          enumType = target
        default:
          throw invalid(
            message, "field \(field.name) has type \(field.typeName), which is not a \(type)")
        }
      }

      var oneofIndex: Int?
      var inOneof = false
      if let raw = field.oneofIndex {
        guard proto.oneofs.indices.contains(Int(raw)), !isRepeated else {
          throw invalid(message, "field \(field.name) has invalid oneof_index \(raw)")
        }
        inOneof = true
        let real = realIndex[Int(raw)]
        if real >= 0 {
          guard !field.proto3Optional else {
            throw invalid(message, "optional field \(field.name) is in a oneof with other fields")
          }
          oneofIndex = real
        }
      } else if field.proto3Optional {
        throw invalid(message, "optional field \(field.name) has no synthetic oneof")
      }

      let isMap =
        isRepeated && type == .message && messageType.map { pending[$0].proto.isMapEntry } == true
      let hasPresence =
        !isRepeated && (type == .message || type == .group || inOneof || !isProto3)
      let isPacked =
        isRepeated && type.isPackable
        && ((isProto3 || isEditions) ? field.packed ?? true : field.packed ?? false)

      fields.append(
        FieldDescriptor(
          name: field.name, jsonName: field.jsonName ?? ProtoNaming.jsonName(field.name),
          number: field.number, type: type, isRepeated: isRepeated, isPacked: isPacked,
          messageType: messageType, enumType: enumType, oneofIndex: oneofIndex,
          hasPresence: hasPresence, isMap: isMap))
    }

    if proto.isMapEntry { try checkMapEntry(message, fields) }
    return MessageDescriptor(
      fullName: message.fullName, fileName: message.file, fields: fields, oneofNames: oneofNames,
      isMapEntry: proto.isMapEntry)
  }

  /// A map entry has exactly a key (1, integral, bool or string) and a value (2), singular.
  private func checkMapEntry(
    _ message: PendingMessage, _ fields: [FieldDescriptor]
  ) throws(SchemaError) {
    guard fields.count == 2,
      let key = fields.first(where: { $0.number == 1 }),
      let value = fields.first(where: { $0.number == 2 }),
      !key.isRepeated, !value.isRepeated, key.type.isValidMapKey, value.type != .group
    else { throw invalid(message, "not a valid map entry (key 1, value 2)") }
  }
}
