/// The nine wrappers (`google.protobuf.Int32Value`, `StringValue`, ...): the JSON of their
/// `value` field. As a field, `null` leaves the wrapper unset; an unset `value` inside a set
/// wrapper is written as its default (`0`, `""`, `false`).
extension JSONMessageDecoder {
  mutating func decodeWrapper(
    type: Int, _ descriptor: MessageDescriptor
  ) throws(TranscodingError) -> DynamicMessage {
    let index = try descriptor.wellKnownField(1)
    var message = DynamicMessage(type: type, fieldCount: descriptor.fields.count)
    message.values[index] = try decodeScalar(descriptor.fields[index].type)
    return message
  }
}

extension JSONMessageEncoder {
  func writeWrapper(
    _ message: DynamicMessage, _ descriptor: MessageDescriptor, to output: inout [UInt8]
  ) throws(TranscodingError) {
    guard let index = descriptor.indexOfField(1) else {
      throw .unencodable("the schema's \(descriptor.fullName) has no field 1")
    }
    let field = descriptor.fields[index]
    if let value = message.values[index] {
      try writeSingular(value, field, to: &output)
    } else {
      writeDefault(field, to: &output)
    }
  }
}
