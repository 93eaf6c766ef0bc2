import GatewayCore
import GatewayErrors
import GatewayGRPC
import GatewayHTTP1
import GatewayTranscoding
import GatewaySession

/// `/-/session` and `/-/session/unlock`: the session's state, and storing, removing or
/// unlocking its token. Every answer but an error is the state, as `GET /-/session` gives it:
/// `{"state": "absent"|"present"|"rejected", "tokenFile", "issuedAt", "expiresAt"}` (times
/// RFC 3339 UTC from the token's claims, else null). Never the token.
final class SessionEndpoint: RequestHandler {
  enum Kind: String {
    case session = "/-/session"
    case unlock = "/-/session/unlock"

    var allowedMethods: [String] {
      switch self {
      case .session: ["GET", "PUT", "DELETE"]
      case .unlock: ["POST"]
      }
    }
  }

  /// Request bodies here are one small JSON object (default limit 64 KiB).
  static let maxBodyBytes = 64 * 1024

  private unowned let server: Server
  private let connection: Connection
  private let kind: Kind
  private let method: String
  private var body: [UInt8] = []
  private var answered = false
  private var unlock: SessionUnlock?

  private init(server: Server, connection: Connection, kind: Kind, method: String) {
    self.server = server
    self.connection = connection
    self.kind = kind
    self.method = method
  }

  /// The handler for a session endpoint, or nil when `path` is not one or the request was
  /// answered at once (wrong method).
  static func handler(
    for path: String, head: HTTPRequestHead, server: Server, connection: Connection
  ) -> SessionEndpoint? {
    guard let kind = Kind(rawValue: path) else { return nil }
    let method = head.method.readingMethod
    guard kind.allowedMethods.contains(method) else {
      connection.sendError(
        .methodNotAllowed(
          "\(head.method) is not allowed on \(path)",
          allow: kind.allowedMethods.withHEAD.joined(separator: ", ")))
      return nil
    }
    return SessionEndpoint(server: server, connection: connection, kind: kind, method: method)
  }

  // MARK: RequestHandler

  func requestBodyPart(_ bytes: [UInt8]) {
    guard !answered else { return }
    body += bytes
    if body.count > Self.maxBodyBytes {
      fail(
        .gateway(
          "BodyTooLarge", .resourceExhausted,
          "the body is over \(Self.maxBodyBytes) bytes", httpStatus: 413))
    }
  }

  func requestEnded() {
    guard !answered else { return }
    switch (kind, method) {
    case (.session, "GET"):
      answerState()
    case (.session, "PUT"):
      guard let token = stringMember("token") else { return }
      guard Session.isValidToken(token) else {
        return fail(
          badBody(
            "\"token\" must be 1 to \(Session.maximumTokenLength) visible ASCII characters, no spaces"))
      }
      server.session.store(token: token) { [self] error in written(error) }
    case (.session, _):  // DELETE
      server.session.clear { [self] error in written(error) }
    case (.unlock, _):
      guard let password = stringMember("password") else { return }
      // Checked here, not by the agent connection: a credential too long for metadata is the
      // caller's mistake (400), not an unreachable agent (503).
      if password.isEmpty { return fail(badBody("\"password\" must not be empty")) }
      if let problem = UnlockPassword.problem(password) {
        return fail(badBody("\"password\" \(problem)"))
      }
      unlock = SessionUnlock.start(server: server, password: password) { [self] outcome in
        unlocked(outcome)
      }
    }
  }

  func connectionClosed() {
    answered = true
    unlock?.cancel()
    unlock = nil
  }

  // MARK: Answers

  private func unlocked(_ outcome: SessionUnlock.Outcome) {
    unlock = nil
    switch outcome {
    case .token(let token):
      server.metrics.unlocks[true, default: 0] += 1
      server.logger.info("session unlocked", ["via": "/-/session/unlock"])
      server.session.store(token: token) { [self] error in written(error) }
    case .failed(let status, let source):
      server.metrics.unlocks[false, default: 0] += 1
      server.logger.info(
        "unlock failed", ["via": "/-/session/unlock", "error": status.logType])
      if source == .gateway {
        fail(.fromTransport(code: status.code, message: status.message))
      } else {
        fail(
          .fromAgent(
            code: status.code, message: status.message, metadata: status.metadata,
            tokenSent: false, decodeAny: Server.anyDecoder(server.schemas.pool)))
      }
    }
  }

  private func written(_ error: TokenStoreError?) {
    if let error {
      server.logger.warning(
        "token file problem", ["path": error.path, "operation": error.operation])
      return fail(
        .gateway("TokenFile", .internal, "cannot update the token file: \(error)"))
    }
    answerState()
  }

  private func answerState() {
    guard !answered else { return }
    answered = true
    connection.sendJSON(status: 200, body: Self.stateBody(server.session))
  }

  /// The state document.
  static func stateBody(_ session: Session) -> [UInt8] {
    let state = session.state
    let claims = session.currentToken().flatMap(JWTClaims.init(token:))
    var writer = JSONWriter()
    writer.beginObject()
    writer.key("state")
    writer.string(state.rawValue)
    writer.key("tokenFile")
    writer.string(session.store.path)
    for (key, value) in [("issuedAt", claims?.issuedAt), ("expiresAt", claims?.expiresAt)] {
      writer.key(key)
      if let value { writer.string(JWTClaims.rfc3339(value)) } else { writer.null() }
    }
    writer.endObject()
    return writer.bytes + [0x0A]
  }

  private func fail(_ error: GatewayError) {
    guard !answered else { return }
    answered = true
    connection.sendError(error)
  }

  private func badBody(_ message: String) -> GatewayError {
    .gateway("InvalidRequest", .invalidArgument, message, httpStatus: 400)
  }

  /// The string member `name` of the body's JSON object; answers 400 and returns nil when the
  /// body is not such an object.
  private func stringMember(_ name: String) -> String? {
    guard let value = JSONValue.parse(body), case .object = value else {
      fail(badBody("the body must be a JSON object with \"\(name)\""))
      return nil
    }
    guard let member = value[name]?.stringValue else {
      fail(badBody("the body needs a string \"\(name)\""))
      return nil
    }
    return member
  }
}

@available(*, unavailable)
extension SessionEndpoint: Sendable {}
