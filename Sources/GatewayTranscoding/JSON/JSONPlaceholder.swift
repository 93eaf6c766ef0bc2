// Placeholder until the JSON codec (branch codec-json) lands; drop this file then.

extension DynamicMessage {
  public init(
    json: UnsafeRawBufferPointer, type: Int, pool: SchemaPool, options: JSONDecodingOptions
  ) throws(TranscodingError) {
    throw TranscodingError(.unencodable, "JSON not implemented yet")
  }

  public func json(pool: SchemaPool, options: JSONEncodingOptions) throws(TranscodingError)
    -> [UInt8]
  {
    throw TranscodingError(.unencodable, "JSON not implemented yet")
  }
}
