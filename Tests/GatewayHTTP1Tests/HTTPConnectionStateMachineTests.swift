import GatewayHTTP1
import Testing

/// A compact, exact rendering of an action: `head(POST /a)`, `head(POST /a, continue)`,
/// `body(abc)`, `end`, `more`, `wait`, `error(code)`, `close`.
func render(_ action: HTTPConnectionAction) -> String {
  switch action {
  case .receivedHead(let head, let continueExpected):
    "head(\(head.method) \(head.target)\(continueExpected ? ", continue" : ""))"
  case .receivedBodyPart(let bytes): "body(\(text(bytes)))"
  case .receivedEnd: "end"
  case .needMoreBytes: "more"
  case .waitForResponse: "wait"
  case .respondWithErrorAndClose(let error): "error(\(error.code))"
  case .close: "close"
  }
}

extension HTTPConnectionStateMachine {
  /// Feeds `input` (if any) and pulls actions until one that needs the server to act on IO.
  mutating func receive(_ input: String? = nil) -> [String] {
    if let input { bytesReceived(Array(input.utf8)) }
    var actions: [String] = []
    while true {
      let action = nextAction()
      actions.append(render(action))
      switch action {
      case .needMoreBytes, .waitForResponse, .close, .respondWithErrorAndClose: return actions
      case .receivedHead, .receivedBodyPart, .receivedEnd: continue
      }
    }
  }

  /// Starts and ends a response, returning what the head must say about the connection.
  mutating func respond(
    framing: HTTPResponseFraming = .contentLength(0), closeRequested: Bool = false
  ) throws -> HTTPResponseConnection {
    let connection = try responseStarted(
      HTTPResponseHead(status: 200, framing: framing), closeRequested: closeRequested)
    try responseEnded()
    return connection
  }
}

@Suite("HTTPConnectionStateMachine")
struct HTTPConnectionStateMachineTests {
  @Test func singleRequestKeepsAlive() throws {
    var machine = HTTPConnectionStateMachine()
    #expect(machine.receive() == ["more"])
    #expect(
      machine.receive("GET /-/health HTTP/1.1\r\n\r\n") == ["head(GET /-/health)", "end", "wait"])
    #expect(machine.receive() == ["wait"])
    #expect(try machine.respond() == .keepAlive)
    #expect(machine.receive() == ["more"])
  }

  @Test func threePipelinedRequestsAreAnsweredInOrder() throws {
    var machine = HTTPConnectionStateMachine()
    let input =
      "GET /1 HTTP/1.1\r\n\r\nPOST /2 HTTP/1.1\r\nContent-Length: 2\r\n\r\nab"
      + "POST /3 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nc\r\n0\r\n\r\n"
    #expect(machine.receive(input) == ["head(GET /1)", "end", "wait"])
    #expect(machine.bufferedByteCount > 0)
    #expect(machine.receive() == ["wait"])
    #expect(try machine.respond() == .keepAlive)
    #expect(machine.receive() == ["head(POST /2)", "body(ab)", "end", "wait"])
    #expect(try machine.respond() == .keepAlive)
    #expect(machine.receive() == ["head(POST /3)", "body(c)", "end", "wait"])
    #expect(try machine.respond() == .keepAlive)
    #expect(machine.receive() == ["more"])
    #expect(machine.bufferedByteCount == 0)
  }

  @Test func requestBodyKeepsFlowingWhileResponseStreams() throws {
    var machine = HTTPConnectionStateMachine()
    #expect(
      machine.receive("POST /s HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\none\r\n")
        == ["head(POST /s)", "body(one)", "more"])
    #expect(
      try machine.responseStarted(HTTPResponseHead(status: 200, framing: .chunked)) == .keepAlive)
    #expect(machine.receive("3\r\ntwo\r\n") == ["body(two)", "more"])
    #expect(machine.receive("0\r\n\r\nGET /next HTTP/1.1\r\n\r\n") == ["end", "wait"])
    try machine.responseEnded()
    #expect(machine.receive() == ["head(GET /next)", "end", "wait"])
  }

  @Test func continueIsWrittenOnceWhenTheServerAcceptsTheBody() throws {
    var machine = HTTPConnectionStateMachine()
    #expect(
      machine.receive("POST /a HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
        == ["head(POST /a, continue)", "more"])
    #expect(try machine.continueAccepted() == .writeContinue)
    #expect(try machine.continueAccepted() == .doNothing)
    #expect(machine.receive("hello") == ["body(hello)", "end", "wait"])
    #expect(try machine.respond() == .keepAlive)
    #expect(machine.receive() == ["more"])
  }

  @Test func continueIsNotExpectedWithoutABody() throws {
    var machine = HTTPConnectionStateMachine()
    #expect(
      machine.receive("POST /a HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n")
        == ["head(POST /a)", "end", "wait"])
    #expect(try machine.continueAccepted() == .doNothing)
  }

  @Test func rejectingBeforeContinueClosesTheConnection() throws {
    var machine = HTTPConnectionStateMachine()
    #expect(
      machine.receive("POST /a HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
        == ["head(POST /a, continue)", "more"])
    #expect(try machine.respond() == .close)
    #expect(try machine.continueAccepted() == .doNothing)
    #expect(machine.receive("hello") == ["close"])
  }

  /// The response ends before the body was read: the rest is drained, even when it looks like
  /// a request, and the connection stays alive.
  @Test func earlyResponseDrainsTheUnreadBody() throws {
    var machine = HTTPConnectionStateMachine()
    let smuggled = "GET /evil HTTP/1.1\r\n\r\n"
    #expect(
      machine.receive("POST /a HTTP/1.1\r\nContent-Length: \(smuggled.utf8.count)\r\n\r\nGET")
        == ["head(POST /a)", "body(GET)", "more"])
    #expect(try machine.respond() == .keepAlive)
    #expect(machine.receive() == ["more"])
    #expect(machine.receive(" /evil HTTP") == ["more"])
    #expect(
      machine.receive("/1.1\r\n\r\nGET /real HTTP/1.1\r\n\r\n") == [
        "head(GET /real)", "end", "wait",
      ])
  }

  @Test func errorBeforeResponseIsAnsweredThenClosed() throws {
    var machine = HTTPConnectionStateMachine()
    #expect(
      machine.receive("GET / HTTP/1.1\r\nHost : x\r\n\r\n") == ["error(whitespaceBeforeColon)"])
    #expect(machine.receive() == ["wait"])
    #expect(try machine.respond() == .close)
    #expect(machine.receive("GET / HTTP/1.1\r\n\r\n") == ["close"])
  }

  @Test func oversizeBodyIsReportedAtHeadTime() throws {
    var machine = HTTPConnectionStateMachine(limits: HTTPParserLimits(maxBodySize: 4))
    #expect(
      machine.receive("POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\n") == ["error(bodyTooLarge)"])
    #expect(try machine.respond() == .close)
    #expect(machine.receive() == ["close"])
  }

  @Test func errorInBodyBeforeResponseAsksForAnErrorResponse() throws {
    var machine = HTTPConnectionStateMachine()
    #expect(
      machine.receive("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\nzz\r\n")
        == ["head(POST /a)", "body(ab)", "error(invalidChunkSize)"])
    #expect(try machine.respond() == .close)
    #expect(machine.receive() == ["close"])
  }

  @Test func errorAfterResponseStartedJustCloses() throws {
    var machine = HTTPConnectionStateMachine()
    #expect(
      machine.receive("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n")
        == ["head(POST /a)", "body(ab)", "more"])
    #expect(
      try machine.responseStarted(HTTPResponseHead(status: 200, framing: .chunked)) == .keepAlive)
    #expect(machine.receive("zz\r\n") == ["close"])
    #expect(machine.receive() == ["close"])
    try machine.responseEnded()
    #expect(machine.receive() == ["close"])
  }

  @Test func halfCloseWhenIdleCloses() {
    var machine = HTTPConnectionStateMachine()
    machine.peerClosed()
    #expect(machine.receive() == ["close"])
  }

  @Test func halfCloseAnswersBufferedRequestsThenCloses() throws {
    var machine = HTTPConnectionStateMachine()
    machine.bytesReceived(Array("GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n".utf8))
    machine.peerClosed()
    #expect(machine.receive() == ["head(GET /1)", "end", "wait"])
    #expect(try machine.respond() == .keepAlive)
    #expect(machine.receive() == ["head(GET /2)", "end", "wait"])
    #expect(try machine.respond() == .close)
    #expect(machine.receive() == ["close"])
  }

  @Test func halfCloseAfterCompleteRequestWaitsForTheResponse() throws {
    var machine = HTTPConnectionStateMachine()
    #expect(machine.receive("GET /1 HTTP/1.1\r\n\r\n") == ["head(GET /1)", "end", "wait"])
    machine.peerClosed()
    #expect(machine.receive() == ["wait"])
    #expect(try machine.respond() == .close)
    #expect(machine.receive() == ["close"])
  }

  @Test func halfCloseMidBodyCloses() {
    var machine = HTTPConnectionStateMachine()
    #expect(
      machine.receive("POST /a HTTP/1.1\r\nContent-Length: 9\r\n\r\nabc")
        == ["head(POST /a)", "body(abc)", "more"])
    machine.peerClosed()
    #expect(machine.receive() == ["close"])
  }

  @Test func halfCloseMidHeadCloses() {
    var machine = HTTPConnectionStateMachine()
    #expect(machine.receive("GET / HTT") == ["more"])
    machine.peerClosed()
    #expect(machine.receive() == ["close"])
  }

  @Test(arguments: [
    (
      "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", false, HTTPResponseFraming.contentLength(0),
      HTTPResponseConnection.close
    ),
    ("GET / HTTP/1.1\r\n\r\n", true, .contentLength(0), .close),
    ("GET / HTTP/1.1\r\n\r\n", false, .untilClose, .close),
    ("GET / HTTP/1.0\r\n\r\n", false, .contentLength(0), .close),
    (
      "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", false, .contentLength(0),
      .keepAliveExplicit
    ),
    ("GET / HTTP/1.1\r\n\r\n", false, .chunked, .keepAlive),
  ])
  func connectionDisposition(
    request: String, closeRequested: Bool, framing: HTTPResponseFraming,
    expected: HTTPResponseConnection
  ) throws {
    var machine = HTTPConnectionStateMachine()
    #expect(
      machine.receive(request + "GET /next HTTP/1.1\r\n\r\n") == ["head(GET /)", "end", "wait"])
    #expect(try machine.respond(framing: framing, closeRequested: closeRequested) == expected)
    let after = machine.receive()
    #expect(after == (expected == .close ? ["close"] : ["head(GET /next)", "end", "wait"]))
  }

  @Test func responseEndedWithoutStartPoisons() {
    var machine = HTTPConnectionStateMachine(assertOnInvalidTransition: false)
    #expect(machine.receive("GET / HTTP/1.1\r\n\r\n") == ["head(GET /)", "end", "wait"])
    let first = #expect(throws: HTTPParserError.self) { try machine.responseEnded() }
    #expect(first?.code == .invalidStateTransition)
    #expect(machine.receive() == ["close"])
    let again = #expect(throws: HTTPParserError.self) {
      try machine.responseStarted(HTTPResponseHead(status: 200, framing: .contentLength(0)))
    }
    #expect(again == first)
  }

  @Test func responseStartedTwicePoisons() throws {
    var machine = HTTPConnectionStateMachine(assertOnInvalidTransition: false)
    _ = machine.receive("GET / HTTP/1.1\r\n\r\n")
    _ = try machine.responseStarted(HTTPResponseHead(status: 200, framing: .contentLength(0)))
    let error = #expect(throws: HTTPParserError.self) {
      try machine.responseStarted(HTTPResponseHead(status: 200, framing: .contentLength(0)))
    }
    #expect(error?.code == .invalidStateTransition)
    #expect(machine.receive() == ["close"])
  }

  @Test func responseWithNoRequestPoisons() {
    var machine = HTTPConnectionStateMachine(assertOnInvalidTransition: false)
    #expect(throws: HTTPParserError.self) {
      try machine.responseStarted(HTTPResponseHead(status: 200, framing: .contentLength(0)))
    }
    #expect(throws: HTTPParserError.self) { try machine.continueAccepted() }
  }

  /// The same byte stream in every split yields the same action sequence.
  @Test(arguments: Split.allCases)
  func actionsDoNotDependOnSplits(split: Split) throws {
    let input = Array(
      ("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n"
        + "GET /b HTTP/1.1\r\n\r\n").utf8)
    var machine = HTTPConnectionStateMachine()
    var actions: [String] = []
    var responded = false
    func collect(_ pulled: [String]) {
      for action in pulled where action != "more" {
        if action.hasPrefix("body("), let last = actions.last, last.hasPrefix("body(") {
          actions[actions.count - 1] = String(last.dropLast()) + action.dropFirst(5)
        } else {
          actions.append(action)
        }
      }
    }
    for piece in split.pieces(of: input) {
      machine.bytesReceived(piece)
      collect(machine.receive())
      if actions.last == "wait", !responded {
        responded = true
        _ = try machine.respond()
        collect(machine.receive())
      }
    }
    #expect(
      actions == ["head(POST /a)", "body(abcd)", "end", "wait", "head(GET /b)", "end", "wait"])
  }
}
