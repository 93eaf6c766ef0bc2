/// Writing JSON strings straight into a byte buffer.
extension Array where Element == UInt8 {
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
      let byte = bytes[index]
      if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
        index += 1
        continue
      }
      if runStart < index {
        append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<index]))
      }
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
        append(contentsOf: "u00".utf8)
        append(hex.utf8Start[Int(byte >> 4)])
        append(hex.utf8Start[Int(byte & 0xF)])
      }
      index += 1
      runStart = index
    }
    if runStart < count {
      append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<count]))
    }
    append(UInt8(ascii: "\""))
  }

  /// Appends a static ASCII fragment (`"@type":`, `null`).
  @inline(__always)
  mutating func appendASCII(_ text: StaticString) {
    append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
  }
}
