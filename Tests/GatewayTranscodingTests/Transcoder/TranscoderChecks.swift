import Testing

@testable import GatewayTranscoding

/// Runs `ProtoTranscoder` beside the `DynamicMessage` path on the same input and records an
/// issue when they disagree: both succeed with the same message (outputs parsed and compared
/// as canonical binary, and their bytes equal up to order), or both fail with the same error.
/// The shared test helpers (`decode`, `encode`) call these, so every codec test checks the
/// streaming path too.
enum TranscoderCheck {
  /// A byte `ProtoTranscoder` must append after, untouched.
  static let guardByte: UInt8 = 0xA5

  static func jsonToBinary(
    _ json: [UInt8], type: Int, pool: SchemaPool, options: JSONDecodingOptions = .init(),
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let reference = json.withUnsafeBytes { raw in
      Result { () throws(TranscodingError) in
        try DynamicMessage(json: raw, type: type, pool: pool, options: options).binary(pool: pool)
      }
    }
    var output: [UInt8] = [guardByte]
    let streamed = json.withUnsafeBytes { raw in
      Result { () throws(TranscodingError) in
        try ProtoTranscoder.appendBinary(
          fromJSON: raw, type: type, pool: pool, options: options, to: &output)
      }
    }
    let text = String(decoding: json.prefix(300), as: UTF8.self)
    switch (reference, streamed) {
    case (.success(let expected), .success):
      #expect(output.first == guardByte, "\(text)", sourceLocation: sourceLocation)
      let produced = Array(output.dropFirst())
      let canonical = produced.withUnsafeBytes { raw in
        Result { () throws(TranscodingError) in
          try DynamicMessage(binary: raw, type: type, pool: pool).binary(pool: pool)
        }
      }
      let same = (try? canonical.get()) == expected
      #expect(same, "streamed binary differs: \(text.prefix(300))", sourceLocation: sourceLocation)
      let permutation = produced.sorted() == expected.sorted()
      #expect(
        permutation, "streamed bytes differ beyond order: \(text.prefix(300))",
        sourceLocation: sourceLocation)
    case (.failure(let expected), .failure(let error)):
      #expect(error == expected, "\(text)", sourceLocation: sourceLocation)
      #expect(output == [guardByte], "\(text)", sourceLocation: sourceLocation)
    case (.failure(let expected), .success):
      Issue.record(
        "streaming accepted what DynamicMessage rejects (\(expected)): \(text)",
        sourceLocation: sourceLocation)
    case (.success, .failure(let error)):
      Issue.record(
        "streaming rejected (\(error)) what DynamicMessage accepts: \(text)",
        sourceLocation: sourceLocation)
    }
  }

  static func binaryToJSON(
    _ binary: [UInt8], type: Int, pool: SchemaPool, options: JSONEncodingOptions,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let reference = binary.withUnsafeBytes { raw in
      Result { () throws(TranscodingError) in
        try DynamicMessage(binary: raw, type: type, pool: pool).json(pool: pool, options: options)
      }
    }
    var output: [UInt8] = [guardByte]
    let streamed = binary.withUnsafeBytes { raw in
      Result { () throws(TranscodingError) in
        try ProtoTranscoder.appendJSON(
          fromBinary: raw, type: type, pool: pool, options: options, to: &output)
      }
    }
    let hex = binary.prefix(64).map { String($0, radix: 16) }.joined(separator: " ")
    switch (reference, streamed) {
    case (.success(let expected), .success):
      #expect(output.first == guardByte, "\(hex)", sourceLocation: sourceLocation)
      let produced = Array(output.dropFirst())
      let text = String(decoding: produced.prefix(300), as: UTF8.self)
      let expectedText = String(decoding: expected.prefix(300), as: UTF8.self)
      let same = sameMessage(produced, expected, type: type, pool: pool)
      #expect(
        same, "streamed JSON \(text) differs from \(expectedText)", sourceLocation: sourceLocation)
      let permutation = produced.sorted() == expected.sorted()
      #expect(
        permutation, "streamed JSON \(text) differs beyond order from \(expectedText)",
        sourceLocation: sourceLocation)
    case (.failure(let expected), .failure(let error)):
      #expect(error == expected, "\(hex)", sourceLocation: sourceLocation)
      #expect(output == [guardByte], "\(hex)", sourceLocation: sourceLocation)
    case (.failure(let expected), .success):
      Issue.record(
        "streaming accepted what DynamicMessage rejects (\(expected)): \(hex)",
        sourceLocation: sourceLocation)
    case (.success, .failure(let error)):
      Issue.record(
        "streaming rejected (\(error)) what DynamicMessage accepts: \(hex)",
        sourceLocation: sourceLocation)
    }
  }

  /// Whether two JSON texts are the same message of `type`.
  static func sameMessage(_ a: [UInt8], _ b: [UInt8], type: Int, pool: SchemaPool) -> Bool {
    func canonical(_ json: [UInt8]) -> [UInt8]? {
      json.withUnsafeBytes { raw in
        try? DynamicMessage(
          json: raw, type: type, pool: pool, options: JSONDecodingOptions(maxDepth: 10_000)
        ).binary(pool: pool)
      }
    }
    guard let first = canonical(a), let second = canonical(b) else { return false }
    return first == second
  }

  /// The option sets binary input is checked with: the gateway's and the conformance suite's.
  static let encodingOptions = [
    JSONEncodingOptions(),
    JSONEncodingOptions(useProtoNames: true, emitDefaultValues: false),
  ]
}
