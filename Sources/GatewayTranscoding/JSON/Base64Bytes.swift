import GatewayCore

/// Base64 for `bytes` fields: standard padded on output; on input the standard or URL-safe
/// alphabet (even mixed, as Python's decoder allows), padded or not.
enum Base64Bytes {
  /// 0-63 for the characters of either alphabet, 0xFF for the rest.
  private static let values: [UInt8] = {
    var table = [UInt8](repeating: 0xFF, count: 256)
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
    for (value, character) in alphabet.enumerated() { table[Int(character)] = UInt8(value) }
    table[Int(UInt8(ascii: "+"))] = 62
    table[Int(UInt8(ascii: "-"))] = 62
    table[Int(UInt8(ascii: "/"))] = 63
    table[Int(UInt8(ascii: "_"))] = 63
    return table
  }()

  /// The decoded bytes, or nil when `text` is not base64 (a bad character, misplaced or
  /// excess padding, or a length that leaves one dangling character).
  static func decode(_ text: UnsafeRawBufferPointer) -> [UInt8]? {
    var output: [UInt8] = []
    output.reserveCapacity(text.count / 4 * 3 + 2)
    return decode(text, appendingTo: &output) ? output : nil
  }

  /// Appends the decoded bytes to `output`; false (with `output` holding part of them) when
  /// `text` is not base64.
  static func decode<Sink: ByteSink>(
    _ text: UnsafeRawBufferPointer, appendingTo output: inout Sink
  ) -> Bool {
    var length = text.count
    // Up to two `=` at the end, and only to complete a group of four.
    var padding = 0
    while length > 0 && text[length - 1] == UInt8(ascii: "=") && padding < 2 {
      length -= 1
      padding += 1
    }
    if padding > 0 && text.count % 4 != 0 { return false }
    if length % 4 == 1 { return false }
    return values.withUnsafeBufferPointer { table -> Bool in
      var accumulator: UInt32 = 0
      var bits = 0
      for index in 0..<length {
        let value = table[Int(text[index])]
        if value == 0xFF { return false }
        accumulator = accumulator << 6 | UInt32(value)
        bits += 6
        if bits >= 8 {
          bits -= 8
          output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
        }
      }
      return true
    }
  }

  /// Appends the padded standard encoding, quoted.
  static func appendQuoted(_ bytes: [UInt8], to output: inout [UInt8]) {
    output.append(UInt8(ascii: "\""))
    bytes.withUnsafeBytes { Base64.encode($0, appendingTo: &output) }
    output.append(UInt8(ascii: "\""))
  }
}
