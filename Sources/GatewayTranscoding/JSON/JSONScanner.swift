/// Why bytes are not JSON (RFC 8259), one case per rule, plus the nesting limit.
///
/// The decoder reports these as `TranscodingError.Kind.malformedJSON`, the message being the
/// case's description followed by the byte offset. Valid JSON that does not fit the message
/// type is `invalidValue` instead.
package enum JSONSyntaxError: Sendable, Equatable, CustomStringConvertible {
  /// The input ended inside a value, or holds no value at all.
  case unexpectedEnd
  /// A byte that cannot start a value where one must come.
  case expectedValue
  /// Inside an object, where a `"` key (or `}` right after `{`) must come.
  case expectedKey
  /// A key not followed by `:`.
  case expectedColon
  /// An object member followed by something other than `,` or `}`.
  case expectedCommaOrObjectEnd
  /// An array element followed by something other than `,` or `]`.
  case expectedCommaOrArrayEnd
  /// `true`, `false` or `null` misspelled (`tru`, `nul`, `True`).
  case invalidLiteral
  /// A number that breaks the grammar: a leading zero (`01`), `+1`, a bare `-`, `.5`, `1.`,
  /// `1e`.
  case invalidNumber
  /// An unescaped byte below 0x20 inside a string.
  case controlCharacterInString
  /// A backslash followed by anything but `" \ / b f n r t u` (so `\U`, `\x`, `\'`).
  case invalidEscape
  /// `\u` not followed by four hex digits.
  case invalidUnicodeEscape
  /// A `\uD800`-`\uDFFF` escape that is not half of a high-low pair.
  case loneSurrogate
  /// Bytes that are not UTF-8: a stray continuation byte, an overlong form, an encoded
  /// surrogate, a code point above U+10FFFF, or a sequence cut short.
  case invalidUTF8
  /// Objects and arrays nested deeper than `JSONDecodingOptions.maxDepth`.
  case nestingTooDeep(limit: Int)
  /// Anything but whitespace after the top-level value.
  case trailingContent

  package var description: String {
    switch self {
    case .unexpectedEnd: "unexpected end of input"
    case .expectedValue: "expected a JSON value"
    case .expectedKey: "expected a string key"
    case .expectedColon: "expected ':' after an object key"
    case .expectedCommaOrObjectEnd: "expected ',' or '}' after an object member"
    case .expectedCommaOrArrayEnd: "expected ',' or ']' after an array element"
    case .invalidLiteral: "invalid literal (only true, false and null)"
    case .invalidNumber: "invalid number"
    case .controlCharacterInString: "unescaped control character in a string"
    case .invalidEscape: "invalid escape sequence in a string"
    case .invalidUnicodeEscape: "\\u must be followed by four hex digits"
    case .loneSurrogate: "unpaired UTF-16 surrogate in a \\u escape"
    case .invalidUTF8: "invalid UTF-8"
    case .nestingTooDeep(let limit): "objects and arrays nested deeper than \(limit)"
    case .trailingContent: "unexpected content after the JSON value"
    }
  }
}

/// A string's place in the input: the bytes between the quotes, and whether they hold escapes
/// (then `JSONScanner.unescaped(_:)` gives the decoded bytes).
struct JSONStringToken {
  var start: Int
  var end: Int
  var hasEscapes: Bool
}

/// A pull scanner over UTF-8 JSON bytes: the decoder asks for the token it expects next.
///
/// Strings are validated (UTF-8, escapes, surrogate pairs) as they are scanned; objects and
/// arrays count against the depth budget when entered.
struct JSONScanner {
  let bytes: UnsafeRawBufferPointer
  var index = 0
  private(set) var depth = 0
  let maxDepth: Int

  init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
    self.bytes = bytes
    self.maxDepth = maxDepth
  }

  /// The syntax error at the current offset.
  func error(_ error: JSONSyntaxError) -> TranscodingError {
    TranscodingError(.malformedJSON, "\(error) at byte \(index)")
  }

  var isAtEnd: Bool { index >= bytes.count }

  @inline(__always)
  mutating func skipWhitespace() {
    while index < bytes.count {
      switch bytes[index] {
      case 0x20, 0x0A, 0x0D, 0x09: index += 1
      default: return
      }
    }
  }

  /// The next byte that is not whitespace, not consumed.
  @inline(__always)
  mutating func peek() throws(TranscodingError) -> UInt8 {
    skipWhitespace()
    guard index < bytes.count else { throw error(.unexpectedEnd) }
    return bytes[index]
  }

  /// Throws unless only whitespace is left.
  mutating func expectEnd() throws(TranscodingError) {
    skipWhitespace()
    if index < bytes.count { throw error(.trailingContent) }
  }

  // MARK: literals

  private mutating func literal(_ word: StaticString) throws(TranscodingError) {
    let count = word.utf8CodeUnitCount
    guard index + count <= bytes.count else {
      // A cut-off literal is a truncation, a wrong one is a bad literal.
      for offset in 0..<(bytes.count - index)
      where bytes[index + offset] != word.utf8Start[offset] {
        throw error(.invalidLiteral)
      }
      index = bytes.count
      throw error(.unexpectedEnd)
    }
    for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
      throw error(.invalidLiteral)
    }
    index += count
  }

  /// Consumes `null` if it comes next; true if it did.
  @inline(__always)
  mutating func consumeNull() throws(TranscodingError) -> Bool {
    guard try peek() == UInt8(ascii: "n") else { return false }
    try literal("null")
    return true
  }

  /// Consumes `true` or `false` if one comes next.
  mutating func consumeBool() throws(TranscodingError) -> Bool? {
    switch try peek() {
    case UInt8(ascii: "t"):
      try literal("true")
      return true
    case UInt8(ascii: "f"):
      try literal("false")
      return false
    default: return nil
    }
  }

  // MARK: objects and arrays

  /// Consumes `{` (the caller has peeked it); true if the object is `{}` (then closed too).
  mutating func enterObject() throws(TranscodingError) -> Bool {
    index += 1
    depth += 1
    if depth > maxDepth { throw error(.nestingTooDeep(limit: maxDepth)) }
    if try peek() == UInt8(ascii: "}") {
      index += 1
      depth -= 1
      return true
    }
    return false
  }

  /// Reads a member's key and the `:` after it.
  mutating func readKey() throws(TranscodingError) -> JSONStringToken {
    guard try peek() == UInt8(ascii: "\"") else { throw error(.expectedKey) }
    let key = try readStringToken()
    guard try peek() == UInt8(ascii: ":") else { throw error(.expectedColon) }
    index += 1
    return key
  }

  /// After a member: consumes `,` (true: another member follows) or `}` (false).
  mutating func nextMember() throws(TranscodingError) -> Bool {
    switch try peek() {
    case UInt8(ascii: ","):
      index += 1
      return true
    case UInt8(ascii: "}"):
      index += 1
      depth -= 1
      return false
    default: throw error(.expectedCommaOrObjectEnd)
    }
  }

  /// Consumes `[` (the caller has peeked it); true if the array is `[]` (then closed too).
  mutating func enterArray() throws(TranscodingError) -> Bool {
    index += 1
    depth += 1
    if depth > maxDepth { throw error(.nestingTooDeep(limit: maxDepth)) }
    if try peek() == UInt8(ascii: "]") {
      index += 1
      depth -= 1
      return true
    }
    return false
  }

  /// After an element: consumes `,` (true: another element follows) or `]` (false).
  mutating func nextElement() throws(TranscodingError) -> Bool {
    switch try peek() {
    case UInt8(ascii: ","):
      index += 1
      return true
    case UInt8(ascii: "]"):
      index += 1
      depth -= 1
      return false
    default: throw error(.expectedCommaOrArrayEnd)
    }
  }

  /// Skips one value of any kind (unknown fields), checking its syntax and depth.
  mutating func skipValue() throws(TranscodingError) {
    switch try peek() {
    case UInt8(ascii: "{"):
      if try enterObject() { return }
      repeat {
        _ = try readKey()
        try skipValue()
      } while try nextMember()
    case UInt8(ascii: "["):
      if try enterArray() { return }
      repeat { try skipValue() } while try nextElement()
    case UInt8(ascii: "\""): _ = try readStringToken()
    case UInt8(ascii: "t"), UInt8(ascii: "f"): _ = try consumeBool()
    case UInt8(ascii: "n"): _ = try consumeNull()
    default: _ = try readNumberToken()
    }
  }

  // MARK: numbers

  /// Reads a number token (the caller has peeked a byte that may start one).
  mutating func readNumberToken() throws(TranscodingError) -> JSONNumberToken {
    skipWhitespace()
    let first = index < bytes.count ? bytes[index] : 0
    guard first == UInt8(ascii: "-") || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9"))
    else { throw error(.expectedValue) }
    switch JSONNumberToken.scan(bytes, from: index, to: bytes.count) {
    case .success(let token):
      index = token.end
      return token
    case .failure(let failureIndex, let truncated):
      index = failureIndex
      throw error(truncated ? .unexpectedEnd : .invalidNumber)
    }
  }

  // MARK: strings

  /// Reads a string (the caller has peeked its `"`), validating UTF-8 and escapes.
  mutating func readStringToken() throws(TranscodingError) -> JSONStringToken {
    index += 1
    let start = index
    var hasEscapes = false
    let count = bytes.count
    while index < count {
      if index + 8 <= count {
        let mask = ByteWord.quoteBackslashControlHigh(
          bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
        if mask == 0 {
          index += 8
          continue
        }
        index += mask.trailingZeroBitCount >> 3
      }
      let byte = bytes[index]
      if byte == UInt8(ascii: "\"") {
        let token = JSONStringToken(start: start, end: index, hasEscapes: hasEscapes)
        index += 1
        return token
      }
      if byte == UInt8(ascii: "\\") {
        hasEscapes = true
        try scanEscape()
      } else if byte < 0x20 {
        throw error(.controlCharacterInString)
      } else if byte < 0x80 {
        index += 1
      } else {
        try scanUTF8Sequence()
      }
    }
    throw error(.unexpectedEnd)
  }

  /// Validates one escape at `index` (a backslash) and moves past it.
  private mutating func scanEscape() throws(TranscodingError) {
    guard index + 1 < bytes.count else {
      index = bytes.count
      throw error(.unexpectedEnd)
    }
    switch bytes[index + 1] {
    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
      UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
      index += 2
    case UInt8(ascii: "u"):
      let unit = try hex4(at: index + 2)
      index += 6
      if unit >= 0xDC00 && unit <= 0xDFFF {
        index -= 6
        throw error(.loneSurrogate)
      }
      if unit >= 0xD800 && unit <= 0xDBFF {
        guard index + 1 < bytes.count else {
          index = bytes.count
          throw error(.unexpectedEnd)
        }
        guard bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
          throw error(.loneSurrogate)
        }
        let low = try hex4(at: index + 2)
        guard low >= 0xDC00 && low <= 0xDFFF else { throw error(.loneSurrogate) }
        index += 6
      }
    default:
      index += 1
      throw error(.invalidEscape)
    }
  }

  /// Four hex digits at `position`.
  private mutating func hex4(at position: Int) throws(TranscodingError) -> UInt32 {
    var value: UInt32 = 0
    for offset in 0..<4 {
      guard position + offset < bytes.count else {
        index = bytes.count
        throw error(.unexpectedEnd)
      }
      guard let digit = hexValue(bytes[position + offset]) else {
        index = position + offset
        throw error(.invalidUnicodeEscape)
      }
      value = value << 4 | digit
    }
    return value
  }

  /// Validates one multi-byte UTF-8 sequence at `index` and moves past it.
  private mutating func scanUTF8Sequence() throws(TranscodingError) {
    let lead = bytes[index]
    let length: Int
    var low: UInt8 = 0x80
    var high: UInt8 = 0xBF
    switch lead {
    case 0xC2...0xDF: length = 2
    case 0xE0:
      length = 3
      low = 0xA0
    case 0xE1...0xEC, 0xEE...0xEF: length = 3
    case 0xED:
      length = 3
      high = 0x9F
    case 0xF0:
      length = 4
      low = 0x90
    case 0xF1...0xF3: length = 4
    case 0xF4:
      length = 4
      high = 0x8F
    default: throw error(.invalidUTF8)
    }
    guard index + length <= bytes.count else {
      // Valid so far and cut short is a truncation.
      var position = index + 1
      var first = true
      while position < bytes.count {
        let byte = bytes[position]
        let ok = first ? (byte >= low && byte <= high) : (byte & 0xC0 == 0x80)
        if !ok { throw error(.invalidUTF8) }
        first = false
        position += 1
      }
      index = bytes.count
      throw error(.unexpectedEnd)
    }
    let second = bytes[index + 1]
    guard second >= low && second <= high else { throw error(.invalidUTF8) }
    if length > 2 {
      guard bytes[index + 2] & 0xC0 == 0x80 else { throw error(.invalidUTF8) }
      if length > 3 {
        guard bytes[index + 3] & 0xC0 == 0x80 else { throw error(.invalidUTF8) }
      }
    }
    index += length
  }

  /// The string's bytes with escapes decoded (for a token with `hasEscapes`).
  func unescaped(_ token: JSONStringToken) -> [UInt8] {
    var output: [UInt8] = []
    output.reserveCapacity(token.end - token.start)
    var position = token.start
    while position < token.end {
      let byte = bytes[position]
      guard byte == UInt8(ascii: "\\") else {
        output.append(byte)
        position += 1
        continue
      }
      let escaped = bytes[position + 1]
      position += 2
      switch escaped {
      case UInt8(ascii: "b"): output.append(0x08)
      case UInt8(ascii: "f"): output.append(0x0C)
      case UInt8(ascii: "n"): output.append(0x0A)
      case UInt8(ascii: "r"): output.append(0x0D)
      case UInt8(ascii: "t"): output.append(0x09)
      case UInt8(ascii: "u"):
        var scalar = hex4Unchecked(at: position)
        position += 4
        if scalar >= 0xD800 && scalar <= 0xDBFF {
          let low = hex4Unchecked(at: position + 2)
          position += 6
          scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        }
        appendUTF8(scalar, to: &output)
      default: output.append(escaped)  // " \ /
      }
    }
    return output
  }

  private func hex4Unchecked(at position: Int) -> UInt32 {
    var value: UInt32 = 0
    for offset in 0..<4 { value = value << 4 | (hexValue(bytes[position + offset]) ?? 0) }
    return value
  }

  /// The string as a Swift `String`.
  @inline(__always)
  func string(_ token: JSONStringToken) -> String {
    if token.hasEscapes { return String(decoding: unescaped(token), as: UTF8.self) }
    return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[token.start..<token.end]), as: UTF8.self)
  }

  /// Calls `body` with the string's decoded bytes, without copying when it has no escapes.
  @inline(__always)
  func withBytes<R, E: Error>(
    _ token: JSONStringToken, _ body: (UnsafeRawBufferPointer) throws(E) -> R
  ) throws(E) -> R {
    if token.hasEscapes { return try withRawBytes(unescaped(token), body) }
    return try body(UnsafeRawBufferPointer(rebasing: bytes[token.start..<token.end]))
  }
}

/// `Array.withUnsafeBytes` with a typed error.
@inline(__always)
func withRawBytes<R, E: Error>(
  _ array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(E) -> R
) throws(E) -> R {
  let result = array.withUnsafeBytes { raw in Result { () throws(E) -> R in try body(raw) } }
  return try result.get()
}

/// `String.withUTF8` with a typed error.
@inline(__always)
func withUTF8Bytes<R, E: Error>(
  _ string: String, _ body: (UnsafeRawBufferPointer) throws(E) -> R
) throws(E) -> R {
  var string = string
  let result = string.withUTF8 { raw in
    Result { () throws(E) -> R in try body(UnsafeRawBufferPointer(raw)) }
  }
  return try result.get()
}

@inline(__always)
func hexValue(_ byte: UInt8) -> UInt32? {
  switch byte {
  case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
  case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
  case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
  default: nil
  }
}

/// Appends a scalar value (not a surrogate) as UTF-8.
func appendUTF8(_ scalar: UInt32, to output: inout [UInt8]) {
  switch scalar {
  case 0..<0x80: output.append(UInt8(scalar))
  case 0x80..<0x800:
    output.append(UInt8(0xC0 | scalar >> 6))
    output.append(UInt8(0x80 | scalar & 0x3F))
  case 0x800..<0x10000:
    output.append(UInt8(0xE0 | scalar >> 12))
    output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
    output.append(UInt8(0x80 | scalar & 0x3F))
  default:
    output.append(UInt8(0xF0 | scalar >> 18))
    output.append(UInt8(0x80 | scalar >> 12 & 0x3F))
    output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
    output.append(UInt8(0x80 | scalar & 0x3F))
  }
}
