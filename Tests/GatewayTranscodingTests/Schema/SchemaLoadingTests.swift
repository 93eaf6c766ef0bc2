import GatewayTranscoding
import Testing

@Suite struct SchemaLoadingTests {
  @Test func conformanceSetLoads() throws {
    let pool = try Fixtures.pool()
    let type = try #require(pool.message(named: Fixtures.allTypes))
    let message = pool.messages[type]
    #expect(message.fileName == "google/protobuf/test_messages_proto3.proto")
    #expect(pool.syntaxByFile["conformance.proto"] == "proto3")
    #expect(
      pool.message(named: "protobuf_test_messages.proto3.TestAllTypesProto3.NestedMessage") != nil)
    #expect(
      pool.enumIndexByName["protobuf_test_messages.proto3.TestAllTypesProto3.AliasedEnum"] != nil)
    #expect(
      pool.message(named: "google.protobuf.Timestamp").map { pool.messages[$0].wellKnownType }
        == .timestamp)

    func field(_ name: String) throws -> FieldDescriptor {
      message.fields[try #require(message.fieldIndexByJSONKey[name])]
    }
    #expect(try field("optional_int32").hasPresence == false)
    #expect(try field("optional_nested_message").hasPresence)
    #expect(
      try field("optional_nested_message").messageType
        == pool.message(named: "protobuf_test_messages.proto3.TestAllTypesProto3.NestedMessage"))
    #expect(
      try field("optional_nested_enum").enumType
        == pool.enumIndexByName["protobuf_test_messages.proto3.TestAllTypesProto3.NestedEnum"])
    #expect(try field("repeated_int32").isPacked)
    #expect(try field("packed_int32").isPacked)
    #expect(try field("unpacked_int32").isPacked == false)
    #expect(try field("repeated_string").isPacked == false)
    #expect(try field("map_int32_int32").isMap)
    #expect(try field("repeated_nested_message").isMap == false)
    #expect(try field("oneof_uint32").oneofIndex == 0)
    #expect(try field("oneof_uint32").hasPresence)
    #expect(message.oneofNames == ["oneof_field"])
    #expect(
      try field("optional_foreign_message").messageType
        == pool.message(named: "protobuf_test_messages.proto3.ForeignMessage"))
    #expect(try field("recursive_message").messageType == type)
  }

  /// The fields 401…418 exist to test protoc's JSON names; the set carries protoc's own
  /// json_name, and our fallback rule must give the same for every field in the pool.
  @Test func jsonNamesMatchProtoc() throws {
    let pool = try Fixtures.pool()
    let message = pool.messages[try #require(pool.message(named: Fixtures.allTypes))]
    let expected = [
      "fieldname1", "fieldName2", "FieldName3", "fieldName4", "field0name5", "field0Name6",
      "fieldName7", "FieldName8", "fieldName9", "FieldName10", "FIELDNAME11", "FIELDName12",
      "FieldName13", "FieldName14", "fieldName15", "fieldName16", "fieldName17", "FieldName18",
    ]
    let names = (401...418).compactMap { message.fieldIndexByNumber[Int32($0)] }.map {
      message.fields[$0].jsonName
    }
    #expect(names == expected)
    for message in pool.messages {
      for field in message.fields {
        #expect(
          ProtoNaming.jsonName(field.name) == field.jsonName, "\(message.fullName).\(field.name)")
      }
    }
    #expect(ProtoNaming.jsonName("Field_name18__") == "FieldName18")
    #expect(ProtoNaming.jsonName("created_at") == "createdAt")
  }

  @Test func proto2SetLoads() throws {
    let bytes = try #require(Fixtures.conformanceSet("conformance-proto2.pb"))
    let pool = try SchemaPool(fileDescriptorSets: [bytes])
    let type = try #require(pool.message(named: "protobuf_test_messages.proto2.TestAllTypesProto2"))
    #expect(pool.syntaxByFile[pool.messages[type].fileName] == "proto2")
    let message = pool.messages[type]
    let optional = message.fields[try #require(message.fieldIndexByJSONKey["optional_int32"])]
    #expect(optional.hasPresence)
    let repeated = message.fields[try #require(message.fieldIndexByJSONKey["repeated_int32"])]
    #expect(repeated.isPacked == false)
  }

  @Test(.enabled(if: Fixtures.polykeySet != nil, "run Tests/ReferenceAgent/setup.sh"))
  func polykeySetLoads() throws {
    let pool = try SchemaPool(fileDescriptorSets: [try #require(Fixtures.polykeySet)])
    let status = pool.messages[try #require(pool.message(named: "polykey.v1.Status"))]
    #expect(
      status.fields.map(\.jsonName) == [
        "nodeId", "version", "pid", "uptimeMs", "listenAddresses", "sessionKeyGeneration",
      ])
    let list = try #require(pool.methodByPath["/polykey.v1.ClientService/VaultsList"])
    #expect(list.kind == .serverStreaming)
    #expect(pool.messages[list.inputType].fullName == "google.protobuf.Empty")
    #expect(pool.messages[list.outputType].fullName == "polykey.v1.Vault")
    let echo = try #require(pool.methodByPath["/polykey.v1.TestService/EchoStream"])
    #expect(echo.kind == .bidirectional)
    let reply = pool.messages[try #require(pool.message(named: "polykey.v1.EchoReply"))]
    let metadata = reply.fields[try #require(reply.fieldIndexByJSONKey["metadata"])]
    #expect(metadata.isMap)
    #expect(
      pool.services.map(\.fullName).sorted() == [
        "polykey.v1.ClientService", "polykey.v1.TestService",
      ])
  }

  /// Reflection answers with single files, in any order, sometimes the same file twice.
  @Test func individualFilesInAnyOrderAndRepeated() throws {
    let a = Descriptor.file(
      "a.proto", package: "pkg", dependencies: ["b.proto"],
      messages: [
        Descriptor.message(
          "A", fields: [.init(name: "b", number: 1, type: .message, typeName: ".pkg.B")])
      ])
    let b = Descriptor.file("b.proto", package: "pkg", messages: [Descriptor.message("B")])
    let pool = try SchemaPool(fileDescriptorProtos: [a, b, a])
    #expect(pool.messages.map(\.fullName).sorted() == ["pkg.A", "pkg.B"])
  }

  @Test func relativeTypeNamesResolveInnermostFirst() throws {
    let file = Descriptor.file(
      "r.proto", package: "pkg.sub",
      messages: [
        Descriptor.message(
          "Outer",
          fields: [
            .init(name: "inner", number: 1, type: .message, typeName: "Inner"),
            .init(name: "color", number: 2, type: .enum, typeName: "Color"),
            .init(name: "other", number: 3, type: .message, typeName: "Other"),
            .init(name: "qualified", number: 4, type: .message, typeName: "sub.Other"),
          ], nested: [Descriptor.message("Inner")]),
        Descriptor.message(
          "Other",
          fields: [
            .init(name: "inner", number: 1, type: .message, typeName: "Outer.Inner")
          ]),
      ], enums: [Descriptor.enumType("Color", values: [("RED", 0)])])
    let pool = try SchemaPool(fileDescriptorProtos: [file])
    let outer = pool.messages[try #require(pool.message(named: "pkg.sub.Outer"))]
    let name = { (index: Int?) in index.map { pool.messages[$0].fullName } }
    #expect(name(outer.fields[0].messageType) == "pkg.sub.Outer.Inner")
    #expect(outer.fields[1].enumType.map { pool.enums[$0].fullName } == "pkg.sub.Color")
    #expect(name(outer.fields[2].messageType) == "pkg.sub.Other")
    #expect(name(outer.fields[3].messageType) == "pkg.sub.Other")
    let other = pool.messages[try #require(pool.message(named: "pkg.sub.Other"))]
    #expect(name(other.fields[0].messageType) == "pkg.sub.Outer.Inner")
  }

  @Test func proto3OptionalIsNotARealOneof() throws {
    let file = Descriptor.file(
      "o.proto",
      messages: [
        Descriptor.message(
          "M",
          fields: [
            .init(name: "a", number: 1, type: .int32, oneofIndex: 1, proto3Optional: true),
            .init(name: "b", number: 2, type: .string, oneofIndex: 0),
            .init(name: "c", number: 3, type: .int32, oneofIndex: 0),
            .init(name: "d", number: 4, type: .int32),
          ], oneofs: ["choice", "_a"])
      ])
    let pool = try SchemaPool(fileDescriptorProtos: [file])
    let m = pool.messages[0]
    #expect(m.oneofNames == ["choice"])
    #expect(m.fields[0].oneofIndex == nil && m.fields[0].hasPresence)
    #expect(m.fields[1].oneofIndex == 0 && m.fields[1].hasPresence)
    #expect(m.fields[3].hasPresence == false)
  }
}

/// Sets that define no service load, and are named so the gateway can warn about them.
@Suite struct SetsWithoutServicesTests {
  @Test(.enabled(if: Fixtures.polykeySet != nil, "run Tests/ReferenceAgent/setup.sh"))
  func anEmptySetAndAMessagesOnlySetAreNamed() throws {
    let polykey = try #require(Fixtures.polykeySet)
    // A FileDescriptorSet with one file holding a message and no service.
    let messagesOnly = Wire.delimited(
      1, Descriptor.file("m.proto", package: "m", messages: [Descriptor.message("M")]))
    let sets = [polykey, [], messagesOnly]
    let names = ["polykey.binpb", "empty.binpb", "messages.binpb"]
    let pool = try SchemaPool(fileDescriptorSets: sets, names: names)
    #expect(pool.setsWithoutServices(sets, names: names) == ["empty.binpb", "messages.binpb"])

    let empty = try SchemaPool(fileDescriptorSets: [[]], names: ["empty.binpb"])
    #expect(empty.services.isEmpty)
    #expect(empty.setsWithoutServices([[]], names: ["empty.binpb"]) == ["empty.binpb"])
  }
}
