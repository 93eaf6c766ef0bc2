import Testing

@testable import GatewayTranscoding

/// Decodes `json` as `type` (default `test.Item`).
func decode(
  _ json: String, type: Int = TestSchema.item, pool: SchemaPool = TestSchema.pool,
  options: JSONDecodingOptions = .init()
) throws(TranscodingError) -> DynamicMessage {
  let bytes = Array(json.utf8)
  TranscoderCheck.jsonToBinary(bytes, type: type, pool: pool, options: options)
  return try withRawBytes(bytes) { (raw) throws(TranscodingError) in
    try DynamicMessage(json: raw, type: type, pool: pool, options: options)
  }
}

/// The message's JSON as a string; conformance-style (defaults omitted) unless told.
func encode(
  _ message: DynamicMessage, pool: SchemaPool = TestSchema.pool,
  options: JSONEncodingOptions = .init(emitDefaultValues: false)
) throws(TranscodingError) -> String {
  TranscoderCheck.binaryToJSON(message.binary(pool: pool), type: message.type, pool: pool, options: options)
  return String(decoding: try message.json(pool: pool, options: options), as: UTF8.self)
}

/// JSON in, JSON out (defaults omitted), compared with `expected`; then the output is read
/// again and must write the same text.
func assertRoundTrip(
  _ json: String, _ expected: String, type: Int = TestSchema.item,
  pool: SchemaPool = TestSchema.pool, sourceLocation: SourceLocation = #_sourceLocation
) {
  do {
    let message = try decode(json, type: type, pool: pool)
    let output = try encode(message, pool: pool)
    #expect(output == expected, sourceLocation: sourceLocation)
    let again = try encode(try decode(output, type: type, pool: pool), pool: pool)
    #expect(again == output, "second round", sourceLocation: sourceLocation)
  } catch {
    Issue.record("\(json): \(error)", sourceLocation: sourceLocation)
  }
}

/// Decoding `json` must fail with `kind`, at `path` when given, and with a message containing
/// `containing` when given.
func assertDecodeFails(
  _ json: String, _ kind: TranscodingError.Kind = .invalidValue, path: String? = nil,
  containing: String? = nil, type: Int = TestSchema.item, pool: SchemaPool = TestSchema.pool,
  options: JSONDecodingOptions = .init(), sourceLocation: SourceLocation = #_sourceLocation
) {
  do {
    let message = try decode(json, type: type, pool: pool, options: options)
    Issue.record(
      "\(json) decoded to \((try? encode(message, pool: pool)) ?? "?")", sourceLocation: sourceLocation)
  } catch {
    #expect(error.kind == kind, "\(json): \(error)", sourceLocation: sourceLocation)
    if let path { #expect(error.path == path, "\(json): \(error)", sourceLocation: sourceLocation) }
    if let containing {
      #expect(error.message.contains(containing), "\(json): \(error)", sourceLocation: sourceLocation)
    }
  }
}

/// The value of `test.Item`'s field with JSON name `name`.
func field(_ message: DynamicMessage, _ name: String, pool: SchemaPool = TestSchema.pool) -> ProtoValue? {
  let descriptor = pool.messages[message.type]
  return message.values[descriptor.fieldIndexByJSONKey[name]!]
}
