/// Turns decoded files into the pool's descriptors: registers every symbol (rejecting
/// duplicates), then resolves each field's and method's type name with protobuf's scoping
/// rules and checks what protoc would have checked, since the set may not come from protoc.
struct SchemaBuilder {
  enum Symbol {
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

  struct PendingMessage {
    var fullName: String
    var file: String
    var syntax: String
    var proto: MessageProto
  }

  private var symbols: [String: (symbol: Symbol, file: String)] = [:]
  private(set) var pending: [PendingMessage] = []
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
    for enumProto in file.enums {
      try registerEnum(enumProto, scope: file.package, file: file.name)
    }
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
    let location = file == other ? "twice in \(file)" : "in both \(other) and \(file)"
    return SchemaError(
      .duplicateSymbol, file: file, symbol: fullName, "\(fullName) is defined \(location)")
  }

  // MARK: Resolution

  /// Resolves `name` as written in `scope` (a message or service full name): a leading dot
  /// means fully qualified; otherwise the innermost scope that defines the name's first
  /// component wins, as in protoc.
  func resolve(_ name: String, scope: String) -> (symbol: Symbol, fullName: String)? {
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
          if case .service = found.symbol {
          } else {
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

  func unresolved(
    _ typeName: String, file: String, symbol: String, what: String
  ) -> SchemaError {
    SchemaError(
      .unresolvedType, file: file, symbol: symbol,
      "\(file): \(what) \(symbol) has type \(typeName), which is not defined in the descriptor set")
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
