/// What the server must do next for a connection, returned by
/// ``HTTPConnectionStateMachine/nextAction()``.
public enum HTTPConnectionAction: Sendable, Equatable {
  /// A request head arrived; start handling it. When `continueExpected` is true the client
  /// waits for `100 Continue` before sending its body: call
  /// ``HTTPConnectionStateMachine/continueAccepted()`` when you start reading the body, or
  /// answer without reading it (the connection then closes after the response).
  case receivedHead(HTTPRequestHead, continueExpected: Bool)
  /// Body bytes of the current request. Keeps flowing while its response streams.
  case receivedBodyPart([UInt8])
  /// The current request's body is complete.
  case receivedEnd
  /// Read from the socket, pass the bytes to ``HTTPConnectionStateMachine/bytesReceived(_:)-([UInt8])``
  /// (or report EOF with ``HTTPConnectionStateMachine/peerClosed()``), then ask again.
  case needMoreBytes
  /// Nothing to do until the current response ends (``HTTPConnectionStateMachine/responseEnded()``).
  /// Any pipelined request stays parked in the buffer; stop reading, or keep reading only
  /// while ``HTTPConnectionStateMachine/bufferedByteCount`` stays small.
  case waitForResponse
  /// The request is malformed or over a limit and no response has started: abandon the
  /// current request (if one was in flight), write an error response with `Connection: close`
  /// (``HTTPConnectionStateMachine/responseStarted(_:closeRequested:)`` returns `.close`), end
  /// it, then close. ``HTTPParserError/Code/bodyTooLarge`` is a 413, the others mostly 400.
  case respondWithErrorAndClose(HTTPParserError)
  /// Close the connection now (after flushing what was written). Abandon any request in
  /// flight. Returned for every later call too.
  case close
}

/// Whether to write `100 Continue`, returned by ``HTTPConnectionStateMachine/continueAccepted()``.
public enum HTTPContinueAction: Sendable, Equatable {
  /// Write ``HTTPResponseEncoder/continueResponse`` now.
  case writeContinue
  /// Nothing to write: no continue was expected, it was already sent, the body already
  /// arrived, or a response has started.
  case doNothing
}
