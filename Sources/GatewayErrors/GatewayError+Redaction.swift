extension GatewayError {
  /// What stands in for a redacted secret.
  public static let redactionMark = "[redacted]"

  /// This error with every occurrence of `secret` in the text that came from the agent (the
  /// message, its description, the `error` trailer under `data`, the `details`) replaced by
  /// `[redacted]`: an agent that echoes the session token in an error must not hand it on.
  ///
  /// Tokens are visible ASCII, so a token written into JSON keeps its bytes unless it holds
  /// `"` or `\`; the escaped spelling is redacted as well.
  public func redacting(_ secret: String) -> GatewayError {
    guard !secret.isEmpty else { return self }
    let spellings = [Array(secret.utf8), Array(Self.jsonEscaped(secret).utf8)]
    func scrub(_ bytes: [UInt8]) -> [UInt8] {
      var out = bytes
      for spelling in spellings { out = Self.replacing(spelling, in: out) }
      return out
    }
    func scrub(_ text: String) -> String { String(decoding: scrub(Array(text.utf8)), as: UTF8.self) }
    var copy = self
    copy.message = scrub(message)
    copy.agentDescription = agentDescription.map(scrub)
    copy.data = data.map(scrub)
    copy.details = details?.map(scrub)
    return copy
  }

  /// `bytes` with each non-overlapping occurrence of `secret` replaced by the mark.
  static func replacing(_ secret: [UInt8], in bytes: [UInt8]) -> [UInt8] {
    guard !secret.isEmpty, bytes.count >= secret.count else { return bytes }
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var index = 0
    while index < bytes.count {
      if bytes[index] == secret[0], bytes.count - index >= secret.count,
        bytes[index..<index + secret.count].elementsEqual(secret)
      {
        out.append(contentsOf: redactionMark.utf8)
        index += secret.count
      } else {
        out.append(bytes[index])
        index += 1
      }
    }
    return out
  }

  private static func jsonEscaped(_ text: String) -> String {
    var out = ""
    for character in text.unicodeScalars {
      switch character {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      default: out.unicodeScalars.append(character)
      }
    }
    return out
  }
}
