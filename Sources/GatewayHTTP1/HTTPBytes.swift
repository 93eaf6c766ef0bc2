/// Byte constants and classifiers for HTTP/1.1 syntax (RFC 9110 section 5.6, RFC 9112).
///
/// Everything works on single bytes so the scanners never build strings per byte.
enum HTTPBytes {
  // Computed, not stored: a stored static is a lazily initialised global behind an accessor.
  static var cr: UInt8 { 0x0D }
  static var lf: UInt8 { 0x0A }
  static var space: UInt8 { 0x20 }
  static var tab: UInt8 { 0x09 }
  static var colon: UInt8 { 0x3A }
  static var comma: UInt8 { 0x2C }
  static var semicolon: UInt8 { 0x3B }

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

  /// Whether two byte strings are equal ignoring ASCII case.
  static func equalsIgnoringCase(
    _ lhs: UnsafeBufferPointer<UInt8>, _ rhs: UnsafeBufferPointer<UInt8>
  ) -> Bool {
    guard lhs.count == rhs.count else { return false }
    for index in 0..<lhs.count where lhs[index] != rhs[index] {
      guard lowercased(lhs[index]) == lowercased(rhs[index]) else { return false }
    }
    return true
  }

  /// Whether `bytes` equal the constant `text` ignoring ASCII case.
  static func equalsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ text: StaticString) -> Bool
  {
    equalsIgnoringCase(
      bytes, UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
  }

  /// Whether `string` equals the constant `text` ignoring ASCII case.
  static func equalsIgnoringCase(_ string: String, _ text: StaticString) -> Bool {
    guard string.utf8.count == text.utf8CodeUnitCount else { return false }
    var string = string
    return string.withUTF8 { equalsIgnoringCase($0, text) }
  }

  /// Whether two strings are equal ignoring ASCII case, without allocating.
  static func equalsIgnoringCase(_ lhs: String, _ rhs: String) -> Bool {
    guard lhs.utf8.count == rhs.utf8.count else { return false }
    var lhs = lhs
    var rhs = rhs
    return lhs.withUTF8 { left in rhs.withUTF8 { right in equalsIgnoringCase(left, right) } }
  }

  /// Calls `body` with each non-empty element of the comma-separated list `value`, OWS trimmed,
  /// until `body` returns false. Allocates nothing.
  static func forEachListElement(
    _ value: String, _ body: (UnsafeBufferPointer<UInt8>) -> Bool
  ) {
    var value = value
    value.withUTF8 { bytes in
      var start = 0
      while start <= bytes.count {
        var end = start
        while end < bytes.count, bytes[end] != comma { end += 1 }
        var first = start
        var last = end
        while first < last, isWhitespace(bytes[first]) { first += 1 }
        while last > first, isWhitespace(bytes[last - 1]) { last -= 1 }
        if first < last, !body(UnsafeBufferPointer(rebasing: bytes[first..<last])) { return }
        start = end + 1
      }
    }
  }
}
