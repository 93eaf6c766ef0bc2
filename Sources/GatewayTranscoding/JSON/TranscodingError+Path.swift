/// Building `TranscodingError.path` on the way out: each level that catches an error puts its
/// own component in front, so the happy path never builds a path string.
extension TranscodingError {
  /// `name` in front of the path: `name`, `name.rest` or `name[2]...`.
  func prefixed(field name: String) -> TranscodingError {
    var copy = self
    if path.isEmpty {
      copy.path = name
    } else if path.utf8.first == UInt8(ascii: "[") {
      copy.path = name + path
    } else {
      copy.path = name + "." + path
    }
    return copy
  }

  /// `[index]` in front of the path.
  func prefixed(index: Int) -> TranscodingError {
    prefixed(component: "[" + String(index) + "]")
  }

  /// `["key"]` in front of the path, the key written as a JSON string.
  func prefixed(mapKey key: String) -> TranscodingError {
    var quoted: [UInt8] = []
    quoted.appendJSONString(key)
    return prefixed(component: "[" + String(decoding: quoted, as: UTF8.self) + "]")
  }

  private func prefixed(component: String) -> TranscodingError {
    var copy = self
    if path.isEmpty || path.utf8.first == UInt8(ascii: "[") {
      copy.path = component + path
    } else {
      copy.path = component + "." + path
    }
    return copy
  }

  static func invalid(_ message: String) -> TranscodingError {
    TranscodingError(.invalidValue, message)
  }

  static func unencodable(_ message: String) -> TranscodingError {
    TranscodingError(.unencodable, message)
  }
}
