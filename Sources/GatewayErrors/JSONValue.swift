/// A parsed JSON value, for the small documents the session code reads: the agent's `error`
/// trailer, a token's claims, the `/-/session` request bodies.
///
/// The parser is strict RFC 8259 (no trailing commas, no comments, no leading zeros), scans
/// UTF-8 bytes, and has limits so peer input cannot exhaust the stack or memory: nesting depth
/// (default 64: these documents are shallow) and size (default 64 KiB: larger than any header
/// value or token). Numbers are `Double`. Duplicate keys: the last one wins.
public enum JSONValue: Sendable, Equatable {
  case null
  case bool(Bool)
  case number(Double)
  case string(String)
  case array([JSONValue])
  case object([String: JSONValue])

  /// Parses `bytes` as one JSON value (surrounding whitespace allowed); nil when it is not JSON
  /// or is over a limit.
  public static func parse(_ bytes: [UInt8], maxDepth: Int = 64, maxSize: Int = 64 * 1024)
    -> JSONValue?
  {
    guard bytes.count <= maxSize else { return nil }
    var parser = Parser(bytes: bytes, maxDepth: maxDepth)
    guard let value = parser.value(depth: 0) else { return nil }
    parser.skipWhitespace()
    return parser.index == bytes.count ? value : nil
  }

  public static func parse(_ text: String) -> JSONValue? { parse(Array(text.utf8)) }

  public subscript(key: String) -> JSONValue? {
    if case .object(let members) = self { return members[key] }
    return nil
  }

  public var stringValue: String? {
    if case .string(let value) = self { return value }
    return nil
  }

  public var numberValue: Double? {
    if case .number(let value) = self { return value }
    return nil
  }

  /// An integer number (`65`, `65.0`), else nil.
  public var intValue: Int? {
    guard let number = numberValue, number.isFinite, number == number.rounded(),
      abs(number) < 1e15
    else { return nil }
    return Int(number)
  }

  private struct Parser {
    let bytes: [UInt8]
    let maxDepth: Int
    var index = 0

    init(bytes: [UInt8], maxDepth: Int) {
      self.bytes = bytes
      self.maxDepth = maxDepth
    }

    mutating func skipWhitespace() {
      while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    mutating func literal(_ text: StaticString, _ value: JSONValue) -> JSONValue? {
      let count = text.utf8CodeUnitCount
      guard index + count <= bytes.count else { return nil }
      let matches = text.withUTF8Buffer { expected in
        bytes[index..<index + count].elementsEqual(expected)
      }
      guard matches else { return nil }
      index += count
      return value
    }

    mutating func value(depth: Int) -> JSONValue? {
      guard depth <= maxDepth else { return nil }
      skipWhitespace()
      guard index < bytes.count else { return nil }
      switch bytes[index] {
      case UInt8(ascii: "n"): return literal("null", .null)
      case UInt8(ascii: "t"): return literal("true", .bool(true))
      case UInt8(ascii: "f"): return literal("false", .bool(false))
      case UInt8(ascii: "\""): return string().map(JSONValue.string)
      case UInt8(ascii: "["):
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
          index += 1
          return .array(elements)
        }
        while true {
          guard let element = value(depth: depth + 1) else { return nil }
          elements.append(element)
          skipWhitespace()
          guard index < bytes.count else { return nil }
          if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
          if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
          return nil
        }
      case UInt8(ascii: "{"):
        index += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
          index += 1
          return .object(members)
        }
        while true {
          skipWhitespace()
          guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let key = string()
          else { return nil }
          skipWhitespace()
          guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
          index += 1
          guard let member = value(depth: depth + 1) else { return nil }
          members[key] = member
          skipWhitespace()
          guard index < bytes.count else { return nil }
          if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
          if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
          return nil
        }
      default:
        return number()
      }
    }

    mutating func number() -> JSONValue? {
      let start = index
      func digits() -> Int {
        let begin = index
        while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
        return index - begin
      }
      if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
      let integerStart = index
      let integerDigits = digits()
      guard integerDigits > 0 else { return nil }
      if integerDigits > 1, bytes[integerStart] == UInt8(ascii: "0") { return nil }
      if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
        index += 1
        guard digits() > 0 else { return nil }
      }
      if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
        index += 1
        if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
          index += 1
        }
        guard digits() > 0 else { return nil }
      }
      let text = String(decoding: bytes[start..<index], as: UTF8.self)
      return Double(text).map(JSONValue.number)
    }

    /// A string starting at the opening quote.
    mutating func string() -> String? {
      index += 1
      var out: [UInt8] = []
      while index < bytes.count {
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""):
          // Invalid UTF-8 in the input is replaced, never trusted.
          return String(decoding: out, as: UTF8.self)
        case UInt8(ascii: "\\"):
          guard index < bytes.count else { return nil }
          let escape = bytes[index]
          index += 1
          switch escape {
          case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
          case UInt8(ascii: "b"): out.append(0x08)
          case UInt8(ascii: "f"): out.append(0x0C)
          case UInt8(ascii: "n"): out.append(0x0A)
          case UInt8(ascii: "r"): out.append(0x0D)
          case UInt8(ascii: "t"): out.append(0x09)
          case UInt8(ascii: "u"):
            guard var scalar = hex4() else { return nil }
            if (0xD800...0xDBFF).contains(scalar), index + 1 < bytes.count,
              bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
            {
              let save = index
              index += 2
              if let low = hex4(), (0xDC00...0xDFFF).contains(low) {
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
              } else {
                index = save
              }
            }
            let character = Unicode.Scalar(scalar) ?? "\u{FFFD}"
            out.append(contentsOf: Array(String(Character(character)).utf8))
          default: return nil
          }
        default:
          guard byte >= 0x20 else { return nil }
          out.append(byte)
        }
      }
      return nil
    }

    mutating func hex4() -> UInt32? {
      guard index + 4 <= bytes.count else { return nil }
      var value: UInt32 = 0
      for _ in 0..<4 {
        let byte = bytes[index]
        index += 1
        let digit: UInt8
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
        default: return nil
        }
        value = value << 4 | UInt32(digit)
      }
      return value
    }
  }
}
