import Testing

@testable import GatewayTranscoding

/// `SchemaPool.anyJSON`: an Any given by its two fields (a `google.rpc.Status` detail) written
/// the way an Any field is, `"@type"` first.
@Suite struct AnyJSONTests {
  func text(_ url: String, _ value: [UInt8], options: JSONEncodingOptions = .init()) throws -> String {
    String(decoding: try TestSchema.pool.anyJSON(typeURL: url, value: value, options: options), as: UTF8.self)
  }

  @Test func aMessageIsItsFieldsAfterTheType() throws {
    // test.Inner{id: 5, created_at: {seconds: 1}}
    let value: [UInt8] = [0x08, 0x05, 0x12, 0x02, 0x08, 0x01]
    #expect(
      try text("type.googleapis.com/test.Inner", value)
        == #"{"@type":"type.googleapis.com/test.Inner","id":5,"createdAt":"1970-01-01T00:00:01Z"}"#)
    #expect(
      try text("test.Inner", [], options: .init(useProtoNames: true))
        == #"{"@type":"test.Inner","id":0}"#)
  }

  @Test func aWellKnownTypeWithItsOwnFormIsUnderValue() throws {
    #expect(
      try text("type.googleapis.com/google.protobuf.Timestamp", [0x08, 0x01])
        == #"{"@type":"type.googleapis.com/google.protobuf.Timestamp","value":"1970-01-01T00:00:01Z"}"#)
    #expect(
      try text("type.googleapis.com/google.protobuf.StringValue", [0x0A, 0x01, 0x78])
        == #"{"@type":"type.googleapis.com/google.protobuf.StringValue","value":"x"}"#)
    #expect(
      try text("type.googleapis.com/google.protobuf.Empty", [])
        == #"{"@type":"type.googleapis.com/google.protobuf.Empty"}"#)
  }

  @Test(arguments: [
    ("type.googleapis.com/google.rpc.RetryInfo", [UInt8]()),  // a type the pool lacks
    ("type.googleapis.com/", []),
    ("", []),
    ("type.googleapis.com/test.Inner", [0xFF, 0xFF]),  // not a test.Inner
  ])
  func unknownTypesAndBadValuesThrow(url: String, value: [UInt8]) {
    #expect(throws: TranscodingError.self) { try text(url, value) }
  }
}
