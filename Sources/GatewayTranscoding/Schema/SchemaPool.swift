/// Every type and service the gateway knows, built once from `FileDescriptorSet`s and immutable
/// afterwards; per-call state lives elsewhere.
public struct SchemaPool: Sendable {
  public let messages: [MessageDescriptor]
  public let enums: [EnumDescriptor]
  public let services: [ServiceDescriptor]
  /// Full name (no leading dot) to index into `messages` / `enums`.
  public let messageIndexByName: [String: Int]
  public let enumIndexByName: [String: Int]
  /// `/pkg.Service/Method` to its method.
  public let methodByPath: [String: MethodDescriptor]
  /// Each loaded file's `syntax` ("proto2", "proto3", "editions"); empty for a pool built with
  /// the memberwise initializer.
  public internal(set) var syntaxByFile: [String: String] = [:]
  /// The streaming transcoders' view of `messages` and `enums`, built here, once.
  let tables: TranscodingTables

  public init(
    messages: [MessageDescriptor], enums: [EnumDescriptor], services: [ServiceDescriptor]
  ) {
    self.messages = messages
    self.enums = enums
    self.services = services
    var messageIndex: [String: Int] = [:]
    for (index, message) in messages.enumerated() { messageIndex[message.fullName] = index }
    var enumIndex: [String: Int] = [:]
    for (index, value) in enums.enumerated() { enumIndex[value.fullName] = index }
    var methods: [String: MethodDescriptor] = [:]
    for service in services {
      for method in service.methods { methods[method.path] = method }
    }
    messageIndexByName = messageIndex
    enumIndexByName = enumIndex
    methodByPath = methods
    tables = TranscodingTables(messages: messages, enums: enums)
  }

  /// An empty pool: gRPC-Web needs no schema.
  public static let empty = SchemaPool(messages: [], enums: [], services: [])

  public func message(named fullName: String) -> Int? { messageIndexByName[fullName] }
}
