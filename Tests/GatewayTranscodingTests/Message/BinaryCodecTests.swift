import GatewayTranscoding
import Testing

@Suite struct BinaryCodecTests {
  /// A TestAllTypesProto3 with something in every kind of field, built by hand.
  static func sample(_ pool: SchemaPool) throws -> DynamicMessage {
    var message = try DynamicMessage(Fixtures.allTypes, pool: pool)
    let scalars: [(String, ProtoValue)] = [
      ("optional_int32", .int32(-5)), ("optional_int64", .int64(Int64.min)),
      ("optional_uint32", .uint32(UInt32.max)), ("optional_uint64", .uint64(UInt64.max)),
      ("optional_sint32", .int32(-300)), ("optional_sint64", .int64(Int64.max)),
      ("optional_fixed32", .uint32(7)), ("optional_fixed64", .uint64(8)),
      ("optional_sfixed32", .int32(-9)), ("optional_sfixed64", .int64(-10)),
      ("optional_float", .float(1.5)), ("optional_double", .double(-0.0)),
      ("optional_bool", .bool(true)), ("optional_string", .string("héllo ✓")),
      ("optional_bytes", .bytes([0, 1, 0xFF])), ("optional_nested_enum", .enumNumber(-1)),
      ("repeated_int32", .list([.int32(1), .int32(-2), .int32(300)])),
      ("repeated_double", .list([.double(1), .double(.infinity)])),
      ("unpacked_sint64", .list([.int64(4), .int64(-5)])),
      ("repeated_string", .list([.string("a"), .string("")])),
      ("repeated_nested_enum", .list([.enumNumber(1), .enumNumber(99)])),
      ("oneof_uint32", .uint32(0)),
    ]
    for (name, value) in scalars { try message.set(name, value, pool: pool) }
    var nested = try DynamicMessage(
      "protobuf_test_messages.proto3.TestAllTypesProto3.NestedMessage", pool: pool)
    try nested.set("a", .int32(7), pool: pool)
    var inner = try DynamicMessage(Fixtures.allTypes, pool: pool)
    try inner.set("optional_int32", .int32(1), pool: pool)
    try nested.set("corecursive", .message(inner), pool: pool)
    try message.set("optional_nested_message", .message(nested), pool: pool)
    try message.set(
      "repeated_nested_message", .list([.message(nested), .message(nested)]), pool: pool)
    var map = ProtoMap()
    map.set(.string("k"), .string("v"))
    map.set(.string(""), .string(""))
    try message.set("map_string_string", .map(map), pool: pool)
    var intMap = ProtoMap()
    intMap.set(.int64(-1), .int64(2))
    try message.set("map_sint64_sint64", .map(intMap), pool: pool)
    return message
  }

  @Test func roundTripIsStable() throws {
    let pool = try Fixtures.pool()
    let bytes = try Self.sample(pool).binary(pool: pool)
    let decoded = try decode(bytes, try #require(pool.message(named: Fixtures.allTypes)), pool)
    #expect(decoded.binary(pool: pool) == bytes)
    #expect(try decoded.get("optional_string", pool: pool).map { "\($0)" } == "string(\"héllo ✓\")")
    guard case .uint32(0)? = try decoded.get("oneof_uint32", pool: pool) else {
      Issue.record("a oneof member holding its default must survive")
      return
    }
  }

  @Test(arguments: [
    // optional_int32 = 150; -1 takes ten bytes.
    ("optional_int32", ProtoValue.int32(150), [0x08, 0x96, 0x01] as [UInt8]),
    ("optional_int32", .int32(-1), [0x08] + Array(repeating: 0xFF, count: 9) + [0x01]),
    ("optional_sint32", .int32(-1), [0x28, 0x01]),
    ("optional_float", .float(-0.0), [0x5D, 0, 0, 0, 0x80]),
    ("optional_double", .double(0.0), []),
    ("optional_int32", .int32(0), []),
    ("optional_string", .string(""), []),
    ("optional_nested_enum", .enumNumber(0), []),
    ("repeated_int32", .list([]), []),
    ("repeated_int32", .list([.int32(1), .int32(2)]), [0xFA, 0x01, 0x02, 0x01, 0x02]),
    ("unpacked_int32", .list([.int32(1), .int32(2)]), [0xC8, 0x05, 0x01, 0xC8, 0x05, 0x02]),
    ("repeated_fixed32", .list([.uint32(1)]), [0xAA, 0x02, 0x04, 1, 0, 0, 0]),
    ("oneof_string", .string(""), [0x8A, 0x07, 0x00]),
  ])
  func canonicalEncoding(field: String, value: ProtoValue, expected: [UInt8]) throws {
    let pool = try Fixtures.pool()
    var message = try DynamicMessage(Fixtures.allTypes, pool: pool)
    try message.set(field, value, pool: pool)
    #expect(message.binary(pool: pool) == expected)
  }

  @Test func fieldsAreWrittenInNumberOrder() throws {
    let pool = try Fixtures.pool()
    var message = try DynamicMessage(Fixtures.allTypes, pool: pool)
    try message.set("fieldname1", .int32(1), pool: pool)  // 401
    try message.set("oneof_uint32", .uint32(1), pool: pool)  // 111
    try message.set("optional_int32", .int32(1), pool: pool)  // 1
    let bytes = message.binary(pool: pool)
    #expect(bytes == [0x08, 0x01, 0xF8, 0x06, 0x01, 0x88, 0x19, 0x01])
  }

  @Test func packedAndUnpackedAreBothAccepted() throws {
    let pool = try Fixtures.pool()
    // repeated_int32 (31, packed): unpacked 1, packed [2, 3], unpacked 4 -> packed [1, 2, 3, 4]
    let input = Wire.varintField(31, 1) + Wire.delimited(31, [2, 3]) + Wire.varintField(31, 4)
    #expect(try reencode(input, pool: pool) == Wire.delimited(31, [1, 2, 3, 4]))
    // unpacked_int32 (89, packed = false): packed input comes out unpacked.
    let unpacked = Wire.delimited(89, [5, 6])
    #expect(try reencode(unpacked, pool: pool) == Wire.varintField(89, 5) + Wire.varintField(89, 6))
    // An empty packed run adds nothing.
    #expect(try reencode(Wire.delimited(31, []), pool: pool) == [])
  }

  @Test func lastScalarWinsAndMessagesMerge() throws {
    let pool = try Fixtures.pool()
    // optional_int32 twice; optional_nested_message (18) twice with different fields.
    let nestedA = Wire.varintField(1, 5)
    let nestedB = Wire.delimited(2, Wire.varintField(1, 9))  // corecursive.optional_int32 = 9
    let input =
      Wire.varintField(1, 1) + Wire.varintField(1, 2)
      + Wire.delimited(18, nestedA) + Wire.delimited(18, nestedB)
    #expect(
      try reencode(input, pool: pool) == Wire.varintField(1, 2)
        + Wire.delimited(18, nestedA + nestedB))
  }

  @Test func mapLastEntryWinsAndMissingPartsAreDefaults() throws {
    let pool = try Fixtures.pool()
    // map_int32_int32 (56): {1: 2}, {1: 3}, {value 4 only}, {key 5 only}
    let entries = [
      Wire.varintField(1, 1) + Wire.varintField(2, 2),
      Wire.varintField(1, 1) + Wire.varintField(2, 3),
      Wire.varintField(2, 4), Wire.varintField(1, 5),
    ]
    let message = try decode(
      entries.flatMap { Wire.delimited(56, $0) },
      try #require(pool.message(named: Fixtures.allTypes)), pool)
    guard case .map(let map)? = try message.get("map_int32_int32", pool: pool) else {
      Issue.record("no map")
      return
    }
    #expect(map.keys == [.int64(1), .int64(0), .int64(5)])
    #expect(map.values.map { "\($0)" } == ["int32(3)", "int32(4)", "int32(0)"])
    // Output writes key and value of each entry, in first-seen key order.
    let expected = [
      Wire.varintField(1, 1) + Wire.varintField(2, 3),
      Wire.varintField(1, 0) + Wire.varintField(2, 4),
      Wire.varintField(1, 5) + Wire.varintField(2, 0),
    ].flatMap { Wire.delimited(56, $0) }
    #expect(message.binary(pool: pool) == expected)
  }

  /// As protobuf's C++ runtime: unknown fields inside a map entry are dropped and the entry is
  /// kept (upb instead moves the whole entry to the unknown fields).
  @Test func unknownFieldsInAMapEntryAreDropped() throws {
    let pool = try Fixtures.pool()
    // map_string_string (69): key "a", value "b", unknown field 3, a key with the wrong wire type.
    let entry =
      Wire.string(1, "a") + Wire.string(2, "b") + Wire.varintField(3, 1) + Wire.varintField(1, 5)
    let expected = Wire.delimited(69, Wire.string(1, "a") + Wire.string(2, "b"))
    #expect(try reencode(Wire.delimited(69, entry), pool: pool) == expected)
  }

  @Test func settingAOneofMemberClearsTheOthers() throws {
    let pool = try Fixtures.pool()
    // oneof_uint32 (111) then oneof_string (113), then oneof_nested_message (112) twice: merged.
    let input =
      Wire.varintField(111, 7) + Wire.string(113, "x")
      + Wire.delimited(112, Wire.varintField(1, 1)) + Wire.delimited(112, Wire.delimited(2, []))
    let type = try #require(pool.message(named: Fixtures.allTypes))
    let message = try decode(input, type, pool)
    #expect(message.setFieldNames(pool: pool) == ["oneof_nested_message"])
    #expect(
      message.binary(pool: pool)
        == Wire.delimited(112, Wire.varintField(1, 1) + Wire.delimited(2, [])))
    let back = try decode(Wire.string(113, "y") + Wire.varintField(111, 0), type, pool)
    #expect(back.setFieldNames(pool: pool) == ["oneof_uint32"])
  }

  @Test func unknownFieldsAreKeptByteForByte() throws {
    let pool = try Fixtures.pool()
    let unknown =
      Wire.tag(501, .varint) + [0x80, 0x00]  // a padded varint stays padded
      + Wire.tag(502, .fixed32) + [1, 2, 3, 4] + Wire.tag(503, .fixed64) + [1, 2, 3, 4, 5, 6, 7, 8]
      + Wire.string(504, "zz") + Wire.tag(505, .startGroup) + Wire.varintField(1, 1)
      + Wire.tag(505, .endGroup)
      + Wire.string(1, "wrong wire type for optional_int32")
    let input = Wire.varintField(1, 3) + unknown
    #expect(try reencode(input, pool: pool) == Wire.varintField(1, 3) + unknown)
    // The conformance suite's UnknownVarint case.
    #expect(try reencode([0xA8, 0x1F, 0x01], pool: pool) == [0xA8, 0x1F, 0x01])
  }

  @Test func unknownEnumNumbersAreKept() throws {
    let pool = try Fixtures.pool()
    let input = Wire.varintField(21, 12345)
    #expect(try reencode(input, pool: pool) == input)
  }

  @Test func errorsNameTheFieldPath() throws {
    let pool = try Fixtures.pool()
    let type = try #require(pool.message(named: Fixtures.allTypes))
    // repeated_nested_message (48): element 1's corecursive.optional_string is not UTF-8.
    let bad = Wire.delimited(2, Wire.delimited(14, [0xC3, 0x28]))
    let input = Wire.delimited(48, []) + Wire.delimited(48, bad)
    #expect(
      throws: TranscodingError(
        .malformedBinary, path: "repeatedNestedMessage[1].corecursive.optionalString",
        "string is not valid UTF-8")
    ) {
      try decode(input, type, pool)
    }
    #expect(throws: TranscodingError(.malformedBinary, path: "optionalInt32", "truncated input")) {
      try decode([0x08, 0x80], type, pool)
    }
  }

  @Test func nestingIsLimited() throws {
    let pool = try Fixtures.pool()
    let type = try #require(pool.message(named: Fixtures.allTypes))
    func nested(_ depth: Int) -> [UInt8] {
      var bytes = Wire.varintField(1, 1)
      for _ in 0..<depth { bytes = Wire.delimited(27, bytes) }  // recursive_message
      return bytes
    }
    _ = try decode(nested(DynamicMessage.maxBinaryDepth), type, pool)
    #expect(throws: TranscodingError.self) {
      try decode(nested(DynamicMessage.maxBinaryDepth + 1), type, pool)
    }
  }

  @Test func appendBinaryAppends() throws {
    let pool = try Fixtures.pool()
    var message = try DynamicMessage(Fixtures.allTypes, pool: pool)
    try message.set("optional_int32", .int32(1), pool: pool)
    var buffer: [UInt8] = [0, 0, 0, 0, 2]
    message.appendBinary(to: &buffer, pool: pool)
    #expect(buffer == [0, 0, 0, 0, 2, 0x08, 0x01])
  }
}
