/// Table-driven base64 (RFC 4648) on bytes.
///
/// Encoding writes the standard alphabet with padding. Decoding takes the standard (`+/`) or
/// URL-safe (`-_`) alphabet, with or without padding, and rejects any other character
/// (whitespace included), misplaced padding, and a length that leaves a single dangling
/// character. Bits below the last full byte are ignored, as most decoders do.
public enum Base64 {
  /// Which characters stand for the values 62 and 63.
  public enum Alphabet: Sendable {
    /// `+` and `/` (RFC 4648 section 4).
    case standard
    /// `-` and `_` (RFC 4648 section 5), as in JWTs.
    case urlSafe
  }

  // MARK: Encoding

  /// The number of characters `byteCount` bytes encode to, padding included.
  public static func encodedCount(_ byteCount: Int) -> Int { (byteCount + 2) / 3 * 4 }

  /// Appends the padded standard encoding of `bytes` to `output`.
  public static func encode(_ bytes: UnsafeRawBufferPointer, appendingTo output: inout [UInt8]) {
    let outCount = encodedCount(bytes.count)
    guard outCount > 0 else { return }
    let start = output.count
    output.append(contentsOf: repeatElement(0, count: outCount))
    output.withUnsafeMutableBufferPointer { out in
      encodeTable.withUnsafeBufferPointer { table in
        var o = start
        var i = 0
        let n = bytes.count
        while i + 3 <= n {
          let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
          out[o] = table[Int(v >> 18)]
          out[o + 1] = table[Int(v >> 12 & 0x3F)]
          out[o + 2] = table[Int(v >> 6 & 0x3F)]
          out[o + 3] = table[Int(v & 0x3F)]
          i += 3
          o += 4
        }
        switch n - i {
        case 1:
          let v = UInt32(bytes[i]) << 16
          out[o] = table[Int(v >> 18)]
          out[o + 1] = table[Int(v >> 12 & 0x3F)]
          out[o + 2] = pad
          out[o + 3] = pad
        case 2:
          let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
          out[o] = table[Int(v >> 18)]
          out[o + 1] = table[Int(v >> 12 & 0x3F)]
          out[o + 2] = table[Int(v >> 6 & 0x3F)]
          out[o + 3] = pad
        default:
          break
        }
      }
    }
  }

  /// The padded standard encoding of `bytes`.
  public static func encode(_ bytes: [UInt8]) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(encodedCount(bytes.count))
    bytes.withUnsafeBytes { encode($0, appendingTo: &out) }
    return String(decoding: out, as: UTF8.self)
  }

  // MARK: Decoding

  /// Decodes `encoded` (padded or not) in `alphabet`; `nil` if it is not valid base64.
  public static func decode(_ encoded: UnsafeRawBufferPointer, alphabet: Alphabet = .standard)
    -> [UInt8]?
  {
    var out: [UInt8] = []
    guard decode(encoded, alphabet: alphabet, appendingTo: &out) else { return nil }
    return out
  }

  /// Decodes `encoded` (padded or not) in `alphabet`; `nil` if it is not valid base64.
  public static func decode(_ encoded: [UInt8], alphabet: Alphabet = .standard) -> [UInt8]? {
    encoded.withUnsafeBytes { decode($0, alphabet: alphabet) }
  }

  /// Decodes `encoded` (padded or not) in `alphabet`; `nil` if it is not valid base64.
  public static func decode(_ encoded: String, alphabet: Alphabet = .standard) -> [UInt8]? {
    var encoded = encoded
    return encoded.withUTF8 { decode(UnsafeRawBufferPointer($0), alphabet: alphabet) }
  }

  /// Decodes one part of a JWT: URL-safe alphabet, padding optional.
  public static func base64URLDecode(_ encoded: String) -> [UInt8]? {
    decode(encoded, alphabet: .urlSafe)
  }

  /// Appends the decoding of `encoded` to `output`.
  ///
  /// - Returns: `false` (with `output` unchanged) when `encoded` is not valid base64.
  public static func decode(
    _ encoded: UnsafeRawBufferPointer, alphabet: Alphabet, appendingTo output: inout [UInt8]
  ) -> Bool {
    var body = encoded.count
    // Padding is optional, but when present it must complete the last group.
    if body > 0, encoded[body - 1] == pad {
      guard body % 4 == 0 else { return false }
      body -= 1
      if encoded[body - 1] == pad { body -= 1 }
    }
    let tail = body % 4
    guard tail != 1 else { return false }
    let start = output.count
    let fullGroups = body / 4
    let outCount = fullGroups * 3 + (tail == 0 ? 0 : tail - 1)
    output.append(contentsOf: repeatElement(0, count: outCount))
    let ok = output.withUnsafeMutableBufferPointer { out in
      table(for: alphabet).withUnsafeBufferPointer { table -> Bool in
        var o = start
        var i = 0
        var bad: UInt8 = 0
        for _ in 0..<fullGroups {
          let a = table[Int(encoded[i])]
          let b = table[Int(encoded[i + 1])]
          let c = table[Int(encoded[i + 2])]
          let d = table[Int(encoded[i + 3])]
          bad |= a | b | c | d
          let v = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
          out[o] = UInt8(truncatingIfNeeded: v >> 16)
          out[o + 1] = UInt8(truncatingIfNeeded: v >> 8)
          out[o + 2] = UInt8(truncatingIfNeeded: v)
          i += 4
          o += 3
        }
        if tail >= 2 {
          let a = table[Int(encoded[i])]
          let b = table[Int(encoded[i + 1])]
          let c = tail == 3 ? table[Int(encoded[i + 2])] : 0
          bad |= a | b | c
          let v = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6
          out[o] = UInt8(truncatingIfNeeded: v >> 16)
          if tail == 3 { out[o + 1] = UInt8(truncatingIfNeeded: v >> 8) }
        }
        return bad & invalidMask == 0
      }
    }
    if !ok { output.removeSubrange(start...) }
    return ok
  }

  /// Appends the decoding of `groups`, whose length is a multiple of 4, where every 4-character
  /// group may end in padding (`xx==`, `xxx=`): the form of concatenated, separately padded
  /// base64 units, as in gRPC-Web text streams. Standard alphabet only.
  ///
  /// - Returns: `false` (with `output` unchanged) when a group is invalid.
  package static func decodeGroupsAllowingPadding(
    _ groups: UnsafeRawBufferPointer, appendingTo output: inout [UInt8]
  ) -> Bool {
    precondition(groups.count % 4 == 0, "decodeGroupsAllowingPadding needs whole groups")
    let start = output.count
    output.reserveCapacity(start + groups.count / 4 * 3)
    var i = 0
    while i < groups.count {
      // Find the next padded group; everything before it decodes in one fast pass.
      var end = i
      while end < groups.count, groups[end + 3] != pad { end += 4 }
      if end < groups.count { end += 4 }
      let slice = UnsafeRawBufferPointer(rebasing: groups[i..<end])
      guard decode(slice, alphabet: .standard, appendingTo: &output) else {
        output.removeSubrange(start...)
        return false
      }
      i = end
    }
    return true
  }

  // MARK: Tables

  static let pad = UInt8(ascii: "=")
  /// Table entries for characters outside the alphabet; any of these bits marks a bad group.
  static let invalidMask: UInt8 = 0xC0

  static let encodeTable: [UInt8] = Array(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

  static let standardDecodeTable = makeDecodeTable(UInt8(ascii: "+"), UInt8(ascii: "/"))
  static let urlSafeDecodeTable = makeDecodeTable(UInt8(ascii: "-"), UInt8(ascii: "_"))

  static func table(for alphabet: Alphabet) -> [UInt8] {
    switch alphabet {
    case .standard: standardDecodeTable
    case .urlSafe: urlSafeDecodeTable
    }
  }

  private static func makeDecodeTable(_ c62: UInt8, _ c63: UInt8) -> [UInt8] {
    var table = [UInt8](repeating: 0xFF, count: 256)
    for (value, char) in encodeTable.prefix(62).enumerated() { table[Int(char)] = UInt8(value) }
    table[Int(c62)] = 62
    table[Int(c63)] = 63
    return table
  }
}
