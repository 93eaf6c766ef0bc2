/// Writing JSON strings straight into a byte buffer.
extension ByteSink {
  /// Appends `string` as a quoted JSON string: `"` and `\` escaped, control characters as
  /// `\n`-style or `\u00XX` escapes, everything else (non-ASCII included) as UTF-8.
  @inline(__always)
  mutating func appendJSONString(_ string: String) {
    var string = string
    string.withUTF8 { appendJSONString(UnsafeRawBufferPointer($0)) }
  }

  /// Appends valid UTF-8 `bytes` as a quoted JSON string.
  mutating func appendJSONString(_ bytes: UnsafeRawBufferPointer) {
    append(UInt8(ascii: "\""))
    var runStart = 0
    var index = 0
    let count = bytes.count
    while index < count {
      if index + 8 <= count {
        let mask = ByteWord.quoteBackslashControl(
          bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
        if mask == 0 {
          index += 8
          continue
        }
        index += mask.trailingZeroBitCount >> 3
      }
      let byte = bytes[index]
      if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
        index += 1
        continue
      }
      if runStart < index {
        appendBytes(UnsafeRawBufferPointer(rebasing: bytes[runStart..<index]))
      }
      appendEscape(byte)
      index += 1
      runStart = index
    }
    if runStart < count {
      appendBytes(UnsafeRawBufferPointer(rebasing: bytes[runStart..<count]))
    }
    append(UInt8(ascii: "\""))
  }

  /// Appends the escape of a byte a JSON string cannot carry as it is (`"`, `\\`, below 0x20).
  mutating func appendEscape(_ byte: UInt8) {
    append(UInt8(ascii: "\\"))
    switch byte {
    case UInt8(ascii: "\""): append(UInt8(ascii: "\""))
    case UInt8(ascii: "\\"): append(UInt8(ascii: "\\"))
    case 0x08: append(UInt8(ascii: "b"))
    case 0x0C: append(UInt8(ascii: "f"))
    case 0x0A: append(UInt8(ascii: "n"))
    case 0x0D: append(UInt8(ascii: "r"))
    case 0x09: append(UInt8(ascii: "t"))
    default:
      let hex: StaticString = "0123456789abcdef"
      appendASCII("u00")
      append(hex.utf8Start[Int(byte >> 4)])
      append(hex.utf8Start[Int(byte & 0xF)])
    }
  }

  /// Appends a string's UTF-8 bytes as they are.
  @inline(__always)
  mutating func appendString(_ string: String) {
    var string = string
    string.withUTF8 { appendBytes(UnsafeRawBufferPointer($0)) }
  }

  /// Appends a static ASCII fragment (`"@type":`, `null`).
  @inline(__always)
  mutating func appendASCII(_ text: StaticString) {
    appendBytes(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
  }
}

/// Eight bytes at a time ("SWAR"): masks with the high bit set in the bytes a JSON string
/// cannot carry as they are. The lowest flagged byte is always a real match (bits above it
/// may be false, from borrows), so callers skip to it and look at it alone.
enum ByteWord {
  private static let ones: UInt64 = 0x0101_0101_0101_0101
  private static let highs: UInt64 = 0x8080_8080_8080_8080

  @inline(__always)
  static func zeroMask(_ word: UInt64) -> UInt64 { (word &- ones) & ~word & highs }

  /// Bytes that are `"`, `\` or below 0x20.
  @inline(__always)
  static func quoteBackslashControl(_ word: UInt64) -> UInt64 {
    ((word &- 0x20 &* ones) & ~word & highs) | zeroMask(word ^ (0x22 &* ones))
      | zeroMask(word ^ (0x5C &* ones))
  }

  /// Bytes that are `"`, `\`, below 0x20 or not ASCII.
  @inline(__always)
  static func quoteBackslashControlHigh(_ word: UInt64) -> UInt64 {
    (word & highs) | quoteBackslashControl(word)
  }
}
