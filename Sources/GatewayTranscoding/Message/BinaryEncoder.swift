extension DynamicMessage {
  /// The canonical proto3 binary form: fields in number order, repeated scalars packed unless
  /// the field says `packed = false`, fields without presence left out when they hold their
  /// default (a float or double is default only when its bits are all zero, so -0.0 is
  /// written, as protobuf does), fields with presence written when set, map entries with key
  /// and value, unknown fields re-emitted last.
  public func binary(pool: SchemaPool) -> [UInt8] {
    var bytes: [UInt8] = []
    appendBinary(to: &bytes, pool: pool)
    return bytes
  }

  /// Appends the binary form to `buffer` (for example after a gRPC frame header).
  public func appendBinary(to buffer: inout [UInt8], pool: SchemaPool) {
    var writer = WireWriter()
    swap(&writer.bytes, &buffer)
    BinaryEncoder(pool: pool).write(self, to: &writer)
    swap(&writer.bytes, &buffer)
  }
}

/// The binary encoding walk. Values whose case does not match the field's type (a bug in
/// whoever built the message) are converted where a conversion exists, else written as zero.
struct BinaryEncoder {
  let pool: SchemaPool

  func write(_ message: DynamicMessage, to writer: inout WireWriter) {
    guard pool.messages.indices.contains(message.type) else {
      assertionFailure("message type \(message.type) is not in the pool")
      return
    }
    let layout = pool.messages[message.type].binaryLayout
    for index in layout.numberOrder where index < message.values.count {
      guard let value = message.values[index] else { continue }
      let field = layout.fields[index]
      switch value {
      case .list(let items):
        writeRepeated(field, items, to: &writer)
      case .map(let map):
        writeMap(field, map, to: &writer)
      default:
        if !field.hasPresence && value.isProto3Default { continue }
        writeSingle(field.number, field.type, value, to: &writer)
      }
    }
    writer.bytes.append(contentsOf: message.unknownFields)
  }

  /// Tag and value, always written.
  private func writeSingle(
    _ number: Int32, _ type: FieldType, _ value: ProtoValue, to writer: inout WireWriter
  ) {
    switch type {
    case .message:
      writer.writeTag(fieldNumber: number, wireType: .lengthDelimited)
      let mark = writer.beginLengthDelimited()
      if case .message(let sub) = value { write(sub, to: &writer) }
      writer.endLengthDelimited(mark)
    case .group:
      writer.writeTag(fieldNumber: number, wireType: .startGroup)
      if case .message(let sub) = value { write(sub, to: &writer) }
      writer.writeTag(fieldNumber: number, wireType: .endGroup)
    default:
      writer.writeTag(fieldNumber: number, wireType: type.binaryWireType)
      writePayload(type, value, to: &writer)
    }
  }

  private func writeRepeated(
    _ field: BinaryLayout.Field, _ items: [ProtoValue], to writer: inout WireWriter
  ) {
    guard !items.isEmpty else { return }
    guard field.isPacked else {
      for item in items { writeSingle(field.number, field.type, item, to: &writer) }
      return
    }
    writer.writeTag(fieldNumber: field.number, wireType: .lengthDelimited)
    switch field.wireType {
    case .fixed32:
      writer.writeVarint(UInt64(items.count * 4))
      for item in items { writePayload(field.type, item, to: &writer) }
    case .fixed64:
      writer.writeVarint(UInt64(items.count * 8))
      for item in items { writePayload(field.type, item, to: &writer) }
    default:
      let mark = writer.beginLengthDelimited()
      for item in items { writePayload(field.type, item, to: &writer) }
      writer.endLengthDelimited(mark)
    }
  }

  /// Each entry as a length-delimited message with its key (1) and value (2), both always
  /// written, as protobuf's C++ and Go runtimes do.
  private func writeMap(
    _ field: BinaryLayout.Field, _ map: ProtoMap, to writer: inout WireWriter
  ) {
    guard pool.messages.indices.contains(field.messageType) else {
      assertionFailure("field \(field.number) is not a valid map")
      return
    }
    let entry = pool.messages[field.messageType].binaryLayout
    guard let keyIndex = entry.index(of: 1), let valueIndex = entry.index(of: 2) else {
      assertionFailure("field \(field.number) is not a valid map")
      return
    }
    let keyType = entry.fields[keyIndex].type
    let valueType = entry.fields[valueIndex].type
    let keys = map.keys
    let values = map.values
    for index in keys.indices {
      writer.writeTag(fieldNumber: field.number, wireType: .lengthDelimited)
      let mark = writer.beginLengthDelimited()
      let key: ProtoValue
      switch keys[index] {
      case .int64(let v): key = .int64(v)
      case .uint64(let v): key = .uint64(v)
      case .bool(let v): key = .bool(v)
      case .string(let v): key = .string(v)
      }
      writeSingle(1, keyType, key, to: &writer)
      writeSingle(2, valueType, values[index], to: &writer)
      writer.endLengthDelimited(mark)
    }
  }

  /// The value without its tag.
  @inline(__always)
  private func writePayload(_ type: FieldType, _ value: ProtoValue, to writer: inout WireWriter) {
    switch type {
    case .int32, .int64, .uint64, .enum: writer.writeVarint(value.integerBits)
    case .uint32: writer.writeVarint(UInt64(UInt32(truncatingIfNeeded: value.integerBits)))
    case .bool: writer.writeVarint(value.integerBits == 0 ? 0 : 1)
    case .sint32:
      let v = Int32(truncatingIfNeeded: Int64(bitPattern: value.integerBits))
      writer.writeVarint(UInt64(ZigZag.encoded(v)))
    case .sint64: writer.writeVarint(ZigZag.encoded(Int64(bitPattern: value.integerBits)))
    case .fixed32, .sfixed32: writer.writeFixed32(UInt32(truncatingIfNeeded: value.integerBits))
    case .fixed64, .sfixed64: writer.writeFixed64(value.integerBits)
    case .float:
      switch value {
      case .float(let v): writer.writeFixed32(v.bitPattern)
      case .double(let v): writer.writeFixed32(Float(v).bitPattern)
      default: writer.writeFixed32(0)
      }
    case .double:
      switch value {
      case .double(let v): writer.writeFixed64(v.bitPattern)
      case .float(let v): writer.writeFixed64(Double(v).bitPattern)
      default: writer.writeFixed64(0)
      }
    case .string:
      if case .string(let string) = value {
        let written: Void? = string.utf8.withContiguousStorageIfAvailable {
          writer.writeLengthDelimited(UnsafeRawBufferPointer($0))
        }
        if written == nil { writer.writeLengthDelimited(Array(string.utf8)) }
      } else {
        writer.writeVarint(0)
      }
    case .bytes:
      if case .bytes(let bytes) = value {
        writer.writeLengthDelimited(bytes)
      } else {
        writer.writeVarint(0)
      }
    case .message, .group:
      // Written by writeSingle; never a payload on its own.
      writer.writeVarint(0)
    }
  }
}

extension ProtoValue {
  /// Integer values as 64 bits, signed ones sign-extended (how int32 and enum go on the wire).
  @inline(__always)
  fileprivate var integerBits: UInt64 {
    switch self {
    case .int32(let v): UInt64(bitPattern: Int64(v))
    case .int64(let v): UInt64(bitPattern: v)
    case .uint32(let v): UInt64(v)
    case .uint64(let v): v
    case .enumNumber(let v): UInt64(bitPattern: Int64(v))
    case .bool(let v): v ? 1 : 0
    default: 0
    }
  }

  /// Whether a field without presence holding this value is left out of the output.
  fileprivate var isProto3Default: Bool {
    switch self {
    case .int32(let v): v == 0
    case .int64(let v): v == 0
    case .uint32(let v): v == 0
    case .uint64(let v): v == 0
    case .enumNumber(let v): v == 0
    case .bool(let v): !v
    case .float(let v): v.bitPattern == 0
    case .double(let v): v.bitPattern == 0
    case .string(let v): v.isEmpty
    case .bytes(let v): v.isEmpty
    case .list(let v): v.isEmpty
    case .map(let v): v.count == 0
    case .message: false
    }
  }
}
