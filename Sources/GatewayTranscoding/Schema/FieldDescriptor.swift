/// A field's wire type, numbered as `google.protobuf.FieldDescriptorProto.Type`.
public enum FieldType: Int32, Sendable, CaseIterable {
  case double = 1, float = 2, int64 = 3, uint64 = 4, int32 = 5, fixed64 = 6, fixed32 = 7
  case bool = 8, string = 9, group = 10, message = 11, bytes = 12, uint32 = 13, `enum` = 14
  case sfixed32 = 15, sfixed64 = 16, sint32 = 17, sint64 = 18
}

/// One field of a message, resolved against the pool: type references are indices into
/// `SchemaPool.messages` / `SchemaPool.enums`, so recursive schemas need no reference cycles.
public struct FieldDescriptor: Sendable {
  /// The name in the .proto file (`created_at`).
  public let name: String
  /// The JSON name: `json_name` if given, else lowerCamelCase of `name` (`createdAt`).
  public let jsonName: String
  public let number: Int32
  public let type: FieldType
  public let isRepeated: Bool
  /// Repeated scalars go packed on the wire (proto3 default) unless `[packed = false]`.
  public let isPacked: Bool
  /// Index into `SchemaPool.messages` for `.message` and `.group` fields.
  public let messageType: Int?
  /// Index into `SchemaPool.enums` for `.enum` fields.
  public let enumType: Int?
  /// Index into the containing message's `oneofs` for members of a real (not synthetic) oneof.
  public let oneofIndex: Int?
  /// Whether "set to the default" differs from "not set": message fields, oneof members and
  /// proto3 `optional` fields.
  public let hasPresence: Bool
  /// A `map<K, V>` field: repeated, and its message type is a map entry.
  public let isMap: Bool

  public init(
    name: String, jsonName: String, number: Int32, type: FieldType, isRepeated: Bool,
    isPacked: Bool, messageType: Int?, enumType: Int?, oneofIndex: Int?, hasPresence: Bool,
    isMap: Bool
  ) {
    self.name = name
    self.jsonName = jsonName
    self.number = number
    self.type = type
    self.isRepeated = isRepeated
    self.isPacked = isPacked
    self.messageType = messageType
    self.enumType = enumType
    self.oneofIndex = oneofIndex
    self.hasPresence = hasPresence
    self.isMap = isMap
  }
}
