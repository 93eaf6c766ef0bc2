/// Line parsers for the request line, header and trailer fields, chunk sizes, and the body
/// framing rules of RFC 9112 section 6.
extension HTTPRequestParser {
  /// Parses `method SP target SP HTTP/x.y` from `line` into the head under construction.
  mutating func parseRequestLine(_ line: Range<Int>) throws(HTTPParserError) {
    let parsed: (method: String, target: String, version: HTTPVersion)? =
      buffer.withUnsafeBufferPointer { all in
        let bytes = UnsafeBufferPointer(rebasing: all[line])
        var index = 0
        while index < bytes.count, HTTPBytes.isTokenByte(bytes[index]) { index += 1 }
        guard index > 0, index < bytes.count, bytes[index] == HTTPBytes.space else { return nil }
        let methodEnd = index
        index += 1
        let targetStart = index
        while index < bytes.count, bytes[index] > HTTPBytes.space, bytes[index] != 0x7F {
          index += 1
        }
        guard index > targetStart, index < bytes.count, bytes[index] == HTTPBytes.space else {
          return nil
        }
        let method = String(
          decoding: UnsafeBufferPointer(rebasing: bytes[..<methodEnd]), as: UTF8.self)
        let target = String(
          decoding: UnsafeBufferPointer(rebasing: bytes[targetStart..<index]), as: UTF8.self)
        return (method, target, Self.version(UnsafeBufferPointer(rebasing: bytes[(index + 1)...])))
      }
    guard let parsed else {
      throw HTTPParserError(
        code: .invalidRequestLine,
        message: "The request line is not 'METHOD SP target SP HTTP/1.1'.")
    }
    guard parsed.version.major >= 0 else {
      throw HTTPParserError(code: .invalidVersion, message: "The HTTP version is malformed.")
    }
    guard parsed.version.major == 1 else {
      throw HTTPParserError(
        code: .unsupportedVersion, message: "Only HTTP/1.0 and HTTP/1.1 are supported.")
    }
    method = parsed.method
    target = parsed.target
    version = parsed.version
  }

  /// `HTTP/<digit>.<digit>`, or major -1 when malformed.
  private static func version(_ bytes: UnsafeBufferPointer<UInt8>) -> HTTPVersion {
    let malformed = HTTPVersion(major: -1, minor: -1)
    guard bytes.count == 8, bytes[0] == UInt8(ascii: "H"), bytes[1] == UInt8(ascii: "T"),
      bytes[2] == UInt8(ascii: "T"), bytes[3] == UInt8(ascii: "P"),
      bytes[4] == UInt8(ascii: "/"), bytes[6] == UInt8(ascii: ".")
    else { return malformed }
    let major = bytes[5] &- UInt8(ascii: "0")
    let minor = bytes[7] &- UInt8(ascii: "0")
    guard major < 10, minor < 10 else { return malformed }
    return HTTPVersion(major: Int(major), minor: Int(minor))
  }

  /// Parses a non-empty `name: value` line; the value has OWS trimmed.
  func parseField(_ line: Range<Int>) throws(HTTPParserError) -> (name: String, value: String) {
    try buffer.withUnsafeBufferPointer { (all) throws(HTTPParserError) in
      let bytes = UnsafeBufferPointer(rebasing: all[line])
      guard !HTTPBytes.isWhitespace(bytes[0]) else {
        throw HTTPParserError(
          code: .obsoleteLineFolding,
          message: "A header line starts with whitespace (obsolete line folding).")
      }
      var index = 0
      while index < bytes.count, HTTPBytes.isTokenByte(bytes[index]) { index += 1 }
      let nameEnd = index
      if index < bytes.count, HTTPBytes.isWhitespace(bytes[index]) {
        while index < bytes.count, HTTPBytes.isWhitespace(bytes[index]) { index += 1 }
        if index < bytes.count, bytes[index] == HTTPBytes.colon, nameEnd > 0 {
          throw HTTPParserError(
            code: .whitespaceBeforeColon,
            message: "Whitespace between a header name and its colon.")
        }
      }
      guard nameEnd > 0, index == nameEnd, index < bytes.count, bytes[index] == HTTPBytes.colon
      else {
        throw HTTPParserError(
          code: .invalidHeaderName,
          message: "A header name is empty, has an invalid character or lacks its colon.")
      }
      var start = index + 1
      var end = bytes.count
      while start < end, HTTPBytes.isWhitespace(bytes[start]) { start += 1 }
      while end > start, HTTPBytes.isWhitespace(bytes[end - 1]) { end -= 1 }
      for byte in UnsafeBufferPointer(rebasing: bytes[start..<end])
      where !HTTPBytes.isFieldValueByte(byte) {
        throw HTTPParserError(
          code: .invalidHeaderValue, message: "A header value contains a control character.")
      }
      return (
        String(decoding: UnsafeBufferPointer(rebasing: bytes[..<nameEnd]), as: UTF8.self),
        String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
      )
    }
  }

  /// Parses `hex-size [BWS ; extensions]`; extensions are ignored. Checks the running body total
  /// against the limit before any of the chunk's data is read.
  func parseChunkSize(_ line: Range<Int>) throws(HTTPParserError) -> Int {
    let size: Int? = buffer.withUnsafeBufferPointer { all in
      let bytes = UnsafeBufferPointer(rebasing: all[line])
      var index = 0
      var size = 0
      while index < bytes.count, let digit = HTTPBytes.hexValue(bytes[index]) {
        let (shifted, overflow) = size.multipliedReportingOverflow(by: 16)
        guard !overflow else { return nil }
        size = shifted | digit
        index += 1
      }
      guard index > 0 else { return nil }
      while index < bytes.count, HTTPBytes.isWhitespace(bytes[index]) { index += 1 }
      guard index == bytes.count || bytes[index] == HTTPBytes.semicolon else { return nil }
      return size
    }
    guard let size else {
      throw HTTPParserError(code: .invalidChunkSize, message: "A chunk size is not valid hex.")
    }
    guard size <= limits.maxBodySize - chunkedBodyBytes else {
      throw Self.bodyTooLarge(limits)
    }
    return size
  }

  /// Builds the head from the fields read so far and moves to the body state it calls for.
  mutating func finishHead() throws(HTTPParserError) -> HTTPRequestHead {
    let framing = try Self.bodyFraming(of: headers, limits: limits)
    let head = HTTPRequestHead(
      method: method, target: target, version: version, headers: headers, bodyFraming: framing)
    headers = HTTPHeaders()
    switch framing {
    case .none, .contentLength(0):
      state = .messageEnd
    case .contentLength(let length):
      state = .contentBody(remaining: length)
    case .chunked:
      chunkedBodyBytes = 0
      state = .chunkSizeLine
    }
    return head
  }

  /// The body framing `headers` declare (RFC 9112 section 6.3), rejecting every ambiguous or
  /// unsupported shape. `Transfer-Encoding` must be exactly one `chunked` (across all its
  /// lines); we implement no other coding, and anything else could be smuggling.
  static func bodyFraming(
    of headers: HTTPHeaders, limits: HTTPParserLimits
  ) throws(HTTPParserError) -> HTTPBodyFraming {
    var contentLength: Int?
    var sawTransferEncoding = false
    var codings = 0
    var lastIsChunked = false
    var failure: HTTPParserError?
    for field in headers.fields {
      if HTTPBytes.equalsIgnoringCase(field.name, "content-length") {
        var elements = 0
        HTTPBytes.forEachListElement(field.value) { element in
          elements += 1
          guard let length = contentLengthValue(element) else {
            failure = invalidContentLength
            return false
          }
          if let previous = contentLength, previous != length {
            failure = HTTPParserError(
              code: .conflictingContentLengths, message: "Content-Length values differ.")
            return false
          }
          contentLength = length
          return true
        }
        if let failure { throw failure }
        if elements == 0 { throw invalidContentLength }
      } else if HTTPBytes.equalsIgnoringCase(field.name, "transfer-encoding") {
        sawTransferEncoding = true
        HTTPBytes.forEachListElement(field.value) { element in
          codings += 1
          lastIsChunked = HTTPBytes.equalsIgnoringCase(element, "chunked")
          return true
        }
      }
    }
    if sawTransferEncoding {
      guard contentLength == nil else {
        throw HTTPParserError(
          code: .contentLengthWithTransferEncoding,
          message: "Both Content-Length and Transfer-Encoding are present.")
      }
      guard codings == 1, lastIsChunked else {
        throw HTTPParserError(
          code: .unsupportedTransferEncoding,
          message: "Transfer-Encoding must be exactly 'chunked'.")
      }
      return .chunked
    }
    guard let contentLength else { return .none }
    guard contentLength <= limits.maxBodySize else { throw bodyTooLarge(limits) }
    return .contentLength(contentLength)
  }

  /// A non-negative decimal, or nil when empty, non-numeric or overflowing.
  private static func contentLengthValue(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    var value = 0
    for byte in bytes {
      let digit = byte &- UInt8(ascii: "0")
      guard digit < 10 else { return nil }
      let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
      let (sum, overflow2) = shifted.addingReportingOverflow(Int(digit))
      guard !overflow, !overflow2 else { return nil }
      value = sum
    }
    return bytes.isEmpty ? nil : value
  }

  private static var invalidContentLength: HTTPParserError {
    HTTPParserError(
      code: .invalidContentLength, message: "Content-Length is not a non-negative decimal number.")
  }

  static func bodyTooLarge(_ limits: HTTPParserLimits) -> HTTPParserError {
    HTTPParserError(
      code: .bodyTooLarge, message: "The request body is larger than \(limits.maxBodySize) bytes.")
  }
}
