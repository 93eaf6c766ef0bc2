import GatewayHTTP1
import Testing

@Suite("HTTPResponseEncoder")
struct HTTPResponseEncoderTests {
  private func encode(
    _ head: HTTPResponseHead, _ connection: HTTPResponseConnection = .keepAlive
  ) -> (String, Int) {
    var output: [UInt8] = []
    let dropped = HTTPResponseEncoder.encodeHead(head, connection: connection, into: &output)
    return (text(output), dropped)
  }

  @Test func contentLengthHead() {
    let head = HTTPResponseHead(
      status: 200, headers: ["Content-Type": "application/json"], framing: .contentLength(17))
    let (bytes, dropped) = encode(head)
    #expect(
      bytes == "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n")
    #expect(dropped == 0)
  }

  @Test func chunkedHeadWithClose() {
    let head = HTTPResponseHead(
      status: 200, headers: ["Content-Type": "application/x-ndjson"], framing: .chunked)
    let (bytes, _) = encode(head, .close)
    #expect(
      bytes == "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
        + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
  }

  @Test func explicitKeepAliveAndCustomReason() {
    let head = HTTPResponseHead(status: 401, reason: "Nope", framing: .contentLength(0))
    let (bytes, _) = encode(head, .keepAliveExplicit)
    #expect(bytes == "HTTP/1.1 401 Nope\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n")
  }

  @Test func untilCloseWritesNoLength() {
    let (bytes, _) = encode(HTTPResponseHead(status: 200, framing: .untilClose), .close)
    #expect(bytes == "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
  }

  @Test func invalidFieldsAreDroppedAndCounted() {
    let head = HTTPResponseHead(
      status: 200,
      headers: [
        "Grpc-Metadata-Ok": "fine\tvalue", "Grpc-Metadata-Cr": "a\rb", "Grpc-Metadata-Lf": "a\nb",
        "Grpc-Metadata-Nul": "a\u{0}b", "Bad Name": "x", "": "empty", "X-Last": "kept",
      ], framing: .contentLength(0))
    let (bytes, dropped) = encode(head)
    #expect(dropped == 5)
    #expect(
      bytes == "HTTP/1.1 200 OK\r\nGrpc-Metadata-Ok: fine\tvalue\r\nX-Last: kept\r\n"
        + "Content-Length: 0\r\n\r\n")
  }

  @Test func callerFramingFieldsAreIgnored() {
    let head = HTTPResponseHead(
      status: 200,
      headers: ["content-length": "999", "Transfer-Encoding": "gzip", "CONNECTION": "upgrade"],
      framing: .contentLength(2))
    let (bytes, dropped) = encode(head)
    #expect(bytes == "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n")
    #expect(dropped == 0)
  }

  @Test func badReasonFallsBackToStandard() {
    let (bytes, _) = encode(
      HTTPResponseHead(status: 404, reason: "x\r\nSet-Cookie: a", framing: .contentLength(0)))
    #expect(bytes == "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
  }

  @Test(arguments: [(204, "No Content"), (304, "Not Modified")])
  func noBodyStatusesHaveNoLength(status: Int, reason: String) {
    let (bytes, _) = encode(HTTPResponseHead(status: status, framing: .contentLength(10)))
    #expect(bytes == "HTTP/1.1 \(status) \(reason)\r\n\r\n")
  }

  @Test func outOfRangeStatusBecomes500() {
    let (bytes, _) = encode(HTTPResponseHead(status: 42, framing: .contentLength(0)))
    #expect(bytes == "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n")
  }

  @Test func largeContentLength() {
    let (bytes, _) = encode(HTTPResponseHead(status: 200, framing: .contentLength(Int.max)))
    #expect(bytes == "HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\n")
  }

  @Test(arguments: [(1, "1"), (10, "a"), (26, "1a"), (4096, "1000"), (65535, "ffff")])
  func chunkSizesAreLowerCaseHex(size: Int, hex: String) {
    var output: [UInt8] = []
    let data = [UInt8](repeating: UInt8(ascii: "x"), count: size)
    HTTPResponseEncoder.encodeChunk(data, into: &output)
    #expect(output == Array("\(hex)\r\n".utf8) + data + Array("\r\n".utf8))
  }

  @Test func emptyChunkIsNeverEmitted() {
    var output: [UInt8] = Array("prefix".utf8)
    HTTPResponseEncoder.encodeChunk([], into: &output)
    #expect(text(output) == "prefix")
  }

  @Test func fixedMessages() {
    #expect(text(HTTPResponseEncoder.lastChunk) == "0\r\n\r\n")
    #expect(text(HTTPResponseEncoder.continueResponse) == "HTTP/1.1 100 Continue\r\n\r\n")
  }

  /// What we encode, our own parser (reading it as a request body) accepts as chunked data.
  @Test func chunkedOutputRoundTripsThroughParser() throws {
    var body: [UInt8] = []
    HTTPResponseEncoder.encodeChunk(Array("{\"result\":1}\n".utf8), into: &body)
    HTTPResponseEncoder.encodeChunk(Array(repeating: 0x41, count: 300), into: &body)
    body += HTTPResponseEncoder.lastChunk
    let outcome = parseInEverySplit(
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + text(body))
    #expect(outcome.error == nil)
    #expect(
      outcome.events.dropFirst().first
        == .bodyPart(Array("{\"result\":1}\n".utf8) + Array(repeating: 0x41, count: 300)))
  }
}
