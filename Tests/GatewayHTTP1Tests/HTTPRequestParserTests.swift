import GatewayHTTP1
import Testing

@Suite("HTTPRequestParser: valid requests")
struct HTTPRequestParserTests {
  @Test func getWithoutBody() throws {
    let outcome = parseInEverySplit("GET /-/health HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n")
    #expect(outcome.error == nil)
    #expect(outcome.events.count == 2)
    guard case .head(let head) = outcome.events.first else {
      Issue.record("no head: \(outcome)")
      return
    }
    #expect(head.method == "GET")
    #expect(head.target == "/-/health")
    #expect(head.version == .http11)
    #expect(
      head.headers.fields == [.init(name: "Host", value: "x"), .init(name: "Accept", value: "*/*")])
    #expect(head.bodyFraming == HTTPBodyFraming.none)
    #expect(head.keepAlive)
    #expect(!head.expectsContinue)
    #expect(outcome.events.last == .end)
  }

  @Test func contentLengthBody() {
    let outcome = parseInEverySplit(
      "POST /pkg.Svc/Method HTTP/1.1\r\nContent-Type: application/json\r\n"
        + "Content-Length: 13\r\n\r\n{\"name\":\"x\"}!")
    #expect(outcome.error == nil)
    #expect(outcome.events.count == 3)
    #expect(outcome.events[1] == .bodyPart(Array("{\"name\":\"x\"}!".utf8)))
    #expect(outcome.events[2] == .end)
    if case .head(let head) = outcome.events[0] {
      #expect(head.bodyFraming == .contentLength(13))
      #expect(head.headers["content-type"] == "application/json")
      #expect(head.headers["CONTENT-TYPE"] == "application/json")
    } else {
      Issue.record("no head")
    }
  }

  @Test func zeroContentLengthEndsImmediately() {
    let outcome = parseInEverySplit("POST /a HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
    #expect(outcome.events.count == 2)
    #expect(outcome.events.last == .end)
  }

  @Test func chunkedBodyWithExtensionsAndTrailers() {
    let outcome = parseInEverySplit(
      "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "5;name=value\r\nhello\r\n"
        + "6 ; a=b;c\r\n world\r\n"
        + "A\r\n0123456789\r\n"
        + "0;last\r\nExpires: never\r\nGrpc-Status: 0\r\n\r\n"
        + "GET /next HTTP/1.1\r\n\r\n")
    #expect(outcome.error == nil)
    #expect(outcome.events.count == 5, "\(outcome)")
    if case .head(let head) = outcome.events[0] {
      #expect(head.bodyFraming == .chunked)
    }
    #expect(outcome.events[1] == .bodyPart(Array("hello world0123456789".utf8)))
    #expect(outcome.events[2] == .end)
    if case .head(let next) = outcome.events[3] {
      #expect(next.target == "/next")
      #expect(next.headers.isEmpty)
    } else {
      Issue.record("trailers leaked into the next request: \(outcome)")
    }
    #expect(outcome.events[4] == .end)
  }

  @Test func threePipelinedRequestsInOneRead() {
    let outcome = parseInEverySplit(
      "GET /1 HTTP/1.1\r\n\r\n"
        + "POST /2 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
        + "POST /3 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n")
    #expect(outcome.error == nil)
    let shape = outcome.events.map { event -> String in
      switch event {
      case .head(let head): head.target
      case .bodyPart(let bytes): text(bytes)
      case .end: "end"
      }
    }
    #expect(shape == ["/1", "end", "/2", "abc", "end", "/3", "de", "end"])
  }

  @Test func leadingEmptyLinesAreSkipped() {
    let outcome = parseInEverySplit("\r\n\r\nGET / HTTP/1.1\r\n\r\n")
    #expect(outcome.error == nil)
    #expect(outcome.events.count == 2)
  }

  @Test func valuesAreTrimmedAndRepeatsKept() {
    let outcome = parseInEverySplit(
      "GET / HTTP/1.1\r\nGrpc-Metadata-A: \t one \t\r\ngrpc-metadata-a: two\r\nEmpty:\r\n\r\n")
    guard case .head(let head)? = outcome.events.first else {
      Issue.record("no head")
      return
    }
    #expect(head.headers.values(for: "GRPC-METADATA-A") == ["one", "two"])
    #expect(head.headers["empty"] == "")
    #expect(head.headers["missing"] == nil)
  }

  @Test func identicalContentLengthsAreAccepted() {
    let outcome = parseInEverySplit(
      "POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2, 2\r\n\r\nok")
    #expect(outcome.error == nil)
    #expect(outcome.events.count == 3)
  }

  @Test func expectContinueIsRecognised() {
    let outcome = parseInEverySplit(
      "POST / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n")
    guard case .head(let head)? = outcome.events.first else {
      Issue.record("no head")
      return
    }
    #expect(head.expectsContinue)
    #expect(outcome.events.count == 1)
  }

  @Test(
    arguments: [
      ("HTTP/1.1", nil, true),
      ("HTTP/1.1", "close", false),
      ("HTTP/1.1", "keep-alive, Close", false),
      ("HTTP/1.1", "Upgrade", true),
      ("HTTP/1.0", nil, false),
      ("HTTP/1.0", "Keep-Alive", true),
      ("HTTP/1.0", "close", false),
    ] as [(String, String?, Bool)])
  func keepAlive(version: String, connection: String?, expected: Bool) {
    let header = connection.map { "Connection: \($0)\r\n" } ?? ""
    let outcome = parseInEverySplit("GET / \(version)\r\n\(header)\r\n")
    guard case .head(let head)? = outcome.events.first else {
      Issue.record("no head")
      return
    }
    #expect(head.keepAlive == expected)
  }

  @Test func http10DoesNotExpectContinue() {
    let head = HTTPRequestHead(
      method: "POST", target: "/", version: .http10, headers: ["Expect": "100-continue"])
    #expect(!head.expectsContinue)
    #expect(!head.acceptsChunkedResponse)
  }

  @Test func largeBodyAdoptsArrayWhenAlone() throws {
    var parser = HTTPRequestParser()
    parser.append(Array("POST / HTTP/1.1\r\nContent-Length: 8\r\n\r\n".utf8))
    #expect(try parser.next() != nil)
    #expect(try parser.next() == nil)
    parser.append(Array("abcd".utf8))
    #expect(try parser.next() == .bodyPart(Array("abcd".utf8)))
    parser.append(Array("efgh".utf8))
    #expect(try parser.next() == .bodyPart(Array("efgh".utf8)))
    #expect(try parser.next() == .end)
    #expect(parser.isAtMessageBoundary)
    #expect(parser.bufferedByteCount == 0)
  }
}
