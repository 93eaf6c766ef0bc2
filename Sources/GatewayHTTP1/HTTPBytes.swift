/// Byte constants and classifiers for HTTP/1.1 syntax (RFC 9110 section 5.6, RFC 9112).
///
/// Everything works on single bytes so the scanners never build strings per byte.
enum HTTPBytes {
  static let cr: UInt8 = 0x0D
  static let lf: UInt8 = 0x0A
  static let space: UInt8 = 0x20
  static let tab: UInt8 = 0x09
  static let colon: UInt8 = 0x3A
  static let comma: UInt8 = 0x2C
  static let semicolon: UInt8 = 0x3B

  /// `tchar` from RFC 9110 section 5.6.2.
  @inline(__always)
  static func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
      UInt8(ascii: "0")...UInt8(ascii: "9"):
      return true
    case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"),
      UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"),
      UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
      UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
      return true
    default:
      return false
    }
  }

  /// A byte allowed in a field value: HTAB, SP, visible ASCII and obs-text. Rejects NUL, CR, LF,
  /// the other C0 controls and DEL.
  @inline(__always)
  static func isFieldValueByte(_ byte: UInt8) -> Bool {
    byte == tab || (byte >= 0x20 && byte != 0x7F)
  }

  /// Optional whitespace (SP or HTAB).
  @inline(__always)
  static func isWhitespace(_ byte: UInt8) -> Bool { byte == space || byte == tab }

  /// The byte lower-cased if it is an ASCII capital letter.
  @inline(__always)
  static func lowercased(_ byte: UInt8) -> UInt8 {
    byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte
  }

  /// The value of a hex digit, or nil.
  @inline(__always)
  static func hexValue(_ byte: UInt8) -> Int? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(byte &- UInt8(ascii: "0"))
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(byte &- UInt8(ascii: "a") &+ 10)
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(byte &- UInt8(ascii: "A") &+ 10)
    default: return nil
    }
  }

  /// Whether `string` equals `lowercase` (which must be lower-case ASCII) ignoring ASCII case.
  static func equalsIgnoringCase<S: StringProtocol>(_ string: S, _ lowercase: String) -> Bool {
    equalsIgnoringCase(string, other: lowercase)
  }

  /// Whether two strings are equal ignoring ASCII case, without allocating.
  static func equalsIgnoringCase<S: StringProtocol, T: StringProtocol>(
    _ string: S, other: T
  ) -> Bool {
    guard string.utf8.count == other.utf8.count else { return false }
    var lhs = string.utf8.makeIterator()
    var rhs = other.utf8.makeIterator()
    while let a = lhs.next(), let b = rhs.next() {
      if a != b, lowercased(a) != lowercased(b) { return false }
    }
    return true
  }

  /// Calls `body` with each element of a comma-separated list, OWS trimmed, empty ones skipped.
  static func forEachListElement(
    _ value: String, _ body: (Substring) throws(HTTPParserError) -> Void
  ) throws(HTTPParserError) {
    for element in value.split(separator: ",", omittingEmptySubsequences: true) {
      let trimmed = trimmingWhitespace(element)
      if !trimmed.isEmpty { try body(trimmed) }
    }
  }

  /// `text` without leading and trailing SP/HTAB.
  static func trimmingWhitespace(_ text: Substring) -> Substring {
    var start = text.utf8.startIndex
    var end = text.utf8.endIndex
    while start < end, isWhitespace(text.utf8[start]) { start = text.utf8.index(after: start) }
    while end > start, isWhitespace(text.utf8[text.utf8.index(before: end)]) {
      end = text.utf8.index(before: end)
    }
    return text[start..<end]
  }
}
