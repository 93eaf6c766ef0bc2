import GatewayAgentClient
import GatewayCore
import GatewayErrors
import GatewayEventLoop
import GatewayGRPC
import GatewaySession

/// One call to the agent with the session taken care of: what handlers use instead of
/// `AgentClient.startTransfer`, with the same shape (append/finish the request body, resume,
/// cancel; events to an `AgentTransferDelegate`).
///
/// - Attaches `authorization: Bearer <token>` when the caller sent no `Authorization`
///   (`usesSession`), and stores every token the agent hands back.
/// - Self-recovery (`AuthRetryStateMachine`): while a rejection is still possible, the response
///   head and trailers are held back, until the first response byte (then the call was not
///   rejected at authentication and everything flows through) or the end. If the agent
///   rejected the call at authentication, it is sent again once with the token another client
///   wrote to the file, or after unlocking with the configured password; otherwise the held
///   answer goes to the delegate unchanged. A rejected call has not run, so this is safe for
///   any method; streaming ones qualify because nothing has reached the caller yet.
/// - The request body is kept (up to the body limit) until the first response byte, to be
///   replayed; a call that sent more than the limit is not retried.
/// - `tokenSent` says whether the last attempt carried the session token, for
///   `GatewayError.fromAgent(…, tokenSent:)`.
///
/// Loop thread only. The delegate hears exactly one sequence of events, as from one transfer.
final class AgentCall: AgentTransferDelegate {
  private unowned let server: Server
  private var delegate: (any AgentTransferDelegate)?
  private let path: String
  private let headers: [String]
  private let bodyLength: Int?
  private let timeoutMilliseconds: Int
  private let startedAt = MonotonicClock.now()
  /// Attempts started so far (a retry is any but the first).
  private var attempts = 0
  private var transfer: AgentTransfer?
  private var unlock: SessionUnlock?
  private var machine: AuthRetryStateMachine?
  /// Whether the last attempt carried the session token.
  private(set) var tokenSent = false
  /// The session token the last attempt carried (kept out of errors by `Server.agentError`).
  private(set) var sentToken: String?
  /// The request body so far, for a replay; nil once it can no longer be replayed.
  private var keptBody: [UInt8]? = []
  private var bodyFinished = false
  /// True while the answer may still be an authentication rejection we recover from.
  private var holding: Bool
  private var heldHead: (status: Int, headers: Metadata)?
  private var heldTrailers: Metadata?

  private init(
    server: Server, path: String, headers: [String], usesSession: Bool, bodyLength: Int?,
    timeoutMilliseconds: Int, delegate: any AgentTransferDelegate
  ) {
    self.server = server
    self.path = path
    self.headers = headers
    self.bodyLength = bodyLength
    self.timeoutMilliseconds = timeoutMilliseconds
    self.delegate = delegate
    holding = usesSession
    if usesSession {
      sentToken = server.session.currentToken()
      machine = AuthRetryStateMachine(
        sentToken: sentToken, passwordConfigured: server.password != nil)
    } else {
      keptBody = nil
    }
  }

  /// Starts the call.
  ///
  /// - Parameters:
  ///   - headers: request header lines (`GRPCRequestHeaders.curlHeaderLines`) built from the
  ///     caller's metadata; they hold no session token.
  ///   - usesSession: true when the caller sent no `Authorization` of its own: attach the
  ///     session token and recover from rejections.
  /// - Throws: when curl refuses to start the transfer.
  static func start(
    server: Server, path: String, headers: [String], usesSession: Bool, bodyLength: Int?,
    timeoutMilliseconds: Int, delegate: any AgentTransferDelegate
  ) throws(CurlError) -> AgentCall {
    let call = AgentCall(
      server: server, path: path, headers: headers, usesSession: usesSession,
      bodyLength: bodyLength, timeoutMilliseconds: timeoutMilliseconds, delegate: delegate)
    try call.startAttempt(token: call.sentToken)
    return call
  }

  private func startAttempt(token: String?) throws(CurlError) {
    var lines = headers
    if let token {
      lines.append("authorization: Bearer " + token)
    }
    sentToken = token
    tokenSent = token != nil
    var timeout = timeoutMilliseconds
    if timeout > 0, attempts > 0 {
      // A retry gets what is left of the deadline, and tells the agent so.
      let elapsed = Int64(clamping: MonotonicClock.now() &- startedAt)
      let left = max(1_000_000, Int64(timeoutMilliseconds) * 1_000_000 - elapsed)
      timeout = Int((left + 999_999) / 1_000_000)
      lines = GRPCRequestHeaders.curlHeaderLines(lines, timeout: GRPCTimeout(nanoseconds: left))
    }
    attempts += 1
    let started = try server.agent.startTransfer(
      path: path, headers: lines, bodyLength: bodyLength, timeoutMilliseconds: timeout,
      delegate: self)
    server.metrics.callsStarted += 1
    transfer = started
    if let keptBody, !keptBody.isEmpty {
      keptBody.withUnsafeBytes { started.appendRequestBody($0) }
    }
    if bodyFinished { started.finishRequestBody() }
  }

  // MARK: The handler's side (AgentTransfer's shape)

  func appendRequestBody(_ bytes: UnsafeRawBufferPointer) {
    if keptBody != nil {
      if keptBody!.count + bytes.count > server.configuration.maxBodyBytes {
        keptBody = nil
      } else {
        keptBody!.append(contentsOf: bytes)
      }
    }
    transfer?.appendRequestBody(bytes)
  }

  func finishRequestBody() {
    bodyFinished = true
    transfer?.finishRequestBody()
  }

  func resumeReceiving() {
    transfer?.resumeReceiving()
  }

  /// Abandons the call; the delegate hears nothing more.
  func cancel() {
    delegate = nil
    transfer?.cancel()
    transfer = nil
    unlock?.cancel()
    unlock = nil
  }

  // MARK: The transfer's events

  func transferReceivedHead(status: Int, headers: Metadata) {
    server.takeToken(from: headers)
    if holding {
      heldHead = (status, headers)
    } else {
      delegate?.transferReceivedHead(status: status, headers: headers)
    }
  }

  func transferReceivedBody(_ bytes: UnsafeRawBufferPointer) -> BodyDisposition {
    guard let delegate else { return .accepted }
    if holding {
      // A response byte: the agent ran the call, so it was no rejection.
      holding = false
      keptBody = nil
      try? machine?.answered()
      if let heldHead { delegate.transferReceivedHead(status: heldHead.status, headers: heldHead.headers) }
      heldHead = nil
    }
    return delegate.transferReceivedBody(bytes)
  }

  func transferReceivedTrailers(_ trailers: Metadata) {
    server.takeToken(from: trailers)
    if holding {
      heldTrailers = trailers
    } else {
      delegate?.transferReceivedTrailers(trailers)
    }
  }

  func transferFinished(failure: TransportFailure?) {
    transfer = nil
    guard holding, delegate != nil else { return deliverHeld(failure: failure) }
    guard failure == nil, let (code, metadata) = finalStatus(),
      AuthRejection.classify(code: code, metadata: metadata) != nil
    else {
      try? machine?.answered()
      return deliverHeld(failure: failure)
    }
    server.metrics.authRejections += 1
    server.session.markRejected(token: sentToken)
    let action: AuthRetryStateMachine.RejectedAction
    do {
      action =
        try machine?.rejected(fileToken: server.session.currentToken(), canReplay: keptBody != nil)
        ?? .giveUp
    } catch {
      return deliverHeld(failure: nil)
    }
    switch action {
    case .retry(let token):
      server.metrics.authRetries[.fileToken, default: 0] += 1
      server.logger.info(
        "the agent rejected the session; retrying with the token file's newer token",
        ["path": path])
      retry(token: token)
    case .unlock:
      startUnlock()
    case .giveUp:
      deliverHeld(failure: nil)
    }
  }

  /// The status of a held answer: its trailers, or a trailers-only head (or a 401 without one).
  private func finalStatus() -> (GRPCStatusCode, Metadata)? {
    for metadata in [heldTrailers, heldHead?.headers].compactMap({ $0 }) {
      if let value = metadata[first: "grpc-status"], let number = Int(value) {
        return (GRPCStatusCode(rawValue: number), metadata)
      }
    }
    if let heldHead, heldHead.status == 401 { return (.unauthenticated, heldHead.headers) }
    return nil
  }

  private func retry(token: String) {
    heldHead = nil
    heldTrailers = nil
    do {
      try startAttempt(token: token)
    } catch {
      holding = false
      delegate?.transferFinished(
        failure: TransportFailure(kind: .unavailable, message: "cannot start the call: \(error)"))
      delegate = nil
    }
  }

  private func startUnlock() {
    guard let password = server.password else { return deliverHeld(failure: nil) }
    server.logger.info(
      "the agent rejected the session; unlocking with the configured password",
      ["path": path, "unlockMethod": server.configuration.unlockMethod])
    unlock = SessionUnlock.start(server: server, password: password) { [weak self] outcome in
      self?.unlockEnded(outcome)
    }
  }

  private func unlockEnded(_ outcome: SessionUnlock.Outcome) {
    unlock = nil
    guard delegate != nil else { return }
    switch outcome {
    case .token(let token):
      server.metrics.unlocks[true, default: 0] += 1
      server.logger.info("session unlocked; retrying the call", ["path": path])
      server.session.received(token: token)
      guard keptBody != nil, let action = try? machine?.unlocked(token: token),
        case .retry(let retryToken) = action
      else { return deliverHeld(failure: nil) }
      server.metrics.authRetries[.unlock, default: 0] += 1
      retry(token: retryToken)
    case .failed(let status, _):
      server.metrics.unlocks[false, default: 0] += 1
      server.logger.warning(
        "unlock with the configured password failed",
        ["path": path, "error": status.logType])
      _ = try? machine?.unlockFailed()
      // Answer with the unlock's own outcome, as a trailers-only answer: a wrong password is
      // the agent's error; the session token was not what failed last.
      tokenSent = false
      holding = false
      var headers = Metadata()
      headers.append("content-type", "application/grpc")
      headers.append("grpc-status", String(status.code.rawValue))
      if !status.encodedMessage.isEmpty { headers.append("grpc-message", status.encodedMessage) }
      for entry in status.metadata { headers.append(entry.name, entry.value) }
      let delegate = self.delegate
      self.delegate = nil
      delegate?.transferReceivedHead(status: 200, headers: headers)
      delegate?.transferFinished(failure: nil)
    }
  }

  /// Hands the held answer to the delegate as it came, and ends.
  private func deliverHeld(failure: TransportFailure?) {
    holding = false
    keptBody = nil
    guard let delegate else { return }
    self.delegate = nil
    if let heldHead { delegate.transferReceivedHead(status: heldHead.status, headers: heldHead.headers) }
    if let heldTrailers { delegate.transferReceivedTrailers(heldTrailers) }
    heldHead = nil
    heldTrailers = nil
    delegate.transferFinished(failure: failure)
  }
}

@available(*, unavailable)
extension AgentCall: Sendable {}
