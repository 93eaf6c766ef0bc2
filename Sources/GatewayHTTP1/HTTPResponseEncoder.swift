/// Encodes response heads, chunks and interim responses as HTTP/1.1 bytes.
///
/// Appends into a caller-owned `[UInt8]` so one buffer can collect a head and a first body
/// part for a single write. Field names and values we write are validated (style item 9): a
/// field whose name is not a token, or whose value has CR, LF, NUL or another control
/// character (HTAB aside), is dropped rather than written, and counted in the return value so
/// the caller can log it. Dropping keeps one bad agent metadata value from failing a call that
/// otherwise succeeded, and can never split the response.
public enum HTTPResponseEncoder {
  /// `HTTP/1.1 100 Continue` and the empty line.
  public static let continueResponse: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

  /// The last chunk of a chunked body, with no trailers: `0\r\n\r\n`.
  public static let lastChunk: [UInt8] = Array("0\r\n\r\n".utf8)

  /// Appends the status line and header block of `head`.
  ///
  /// Writes the fields of `head.headers` that pass validation (minus framing and connection
  /// fields), then the framing field, then `Connection` as `connection` says.
  /// - Returns: How many fields were dropped as invalid.
  @discardableResult
  public static func encodeHead(
    _ head: HTTPResponseHead, connection: HTTPResponseConnection, into output: inout [UInt8]
  ) -> Int {
    let status = (100...999).contains(head.status) ? head.status : 500
    var reason = head.reason ?? HTTPResponseHead.standardReason(for: status)
    if !isValidValue(reason) || status != head.status {
      reason = HTTPResponseHead.standardReason(for: status)
    }
    output.reserveCapacity(output.count + 128 + head.headers.count * 48)
    output.append(contentsOf: "HTTP/1.1 ".utf8)
    appendDecimal(status, to: &output)
    output.append(HTTPBytes.space)
    output.append(contentsOf: reason.utf8)
    appendCRLF(&output)

    var dropped = 0
    for field in head.headers.fields {
      if isFramingOrConnection(field.name) { continue }
      guard isValidName(field.name), isValidValue(field.value) else {
        dropped += 1
        continue
      }
      appendField(field.name, field.value, to: &output)
    }

    switch head.framing {
    case .contentLength(let length):
      if !head.statusForbidsBody {
        output.append(contentsOf: "Content-Length: ".utf8)
        appendDecimal(max(length, 0), to: &output)
        appendCRLF(&output)
      }
    case .chunked:
      if !head.statusForbidsBody {
        output.append(contentsOf: "Transfer-Encoding: chunked\r\n".utf8)
      }
    case .untilClose:
      break
    }
    switch connection {
    case .keepAlive: break
    case .keepAliveExplicit: output.append(contentsOf: "Connection: keep-alive\r\n".utf8)
    case .close: output.append(contentsOf: "Connection: close\r\n".utf8)
    }
    appendCRLF(&output)
    return dropped
  }

  /// Appends one chunk: hex size, CRLF, the data, CRLF. Appends nothing for empty `data`,
  /// since a zero-length chunk would end the body.
  public static func encodeChunk(_ data: UnsafeRawBufferPointer, into output: inout [UInt8]) {
    guard !data.isEmpty else { return }
    output.reserveCapacity(output.count + data.count + 20)
    appendHex(data.count, to: &output)
    appendCRLF(&output)
    output.append(contentsOf: data)
    appendCRLF(&output)
  }

  /// Appends one chunk of `data`; see ``encodeChunk(_:into:)-(UnsafeRawBufferPointer,_)``.
  public static func encodeChunk(_ data: [UInt8], into output: inout [UInt8]) {
    data.withUnsafeBytes { encodeChunk($0, into: &output) }
  }

  /// Whether `name` is a non-empty token, so it can be written as a field name.
  public static func isValidName(_ name: String) -> Bool {
    !name.isEmpty && name.utf8.allSatisfy(HTTPBytes.isTokenByte)
  }

  /// Whether `value` has no CR, LF, NUL or other control character except HTAB.
  public static func isValidValue(_ value: String) -> Bool {
    value.utf8.allSatisfy(HTTPBytes.isFieldValueByte)
  }

  private static func isFramingOrConnection(_ name: String) -> Bool {
    switch name.utf8.count {
    case 10: HTTPBytes.equalsIgnoringCase(name, "connection")
    case 14: HTTPBytes.equalsIgnoringCase(name, "content-length")
    case 17: HTTPBytes.equalsIgnoringCase(name, "transfer-encoding")
    default: false
    }
  }

  private static func appendField(_ name: String, _ value: String, to output: inout [UInt8]) {
    output.append(contentsOf: name.utf8)
    output.append(HTTPBytes.colon)
    output.append(HTTPBytes.space)
    output.append(contentsOf: value.utf8)
    appendCRLF(&output)
  }

  @inline(__always)
  private static func appendCRLF(_ output: inout [UInt8]) {
    output.append(HTTPBytes.cr)
    output.append(HTTPBytes.lf)
  }

  private static func appendDecimal(_ value: Int, to output: inout [UInt8]) {
    appendDigits(value, radix: 10, to: &output)
  }

  private static func appendHex(_ value: Int, to output: inout [UInt8]) {
    appendDigits(value, radix: 16, to: &output)
  }

  /// Appends non-negative `value` in `radix` (lower-case hex digits) without building a String.
  private static func appendDigits(_ value: Int, radix: Int, to output: inout [UInt8]) {
    var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, no allocation
    var count = 0
    var remaining = UInt(value)
    withUnsafeMutableBytes(of: &digits) { scratch in
      repeat {
        let digit = UInt8(remaining % UInt(radix))
        scratch[23 - count] =
          digit < 10 ? digit + UInt8(ascii: "0") : digit - 10 + UInt8(ascii: "a")
        remaining /= UInt(radix)
        count += 1
      } while remaining > 0 && count < 24
      output.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[(24 - count)...]))
    }
  }
}
