import GatewayAgentClient
import GatewayCore
import GatewayGRPC
import GatewaySession
import GatewayTranscoding

/// Runs a `ReflectionFetch` against the agent: one stream per round, `grpc.reflection.v1` first
/// and `v1alpha` when the agent does not implement v1.
final class ReflectionClient: AgentTransferDelegate {
  struct Failure: Error, CustomStringConvertible {
    let description: String
  }

  private unowned let server: Server
  private let completion: (Result<ReflectionFetch.Schemas, Failure>) -> Void
  private var fetch = ReflectionFetch()
  private var path = ReflectionFetch.v1Path
  private var machine = GRPCCallStateMachine(configuration: .init(messageHandling: .deframe))
  private var messages: [[UInt8]] = []
  private var pendingRequests: [[UInt8]] = []
  private var transfer: AgentTransfer?
  private var roundStatus: GRPCStatus?
  /// Each round's deadline.
  static let roundTimeoutMilliseconds = 10_000

  init(server: Server, completion: @escaping (Result<ReflectionFetch.Schemas, Failure>) -> Void) {
    self.server = server
    self.completion = completion
  }

  func start() {
    perform(fetch.start())
  }

  private func perform(_ action: ReflectionFetch.Action) {
    switch action {
    case .send(let requests): send(requests)
    case .done(let schemas): completion(.success(schemas))
    }
  }

  private func send(_ requests: [[UInt8]]) {
    pendingRequests = requests
    machine = GRPCCallStateMachine(configuration: .init(messageHandling: .deframe))
    messages = []
    roundStatus = nil
    var body: [UInt8] = []
    for request in requests {
      request.withUnsafeBytes { try? GRPCMessageFramer.append(message: $0, to: &body) }
    }
    var metadata = Metadata()
    if let token = server.session.currentToken() {
      metadata.append("authorization", "Bearer " + token)
    }
    do {
      let headers = try GRPCRequestHeaders(
        path: path,
        timeout: GRPCTimeout(nanoseconds: Int64(Self.roundTimeoutMilliseconds) * 1_000_000),
        metadata: metadata, userAgent: GatewayVersion.userAgent)
      let transfer = try server.agent.startTransfer(
        path: path, headers: headers.curlHeaderLines, bodyLength: body.count,
        timeoutMilliseconds: Self.roundTimeoutMilliseconds, delegate: self)
      self.transfer = transfer
      body.withUnsafeBytes { transfer.appendRequestBody($0) }
      transfer.finishRequestBody()
    } catch {
      completion(.failure(Failure(description: "cannot start the reflection call: \(error)")))
    }
  }

  func transferReceivedHead(status: Int, headers: Metadata) {
    if case .finish(let status, _)? = try? machine.receivedResponseHead(
      httpStatus: status, headers: headers)
    {
      roundStatus = status
    }
  }

  func transferReceivedBody(_ bytes: UnsafeRawBufferPointer) -> BodyDisposition {
    switch try? machine.receivedBody(bytes) {
    case .forwardMessages(let received)?: messages.append(contentsOf: received)
    case .finish(let status, _)?: roundStatus = roundStatus ?? status
    default: break
    }
    return .accepted
  }

  func transferReceivedTrailers(_ trailers: Metadata) {
    if case .finish(let status, _)? = try? machine.receivedTrailers(trailers) {
      roundStatus = roundStatus ?? status
    }
  }

  func transferFinished(failure: TransportFailure?) {
    transfer = nil
    let error = failure.map {
      GRPCCallStateMachine.TransportError($0.kind.callErrorKind, message: $0.message)
    }
    if case .finish(let status, _)? = try? machine.transferEnded(transportError: error) {
      roundStatus = roundStatus ?? status
    }
    let status = roundStatus ?? GRPCStatus(code: .internal, message: "reflection call ended oddly")
    if status.code == .unimplemented && path == ReflectionFetch.v1Path {
      path = ReflectionFetch.v1alphaPath
      return send(pendingRequests)
    }
    guard status.code == .ok else {
      return completion(
        .failure(Failure(description: "reflection failed: \(status.code.name): \(status.message)")))
    }
    do {
      perform(try fetch.received(messages))
    } catch {
      completion(.failure(Failure(description: error.description)))
    }
  }
}
