import GatewayAgentClient
import GatewayCore
import GatewayErrors
import GatewayEventLoop
import GatewayGRPC
import GatewayHTTP1
import GatewayTranscoding

/// A JSON call: the request body (one JSON message, or NDJSON for client streaming) is
/// transcoded to protobuf with the method's schema, and the answers back to JSON: one object for
/// unary and client-streaming calls, `{"result": …}` lines for server and bidirectional streams.
///
/// The schema lookup may wait for a reflection fetch, so the body is buffered until the method
/// is known; after that, streaming requests go to the agent line by line as they arrive.
final class JSONCallHandler: RequestHandler, AgentTransferDelegate {
  private unowned let server: Server
  private let connection: Connection
  private let path: String
  private let options: JSONCallOptions
  private let callMetadata: CallMetadata
  /// HTTP/1.1 callers get chunked streams; HTTP/1.0 ones a body ended by closing.
  private let chunked: Bool

  private var method: MethodDescriptor?
  private var pool = SchemaPool.empty
  private var transfer: AgentCall?
  /// Whether the call's last attempt carried the session token, and which (for the error
  /// mapping, which redacts it).
  private var tokenSent = false
  private var sentToken: String?
  private var machine = GRPCCallStateMachine(configuration: .init(messageHandling: .deframe))
  /// Body bytes received while the schema is looked up (and, for single-message requests, all of
  /// them: the message is parsed once whole).
  private var body: [UInt8] = []
  private var requestComplete = false
  private var lines: NDJSONLineSplitter
  private var leadingMetadata = Metadata()
  /// The unary or client-streaming answer, as JSON.
  private var singleResponse: [UInt8]?
  private var headSent = false
  private var finished = false
  /// When the request arrived: the call's log line, and where its deadline runs from.
  private let startedAt = MonotonicClock.now()
  private var deadlineTimer: TimerID?
  /// Set when a client-streaming call's start was put off by a loop turn (`methodKnown`).
  private var startDeferred = false

  private init(server: Server, connection: Connection, head: HTTPRequestHead, path: String) {
    self.server = server
    self.connection = connection
    self.path = path
    options = JSONCallOptions(target: head.target)
    callMetadata = CallMetadata(
      jsonHeaders: head.headers, session: server.session,
      defaultTimeoutMilliseconds: server.configuration.defaultTimeoutMilliseconds)
    chunked = head.acceptsChunkedResponse
    lines = NDJSONLineSplitter(maxLineLength: server.configuration.maxBodyBytes)
  }

  /// Looks the method up and starts the call; answers at once (and returns nil) when it cannot.
  static func start(
    server: Server, connection: Connection, head: HTTPRequestHead, path: String
  ) -> JSONCallHandler? {
    let handler = JSONCallHandler(server: server, connection: connection, head: head, path: path)
    if let invalid = handler.callMetadata.invalidTimeout {
      handler.fail(.gateway("InvalidTimeout", .invalidArgument, "invalid Grpc-Timeout header: \(invalid)"))
      return nil
    }
    if let invalid = handler.options.invalid {
      handler.fail(handler.invalidRequest(invalid))
      return nil
    }
    if let invalid = handler.callMetadata.invalidAuthorization
      ?? handler.callMetadata.invalidMetadata
    {
      handler.fail(handler.invalidRequest(invalid))
      return nil
    }
    handler.armDeadline()
    server.schemas.lookUp(path) { [weak handler] lookup in handler?.methodKnown(lookup) }
    return handler.finished ? nil : handler
  }

  /// The caller's deadline runs from the request, not from the agent call: a schema fetch or
  /// a slow request body before the call starts counts too (the call then starts with what
  /// is left of it).
  private func armDeadline() {
    let milliseconds = callMetadata.timeoutMilliseconds
    guard milliseconds > 0 else { return }
    deadlineTimer = server.loop.schedule(after: UInt64(milliseconds) * 1_000_000) { [weak self] in
      guard let self, self.transfer == nil, !self.finished else { return }
      let error = self.deadlinePassedBeforeTheCall()
      self.server.logCallEnded(
        path: self.path, status: GRPCStatus(code: .deadlineExceeded, message: error.message),
        source: .gateway, startedAt: self.startedAt)
      self.fail(error)
    }
  }

  /// The caller's deadline (`MonotonicClock`), when it set one.
  private var deadline: UInt64? {
    let milliseconds = callMetadata.timeoutMilliseconds
    return milliseconds > 0 ? startedAt &+ UInt64(milliseconds) * 1_000_000 : nil
  }

  private func deadlinePassedBeforeTheCall() -> GatewayError {
    .fromTransport(
      code: .deadlineExceeded,
      message: "the call's deadline (\(callMetadata.timeoutMilliseconds) ms) passed before the "
        + "call reached the agent (\(method == nil ? "the gateway was fetching its schemas" : "the request was incomplete"))")
  }

  private func methodKnown(_ lookup: SchemaRegistry.Lookup) {
    guard !finished else { return }
    switch lookup {
    case .found(let method, let pool):
      if method.kind.clientStreams && !requestComplete && !startDeferred {
        // One loop turn later: the rest of a short body usually came in the same read as the
        // head, and a body that is complete by then goes out with its length
        // (`sendWholeStream`). The body keeps being buffered meanwhile (`method` is nil).
        startDeferred = true
        _ = server.loop.schedule(after: 0) { [weak self] in self?.methodKnown(lookup) }
        return
      }
      self.method = method
      self.pool = pool
    case .notFound:
      return fail(
        GatewayError.gateway("MethodNotFound", .unimplemented, "unknown method \(path)", httpStatus: 404)
          .withExitCode(SysExits.usage))
    case .unavailable(let reason):
      return fail(agentUnavailable("the agent's schemas are unavailable: \(reason)"))
    }
    if method!.kind.clientStreams && requestComplete {
      sendWholeStream()
    } else if method!.kind.clientStreams {
      startTransfer(bodyLength: nil)
      let buffered = body
      body = []
      if !buffered.isEmpty { requestBodyPart(buffered) }
      if requestComplete { requestEnded() }
    } else if requestComplete {
      sendSingleRequest()
    }
  }

  // MARK: The caller's side

  func requestBodyPart(_ bytes: [UInt8]) {
    guard !finished else { return }
    guard let method, method.kind.clientStreams else {
      body.append(contentsOf: bytes)
      return
    }
    let complete: [[UInt8]]
    do { complete = try lines.append(bytes) } catch {
      return abort(invalidRequest("an NDJSON line is longer than the body limit"))
    }
    for line in complete where !finished { sendStreamedMessage(line) }
  }

  func requestEnded() {
    requestComplete = true
    guard !finished, let method else { return }
    if method.kind.clientStreams {
      do {
        if let last = try lines.finish() { sendStreamedMessage(last) }
      } catch {
        return abort(invalidRequest("an NDJSON line is longer than the body limit"))
      }
      if !finished { transfer?.finishRequestBody() }
    } else {
      sendSingleRequest()
    }
  }

  func outboundDrained() { transfer?.resumeReceiving() }

  func connectionClosed() {
    finished = true
    if let deadlineTimer { server.loop.cancel(deadlineTimer) }
    deadlineTimer = nil
    transfer?.cancel()
    transfer = nil
  }

  /// Transcodes one JSON request message straight into a gRPC frame for the agent (the
  /// prefix's length patched in afterwards), or answers 400.
  private func frame(_ json: [UInt8], index: Int?) -> [UInt8]? {
    guard let method else { return nil }
    let decoding = JSONDecodingOptions(ignoreUnknownFields: options.ignoreUnknownFields)
    let pool = pool
    var framed = [UInt8](repeating: 0, count: GRPCMessageFramer.prefixLength)
    framed.reserveCapacity(GRPCMessageFramer.prefixLength + json.count)
    let transcoded = json.withUnsafeBytes { raw in
      Result { () throws(TranscodingError) in
        try ProtoTranscoder.appendBinary(
          fromJSON: raw, type: method.inputType, pool: pool, options: decoding, to: &framed)
      }
    }
    if case .failure(let error) = transcoded {
      let line = index.map { "line \($0 + 1): " } ?? ""
      abort(invalidRequest(line + error.description))
      return nil
    }
    let length = framed.count - GRPCMessageFramer.prefixLength
    do {
      try GRPCMessageFramer.writePrefix(
        flag: GRPCMessageFramer.uncompressedFlag, length: length, into: &framed, at: 0)
    } catch {
      abort(invalidRequest("the request message is too large"))
      return nil
    }
    return framed
  }

  private var linesSent = 0

  private func sendStreamedMessage(_ line: [UInt8]) {
    guard let framed = frame(line, index: linesSent) else { return }
    linesSent += 1
    framed.withUnsafeBytes { transfer?.appendRequestBody($0) }
  }

  /// The whole NDJSON body arrived before the call started: its messages go out with their
  /// length, so the agent sees the end of the request with the last one. (A request of unknown
  /// length ends in a later, empty DATA frame; an agent that answers before it resets the
  /// stream, and libcurl 7.88 may then lose the answer: README, "Known issues".)
  private func sendWholeStream() {
    let buffered = body
    body = []
    var messages: [[UInt8]]
    do {
      messages = try lines.append(buffered)
      if let last = try lines.finish() { messages.append(last) }
    } catch {
      return abort(invalidRequest("an NDJSON line is longer than the body limit"))
    }
    var framed: [UInt8] = []
    for line in messages {
      guard let message = frame(line, index: linesSent) else { return }
      linesSent += 1
      framed.append(contentsOf: message)
    }
    startTransfer(bodyLength: framed.count)
    guard let transfer else { return }
    framed.withUnsafeBytes { transfer.appendRequestBody($0) }
    transfer.finishRequestBody()
  }

  private func sendSingleRequest() {
    let isBlank = body.allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
    guard let framed = frame(isBlank ? Array("{}".utf8) : body, index: nil) else { return }
    body = []
    startTransfer(bodyLength: framed.count)
    guard let transfer else { return }
    framed.withUnsafeBytes { transfer.appendRequestBody($0) }
    transfer.finishRequestBody()
  }

  private func startTransfer(bodyLength: Int?) {
    var timeout = callMetadata.timeout
    var timeoutMilliseconds = callMetadata.timeoutMilliseconds
    if let deadline {
      if let deadlineTimer { server.loop.cancel(deadlineTimer) }
      deadlineTimer = nil
      let now = MonotonicClock.now()
      guard now < deadline else { return fail(deadlinePassedBeforeTheCall()) }
      // What is left of the caller's deadline, in gRPC's header and for curl.
      let left = deadline - now
      timeout = GRPCTimeout(nanoseconds: Int64(left))
      timeoutMilliseconds = Int((left + 999_999) / 1_000_000)
    }
    do {
      let headers = try GRPCRequestHeaders(
        path: path, timeout: timeout, metadata: callMetadata.metadata,
        userAgent: GatewayVersion.userAgent)
      transfer = try AgentCall.start(
        server: server, path: path, headers: headers.curlHeaderLines,
        usesSession: callMetadata.usesSession, bodyLength: bodyLength,
        timeoutMilliseconds: timeoutMilliseconds, delegate: self)
    } catch let error as GRPCError {
      fail(invalidRequest("invalid request metadata: \(error)"))
    } catch {
      server.metrics.callsFailedToStart += 1
      fail(.gateway("Internal", .internal, "cannot start the call: \(error)"))
    }
  }

  // MARK: The agent's side

  func transferReceivedHead(status: Int, headers: Metadata) {
    if let transfer { (tokenSent, sentToken) = (transfer.tokenSent, transfer.sentToken) }
    let action: GRPCCallStateMachine.HeadAction
    do { action = try machine.receivedResponseHead(httpStatus: status, headers: headers) } catch {
      return finish(GRPCStatus(code: .internal, message: "\(error)"), source: .gateway)
    }
    switch action {
    case .none: break
    case .forwardLeadingMetadata(let metadata): leadingMetadata = metadata
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
      abortCall(GRPCStatus(code: .internal, message: "\(error)"))
      return .accepted
    }
    switch action {
    case .none, .forwardFrames: break
    case .forwardMessages(let messages):
      for message in messages where !finished { received(message) }
    case .finish(let status, let source):
      transfer?.cancel()
      transfer = nil
      finish(status, source: source)
    }
    return .accepted
  }

  func transferReceivedTrailers(_ trailers: Metadata) {
    if let transfer { (tokenSent, sentToken) = (transfer.tokenSent, transfer.sentToken) }
    guard let action = try? machine.receivedTrailers(trailers) else { return }
    if case .finish(let status, let source) = action { finish(status, source: source) }
  }

  func transferFinished(failure: TransportFailure?) {
    if let transfer { (tokenSent, sentToken) = (transfer.tokenSent, transfer.sentToken) }
    transfer = nil
    let error = failure.map {
      GRPCCallStateMachine.TransportError($0.kind.callErrorKind, message: $0.message)
    }
    guard let action = try? machine.transferEnded(transportError: error) else {
      return finish(GRPCStatus(code: .internal, message: "the call ended in an invalid state"), source: .gateway)
    }
    if case .finish(let status, let source) = action { finish(status, source: source) }
  }

  /// One response message: kept for a single answer, or written as a `{"result": …}` line.
  private func received(_ payload: [UInt8]) {
    guard let method else { return }
    var line: [UInt8] = []
    let streams = method.kind.serverStreams
    if streams { line.append(contentsOf: Self.resultPrefix) }
    let pool = pool
    let encoded = payload.withUnsafeBytes { raw in
      Result { () throws(TranscodingError) in
        try ProtoTranscoder.appendJSON(
          fromBinary: raw, type: method.outputType, pool: pool, options: options.encoding, to: &line)
      }
    }
    if case .failure(let error) = encoded {
      return abortCall(
        GRPCStatus(code: .internal, message: "the agent's response does not match the schema: \(error)"))
    }
    guard streams else {
      if singleResponse != nil {
        return abortCall(GRPCStatus(code: .internal, message: "the agent sent more than one response message"))
      }
      singleResponse = line
      return
    }
    line.append(contentsOf: Self.resultSuffix)
    if !headSent {
      headSent = true
      var headers = metadataHeaders(leadingMetadata, prefix: "Grpc-Metadata-")
      headers.add(name: "Content-Type", value: "application/x-ndjson")
      connection.sendHead(
        HTTPResponseHead(status: 200, headers: headers, framing: chunked ? .chunked : .untilClose))
    }
    send(line)
  }

  private static let resultPrefix = Array("{\"result\":".utf8)
  private static let resultSuffix = Array("}\n".utf8)

  // MARK: Ending

  /// Cancels the agent call and ends with `status` (made by the gateway).
  private func abortCall(_ status: GRPCStatus) {
    transfer?.cancel()
    transfer = nil
    finish(status, source: .gateway)
  }

  /// Cancels the agent call and answers with a gateway error.
  private func abort(_ error: GatewayError) {
    transfer?.cancel()
    transfer = nil
    fail(error)
  }

  private func finish(_ status: GRPCStatus, source: GRPCCallStateMachine.StatusSource) {
    guard !finished else { return }
    server.metrics.callsByStatus[status.code.rawValue, default: 0] += 1
    server.logCallEnded(path: path, status: status, source: source, startedAt: startedAt)
    guard status.code == .ok else {
      return fail(errorFor(status, source: source))
    }
    if let method, method.kind.serverStreams {
      finished = true
      if !headSent {
        // A stream that ended without any message: an empty NDJSON body.
        headSent = true
        var headers = metadataHeaders(leadingMetadata, prefix: "Grpc-Metadata-")
        headers.add(name: "Content-Type", value: "application/x-ndjson")
        connection.sendHead(
          HTTPResponseHead(status: 200, headers: headers, framing: .contentLength(0)))
        connection.endResponse(chunked: false)
        return
      }
      connection.endResponse(chunked: chunked)
      return
    }
    guard var answer = singleResponse else {
      return fail(errorFor(
        GRPCStatus(code: .internal, message: "the agent sent no response message"), source: .gateway))
    }
    finished = true
    answer.append(0x0A)
    var headers = metadataHeaders(leadingMetadata, prefix: "Grpc-Metadata-")
    for field in metadataHeaders(status.metadata, prefix: "Grpc-Trailer-") {
      headers.add(name: field.name, value: field.value)
    }
    headers.add(name: "Content-Type", value: "application/json")
    connection.sendHead(HTTPResponseHead(status: 200, headers: headers, framing: .contentLength(answer.count)))
    connection.sendBody(answer)
    connection.endResponse(chunked: false)
  }

  /// An error: an ordinary error response before anything was sent, else the stream's last line.
  private func fail(_ error: GatewayError) {
    let alreadyFinished = finished
    finished = true
    guard !alreadyFinished || !headSent else { return }
    if headSent {
      send(error.jsonBody)
      connection.endResponse(chunked: chunked)
    } else {
      headSent = true
      connection.sendError(error)
    }
  }

  private func send(_ bytes: [UInt8]) {
    if chunked { connection.sendChunk(bytes) } else { connection.sendBody(bytes) }
  }

  /// Agent metadata as `Grpc-Metadata-*` / `Grpc-Trailer-*` headers: never `authorization`,
  /// nor gRPC's own `grpc-*` names, nor anything that cannot be written safely.
  private func metadataHeaders(_ metadata: Metadata, prefix: String) -> HTTPHeaders {
    var headers = HTTPHeaders()
    for entry in GRPCWebMetadataFilter.filter(metadata) where !entry.name.hasPrefix("grpc-") {
      headers.add(name: prefix + entry.name, value: entry.value)
    }
    return headers
  }

  private func invalidRequest(_ message: String) -> GatewayError {
    GatewayError.gateway("InvalidRequest", .invalidArgument, message, httpStatus: 400)
      .withExitCode(SysExits.dataError)
  }

  private func agentUnavailable(_ message: String) -> GatewayError {
    var error = GatewayError.gateway("AgentUnavailable", .unavailable, message, httpStatus: 503)
    error.headers.append(("Retry-After", "1"))
    return error
  }

  /// The contract's mapping of a failed call.
  private func errorFor(_ status: GRPCStatus, source: GRPCCallStateMachine.StatusSource) -> GatewayError {
    server.agentError(status, source: source, tokenSent: tokenSent, sentToken: sentToken, pool: pool)
  }
}

/// Per-call JSON options, from the query string: `?proto_names` writes the .proto field names,
/// `?omit_defaults` leaves out fields holding their default value, `?ignore_unknown_fields`
/// skips request keys that name no field. Each takes an optional `=true|false|1|0`; any other
/// value is an error (`invalid`), so a typo does not silently mean false. Other parameters are
/// ignored.
struct JSONCallOptions {
  var encoding = JSONEncodingOptions()
  var ignoreUnknownFields = false
  /// What was wrong with the query, for a 400.
  var invalid: String?

  init(target: String) {
    guard let query = target.split(separator: "?", maxSplits: 1).dropFirst().first else { return }
    for pair in query.split(separator: "&") {
      let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      guard ["proto_names", "omit_defaults", "ignore_unknown_fields"].contains(parts[0]) else {
        continue
      }
      let value: Bool
      switch parts.count == 1 ? "" : parts[1].lowercased() {
      case "", "true", "1": value = true
      case "false", "0": value = false
      default:
        invalid = "query parameter \(parts[0]): expected true, false, 1 or 0, got '\(parts[1])'"
        continue
      }
      switch parts[0] {
      case "proto_names": encoding.useProtoNames = value
      case "omit_defaults": encoding.emitDefaultValues = !value
      default: ignoreUnknownFields = value
      }
    }
  }
}

extension JSONCallHandler {
  /// JSON when `Content-Type` is absent, `application/json`, what `curl -d` sends
  /// (`application/x-www-form-urlencoded`), or NDJSON; parameters (`charset`) are ignored.
  static func accepts(contentType: String?) -> Bool {
    guard let contentType else { return true }
    let type = contentType.split(separator: ";", maxSplits: 1).first.map {
      $0.trimming(" \t").lowercased()
    } ?? ""
    return ["", "application/json", "application/x-www-form-urlencoded", "application/x-ndjson"]
      .contains(type)
  }
}
