/// The parts of `google/protobuf/descriptor.proto` the pool needs, decoded with `WireReader`
/// (no generated code). Fields this file does not list are skipped.
struct FileProto {
  var name = ""
  var package = ""
  var dependencies: [String] = []
  var messages: [MessageProto] = []
  var enums: [EnumProto] = []
  var services: [ServiceProto] = []
  /// "proto2" (also when empty), "proto3" or "editions".
  var syntax = ""
}

struct MessageProto {
  var name = ""
  var fields: [FieldProto] = []
  var nested: [MessageProto] = []
  var enums: [EnumProto] = []
  var oneofs: [String] = []
  var isMapEntry = false
}

struct FieldProto {
  var name = ""
  var number: Int32 = 0
  /// 1 optional, 2 required, 3 repeated.
  var label: Int32 = 1
  var type: Int32?
  var typeName = ""
  var jsonName: String?
  var oneofIndex: Int32?
  var proto3Optional = false
  /// `options.packed` when given.
  var packed: Bool?
}

struct EnumProto {
  var name = ""
  var values: [(name: String, number: Int32)] = []
}

struct ServiceProto {
  var name = ""
  var methods: [MethodProto] = []
}

struct MethodProto {
  var name = ""
  var inputType = ""
  var outputType = ""
  var clientStreaming = false
  var serverStreaming = false
}

/// Why descriptor bytes could not be decoded; the loader adds the file name.
struct DescriptorDecodingError: Error {
  var message: String
  init(_ message: String) { self.message = message }
}

/// Decodes descriptor messages field by field. A known field with the wrong wire type is an
/// error (a descriptor is not a place for lenience); unknown fields are skipped.
struct DescriptorDecoder {
  let limits: SchemaLimits

  typealias Failure = DescriptorDecodingError

  /// Calls `body` for each field; `body` returns false for fields it does not handle, which
  /// are skipped.
  private func forEachField(
    _ bytes: UnsafeRawBufferPointer, in what: String,
    _ body: (inout WireReader, Int32, WireType) throws(Failure) -> Bool
  ) throws(Failure) {
    var reader = WireReader(bytes)
    while !reader.isAtEnd {
      let tag: (fieldNumber: Int32, wireType: WireType)
      do { tag = try reader.readTag() } catch { throw Failure("\(what): \(error)") }
      if try body(&reader, tag.fieldNumber, tag.wireType) { continue }
      do {
        try reader.skipField(fieldNumber: tag.fieldNumber, wireType: tag.wireType)
      } catch { throw Failure("\(what): \(error)") }
    }
  }

  fileprivate func string(
    _ reader: inout WireReader, _ wireType: WireType, _ what: String
  ) throws(Failure) -> String {
    guard wireType == .lengthDelimited else { throw Failure("\(what): wrong wire type") }
    let bytes: UnsafeRawBufferPointer
    do { bytes = try reader.readLengthDelimited() } catch { throw Failure("\(what): \(error)") }
    guard let value = String(validating: bytes, as: UTF8.self) else {
      throw Failure("\(what): invalid UTF-8")
    }
    return value
  }

  private func submessage(
    _ reader: inout WireReader, _ wireType: WireType, _ what: String
  ) throws(Failure) -> UnsafeRawBufferPointer {
    guard wireType == .lengthDelimited else { throw Failure("\(what): wrong wire type") }
    do { return try reader.readLengthDelimited() } catch { throw Failure("\(what): \(error)") }
  }

  private func varint(
    _ reader: inout WireReader, _ wireType: WireType, _ what: String
  ) throws(Failure) -> UInt64 {
    guard wireType == .varint else { throw Failure("\(what): wrong wire type") }
    do { return try reader.readVarint() } catch { throw Failure("\(what): \(error)") }
  }

  private func int32(
    _ reader: inout WireReader, _ wireType: WireType, _ what: String
  ) throws(Failure) -> Int32 {
    Int32(truncatingIfNeeded: try varint(&reader, wireType, what))
  }

  private func bool(
    _ reader: inout WireReader, _ wireType: WireType, _ what: String
  ) throws(Failure) -> Bool {
    try varint(&reader, wireType, what) != 0
  }

  /// `FileDescriptorSet.file` (1), each a serialized `FileDescriptorProto`.
  func fileSet(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> [UnsafeRawBufferPointer] {
    var files: [UnsafeRawBufferPointer] = []
    try forEachField(bytes, in: "FileDescriptorSet") { (reader, number, wireType) throws(Failure) in
      guard number == 1 else { return false }
      files.append(try submessage(&reader, wireType, "FileDescriptorSet.file"))
      return true
    }
    return files
  }

  func file(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> FileProto {
    var file = FileProto()
    try forEachField(bytes, in: "FileDescriptorProto") {
      (reader, number, wireType) throws(Failure) in
      switch number {
      case 1: file.name = try string(&reader, wireType, "name")
      case 2: file.package = try string(&reader, wireType, "package")
      case 3: file.dependencies.append(try string(&reader, wireType, "dependency"))
      case 4:
        let bytes = try submessage(&reader, wireType, "message_type")
        file.messages.append(try message(bytes, depth: 1))
      case 5: file.enums.append(try enumType(try submessage(&reader, wireType, "enum_type")))
      case 6: file.services.append(try service(try submessage(&reader, wireType, "service")))
      case 12: file.syntax = try string(&reader, wireType, "syntax")
      default: return false
      }
      return true
    }
    return file
  }

  private func message(_ bytes: UnsafeRawBufferPointer, depth: Int) throws(Failure) -> MessageProto
  {
    guard depth <= limits.maxNestingDepth else {
      throw Failure("messages nested deeper than \(limits.maxNestingDepth)")
    }
    var message = MessageProto()
    try forEachField(bytes, in: "DescriptorProto") { (reader, number, wireType) throws(Failure) in
      switch number {
      case 1: message.name = try string(&reader, wireType, "DescriptorProto.name")
      case 2:
        guard message.fields.count < limits.maxFieldsPerMessage else {
          throw Failure("\(message.name): more than \(limits.maxFieldsPerMessage) fields")
        }
        message.fields.append(try field(try submessage(&reader, wireType, "field")))
      case 3:
        let bytes = try submessage(&reader, wireType, "nested_type")
        message.nested.append(try self.message(bytes, depth: depth + 1))
      case 4: message.enums.append(try enumType(try submessage(&reader, wireType, "enum_type")))
      case 7:
        let options = try submessage(&reader, wireType, "MessageOptions")
        try forEachField(options, in: "MessageOptions") {
          (reader, number, wireType) throws(Failure) in
          guard number == 7 else { return false }
          message.isMapEntry = try bool(&reader, wireType, "map_entry")
          return true
        }
      case 8:
        let oneof = try submessage(&reader, wireType, "oneof_decl")
        var name = ""
        try forEachField(oneof, in: "OneofDescriptorProto") {
          (reader, number, wireType) throws(Failure) in
          guard number == 1 else { return false }
          name = try string(&reader, wireType, "OneofDescriptorProto.name")
          return true
        }
        message.oneofs.append(name)
      default: return false
      }
      return true
    }
    return message
  }

  private func field(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> FieldProto {
    var field = FieldProto()
    try forEachField(bytes, in: "FieldDescriptorProto") {
      (reader, number, wireType) throws(Failure) in
      switch number {
      case 1: field.name = try string(&reader, wireType, "FieldDescriptorProto.name")
      case 3: field.number = try int32(&reader, wireType, "number")
      case 4: field.label = try int32(&reader, wireType, "label")
      case 5: field.type = try int32(&reader, wireType, "type")
      case 6: field.typeName = try string(&reader, wireType, "type_name")
      case 9: field.oneofIndex = try int32(&reader, wireType, "oneof_index")
      case 10: field.jsonName = try string(&reader, wireType, "json_name")
      case 17: field.proto3Optional = try bool(&reader, wireType, "proto3_optional")
      case 8:
        let options = try submessage(&reader, wireType, "FieldOptions")
        try forEachField(options, in: "FieldOptions") {
          (reader, number, wireType) throws(Failure) in
          guard number == 2 else { return false }
          field.packed = try bool(&reader, wireType, "packed")
          return true
        }
      default: return false
      }
      return true
    }
    return field
  }

  private func enumType(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> EnumProto {
    var result = EnumProto()
    try forEachField(bytes, in: "EnumDescriptorProto") {
      (reader, number, wireType) throws(Failure) in
      switch number {
      case 1: result.name = try string(&reader, wireType, "EnumDescriptorProto.name")
      case 2:
        let value = try submessage(&reader, wireType, "EnumDescriptorProto.value")
        var name = ""
        var valueNumber: Int32 = 0
        try forEachField(value, in: "EnumValueDescriptorProto") {
          (reader, number, wireType) throws(Failure) in
          switch number {
          case 1: name = try string(&reader, wireType, "EnumValueDescriptorProto.name")
          case 2: valueNumber = try int32(&reader, wireType, "EnumValueDescriptorProto.number")
          default: return false
          }
          return true
        }
        result.values.append((name, valueNumber))
      default: return false
      }
      return true
    }
    return result
  }

  private func service(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> ServiceProto {
    var result = ServiceProto()
    try forEachField(bytes, in: "ServiceDescriptorProto") {
      (reader, number, wireType) throws(Failure) in
      switch number {
      case 1: result.name = try string(&reader, wireType, "ServiceDescriptorProto.name")
      case 2:
        let bytes = try submessage(&reader, wireType, "method")
        var method = MethodProto()
        try forEachField(bytes, in: "MethodDescriptorProto") {
          (reader, number, wireType) throws(Failure) in
          switch number {
          case 1: method.name = try string(&reader, wireType, "MethodDescriptorProto.name")
          case 2: method.inputType = try string(&reader, wireType, "input_type")
          case 3: method.outputType = try string(&reader, wireType, "output_type")
          case 5: method.clientStreaming = try bool(&reader, wireType, "client_streaming")
          case 6: method.serverStreaming = try bool(&reader, wireType, "server_streaming")
          default: return false
          }
          return true
        }
        result.methods.append(method)
      default: return false
      }
      return true
    }
    return result
  }
}

extension DescriptorDecoder {
  /// Just the `name` of a `FileDescriptorProto` (empty when unreadable), for error messages
  /// about the rest of it.
  func fileName(_ bytes: [UInt8]) -> String {
    bytes.withUnsafeBytes { raw in
      var reader = WireReader(raw)
      while !reader.isAtEnd {
        guard let tag = try? reader.readTag() else { return "" }
        if tag.fieldNumber == 1 {
          return (try? string(&reader, tag.wireType, "name")) ?? ""
        }
        guard (try? reader.skipField(fieldNumber: tag.fieldNumber, wireType: tag.wireType)) != nil
        else { return "" }
      }
      return ""
    }
  }
}
