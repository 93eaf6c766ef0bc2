// TEMPORARY: stands in for the codecs being built on branches codec-binary and codec-json;
// deleted when they are merged.
import GatewayTranscoding

extension SchemaPool {
  init(fileDescriptorSets: [[UInt8]]) throws(TranscodingError) {
    throw TranscodingError(.malformedBinary, "descriptor sets are not supported yet")
  }
  init(fileDescriptorProtos: [[UInt8]]) throws(TranscodingError) {
    throw TranscodingError(.malformedBinary, "descriptor sets are not supported yet")
  }
}

extension DynamicMessage {
  init(binary: UnsafeRawBufferPointer, type: Int, pool: SchemaPool) throws(TranscodingError) {
    throw TranscodingError(.malformedBinary, "not yet")
  }
  func binary(pool: SchemaPool) -> [UInt8] { [] }
  init(json: UnsafeRawBufferPointer, type: Int, pool: SchemaPool, options: JSONDecodingOptions)
    throws(TranscodingError)
  {
    throw TranscodingError(.malformedJSON, "not yet")
  }
  func appendJSON(to bytes: inout [UInt8], pool: SchemaPool, options: JSONEncodingOptions)
    throws(TranscodingError)
  {
    throw TranscodingError(.unencodable, "not yet")
  }
}
