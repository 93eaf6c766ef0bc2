/// Proto3 JSON to protobuf binary and back in one pass over the input, without building a
/// `DynamicMessage` (what the gateway does for every call).
///
/// Outputs are the same messages as the `DynamicMessage` path's (`DynamicMessage(json:)` then
/// `binary(pool:)`, `DynamicMessage(binary:)` then `json(pool:)`), though not always the same
/// bytes: binary fields come in JSON order, JSON members in wire order. Well-known types
/// other than Timestamp and Duration, and binary input that is not canonical, go through the
/// `DynamicMessage` path for the message concerned. Errors are the `DynamicMessage` path's
/// (kind, path and message): on failure it is run again for the reference error.
public enum ProtoTranscoder {
  /// Appends the binary form of the JSON message `json` of `type` (an index into
  /// `pool.messages`) to `output`; on error `output` is left as it was.
  ///
  /// - Throws: as `DynamicMessage(json:type:pool:options:)`: `.malformedJSON` or
  ///   `.invalidValue`, with the field path (`items[2].createdAt`).
  public static func appendBinary(
    fromJSON json: UnsafeRawBufferPointer, type: Int, pool: SchemaPool,
    options: JSONDecodingOptions = .init(), to output: inout [UInt8]
  ) throws(TranscodingError) {
    guard pool.messages.indices.contains(type) else {
      throw .invalid("message type index \(type) is not in the schema")
    }
    let start = output.count
    var transcoder = JSONToBinaryTranscoder(
      json: json, pool: pool, options: options, out: OutputBuffer(capacity: json.count + 16))
    defer { transcoder.out.deallocate() }
    let failure: TranscodingError?
    do {
      try transcoder.transcode(type: type)
      failure = nil
    } catch {
      failure = error
    }
    guard let failure else {
      output.append(
        contentsOf: UnsafeBufferPointer(start: transcoder.out.base, count: transcoder.out.count))
      return
    }
    output.removeSubrange(start...)
    let message = try DynamicMessage(json: json, type: type, pool: pool, options: options)
    assertionFailure("streaming JSON to binary failed where DynamicMessage did not: \(failure)")
    message.appendBinary(to: &output, pool: pool)
  }

  /// Appends the JSON form of the binary message `binary` of `type` to `output`; on error
  /// `output` is left as it was.
  ///
  /// - Throws: as `DynamicMessage(binary:type:pool:)` then `json(pool:options:)`:
  ///   `.malformedBinary` or `.unencodable`, with the field path.
  public static func appendJSON(
    fromBinary binary: UnsafeRawBufferPointer, type: Int, pool: SchemaPool,
    options: JSONEncodingOptions = .init(), to output: inout [UInt8]
  ) throws(TranscodingError) {
    guard pool.messages.indices.contains(type) else {
      throw TranscodingError(.invalidValue, "unknown message type index \(type)")
    }
    let start = output.count
    var transcoder = BinaryToJSONTranscoder(
      pool: pool, options: options, out: OutputBuffer(capacity: 64 + binary.count * 3))
    defer { transcoder.out.deallocate() }
    let failure: TranscodingError?
    do {
      try transcoder.writeMessage(type, binary, depth: 0)
      failure = nil
    } catch {
      failure = error
    }
    guard let failure else {
      output.append(
        contentsOf: UnsafeBufferPointer(start: transcoder.out.base, count: transcoder.out.count))
      return
    }
    do {
      let message = try DynamicMessage(binary: binary, type: type, pool: pool)
      try message.appendJSON(to: &output, pool: pool, options: options)
    } catch {
      output.removeSubrange(start...)
      throw error
    }
    assertionFailure("streaming binary to JSON failed where DynamicMessage did not: \(failure)")
  }
}
