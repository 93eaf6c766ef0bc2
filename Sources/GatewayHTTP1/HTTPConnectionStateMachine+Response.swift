/// The response-side inputs: `100 Continue`, response start and end, and poisoning.
extension HTTPConnectionStateMachine {
  /// The server is about to read the current request's body.
  ///
  /// - Returns: ``HTTPContinueAction/writeContinue`` exactly once per request that expects it,
  ///   while no response has started and the body has not already arrived.
  /// - Throws: ``HTTPParserError/Code/invalidStateTransition`` when no request is in flight.
  public mutating func continueAccepted() throws(HTTPParserError) -> HTTPContinueAction {
    switch state {
    case .inFlight(var inFlight):
      guard inFlight.continueState == .pending, inFlight.response == .notStarted,
        !inFlight.requestComplete
      else { return .doNothing }
      inFlight.continueState = .sent
      state = .inFlight(inFlight)
      return .writeContinue
    case .errorResponse, .closed:
      return .doNothing
    case .poisoned(let error):
      throw error
    case .idle, .draining:
      throw poison("continueAccepted() with no request in flight")
    }
  }

  /// The server is about to write the final response head for the current request.
  ///
  /// - Parameters:
  ///   - head: The head about to be written; its framing matters (`untilClose` closes).
  ///   - closeRequested: The server wants to close after this response (shutdown, errors).
  /// - Returns: What the head must say about the connection; pass it to
  ///   ``HTTPResponseEncoder/encodeHead(_:connection:into:)``.
  /// - Throws: ``HTTPParserError/Code/invalidStateTransition`` with no request in flight or
  ///   when a response already started.
  public mutating func responseStarted(
    _ head: HTTPResponseHead, closeRequested: Bool = false
  ) throws(HTTPParserError) -> HTTPResponseConnection {
    switch state {
    case .inFlight(var inFlight):
      guard inFlight.response == .notStarted else {
        throw poison("responseStarted(_:) twice for one request")
      }
      // A peer that half-closed gets answers to every whole request it sent before; the last
      // one (nothing more buffered) says close.
      let lastBeforeHalfClose = peerHalfClosed && parser.bufferedByteCount == 0
      let close =
        closeRequested || !inFlight.keepAlive || lastBeforeHalfClose || head.framing == .untilClose
        || (!inFlight.requestComplete && inFlight.continueState == .pending)
      inFlight.response = .started(close: close)
      state = .inFlight(inFlight)
      if close { return .close }
      return inFlight.isHTTP10 ? .keepAliveExplicit : .keepAlive
    case .errorResponse(responseStarted: false):
      state = .errorResponse(responseStarted: true)
      return .close
    case .closed:
      return .close
    case .poisoned(let error):
      throw error
    case .idle, .draining, .errorResponse(responseStarted: true):
      throw poison("responseStarted(_:) with no request awaiting a response")
    }
  }

  /// The server wrote the last byte of the current response. Pull ``nextAction()`` next: it
  /// closes, drains the unread body, or parses the next request.
  ///
  /// - Throws: ``HTTPParserError/Code/invalidStateTransition`` when no response started.
  public mutating func responseEnded() throws(HTTPParserError) {
    switch state {
    case .inFlight(let inFlight):
      guard case .started(let close) = inFlight.response else {
        throw poison("responseEnded() before responseStarted(_:)")
      }
      if close {
        state = .closed
      } else {
        state = inFlight.requestComplete ? .idle : .draining
      }
    case .errorResponse(responseStarted: true), .closed:
      state = .closed
    case .poisoned(let error):
      throw error
    case .idle, .draining, .errorResponse(responseStarted: false):
      throw poison("responseEnded() with no response started")
    }
  }

  /// Poisons the machine for our own misuse and returns the error to throw.
  mutating func poison(_ what: String) -> HTTPParserError {
    let error = HTTPParserError(
      code: .invalidStateTransition, message: "Invalid HTTP connection transition: \(what).")
    state = .poisoned(error)
    if assertOnInvalidTransition { assertionFailure(error.message) }
    return error
  }
}
