import GatewayTranscoding

/// Answers `conformance.ConformanceRequest`s with `conformance.ConformanceResponse`s, both
/// decoded and encoded as `DynamicMessage`s of the loaded pool (no generated code), so the run
/// also exercises the descriptor loader. Payloads between JSON and binary go through the
/// gateway's streaming `ProtoTranscoder`; binary to binary through a `DynamicMessage` (it
/// must canonicalize).
struct ConformanceTestee {
  let pool: SchemaPool
  private let request: Int
  private let response: Int
  private let requestFields: RequestFields
  private let responseFieldCount: Int
  private let responseFields: [String: Int]

  /// Field indices of `ConformanceRequest`.
  private struct RequestFields {
    var protobufPayload: Int
    var jsonPayload: Int
    var jspbPayload: Int?
    var textPayload: Int?
    var requestedOutputFormat: Int
    var messageType: Int
    var testCategory: Int
  }

  struct SetupError: Error, CustomStringConvertible {
    var description: String
  }

  init(pool: SchemaPool) throws(SetupError) {
    self.pool = pool
    guard let request = pool.message(named: "conformance.ConformanceRequest"),
      let response = pool.message(named: "conformance.ConformanceResponse")
    else {
      throw SetupError(
        description: "the descriptor sets do not define conformance.ConformanceRequest")
    }
    self.request = request
    self.response = response
    let requestIndex = pool.messages[request].fieldIndexByJSONKey
    func index(_ name: String) throws(SetupError) -> Int {
      guard let index = requestIndex[name] else {
        throw SetupError(description: "conformance.ConformanceRequest has no field \(name)")
      }
      return index
    }
    requestFields = RequestFields(
      protobufPayload: try index("protobuf_payload"), jsonPayload: try index("json_payload"),
      jspbPayload: requestIndex["jspb_payload"], textPayload: requestIndex["text_payload"],
      requestedOutputFormat: try index("requested_output_format"),
      messageType: try index("message_type"), testCategory: try index("test_category"))
    responseFieldCount = pool.messages[response].fields.count
    var byName: [String: Int] = [:]
    for (index, field) in pool.messages[response].fields.enumerated() { byName[field.name] = index }
    responseFields = byName
  }

  private enum Outcome {
    case parseError(String)
    case serializeError(String)
    case runtimeError(String)
    case skipped(String)
    case protobuf([UInt8])
    case json(String)
  }

  /// One request's bytes to one response's bytes.
  func answer(_ requestBytes: [UInt8]) -> [UInt8] {
    let outcome: Outcome
    do {
      let message = try withBytes(requestBytes) { (raw) throws(TranscodingError) in
        try DynamicMessage(binary: raw, type: request, pool: pool)
      }
      outcome = handle(message)
    } catch {
      outcome = .runtimeError("cannot decode the ConformanceRequest: \(error)")
    }
    var reply = DynamicMessage(type: response, fieldCount: responseFieldCount)
    let (name, value): (String, ProtoValue)
    switch outcome {
    case .parseError(let text): (name, value) = ("parse_error", .string(text))
    case .serializeError(let text): (name, value) = ("serialize_error", .string(text))
    case .runtimeError(let text): (name, value) = ("runtime_error", .string(text))
    case .skipped(let text): (name, value) = ("skipped", .string(text))
    case .protobuf(let bytes): (name, value) = ("protobuf_payload", .bytes(bytes))
    case .json(let text): (name, value) = ("json_payload", .string(text))
    }
    if let index = responseFields[name] { reply.values[index] = value }
    return reply.binary(pool: pool)
  }

  private func handle(_ message: DynamicMessage) -> Outcome {
    let fields = requestFields
    guard case .string(let typeName)? = message.values[fields.messageType] else {
      return .runtimeError("no message_type")
    }
    let output = message.values[fields.requestedOutputFormat].enumValue
    let category = message.values[fields.testCategory].enumValue

    if typeName == "conformance.FailureSet" {
      // The failure set we know we fail: none.
      return .protobuf([])
    }
    guard let type = pool.message(named: typeName) else {
      return .skipped("unknown message type \(typeName)")
    }
    let file = pool.messages[type].fileName
    if pool.syntaxByFile[file] == "proto2" { return .skipped("proto2 is not supported") }
    // JSPB_TEST = 4, TEXT_FORMAT_TEST = 5; output JSPB = 3, TEXT_FORMAT = 4.
    if category == 4 || category == 5 { return .skipped("test category \(category)") }
    guard output == 1 || output == 2 else { return .skipped("output format \(output)") }

    let jsonOutput = JSONEncodingOptions(useProtoNames: false, emitDefaultValues: false)
    if case .bytes(let payload)? = message.values[fields.protobufPayload] {
      if output == 2 {
        // binary -> JSON: the gateway's streaming transcoder.
        var json: [UInt8] = []
        do {
          try withBytes(payload) { (raw) throws(TranscodingError) in
            try ProtoTranscoder.appendJSON(
              fromBinary: raw, type: type, pool: pool, options: jsonOutput, to: &json)
          }
        } catch {
          return error.kind == .unencodable ? .serializeError("\(error)") : .parseError("\(error)")
        }
        return .json(String(decoding: json, as: UTF8.self))
      }
      // binary -> binary canonicalizes, so it goes through a DynamicMessage.
      do {
        let parsed = try withBytes(payload) { (raw) throws(TranscodingError) in
          try DynamicMessage(binary: raw, type: type, pool: pool)
        }
        return .protobuf(parsed.binary(pool: pool))
      } catch {
        return error.kind == .unencodable ? .runtimeError("\(error)") : .parseError("\(error)")
      }
    }
    guard case .string(let payload)? = message.values[fields.jsonPayload] else {
      return .skipped("payload format not supported")
    }
    // JSON -> binary (and JSON -> JSON through binary): the streaming transcoders.
    let options = JSONDecodingOptions(ignoreUnknownFields: category == 3)
    var binary: [UInt8] = []
    do {
      try withBytes(Array(payload.utf8)) { (raw) throws(TranscodingError) in
        try ProtoTranscoder.appendBinary(
          fromJSON: raw, type: type, pool: pool, options: options, to: &binary)
      }
    } catch {
      return error.kind == .unencodable ? .runtimeError("\(error)") : .parseError("\(error)")
    }
    if output == 1 { return .protobuf(binary) }
    var json: [UInt8] = []
    do {
      try withBytes(binary) { (raw) throws(TranscodingError) in
        try ProtoTranscoder.appendJSON(
          fromBinary: raw, type: type, pool: pool, options: jsonOutput, to: &json)
      }
    } catch {
      return error.kind == .unencodable ? .serializeError("\(error)") : .runtimeError("\(error)")
    }
    return .json(String(decoding: json, as: UTF8.self))
  }
}

extension Optional where Wrapped == ProtoValue {
  /// An enum field's number, 0 when unset.
  fileprivate var enumValue: Int32 {
    if case .enumNumber(let number)? = self { return number }
    return 0
  }
}

/// `withUnsafeBytes` keeping the body's error type (the standard library's is `rethrows`).
func withBytes<Result>(
  _ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(TranscodingError) -> Result
) throws(TranscodingError) -> Result {
  let result: Swift.Result<Result, TranscodingError> = bytes.withUnsafeBytes { raw in
    Swift.Result { () throws(TranscodingError) in try body(raw) }
  }
  return try result.get()
}
