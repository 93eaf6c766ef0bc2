import GatewayHTTP1
import Testing

/// One named test per hostile input (style item 7); each runs in every split.
@Suite("HTTPRequestParser: hostile input")
struct HTTPRequestParserHostileTests {
  static let small = HTTPParserLimits(
    maxRequestLineLength: 32, maxHeaderBlockSize: 96, maxHeaderCount: 3, maxBodySize: 10,
    maxChunkSizeLineLength: 8)

  @Test(arguments: [
    "GET /\r\n\r\n", "GET  / HTTP/1.1\r\n\r\n", "G(T / HTTP/1.1\r\n\r\n", " GET / HTTP/1.1\r\n\r\n",
    "GET / HTTP/1.1 \r\n\r\n", "GET\r\n\r\n", "GET /a\u{1}b HTTP/1.1\r\n\r\n",
  ])
  func malformedRequestLine(line: String) {
    let code: HTTPParserError.Code =
      line.hasSuffix("1.1 \r\n\r\n") ? .invalidVersion : .invalidRequestLine
    #expect(expectParseError(line, code).isEmpty)
  }

  @Test(arguments: ["HTTP/1.x", "HTTP/11", "http/1.1", "HTTP/1.1.1", "HTTQ/1.1"])
  func badVersion(version: String) {
    expectParseError("GET / \(version)\r\n\r\n", .invalidVersion)
  }

  @Test func unsupportedVersion() {
    expectParseError("GET / HTTP/2.0\r\n\r\n", .unsupportedVersion)
  }

  @Test func obsoleteLineFolding() {
    expectParseError("GET / HTTP/1.1\r\nX-A: one\r\n two\r\n\r\n", .obsoleteLineFolding)
    expectParseError("GET / HTTP/1.1\r\n\tX-A: one\r\n\r\n", .obsoleteLineFolding)
  }

  @Test func whitespaceBeforeColon() {
    expectParseError("GET / HTTP/1.1\r\nHost : x\r\n\r\n", .whitespaceBeforeColon)
    expectParseError("GET / HTTP/1.1\r\nHost\t: x\r\n\r\n", .whitespaceBeforeColon)
  }

  @Test(arguments: ["Ho\"st: x", "Ho(st: x", "Hé: x", ": x", "NoColon", "Two words: x"])
  func invalidHeaderName(line: String) {
    expectParseError("GET / HTTP/1.1\r\n\(line)\r\n\r\n", .invalidHeaderName)
  }

  @Test func carriageReturnInValue() {
    expectParseError("GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n", .invalidHeaderValue)
  }

  @Test func nulInValue() {
    expectParseError("GET / HTTP/1.1\r\nX-A: a\u{0}b\r\n\r\n", .invalidHeaderValue)
  }

  @Test func controlCharacterInValue() {
    expectParseError("GET / HTTP/1.1\r\nX-A: a\u{1B}b\r\n\r\n", .invalidHeaderValue)
  }

  /// A lone LF inside a value ends the line without CR: strict line endings reject it.
  @Test func lineFeedInValue() {
    expectParseError("GET / HTTP/1.1\r\nX-A: a\nX-B: b\r\n\r\n", .invalidLineEnding)
  }

  @Test func bareLineFeedLineEndings() {
    expectParseError("GET / HTTP/1.1\n\n", .invalidLineEnding)
    expectParseError("GET / HTTP/1.1\r\nHost: x\n\r\n", .invalidLineEnding)
    expectParseError("\nGET / HTTP/1.1\r\n\r\n", .invalidLineEnding)
  }

  @Test func contentLengthWithTransferEncoding() {
    expectParseError(
      "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
      .contentLengthWithTransferEncoding)
    expectParseError(
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
      .contentLengthWithTransferEncoding)
  }

  @Test func multipleDifferingContentLengths() {
    expectParseError(
      "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
      .conflictingContentLengths)
    expectParseError(
      "POST / HTTP/1.1\r\nContent-Length: 3, 4\r\n\r\nabcd", .conflictingContentLengths)
  }

  @Test(arguments: ["abc", "-1", "+5", "1 2", "0x10", "", "99999999999999999999", "1.0"])
  func invalidContentLength(value: String) {
    expectParseError("POST / HTTP/1.1\r\nContent-Length: \(value)\r\n\r\n", .invalidContentLength)
  }

  @Test(arguments: ["gzip", "gzip, chunked", "chunked, gzip", "chunked, chunked", "identity", ""])
  func transferEncodingOtherThanChunked(value: String) {
    expectParseError(
      "POST / HTTP/1.1\r\nTransfer-Encoding: \(value)\r\n\r\n0\r\n\r\n",
      .unsupportedTransferEncoding)
  }

  @Test func chunkedTwiceAcrossLines() {
    expectParseError(
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
      .unsupportedTransferEncoding)
  }

  @Test(arguments: ["zz", "", ";ext", "5x", "-5", "ffffffffffffffffff"])
  func badChunkSize(line: String) {
    let events = expectParseError(
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\(line)\r\nhello\r\n0\r\n\r\n",
      .invalidChunkSize)
    #expect(events.count == 1)
  }

  @Test func chunkDataWithoutCRLF() {
    let events = expectParseError(
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXY0\r\n\r\n",
      .invalidChunkDelimiter)
    #expect(events.count == 2)
    #expect(events.last == .bodyPart(Array("hello".utf8)))
  }

  @Test func requestLineOverLimit() {
    expectParseError(
      "GET /" + String(repeating: "a", count: 30) + " HTTP/1.1\r\n\r\n",
      .requestLineTooLong, limits: Self.small)
    // Detected without waiting for the line to end.
    expectParseError(
      "GET /" + String(repeating: "a", count: 40), .requestLineTooLong, limits: Self.small)
  }

  @Test func requestLineAtLimitIsAccepted() {
    let line = "GET /" + String(repeating: "a", count: 18) + " HTTP/1.1"
    #expect(line.utf8.count == 32)
    #expect(parseInEverySplit(line + "\r\n\r\n", limits: Self.small).error == nil)
  }

  @Test func headerBlockOverLimit() {
    expectParseError(
      "GET / HTTP/1.1\r\nX-A: " + String(repeating: "v", count: 80) + "\r\n\r\n",
      .headerBlockTooLarge, limits: Self.small)
    expectParseError(
      "GET / HTTP/1.1\r\nX-A: " + String(repeating: "v", count: 200), .headerBlockTooLarge,
      limits: Self.small)
  }

  @Test func headerCountOverLimit() {
    expectParseError(
      "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", .tooManyHeaders, limits: Self.small)
    #expect(
      parseInEverySplit("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits: Self.small).error
        == nil)
  }

  @Test func chunkSizeLineOverLimit() {
    expectParseError(
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;abcdefgh\r\nx\r\n0\r\n\r\n",
      .chunkSizeLineTooLong, limits: Self.small)
  }

  @Test func contentLengthOverBodyLimitIsReportedAtHead() {
    let events = expectParseError(
      "POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", .bodyTooLarge, limits: Self.small)
    #expect(events.isEmpty)
  }

  @Test func chunkedBodyOverLimitIsReportedBeforeTheChunkData() {
    let events = expectParseError(
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n5\r\n",
      .bodyTooLarge, limits: Self.small)
    #expect(events.count == 2)
    #expect(events.last == .bodyPart(Array("abcdef".utf8)))
  }

  @Test func trailerCountOverLimit() {
    expectParseError(
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n",
      .tooManyHeaders, limits: Self.small)
  }

  @Test func invalidTrailerField() {
    expectParseError(
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nBad Name: 1\r\n\r\n",
      .invalidHeaderName)
  }

  @Test func failedParserStaysFailed() {
    var parser = HTTPRequestParser()
    parser.append(Array("GET / HTTP/9.9\r\n\r\nGET / HTTP/1.1\r\n\r\n".utf8))
    #expect(throws: HTTPParserError.self) { try parser.next() }
    do {
      _ = try parser.next()
      Issue.record("expected the same error again")
    } catch {
      #expect(error.code == .unsupportedVersion)
    }
  }
}
