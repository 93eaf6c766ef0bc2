/// The binary side of Any: its `value` is the inner message's wire encoding. This is the one
/// place the JSON codec calls the binary codec.
enum AnyPayload {
  static func encode(_ message: DynamicMessage, pool: SchemaPool) throws(TranscodingError) -> [UInt8] {
    message.binary(pool: pool)
  }

  static func decode(
    _ bytes: [UInt8], type: Int, pool: SchemaPool
  ) throws(TranscodingError) -> DynamicMessage {
    try withRawBytes(bytes) { (raw) throws(TranscodingError) in
      try DynamicMessage(binary: raw, type: type, pool: pool)
    }
  }
}
