/// Turns decoded files into the pool's descriptors: registers every symbol (rejecting
/// duplicates), then resolves each field's and method's type name with protobuf's scoping
/// rules and checks what protoc would have checked, since the set may not come from protoc.
struct SchemaBuilder {
  private enum Symbol {
    case message(Int)
    case enumType(Int)
    case service
    case package

    var isType: Bool {
      switch self {
      case .message, .enumType: true
      case .service, .package: false
      }
    }
  }

  private struct PendingMessage {
    var fullName: String
    var file: String
    var syntax: String
    var proto: MessageProto
  }

  private var symbols: [String: (symbol: Symbol, file: String)] = [:]
  private var pending: [PendingMessage] = []
  private var enums: [EnumDescriptor] = []
  private let files: [FileProto]

  init(files: [FileProto]) {
    self.files = files
  }

  /// Builds the descriptors of every file.
  mutating func build() throws(SchemaError) -> (
    messages: [MessageDescriptor], enums: [EnumDescriptor], services: [ServiceDescriptor]
  ) {
    let names = Set(files.map(\.name))
    for file in files {
      for dependency in file.dependencies where !names.contains(dependency) {
        throw SchemaError(
          .missingDependency, file: file.name, symbol: dependency,
          "\(file.name) imports \(dependency), which is not in the descriptor set")
      }
    }
    for file in files { try register(file) }
    var messages: [MessageDescriptor] = []
    messages.reserveCapacity(pending.count)
    for index in pending.indices { messages.append(try buildMessage(index)) }
    var services: [ServiceDescriptor] = []
    for file in files {
      for service in file.services { services.append(try buildService(service, in: file)) }
    }
    return (messages, enums, services)
  }

  // MARK: Registration

  private mutating func register(_ file: FileProto) throws(SchemaError) {
    if !file.package.isEmpty {
      guard ProtoNaming.isQualifiedIdentifier(file.package) else {
        throw SchemaError(
          .invalidDefinition, file: file.name, symbol: file.package,
          "\(file.name): invalid package name \"\(file.package)\"")
      }
      var prefix = ""
      for part in file.package.split(separator: ".") {
        prefix = prefix.isEmpty ? String(part) : prefix + "." + part
        if let existing = symbols[prefix] {
          guard case .package = existing.symbol else {
            throw duplicate(prefix, file.name, existing.file)
          }
        } else {
          symbols[prefix] = (.package, file.name)
        }
      }
    }
    for message in file.messages {
      try registerMessage(message, scope: file.package, file: file)
    }
    for enumProto in file.enums { try registerEnum(enumProto, scope: file.package, file: file.name) }
    for service in file.services {
      _ = try define(service.name, scope: file.package, file: file.name, .service)
    }
  }

  private mutating func registerMessage(
    _ message: MessageProto, scope: String, file: FileProto
  ) throws(SchemaError) {
    let index = pending.count
    let fullName = try define(message.name, scope: scope, file: file.name, .message(index))
    pending.append(
      PendingMessage(fullName: fullName, file: file.name, syntax: file.syntax, proto: message))
    for nested in message.nested { try registerMessage(nested, scope: fullName, file: file) }
    for enumProto in message.enums { try registerEnum(enumProto, scope: fullName, file: file.name) }
  }

  private mutating func registerEnum(
    _ enumProto: EnumProto, scope: String, file: String
  ) throws(SchemaError) {
    let fullName = try define(enumProto.name, scope: scope, file: file, .enumType(enums.count))
    guard !enumProto.values.isEmpty else {
      throw SchemaError(
        .invalidDefinition, file: file, symbol: fullName, "\(file): enum \(fullName) has no values")
    }
    for value in enumProto.values where !ProtoNaming.isIdentifier(value.name) {
      throw SchemaError(
        .invalidDefinition, file: file, symbol: fullName,
        "\(file): enum \(fullName) has an invalid value name \"\(value.name)\"")
    }
    enums.append(EnumDescriptor(fullName: fullName, fileName: file, values: enumProto.values))
  }

  /// Adds `scope.name` to the symbol table and returns the full name.
  private mutating func define(
    _ name: String, scope: String, file: String, _ symbol: Symbol
  ) throws(SchemaError) -> String {
    let fullName = scope.isEmpty ? name : scope + "." + name
    guard ProtoNaming.isIdentifier(name) else {
      throw SchemaError(
        .invalidDefinition, file: file, symbol: fullName, "\(file): invalid name \"\(fullName)\"")
    }
    if let existing = symbols[fullName] { throw duplicate(fullName, file, existing.file) }
    symbols[fullName] = (symbol, file)
    return fullName
  }

  private func duplicate(_ fullName: String, _ file: String, _ other: String) -> SchemaError {
    let where_ = file == other ? "twice in \(file)" : "in both \(other) and \(file)"
    return SchemaError(
      .duplicateSymbol, file: file, symbol: fullName, "\(fullName) is defined \(where_)")
  }

  // MARK: Resolution

  /// Resolves `name` as written in `scope` (a message or service full name): a leading dot
  /// means fully qualified; otherwise the innermost scope that defines the name's first
  /// component wins, as in protoc.
  private func resolve(_ name: String, scope: String) -> (symbol: Symbol, fullName: String)? {
    if name.first == "." {
      let fullName = String(name.dropFirst())
      return symbols[fullName].map { ($0.symbol, fullName) }
    }
    guard !name.isEmpty else { return nil }
    let firstPart = name.split(separator: ".", maxSplits: 1).first.map(String.init) ?? name
    let isCompound = firstPart.utf8.count < name.utf8.count
    var scopeParts = scope.split(separator: ".").map(String.init)
    while true {
      let prefix = scopeParts.joined(separator: ".")
      let qualify = { (part: String) in prefix.isEmpty ? part : prefix + "." + part }
      if let found = symbols[qualify(firstPart)] {
        if isCompound {
          // protoc: a compound name whose first part names an aggregate resolves here or
          // nowhere.
          if case .service = found.symbol {} else {
            let fullName = qualify(name)
            return symbols[fullName].map { ($0.symbol, fullName) }
          }
        } else if found.symbol.isType {
          return (found.symbol, qualify(firstPart))
        }
      }
      if scopeParts.isEmpty { return nil }
      scopeParts.removeLast()
    }
  }

  private func unresolved(
    _ typeName: String, file: String, symbol: String, what: String
  ) -> SchemaError {
    SchemaError(
      .unresolvedType, file: file, symbol: symbol,
      "\(file): \(what) \(symbol) has type \(typeName), which is not defined in the descriptor set")
  }

  // MARK: Messages

  private func invalid(_ pending: PendingMessage, _ detail: String) -> SchemaError {
    SchemaError(
      .invalidDefinition, file: pending.file, symbol: pending.fullName,
      "\(pending.file): message \(pending.fullName): \(detail)")
  }

  private func buildMessage(_ index: Int) throws(SchemaError) -> MessageDescriptor {
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
      guard ProtoNaming.isIdentifier(name) else { throw invalid(message, "invalid oneof \"\(name)\"") }
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

  // MARK: Services

  private func buildService(
    _ service: ServiceProto, in file: FileProto
  ) throws(SchemaError) -> ServiceDescriptor {
    let fullName = file.package.isEmpty ? service.name : file.package + "." + service.name
    var methods: [MethodDescriptor] = []
    var seen = Set<String>()
    for method in service.methods {
      let methodName = "\(fullName).\(method.name)"
      guard ProtoNaming.isIdentifier(method.name), seen.insert(method.name).inserted else {
        throw SchemaError(
          .invalidDefinition, file: file.name, symbol: methodName,
          "\(file.name): invalid or repeated method name \(methodName)")
      }
      func messageIndex(_ typeName: String) throws(SchemaError) -> Int {
        guard let resolved = resolve(typeName, scope: fullName),
          case .message(let index) = resolved.symbol
        else { throw unresolved(typeName, file: file.name, symbol: methodName, what: "method") }
        return index
      }
      methods.append(
        MethodDescriptor(
          name: method.name, path: "/\(fullName)/\(method.name)",
          inputType: try messageIndex(method.inputType),
          outputType: try messageIndex(method.outputType),
          kind: StreamingKind(
            clientStreaming: method.clientStreaming, serverStreaming: method.serverStreaming)))
    }
    return ServiceDescriptor(fullName: fullName, fileName: file.name, methods: methods)
  }
}

extension FieldType {
  /// Scalars that may be written packed: every numeric type, bool and enum.
  var isPackable: Bool {
    switch self {
    case .string, .bytes, .message, .group: false
    default: true
    }
  }

  /// Map keys: integral types, bool and string.
  var isValidMapKey: Bool {
    switch self {
    case .double, .float, .bytes, .message, .group, .enum: false
    default: true
    }
  }
}
