import GatewayCore
import GatewayErrors
import GatewayEventLoop
import GatewayHTTP1

/// One caller's connection: socket IO around `HTTPConnectionStateMachine`.
///
/// The machine decides; this type only reads, writes and switches on its actions. One request
/// is handled at a time; pipelined requests wait in the machine's buffer until the response
/// before them has ended, so answers go out in order.
final class Connection {
  let fd: Int32
  let id: UInt64
  private unowned let server: Server
  private var registration: RegistrationID?
  private var machine: HTTPConnectionStateMachine
  private var outbound = OutboundBuffer()
  private var handler: (any RequestHandler)?
  private var processing = false
  private var closeWhenFlushed = false
  private var closed = false
  private var readingPaused = false
  private var waitingForWritable = false
  /// When the connection last finished a response (or opened); the server's idle sweep closes
  /// connections idle longer than the idle timeout.
  private(set) var idleSince = MonotonicClock.now()
  /// Set when a response started and not yet ended.
  private var responseInFlight = false
  /// Set while the connection waits in the server's end-of-turn flush list.
  private var flushScheduled = false
  /// Responses ended on this connection so far.
  private var responsesEnded = 0
  /// Set for the answer to a HEAD request: its head only, `Content-Length` as for a GET.
  var omitsResponseBody = false

  init(fd: Int32, id: UInt64, server: Server) {
    self.fd = fd
    self.id = id
    self.server = server
    machine = HTTPConnectionStateMachine(limits: server.httpLimits)
  }

  func start() throws(SystemError) {
    registration = try server.loop.register(fd: fd, interest: .readable) { [unowned self] events in
      self.handle(events)
    }
  }

  /// Between requests: no handler and no response under way.
  var isIdle: Bool { handler == nil && !responseInFlight }

  // MARK: Events

  private func handle(_ events: IOEvents) {
    if events.contains(.writable) { flush() }
    if closed { return }
    if events.contains(.readable) || events.contains(.hangup) { readAvailable() }
    // Gone both ways (reported whatever the interest, so it would repeat): nothing can be
    // answered any more, and a call under way is cancelled, as gRPC does for a caller gone.
    if events.contains(.hangup) && !closed { close() }
  }

  private func readAvailable() {
    let result: IOResult<Int>
    do {
      result = try server.withReadBuffer { buffer throws(SystemError) in
        let result = try SocketIO.read(fd, into: buffer)
        if case .processed(let count) = result, count > 0 {
          machine.bytesReceived(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
        return result
      }
    } catch {
      close()
      return
    }
    switch result {
    case .wouldBlock: return
    case .processed(0):
      // Half-closed: requests already received are still answered; nothing more will come,
      // and a level-triggered end of file must not wake the loop again and again meanwhile.
      machine.peerClosed()
      pauseReading()
    case .processed: break
    }
    process()
  }

  /// Pulls the machine's actions until it needs bytes or waits for a response.
  private func process() {
    guard !processing else { return }
    processing = true
    defer { processing = false }
    while !closed {
      switch machine.nextAction() {
      case .receivedHead(let head, let continueExpected):
        server.metrics.requests += 1
        let requestsBefore = responsesEnded
        let routed = server.router.handler(for: head, connection: self)
        // A request answered at once (an error, an own endpoint) has no handler and may
        // already be over; only a handler that will read the body invites it.
        if let routed, responsesEnded == requestsBefore {
          handler = routed
          if continueExpected, (try? machine.continueAccepted()) == .writeContinue {
            enqueue(HTTPResponseEncoder.continueResponse)
          }
        }
      case .receivedBodyPart(let bytes):
        handler?.requestBodyPart(bytes)
      case .receivedEnd:
        handler?.requestEnded()
      case .needMoreBytes:
        resumeReading()
        return
      case .waitForResponse:
        if machine.bufferedByteCount > server.httpLimits.maxHeaderBlockSize { pauseReading() }
        return
      case .respondWithErrorAndClose(let error):
        abandonHandler()
        let status = error.code == .bodyTooLarge ? 413 : 400
        let gatewayError = GatewayError.gateway(
          status == 413 ? "BodyTooLarge" : "BadRequest",
          status == 413 ? .resourceExhausted : .invalidArgument, error.message,
          httpStatus: status)
        server.metrics.malformedRequests += 1
        sendError(gatewayError)
      case .close:
        abandonHandler()
        closeWhenFlushed = true
        flush()
        return
      }
    }
  }

  // MARK: Writing responses (called by handlers)

  /// Starts the response; headers named Content-Length/Transfer-Encoding/Connection are
  /// written from `framing` by the encoder.
  func sendHead(_ head: HTTPResponseHead) {
    guard !closed else { return }
    let connectionHeader: HTTPResponseConnection
    do {
      connectionHeader = try machine.responseStarted(head)
    } catch {
      server.logger.error("response started twice", ["connection": "\(id)"])
      close()
      return
    }
    responseInFlight = true
    enqueue { HTTPResponseEncoder.encodeHead(head, connection: connectionHeader, into: &$0) }
  }

  /// Body bytes of a chunked response, framed as one chunk.
  func sendChunk(_ bytes: [UInt8]) {
    guard !closed, !bytes.isEmpty else { return }
    enqueue { HTTPResponseEncoder.encodeChunk(bytes, into: &$0) }
  }

  /// Body bytes written as they are (Content-Length responses).
  func sendBody(_ bytes: [UInt8]) {
    guard !closed, !omitsResponseBody else { return }
    enqueue(bytes)
  }

  /// Ends the response (writing the last chunk when chunked) and moves to the next request.
  func endResponse(chunked: Bool) {
    guard !closed else { return }
    if chunked && !omitsResponseBody { enqueue(HTTPResponseEncoder.lastChunk) }
    omitsResponseBody = false
    responseInFlight = false
    responsesEnded += 1
    handler = nil
    do {
      try machine.responseEnded()
    } catch {
      close()
      return
    }
    idleSince = MonotonicClock.now()
    process()
  }

  /// A whole JSON response in one go.
  func sendJSON(status: Int, body: [UInt8], headers: [(String, String)] = []) {
    var fields = HTTPHeaders(headers)
    fields.add(name: "Content-Type", value: "application/json")
    sendHead(HTTPResponseHead(status: status, headers: fields, framing: .contentLength(body.count)))
    sendBody(body)
    endResponse(chunked: false)
  }

  /// The contract's error body, with the error's extra headers and an `X-Exit-Code` header.
  func sendError(_ error: GatewayError) {
    var headers = error.headers
    headers.append(("X-Exit-Code", String(error.exitCode)))
    sendJSON(status: error.httpStatus, body: error.jsonBody, headers: headers)
  }

  /// How many response bytes wait for the caller; handlers pause their upstream above a limit.
  var pendingOutboundBytes: Int { outbound.count }

  // MARK: IO plumbing

  private func enqueue(_ bytes: [UInt8]) {
    enqueue { $0.append(contentsOf: bytes) }
  }

  /// Appends to the send buffer; the server flushes it once at the end of the loop turn.
  private func enqueue(_ encode: (inout [UInt8]) -> Void) {
    outbound.append(encoding: encode)
    if !flushScheduled {
      flushScheduled = true
      server.markDirty(self)
    }
  }

  /// Writes what is buffered; called at the end of each loop turn and when writable.
  func flush() {
    flushScheduled = false
    guard !closed else { return }
    let wasOverLimit = outbound.count >= server.configuration.responseBufferBytes / 2
    do {
      let done = try outbound.flush(to: fd)
      if done {
        setWaitingForWritable(false)
        if closeWhenFlushed {
          close()
          return
        }
      } else {
        setWaitingForWritable(true)
      }
    } catch {
      close()
      return
    }
    if wasOverLimit && outbound.count < server.configuration.responseBufferBytes / 2 {
      handler?.outboundDrained()
    }
  }

  private func setWaitingForWritable(_ waiting: Bool) {
    guard waiting != waitingForWritable, let registration else { return }
    waitingForWritable = waiting
    updateInterest(registration)
  }

  private func pauseReading() {
    guard !readingPaused, let registration else { return }
    readingPaused = true
    updateInterest(registration)
  }

  private func resumeReading() {
    guard readingPaused, let registration else { return }
    readingPaused = false
    updateInterest(registration)
  }

  private func updateInterest(_ registration: RegistrationID) {
    var interest: IOEvents = []
    if !readingPaused { interest.insert(.readable) }
    if waitingForWritable { interest.insert(.writable) }
    do {
      try server.loop.setInterest(registration, interest)
    } catch {
      close()
    }
  }

  private func abandonHandler() {
    let abandoned = handler
    handler = nil
    abandoned?.connectionClosed()
  }

  /// Closes now: deregisters, closes the fd, tells the handler.
  func close() {
    guard !closed else { return }
    closed = true
    abandonHandler()
    if let registration { server.loop.deregister(registration) }
    registration = nil
    SocketIO.close(fd)
    server.connectionClosed(self)
  }
}

@available(*, unavailable)
extension Connection: Sendable {}
