/// `google.protobuf.FieldMask` as one string of comma-joined lowerCamelCase paths:
/// `"user.displayName,photo"` for paths `user.display_name` and `photo`.
///
/// As Python's `json_format`: input paths must not contain `_`; on output a path that would
/// not come back the same (an uppercase letter, `__`, `_` before a non-letter or at the end)
/// is an error.
enum FieldMaskJSON {
  /// `displayName` to `display_name`; nil when the path contains `_`.
  static func snakeCase(_ path: Substring.UTF8View) -> String? {
    var output: [UInt8] = []
    output.reserveCapacity(path.count + 4)
    for byte in path {
      if byte == UInt8(ascii: "_") { return nil }
      if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") {
        output.append(UInt8(ascii: "_"))
        output.append(byte + 32)
      } else {
        output.append(byte)
      }
    }
    return String(decoding: output, as: UTF8.self)
  }

  /// Appends `display_name` as `displayName`; false when the path does not round-trip.
  static func appendCamelCase(_ path: String, to output: inout [UInt8]) -> Bool {
    var afterUnderscore = false
    for byte in path.utf8 {
      if byte == UInt8(ascii: "_") {
        if afterUnderscore { return false }
        afterUnderscore = true
      } else if afterUnderscore {
        guard byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") else { return false }
        output.append(byte - 32)
        afterUnderscore = false
      } else {
        if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { return false }
        output.append(byte)
      }
    }
    return !afterUnderscore
  }
}

extension JSONMessageDecoder {
  mutating func decodeFieldMask(
    type: Int, _ descriptor: MessageDescriptor
  ) throws(TranscodingError) -> DynamicMessage {
    let text = try withWellKnownString("field mask") { bytes in
      String(decoding: bytes, as: UTF8.self)
    }
    var paths: [ProtoValue] = []
    if !text.isEmpty {
      for path in text.split(separator: ",", omittingEmptySubsequences: false) {
        guard let snake = FieldMaskJSON.snakeCase(path.utf8) else {
          throw .invalid("field mask path \"\(path)\" must be lowerCamelCase, without \"_\"")
        }
        paths.append(.string(snake))
      }
    }
    var message = DynamicMessage(type: type, fieldCount: descriptor.fields.count)
    message.values[try descriptor.wellKnownField(1)] = .list(paths)
    return message
  }
}

extension JSONMessageEncoder {
  func writeFieldMask(
    _ message: DynamicMessage, _ descriptor: MessageDescriptor, to output: inout [UInt8]
  ) throws(TranscodingError) {
    var joined: [UInt8] = []
    if case .list(let paths)? = message.wellKnownValue(1, descriptor) {
      for (index, path) in paths.enumerated() {
        guard case .string(let text) = path else {
          throw .unencodable("field mask path is not a string")
        }
        if index > 0 { joined.append(UInt8(ascii: ",")) }
        guard FieldMaskJSON.appendCamelCase(text, to: &joined) else {
          throw .unencodable(
            "field mask path \"\(text)\" cannot be written in JSON: it must be lower snake_case that round-trips through lowerCamelCase"
          )
        }
      }
    }
    joined.withUnsafeBytes { output.appendJSONString($0) }
  }
}
