import GatewayTranscoding

/// Builds small pools by hand with the model's memberwise inits: messages refer to each other
/// by full name, resolved to indices in `build()`.
struct TestPoolBuilder {
  struct Field {
    var name: String
    var number: Int32
    var type: FieldType
    var isRepeated = false
    var typeName: String? = nil
    var oneof: Int? = nil
    var isOptional = false
    var isMap = false
    var jsonName: String? = nil
  }

  private var messages: [(name: String, fields: [Field], oneofs: [String], isMapEntry: Bool)] = []
  private var enums: [(name: String, values: [(name: String, number: Int32)])] = []

  mutating func message(_ name: String, oneofs: [String] = [], _ fields: [Field]) {
    messages.append((name, fields, oneofs, false))
  }

  mutating func enumType(_ name: String, _ values: [(String, Int32)]) {
    enums.append((name, values.map { (name: $0.0, number: $0.1) }))
  }

  /// A `map<key, value>` field of `owner`; adds the entry message.
  mutating func mapField(
    _ owner: String, _ name: String, _ number: Int32, key: FieldType, value: FieldType,
    valueType: String? = nil
  ) -> Field {
    let entryName = owner + "." + Self.camel(name, upperFirst: true) + "Entry"
    messages.append(
      (
        entryName,
        [
          Field(name: "key", number: 1, type: key),
          Field(name: "value", number: 2, type: value, typeName: valueType),
        ], [], true
      ))
    return Field(
      name: name, number: number, type: .message, isRepeated: true, typeName: entryName,
      isMap: true)
  }

  /// protoc's lowerCamelCase: drop `_`, uppercase the letter after it.
  static func camel(_ name: String, upperFirst: Bool = false) -> String {
    var result = ""
    var upper = upperFirst
    for character in name {
      if character == "_" {
        upper = true
      } else if upper {
        result += character.uppercased()
        upper = false
      } else {
        result.append(character)
      }
    }
    return result
  }

  func build() -> SchemaPool {
    var messageIndex: [String: Int] = [:]
    for (index, message) in messages.enumerated() { messageIndex[message.name] = index }
    var enumIndex: [String: Int] = [:]
    for (index, value) in enums.enumerated() { enumIndex[value.name] = index }
    let built = messages.map { message in
      MessageDescriptor(
        fullName: message.name, fileName: "test.proto",
        fields: message.fields.map { field in
          let isMessage = field.type == .message
          return FieldDescriptor(
            name: field.name, jsonName: field.jsonName ?? Self.camel(field.name),
            number: field.number, type: field.type, isRepeated: field.isRepeated,
            isPacked: field.isRepeated && !isMessage && field.type != .string
              && field.type != .bytes,
            messageType: isMessage ? messageIndex[field.typeName!]! : nil,
            enumType: field.type == .enum ? enumIndex[field.typeName!]! : nil,
            oneofIndex: field.oneof,
            hasPresence: !field.isRepeated && (isMessage || field.oneof != nil || field.isOptional),
            isMap: field.isMap)
        }, oneofNames: message.oneofs, isMapEntry: message.isMapEntry)
    }
    return SchemaPool(
      messages: built,
      enums: enums.map { EnumDescriptor(fullName: $0.name, fileName: "test.proto", values: $0.values) },
      services: [])
  }
}

typealias F = TestPoolBuilder.Field

extension TestPoolBuilder {
  /// The well-known types, as in google/protobuf/*.proto.
  mutating func addWellKnownTypes() {
    let p = "google.protobuf."
    message(p + "Timestamp", [F(name: "seconds", number: 1, type: .int64), F(name: "nanos", number: 2, type: .int32)])
    message(p + "Duration", [F(name: "seconds", number: 1, type: .int64), F(name: "nanos", number: 2, type: .int32)])
    message(p + "FieldMask", [F(name: "paths", number: 1, type: .string, isRepeated: true)])
    message(p + "Empty", [])
    message(p + "Any", [F(name: "type_url", number: 1, type: .string), F(name: "value", number: 2, type: .bytes)])
    enumType(p + "NullValue", [("NULL_VALUE", 0)])
    let fields = mapField(p + "Struct", "fields", 1, key: .string, value: .message, valueType: p + "Value")
    message(p + "Struct", [fields])
    message(
      p + "Value", oneofs: ["kind"],
      [
        F(name: "null_value", number: 1, type: .enum, typeName: p + "NullValue", oneof: 0),
        F(name: "number_value", number: 2, type: .double, oneof: 0),
        F(name: "string_value", number: 3, type: .string, oneof: 0),
        F(name: "bool_value", number: 4, type: .bool, oneof: 0),
        F(name: "struct_value", number: 5, type: .message, typeName: p + "Struct", oneof: 0),
        F(name: "list_value", number: 6, type: .message, typeName: p + "ListValue", oneof: 0),
      ])
    message(p + "ListValue", [F(name: "values", number: 1, type: .message, isRepeated: true, typeName: p + "Value")])
    for (name, type) in [
      ("DoubleValue", FieldType.double), ("FloatValue", .float), ("Int64Value", .int64),
      ("UInt64Value", .uint64), ("Int32Value", .int32), ("UInt32Value", .uint32),
      ("BoolValue", .bool), ("StringValue", .string), ("BytesValue", .bytes),
    ] {
      message(p + name, [F(name: "value", number: 1, type: type)])
    }
  }
}

/// `test.Item`: every field kind the mapping treats differently.
enum TestSchema {
  static let pool: SchemaPool = {
    var b = TestPoolBuilder()
    b.addWellKnownTypes()
    let p = "google.protobuf."
    b.enumType("test.Color", [("COLOR_UNSPECIFIED", 0), ("RED", 1), ("GREEN", 2), ("CRIMSON", 1)])
    b.message("test.Inner", [F(name: "id", number: 1, type: .int32), F(name: "created_at", number: 2, type: .message, typeName: p + "Timestamp")])
    var fields: [F] = [
      F(name: "i32", number: 1, type: .int32), F(name: "i64", number: 2, type: .int64),
      F(name: "u32", number: 3, type: .uint32), F(name: "u64", number: 4, type: .uint64),
      F(name: "s32", number: 5, type: .sint32), F(name: "s64", number: 6, type: .sint64),
      F(name: "f32", number: 7, type: .fixed32), F(name: "f64", number: 8, type: .fixed64),
      F(name: "sf32", number: 9, type: .sfixed32), F(name: "sf64", number: 10, type: .sfixed64),
      F(name: "flt", number: 11, type: .float), F(name: "dbl", number: 12, type: .double),
      F(name: "flag", number: 13, type: .bool), F(name: "text", number: 14, type: .string),
      F(name: "data", number: 15, type: .bytes),
      F(name: "color", number: 16, type: .enum, typeName: "test.Color"),
      F(name: "inner", number: 17, type: .message, typeName: "test.Inner"),
      F(name: "items", number: 18, type: .message, isRepeated: true, typeName: "test.Inner"),
      F(name: "numbers", number: 19, type: .int32, isRepeated: true),
      F(name: "colors", number: 20, type: .enum, isRepeated: true, typeName: "test.Color"),
      F(name: "opt_i32", number: 21, type: .int32, isOptional: true),
      F(name: "choice_text", number: 22, type: .string, oneof: 0),
      F(name: "choice_number", number: 23, type: .uint32, oneof: 0),
      F(name: "choice_inner", number: 24, type: .message, typeName: "test.Inner", oneof: 0),
      F(name: "renamed", number: 25, type: .int32, jsonName: "customName"),
      F(name: "created_at", number: 30, type: .message, typeName: p + "Timestamp"),
      F(name: "ttl", number: 31, type: .message, typeName: p + "Duration"),
      F(name: "mask", number: 32, type: .message, typeName: p + "FieldMask"),
      F(name: "meta", number: 33, type: .message, typeName: p + "Struct"),
      F(name: "any_value", number: 34, type: .message, typeName: p + "Value"),
      F(name: "list", number: 35, type: .message, typeName: p + "ListValue"),
      F(name: "nothing", number: 36, type: .message, typeName: p + "Empty"),
      F(name: "payload", number: 37, type: .message, typeName: p + "Any"),
      F(name: "null", number: 38, type: .enum, typeName: p + "NullValue"),
      F(name: "values", number: 39, type: .message, isRepeated: true, typeName: p + "Value"),
      F(name: "stamps", number: 40, type: .message, isRepeated: true, typeName: p + "Timestamp"),
    ]
    for (offset, name) in ["Double", "Float", "Int64", "UInt64", "Int32", "UInt32", "Bool", "String", "Bytes"].enumerated() {
      fields.append(F(name: "w_" + name.lowercased(), number: 50 + Int32(offset), type: .message, typeName: p + name + "Value"))
    }
    let item = "test.Item"
    fields += [
      b.mapField(item, "labels", 60, key: .string, value: .string),
      b.mapField(item, "by_i32", 61, key: .int32, value: .int32),
      b.mapField(item, "by_i64", 62, key: .int64, value: .string),
      b.mapField(item, "by_u32", 63, key: .uint32, value: .string),
      b.mapField(item, "by_u64", 64, key: .uint64, value: .string),
      b.mapField(item, "by_s32", 65, key: .sint32, value: .string),
      b.mapField(item, "by_s64", 66, key: .sint64, value: .string),
      b.mapField(item, "by_f32", 67, key: .fixed32, value: .string),
      b.mapField(item, "by_f64", 68, key: .fixed64, value: .string),
      b.mapField(item, "by_sf32", 69, key: .sfixed32, value: .string),
      b.mapField(item, "by_sf64", 70, key: .sfixed64, value: .string),
      b.mapField(item, "by_bool", 71, key: .bool, value: .string),
      b.mapField(item, "inners", 72, key: .string, value: .message, valueType: "test.Inner"),
      b.mapField(item, "colors_by_name", 73, key: .string, value: .enum, valueType: "test.Color"),
      b.mapField(item, "value_map", 74, key: .string, value: .message, valueType: p + "Value"),
      F(name: "recursive", number: 80, type: .message, typeName: "test.Item"),
    ]
    b.message(item, oneofs: ["choice"], fields)
    return b.build()
  }()

  static let item = pool.message(named: "test.Item")!
}
