import GatewayAgentClient
import GatewayCore
import GatewayEventLoop
import GatewayErrors
import GatewayGRPC
import GatewayHTTP1
import GatewaySession

/// A gRPC-Web call: frames pass through unchanged (base64 in text mode), the agent's status and
/// trailers go in the final trailer frame, and only the session is added.
final class GRPCWebHandler: RequestHandler, AgentTransferDelegate {
  private unowned let server: Server
  private let connection: Connection
  private let method: GRPCMethodPath
  private let contentType: GRPCWebContentType
  private var machine: GRPCCallStateMachine
  private var transfer: AgentCall?
  private var textDecoder: GRPCWebTextDecoder?
  private var headSent = false
  /// HTTP/1.1 callers get a chunked body; HTTP/1.0 ones a body ended by closing.
  private let chunked: Bool
  private var finished = false
  /// When the request arrived, for the call's log line.
  private let startedAt = MonotonicClock.now()

  private init(
    server: Server, connection: Connection, method: GRPCMethodPath, contentType: GRPCWebContentType,
    acceptsChunked: Bool
  ) {
    self.server = server
    self.connection = connection
    self.method = method
    self.contentType = contentType
    self.chunked = acceptsChunked
    machine = GRPCCallStateMachine(
      configuration: .init(
        messageHandling: .passThroughFrames, maxMessageLength: server.configuration.maxBodyBytes))
    if contentType.encoding == .text { textDecoder = GRPCWebTextDecoder() }
  }

  /// Starts the agent call; answers at once (and returns nil) when it cannot start.
  static func start(
    server: Server, connection: Connection, head: HTTPRequestHead, method: GRPCMethodPath,
    contentType: GRPCWebContentType
  ) -> GRPCWebHandler? {
    let handler = GRPCWebHandler(
      server: server, connection: connection, method: method, contentType: contentType,
      acceptsChunked: head.acceptsChunkedResponse)
    let call = CallMetadata(
      gRPCWebHeaders: head.headers, session: server.session,
      defaultTimeoutMilliseconds: server.configuration.defaultTimeoutMilliseconds)
    if call.invalidTimeout != nil {
      handler.finish(GRPCStatus(code: .invalidArgument, message: "invalid Grpc-Timeout header"))
      return nil
    }
    if let invalid = call.invalidAuthorization ?? call.invalidMetadata {
      handler.finish(GRPCStatus(code: .invalidArgument, message: invalid))
      return nil
    }
    let requestHeaders: GRPCRequestHeaders
    do {
      requestHeaders = try GRPCRequestHeaders(
        path: method.path, timeout: call.timeout, metadata: call.metadata,
        acceptEncoding: head.headers["grpc-accept-encoding"],
        messageEncoding: head.headers["grpc-encoding"], userAgent: GatewayVersion.userAgent)
    } catch {
      handler.finish(GRPCStatus(code: .invalidArgument, message: "\(error)"))
      return nil
    }
    let agentCall = Call(
      path: method.path, headers: requestHeaders.curlHeaderLines, usesSession: call.usesSession,
      timeoutMilliseconds: call.timeoutMilliseconds)
    if contentType.encoding == .binary, case .contentLength(let length) = head.bodyFraming {
      guard handler.startCall(agentCall, bodyLength: length) else { return nil }
    } else {
      // Text mode, or a chunked body: the request's length is not known up front. gRPC-Web
      // requests are one message (unary and server streaming), so the body is gathered (the
      // HTTP parser bounds it by the body limit) and sent with its length: libcurl 7.88 fails
      // HTTP/2 uploads of unknown length now and then, and may leave the agent connection
      // broken for the calls after (README, "Known issues").
      handler.deferredCall = agentCall
    }
    return handler
  }

  /// What `AgentCall.start` needs, kept while a request body of unknown length is gathered.
  private struct Call {
    var path: String
    var headers: [String]
    var usesSession: Bool
    var timeoutMilliseconds: Int
  }

  /// A call waiting for its whole request body, and the body so far (decoded in text mode).
  private var deferredCall: Call?
  private var gatheredBody: [UInt8] = []

  /// Starts the agent call; answers at once (and returns false) when it cannot start.
  private func startCall(_ call: Call, bodyLength: Int) -> Bool {
    do {
      transfer = try AgentCall.start(
        server: server, path: call.path, headers: call.headers, usesSession: call.usesSession,
        bodyLength: bodyLength, timeoutMilliseconds: call.timeoutMilliseconds, delegate: self)
      return true
    } catch {
      server.metrics.callsFailedToStart += 1
      finish(GRPCStatus(code: .internal, message: "cannot start the call: \(error)"))
      return false
    }
  }

  // MARK: The caller's side

  func requestBodyPart(_ bytes: [UInt8]) {
    guard transfer != nil || deferredCall != nil, !finished else { return }
    var decoded: [UInt8] = []
    if textDecoder != nil {
      do {
        try textDecoder!.decode(bytes, appendingTo: &decoded)
      } catch {
        abort(GRPCStatus(code: .invalidArgument, message: "request body is not valid base64"))
        return
      }
    } else {
      decoded = bytes
    }
    if deferredCall != nil {
      gatheredBody.append(contentsOf: decoded)
    } else {
      decoded.withUnsafeBytes { transfer?.appendRequestBody($0) }
    }
  }

  func requestEnded() {
    guard transfer != nil || deferredCall != nil, !finished else { return }
    if textDecoder != nil {
      do { try textDecoder!.finish() } catch {
        abort(GRPCStatus(code: .invalidArgument, message: "request body is not valid base64"))
        return
      }
    }
    if let call = deferredCall {
      deferredCall = nil
      let body = gatheredBody
      gatheredBody = []
      guard startCall(call, bodyLength: body.count), let transfer else { return }
      body.withUnsafeBytes { transfer.appendRequestBody($0) }
    }
    transfer?.finishRequestBody()
  }

  func outboundDrained() {
    transfer?.resumeReceiving()
  }

  func connectionClosed() {
    finished = true
    deferredCall = nil
    transfer?.cancel()
    transfer = nil
  }

  /// Ends the call early from our side: cancel the agent call and report `status`.
  private func abort(_ status: GRPCStatus, source: GRPCCallStateMachine.StatusSource = .gateway) {
    deferredCall = nil
    transfer?.cancel()
    transfer = nil
    finish(status, source: source)
  }

  // MARK: The agent's side

  func transferReceivedHead(status: Int, headers: Metadata) {
    let action: GRPCCallStateMachine.HeadAction
    do { action = try machine.receivedResponseHead(httpStatus: status, headers: headers) } catch {
      return finish(GRPCStatus(code: .internal, message: "\(error)"))
    }
    switch action {
    case .none: break
    case .forwardLeadingMetadata(let metadata): sendHead(metadata)
    case .finish(let status, let source): finish(status, source: source)
    }
  }

  func transferReceivedBody(_ bytes: UnsafeRawBufferPointer) -> BodyDisposition {
    if finished { return .accepted }
    if connection.pendingOutboundBytes >= server.configuration.responseBufferBytes {
      return .pause
    }
    let action: GRPCCallStateMachine.BodyAction
    do { action = try machine.receivedBody(bytes) } catch {
      abort(GRPCStatus(code: .internal, message: "\(error)"))
      return .accepted
    }
    switch action {
    case .none, .forwardMessages: break
    case .forwardFrames(let frames): sendFrames(frames)
    case .finish(let status, let source): abort(status, source: source)
    }
    return .accepted
  }

  func transferReceivedTrailers(_ trailers: Metadata) {
    guard let action = try? machine.receivedTrailers(trailers) else { return }
    if case .finish(let status, let source) = action { finish(status, source: source) }
  }

  func transferFinished(failure: TransportFailure?) {
    transfer = nil
    let error = failure.map {
      GRPCCallStateMachine.TransportError($0.kind.callErrorKind, message: $0.message)
    }
    guard let action = try? machine.transferEnded(transportError: error) else {
      return finish(GRPCStatus(code: .internal, message: "the call ended in an invalid state"))
    }
    if case .finish(let status, let source) = action { finish(status, source: source) }
  }

  // MARK: Writing the response

  private func responseHeaders(_ metadata: Metadata) -> HTTPHeaders {
    var headers = HTTPHeaders()
    headers.add(name: "Content-Type", value: contentType.headerValue)
    for entry in GRPCWebMetadataFilter.filter(metadata)
    where GRPCWebMetadataFilter.isWritable(name: entry.name, value: entry.value) {
      headers.add(name: entry.name, value: entry.value)
    }
    return headers
  }

  private func sendHead(_ metadata: Metadata) {
    guard !headSent, !finished else { return }
    headSent = true
    connection.sendHead(
      HTTPResponseHead(
        status: 200, headers: responseHeaders(metadata), framing: chunked ? .chunked : .untilClose))
  }

  private func sendFrames(_ frames: [UInt8]) {
    if !headSent { sendHead(Metadata()) }
    send(contentType.encoding == .text ? GRPCWebTextEncoder.encode(unit: frames) : frames)
  }

  private func send(_ bytes: [UInt8]) {
    if chunked { connection.sendChunk(bytes) } else { connection.sendBody(bytes) }
  }

  /// Reports the final status: in the trailer frame after a head, else as a trailers-only
  /// response (status in the headers, empty body).
  private func finish(_ status: GRPCStatus, source: GRPCCallStateMachine.StatusSource = .gateway) {
    guard !finished else { return }
    finished = true
    server.metrics.callsByStatus[status.code.rawValue, default: 0] += 1
    server.logCallEnded(path: method.path, status: status, source: source, startedAt: startedAt)
    var filtered = status
    filtered.metadata = GRPCWebMetadataFilter.filter(status.metadata)
    if headSent {
      var frame: [UInt8] = []
      GRPCWebTrailers.appendFrame(for: filtered, to: &frame)
      send(contentType.encoding == .text ? GRPCWebTextEncoder.encode(unit: frame) : frame)
      connection.endResponse(chunked: chunked)
    } else {
      headSent = true
      var headers = responseHeaders(filtered.metadata)
      headers.add(name: "grpc-status", value: String(status.code.rawValue))
      if !status.encodedMessage.isEmpty {
        headers.add(name: "grpc-message", value: status.encodedMessage)
      }
      connection.sendHead(
        HTTPResponseHead(status: 200, headers: headers, framing: .contentLength(0)))
      connection.endResponse(chunked: false)
    }
  }
}

extension TransportFailure.Kind {
  var callErrorKind: GRPCCallStateMachine.TransportError.Kind {
    switch self {
    case .unavailable: .other
    case .deadlineExceeded: .timedOut
    case .cancelled: .cancelled
    case .protocolViolation: .protocolError
    case .metadataTooLarge: .metadataTooLarge
    }
  }
}

extension Server {
  /// Stores a token the agent handed back in `authorization` metadata; one that is not a valid
  /// token (`Session.isValidToken`) is ignored, as it would be if read from the file.
  func takeToken(from metadata: Metadata) {
    for entry in metadata where entry.name == "authorization" {
      guard let token = Session.bearerToken(fromAuthorization: entry.value),
        Session.isValidToken(token)
      else { continue }
      metrics.tokensReceived += 1
      session.received(token: token)
    }
  }
}
