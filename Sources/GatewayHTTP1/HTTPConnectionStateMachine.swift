/// The sans-IO lifecycle of one HTTP/1.1 server connection: parsing, pipelining, keep-alive,
/// `100 Continue`, early responses and half-close.
///
/// The IO owner feeds events in (``bytesReceived(_:)-([UInt8])``, ``peerClosed()``,
/// ``continueAccepted()``, ``responseStarted(_:closeRequested:)``, ``responseEnded()``) and
/// after each one pulls ``nextAction()`` until it returns ``HTTPConnectionAction/needMoreBytes``,
/// ``HTTPConnectionAction/waitForResponse`` or ``HTTPConnectionAction/close``.
///
/// Rules:
/// - One request in flight. A pipelined request is parsed only after ``responseEnded()``, so
///   responses go out in order. The current request's body keeps flowing while its response
///   streams (bidirectional calls need that).
/// - Keep-alive after a response follows the request (``HTTPRequestHead/keepAlive``) unless the
///   server asks to close or streams with ``HTTPResponseFraming/untilClose``.
/// - A response that ends before its request body was read: the rest of the body is drained
///   (parsed and discarded, so never mistaken for the next request, and bounded by
///   ``HTTPParserLimits/maxBodySize``) and the connection stays alive. Exception: if the client
///   is still waiting for `100 Continue`, its body may never come, so the response says
///   `Connection: close` and the connection closes.
/// - A parse error becomes ``HTTPConnectionAction/respondWithErrorAndClose(_:)`` only while no
///   response has started for the current request; otherwise ``HTTPConnectionAction/close``.
/// - After ``peerClosed()`` the requests already buffered are still answered, then it closes.
///   A half-received request at EOF is abandoned with ``HTTPConnectionAction/close``.
/// - Calls out of order are our own bug: they poison the machine (every later input throws the
///   same ``HTTPParserError/Code/invalidStateTransition`` error and ``nextAction()`` says
///   close) and assert in debug builds unless `assertOnInvalidTransition` is false.
public struct HTTPConnectionStateMachine: Sendable {
  /// The connection's state. ``peerHalfClosed`` is tracked beside it.
  enum State: Sendable {
    /// No request in flight; the next pull parses a head. Exits: `inFlight` on a head,
    /// `errorResponse` on a parse error, `closed` at EOF.
    case idle
    /// One request in flight. Exits: `idle` when the response ends after the request did;
    /// `draining` when it ends first; `closed` when the response said close, on EOF with the
    /// request incomplete, or on a parse error after the response started; `errorResponse` on
    /// a parse error before it started.
    case inFlight(InFlight)
    /// Our response ended before the request body did; the rest is discarded. Exits: `idle` at
    /// the body's end, `closed` on EOF or a parse error.
    case draining
    /// A parse error was reported; the error response is being written. Exits: `closed` when
    /// it ends.
    case errorResponse(responseStarted: Bool)
    /// Terminal: the server should close. Late response calls are tolerated.
    case closed
    /// Terminal: our own code called an input out of order.
    case poisoned(HTTPParserError)
  }

  /// The request in flight and its response's progress.
  struct InFlight: Sendable {
    var keepAlive: Bool
    var isHTTP10: Bool
    var requestComplete = false
    var continueState: ContinueState
    var response: ResponseState = .notStarted
  }

  enum ContinueState: Sendable { case notExpected, pending, sent }
  enum ResponseState: Sendable, Equatable {
    case notStarted
    case started(close: Bool)
  }

  var parser: HTTPRequestParser
  var state: State = .idle
  var peerHalfClosed = false
  /// Whether invalid transitions also `assertionFailure` (debug builds only).
  public let assertOnInvalidTransition: Bool

  /// Creates the machine for a new connection.
  /// - Parameters:
  ///   - limits: The request parser's limits.
  ///   - assertOnInvalidTransition: Assert (in debug builds) on our own misuse; tests of the
  ///     poisoned state pass false.
  public init(limits: HTTPParserLimits = HTTPParserLimits(), assertOnInvalidTransition: Bool = true)
  {
    self.parser = HTTPRequestParser(limits: limits)
    self.assertOnInvalidTransition = assertOnInvalidTransition
  }

  /// Bytes received but not yet turned into actions (for example a parked pipelined request).
  public var bufferedByteCount: Int { parser.bufferedByteCount }

  /// Bytes arrived from the peer. They are buffered; pull ``nextAction()``. Ignored once closed.
  public mutating func bytesReceived(_ bytes: [UInt8]) {
    guard !isTerminal else { return }
    parser.append(bytes)
  }

  /// Bytes arrived from the peer (copied). Ignored once closed.
  public mutating func bytesReceived(_ bytes: UnsafeRawBufferPointer) {
    guard !isTerminal else { return }
    parser.append(bytes)
  }

  /// The peer shut down its sending side (read returned EOF).
  public mutating func peerClosed() {
    peerHalfClosed = true
  }

  private var isTerminal: Bool {
    switch state {
    case .closed, .poisoned: true
    default: false
    }
  }

  /// What to do next; call until it returns `.needMoreBytes`, `.waitForResponse` or `.close`.
  public mutating func nextAction() -> HTTPConnectionAction {
    switch state {
    case .closed, .poisoned:
      return .close
    case .errorResponse:
      return .waitForResponse
    case .idle:
      return parseHead()
    case .inFlight(let inFlight):
      return inFlight.requestComplete ? .waitForResponse : parseBody(inFlight)
    case .draining:
      return drain()
    }
  }

  private mutating func parseHead() -> HTTPConnectionAction {
    let event: HTTPRequestParserEvent?
    do {
      event = try parser.next()
    } catch {
      state = .errorResponse(responseStarted: false)
      return .respondWithErrorAndClose(error)
    }
    switch event {
    case .head(let head):
      let hasBody =
        switch head.bodyFraming {
        case .none, .contentLength(0): false
        case .contentLength, .chunked: true
        }
      let continueExpected = head.expectsContinue && hasBody
      state = .inFlight(
        InFlight(
          keepAlive: head.keepAlive, isHTTP10: head.version < .http11,
          continueState: continueExpected ? .pending : .notExpected))
      return .receivedHead(head, continueExpected: continueExpected)
    case nil:
      return needMoreBytesOrClose()
    case .bodyPart, .end:
      _ = poison("the parser produced body events before a head")
      return .close
    }
  }

  private mutating func parseBody(_ current: InFlight) -> HTTPConnectionAction {
    var inFlight = current
    let event: HTTPRequestParserEvent?
    do {
      event = try parser.next()
    } catch {
      guard inFlight.response == .notStarted else {
        state = .closed
        return .close
      }
      state = .errorResponse(responseStarted: false)
      return .respondWithErrorAndClose(error)
    }
    switch event {
    case .bodyPart(let bytes):
      return .receivedBodyPart(bytes)
    case .end:
      inFlight.requestComplete = true
      state = .inFlight(inFlight)
      return .receivedEnd
    case nil:
      return needMoreBytesOrClose()
    case .head:
      _ = poison("the parser produced a head inside a body")
      return .close
    }
  }

  private mutating func drain() -> HTTPConnectionAction {
    while true {
      let event: HTTPRequestParserEvent?
      do {
        event = try parser.next()
      } catch {
        state = .closed
        return .close
      }
      switch event {
      case .bodyPart:
        continue
      case .end:
        state = .idle
        return parseHead()
      case nil:
        return needMoreBytesOrClose()
      case .head:
        _ = poison("the parser produced a head inside a drained body")
        return .close
      }
    }
  }

  private mutating func needMoreBytesOrClose() -> HTTPConnectionAction {
    guard peerHalfClosed else { return .needMoreBytes }
    state = .closed
    return .close
  }
}
