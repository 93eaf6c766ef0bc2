import GatewayTranscoding

/// Serialized descriptor messages built by hand, for sets protoc would not produce.
enum Descriptor {
  struct Field {
    var name: String
    var number: Int32
    var type: FieldType
    var typeName: String? = nil
    var repeated = false
    var oneofIndex: Int32? = nil
    var proto3Optional = false
    var jsonName: String? = nil

    var bytes: [UInt8] {
      var out = Wire.string(1, name) + Wire.varintField(3, UInt64(number))
      out += Wire.varintField(4, repeated ? 3 : 1) + Wire.varintField(5, UInt64(type.rawValue))
      if let typeName { out += Wire.string(6, typeName) }
      if let oneofIndex { out += Wire.varintField(9, UInt64(oneofIndex)) }
      if let jsonName { out += Wire.string(10, jsonName) }
      if proto3Optional { out += Wire.varintField(17, 1) }
      return out
    }
  }

  static func message(
    _ name: String, fields: [Field] = [], nested: [[UInt8]] = [], oneofs: [String] = [],
    mapEntry: Bool = false
  ) -> [UInt8] {
    var out = Wire.string(1, name)
    for field in fields { out += Wire.delimited(2, field.bytes) }
    for message in nested { out += Wire.delimited(3, message) }
    if mapEntry { out += Wire.delimited(7, Wire.varintField(7, 1)) }
    for oneof in oneofs { out += Wire.delimited(8, Wire.string(1, oneof)) }
    return out
  }

  static func enumType(_ name: String, values: [(String, Int32)]) -> [UInt8] {
    var out = Wire.string(1, name)
    for (valueName, number) in values {
      out += Wire.delimited(2, Wire.string(1, valueName) + Wire.varintField(2, UInt64(number)))
    }
    return out
  }

  static func service(_ name: String, methods: [(String, String, String)]) -> [UInt8] {
    var out = Wire.string(1, name)
    for (method, input, output) in methods {
      out += Wire.delimited(
        2, Wire.string(1, method) + Wire.string(2, input) + Wire.string(3, output))
    }
    return out
  }

  static func file(
    _ name: String, package: String = "", dependencies: [String] = [], messages: [[UInt8]] = [],
    enums: [[UInt8]] = [], services: [[UInt8]] = [], syntax: String = "proto3"
  ) -> [UInt8] {
    var out = Wire.string(1, name)
    if !package.isEmpty { out += Wire.string(2, package) }
    for dependency in dependencies { out += Wire.string(3, dependency) }
    for message in messages { out += Wire.delimited(4, message) }
    for value in enums { out += Wire.delimited(5, value) }
    for service in services { out += Wire.delimited(6, service) }
    out += Wire.string(12, syntax)
    return out
  }

  static func set(_ files: [[UInt8]]) -> [UInt8] {
    files.flatMap { Wire.delimited(1, $0) }
  }
}
