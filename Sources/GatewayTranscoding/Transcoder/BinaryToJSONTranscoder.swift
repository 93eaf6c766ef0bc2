/// Protobuf binary to proto3 JSON without a `DynamicMessage`: walks the wire bytes and writes
/// each field's JSON member as it is read, in wire order.
///
/// Streaming is exact only for canonical input: each singular field and each oneof at most
/// once, each repeated field's occurrences contiguous, map entries holding a key then a value
/// and no key twice. A message that breaks any of these has its output dropped and is decoded
/// into a `DynamicMessage` instead (last one wins, merging), as are well-known types other
/// than Timestamp and Duration. Unknown fields are skipped. Errors are not described here:
/// `ProtoTranscoder` reruns the `DynamicMessage` path for the exact one.
struct BinaryToJSONTranscoder {
  let pool: SchemaPool
  let tables: TranscodingTables
  let options: JSONEncodingOptions
  let emitDefaultValues: Bool
  let useProtoNames: Bool
  /// Owned by the caller, which deallocates it.
  var out: OutputBuffer
  /// Keys of the open maps (a stack: a map value may hold maps), for duplicate checks.
  var mapStrings: [UnsafeRawBufferPointer] = []
  var mapNumbers: [UInt64] = []

  init(pool: SchemaPool, options: JSONEncodingOptions, out: OutputBuffer) {
    self.pool = pool
    tables = pool.tables
    self.options = options
    emitDefaultValues = options.emitDefaultValues
    useProtoNames = options.useProtoNames
    self.out = out
  }

  /// A message of `type` (checked to be in the pool) at nesting `depth` (0 at the top, as
  /// `BinaryDecoder` counts).
  mutating func writeMessage(
    _ type: Int, _ bytes: UnsafeRawBufferPointer, depth: Int
  ) throws(TranscodingError) {
    let special = tables.messages[type].special
    switch special {
    case .plain:
      if try !writeObject(type, bytes, depth: depth) { try fallback(type, bytes, depth: depth) }
    case .timestamp, .duration: try writeTime(special, bytes)
    case .delegated: try fallback(type, bytes, depth: depth)
    }
  }

  /// The `DynamicMessage` path for one message.
  private mutating func fallback(
    _ type: Int, _ bytes: UnsafeRawBufferPointer, depth: Int
  ) throws(TranscodingError) {
    var message = DynamicMessage(type: type, fieldCount: pool.messages[type].fields.count)
    var reader = WireReader(bytes)
    try BinaryDecoder(pool: pool).merge(&message, from: &reader, depth: depth, endGroup: nil)
    var json: [UInt8] = []
    try JSONMessageEncoder(pool: pool, options: options).writeMessageValue(message, to: &json)
    json.withUnsafeBytes { out.appendBytes($0) }
  }

  /// Timestamp or Duration: seconds (1) and nanos (2), the last of each winning.
  private mutating func writeTime(
    _ special: TranscodingTables.Special, _ bytes: UnsafeRawBufferPointer
  ) throws(TranscodingError) {
    var seconds: Int64 = 0
    var nanos: Int32 = 0
    var reader = WireReader(bytes)
    while !reader.isAtEnd {
      let (number, wireType) = try reader.decodeTag()
      if number == 1 && wireType == .varint {
        seconds = Int64(bitPattern: try reader.decodeVarint())
      } else if number == 2 && wireType == .varint {
        nanos = Int32(truncatingIfNeeded: try reader.decodeVarint())
      } else {
        guard wireType != .endGroup else { throw .malformed("end-group tag without a group") }
        try reader.decodeSkip(number, wireType)
      }
    }
    let written =
      special == .timestamp
      ? TimestampJSON.append(seconds: seconds, nanos: nanos, to: &out)
      : DurationJSON.append(seconds: seconds, nanos: nanos, to: &out)
    guard written else { throw .unencodable("timestamp or duration out of range") }
  }

  @inline(__always)
  private mutating func writeKey(_ field: TranscodingTables.Field, _ first: inout Bool) {
    if !first { out.append(UInt8(ascii: ",")) }
    first = false
    out.appendBytes(tables.bytes(useProtoNames ? field.protoKey : field.jsonKey))
  }

  /// The message as an object; false (nothing written) when the input is not canonical.
  private mutating func writeObject(
    _ type: Int, _ bytes: UnsafeRawBufferPointer, depth: Int
  ) throws(TranscodingError) -> Bool {
    let message = tables.messages[type]
    let fieldStart = Int(message.fieldStart)
    let start = out.count
    let stringBase = mapStrings.count
    let numberBase = mapNumbers.count
    defer {
      mapStrings.removeLast(mapStrings.count - stringBase)
      mapNumbers.removeLast(mapNumbers.count - numberBase)
    }
    out.append(UInt8(ascii: "{"))
    var first = true
    var seen = FieldSet(count: Int(message.fieldCount))
    var oneofs = FieldSet(count: Int(message.oneofCount))
    // The repeated field or map being written, -1 when none.
    var open = -1
    var openStart = 0
    var openFirst = true
    var openCount = 0
    var closer = UInt8(ascii: "]")
    var keys = MapKeys()
    var reader = WireReader(bytes)
    while !reader.isAtEnd {
      let (number, wireType) = try reader.decodeTag()
      guard wireType != .endGroup else { throw .malformed("end-group tag without a group") }
      guard let local = tables.field(message, number: number) else {
        try reader.decodeSkip(number, wireType)
        continue
      }
      let field = tables.fields[fieldStart + local]
      if field.isRepeated {
        let packedRun = wireType == .lengthDelimited && field.wireType != .lengthDelimited
        guard wireType == field.wireType || packedRun else {
          try reader.decodeSkip(number, wireType)
          continue
        }
        if open != local {
          if open >= 0 { close(&open, closer, openStart, openFirst, openCount, &first) }
          if seen.insert(local) { return abandon(start) }
          openStart = out.count
          openFirst = first
          writeKey(field, &first)
          out.append(field.isMap ? UInt8(ascii: "{") : UInt8(ascii: "["))
          closer = field.isMap ? UInt8(ascii: "}") : UInt8(ascii: "]")
          open = local
          openCount = 0
          mapStrings.removeLast(mapStrings.count - stringBase)
          mapNumbers.removeLast(mapNumbers.count - numberBase)
          keys = MapKeys()
        }
        if field.isMap {
          if openCount > 0 { out.append(UInt8(ascii: ",")) }
          let entry = try reader.decodeLengthDelimited()
          guard try writeMapEntry(field, entry, depth: depth, &keys, stringBase, numberBase)
          else { return abandon(start) }
          openCount += 1
        } else if packedRun {
          var elements = WireReader(try reader.decodeLengthDelimited())
          while !elements.isAtEnd {
            if openCount > 0 { out.append(UInt8(ascii: ",")) }
            writeScalar(field, try readBits(field.wireType, &elements))
            openCount += 1
          }
        } else {
          if openCount > 0 { out.append(UInt8(ascii: ",")) }
          try writeElement(field, &reader, depth: depth)
          openCount += 1
        }
        continue
      }
      guard wireType == field.wireType else {
        try reader.decodeSkip(number, wireType)
        continue
      }
      if open >= 0 { close(&open, closer, openStart, openFirst, openCount, &first) }
      if seen.insert(local) { return abandon(start) }
      if field.oneof >= 0 && oneofs.insert(Int(field.oneof)) { return abandon(start) }
      let skipDefault = !field.hasPresence && !emitDefaultValues
      switch field.kind {
      case .message:
        writeKey(field, &first)
        try writeElement(field, &reader, depth: depth)
      case .string, .bytes:
        let value = try reader.decodeLengthDelimited()
        if skipDefault && value.isEmpty { continue }
        writeKey(field, &first)
        try writeLengthDelimited(field.kind, value)
      default:
        let bits = try readBits(field.wireType, &reader)
        if skipDefault && Self.isZero(bits, field.kind) { continue }
        writeKey(field, &first)
        writeScalar(field, bits)
      }
    }
    if open >= 0 { close(&open, closer, openStart, openFirst, openCount, &first) }
    if emitDefaultValues {
      for local in 0..<Int(message.fieldCount) where !seen.contains(local) {
        let field = tables.fields[fieldStart + local]
        if field.hasPresence { continue }
        if !first { out.append(UInt8(ascii: ",")) }
        first = false
        out.appendBytes(tables.bytes(useProtoNames ? field.protoKeyDefault : field.jsonKeyDefault))
      }
    }
    out.append(UInt8(ascii: "}"))
    return true
  }

  private mutating func abandon(_ start: Int) -> Bool {
    out.truncate(to: start)
    return false
  }

  /// Ends the open list or map with `closer`; an empty list (an empty packed run) is left
  /// out unless defaults are written.
  @inline(__always)
  private mutating func close(
    _ open: inout Int, _ closer: UInt8, _ openStart: Int, _ openFirst: Bool, _ openCount: Int,
    _ first: inout Bool
  ) {
    if openCount == 0 && !emitDefaultValues {
      out.truncate(to: openStart)
      first = openFirst
    } else {
      out.append(closer)
    }
    open = -1
  }
}
