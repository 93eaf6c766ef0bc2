import GatewayAgentClient
import GatewayCore
import GatewayErrors
import GatewayGRPC
import GatewaySession
import GatewayTranscoding

/// Exchanges a password for a session token through the unlock method (`--unlock-method`,
/// default `/polykey.v1.ClientService/SessionsUnlock`), as the contract says: metadata
/// `authorization: Basic base64(":" + password)`, the password also in the request message when
/// its type has a string field `password`; the token from the `authorization` response
/// metadata, or else from a string field `token` of the response message.
///
/// Without a schema for the method, the default method's messages are known (`Password`,
/// `Token`: field 1 each); another method gets an empty request and its token must come in
/// the metadata. The token is returned, not stored: the caller stores it.
final class SessionUnlock: AgentTransferDelegate {
  enum Outcome {
    case token(String)
    /// The call failed: the agent's status (a wrong password), or one the gateway made.
    case failed(GRPCStatus, source: GRPCCallStateMachine.StatusSource)
  }

  private unowned let server: Server
  private var completion: ((Outcome) -> Void)?
  private var transfer: AgentTransfer?
  private var machine = GRPCCallStateMachine(configuration: .init(messageHandling: .deframe))
  private var metadataToken: String?
  private var messageToken: String?
  private let tokenField: Int?

  /// The unlock's deadline (default 10 s: a local agent answers in milliseconds).
  static let timeoutMilliseconds = 10_000

  private init(server: Server, tokenField: Int?, completion: @escaping (Outcome) -> Void) {
    self.server = server
    self.tokenField = tokenField
    self.completion = completion
  }

  /// Starts the unlock; `completion` runs once on the loop (at once if it cannot start).
  @discardableResult
  static func start(
    server: Server, password: String, completion: @escaping (Outcome) -> Void
  ) -> SessionUnlock {
    let path = server.configuration.unlockMethod
    let fields = Self.fieldNumbers(schema: server.schemas.pool, path: path)
    let unlock = SessionUnlock(server: server, tokenField: fields.token, completion: completion)
    var message: [UInt8] = []
    if let field = fields.password {
      message = Self.stringField(field, password)
    }
    var metadata = Metadata()
    metadata.append("authorization", UnlockPassword.authorization(password))
    do {
      let headers = try GRPCRequestHeaders(
        path: path, timeout: GRPCTimeout(nanoseconds: Int64(timeoutMilliseconds) * 1_000_000),
        metadata: metadata, userAgent: GatewayVersion.userAgent)
      let body = try GRPCMessageFramer.frame(message)
      let transfer = try server.agent.startTransfer(
        path: path, headers: headers.curlHeaderLines, bodyLength: body.count,
        timeoutMilliseconds: timeoutMilliseconds, delegate: unlock)
      unlock.transfer = transfer
      body.withUnsafeBytes { transfer.appendRequestBody($0) }
      transfer.finishRequestBody()
    } catch {
      unlock.finish(
        .failed(
          GRPCStatus(code: .internal, message: "cannot start the unlock call: \(error)"),
          source: .gateway))
    }
    return unlock
  }

  /// The `password` field of the request type and the `token` field of the response type:
  /// from the schema when it has the method, else Polykey's for the default method.
  static func fieldNumbers(schema: SchemaPool, path: String) -> (password: Int?, token: Int?) {
    if let method = schema.methodByPath[path], schema.messages.indices.contains(method.inputType),
      schema.messages.indices.contains(method.outputType)
    {
      func stringField(_ message: Int, _ name: String) -> Int? {
        schema.messages[message].fields.first { $0.name == name && $0.type == .string
          && !$0.isRepeated }.map { Int($0.number) }
      }
      return (stringField(method.inputType, "password"), stringField(method.outputType, "token"))
    }
    if path == Configuration.defaultUnlockMethod { return (1, 1) }
    return (nil, nil)
  }

  /// One length-delimited field.
  static func stringField(_ number: Int, _ value: String) -> [UInt8] {
    var out: [UInt8] = []
    func varint(_ value: UInt64) {
      var value = value
      while value >= 0x80 {
        out.append(UInt8(value & 0x7F) | 0x80)
        value >>= 7
      }
      out.append(UInt8(value))
    }
    varint(UInt64(number) << 3 | 2)
    varint(UInt64(value.utf8.count))
    out.append(contentsOf: value.utf8)
    return out
  }

  /// The first string field `number` in a message (wire format), if any.
  static func readStringField(_ number: Int, in message: [UInt8]) -> String? {
    var index = 0
    func varint() -> UInt64? {
      var value: UInt64 = 0
      var shift: UInt64 = 0
      while index < message.count, shift < 64 {
        let byte = message[index]
        index += 1
        value |= UInt64(byte & 0x7F) << shift
        if byte & 0x80 == 0 { return value }
        shift += 7
      }
      return nil
    }
    while index < message.count {
      guard let key = varint() else { return nil }
      switch key & 7 {
      case 0: guard varint() != nil else { return nil }
      case 1: index += 8
      case 5: index += 4
      case 2:
        guard let length = varint(), length <= UInt64(message.count - index) else { return nil }
        if key >> 3 == UInt64(number) {
          return String(decoding: message[index..<index + Int(length)], as: UTF8.self)
        }
        index += Int(length)
      default: return nil
      }
    }
    return nil
  }

  func cancel() {
    completion = nil
    transfer?.cancel()
    transfer = nil
  }

  private func finish(_ outcome: Outcome) {
    guard let completion else { return }
    self.completion = nil
    transfer?.cancel()
    transfer = nil
    completion(outcome)
  }

  private func ended(_ status: GRPCStatus, _ source: GRPCCallStateMachine.StatusSource) {
    guard status.code == .ok else { return finish(.failed(status, source: source)) }
    guard let token = metadataToken ?? messageToken, Session.isValidToken(token) else {
      return finish(
        .failed(
          GRPCStatus(code: .internal, message: "the unlock method returned no token"),
          source: .gateway))
    }
    server.metrics.tokensReceived += 1  // an unlock's token counts as one the agent handed back
    finish(.token(token))
  }

  private func take(_ metadata: Metadata) {
    for entry in metadata where entry.name == "authorization" {
      if let token = Session.bearerToken(fromAuthorization: entry.value) { metadataToken = token }
    }
  }

  // MARK: AgentTransferDelegate

  func transferReceivedHead(status: Int, headers: Metadata) {
    take(headers)
    guard let action = try? machine.receivedResponseHead(httpStatus: status, headers: headers)
    else {
      return finish(
        .failed(GRPCStatus(code: .internal, message: "invalid unlock answer"), source: .gateway))
    }
    if case .finish(let status, let source) = action { ended(status, source) }
  }

  func transferReceivedBody(_ bytes: UnsafeRawBufferPointer) -> BodyDisposition {
    guard completion != nil, let action = try? machine.receivedBody(bytes) else { return .accepted }
    switch action {
    case .forwardMessages(let messages):
      if messageToken == nil, let tokenField, let first = messages.first {
        messageToken = Self.readStringField(tokenField, in: first)
      }
    case .finish(let status, let source): ended(status, source)
    case .none, .forwardFrames: break
    }
    return .accepted
  }

  func transferReceivedTrailers(_ trailers: Metadata) {
    take(trailers)
    guard let action = try? machine.receivedTrailers(trailers) else { return }
    if case .finish(let status, let source) = action { ended(status, source) }
  }

  func transferFinished(failure: TransportFailure?) {
    transfer = nil
    let error = failure.map {
      GRPCCallStateMachine.TransportError($0.kind.callErrorKind, message: $0.message)
    }
    guard let action = try? machine.transferEnded(transportError: error) else {
      return finish(
        .failed(GRPCStatus(code: .internal, message: "the unlock ended badly"), source: .gateway))
    }
    if case .finish(let status, let source) = action { ended(status, source) }
  }
}

@available(*, unavailable)
extension SessionUnlock: Sendable {}
