public import GatewayCore

extension GatewayError {
  /// The table type of the first session row: no token was sent and the agent wants one.
  public static let tokenNotProvidedType = "ErrorClientJWTTokenNotProvided"
  /// The table type of the second session row: the token was sent and the agent rejected it.
  public static let tokenInvalidType = "ErrorSessionTokenInvalid"

  /// The error for an agent call that ended with a status other than OK, exactly as the
  /// contract's tables say (interface.md, "Errors"); pure, and every row is a test argument.
  ///
  /// In order:
  /// 1. Session rows: an authentication rejection (a Polykey trailer with either generation's
  ///    names, or a bare `UNAUTHENTICATED`) is a 401 with `code` `unauthenticated` and
  ///    `WWW-Authenticate: Bearer`: `ErrorSessionTokenInvalid`/65 (`error="invalid_token"`)
  ///    when the session token was sent; `ErrorClientJWTTokenNotProvided`/77 when nothing was
  ///    sent and the agent wants credentials; a refused or malformed password or caller
  ///    credential keeps the agent's type and exit code.
  /// 2. An `error` trailer (either shape): HTTP status by its exit code, its type, its exit
  ///    code; without an exit code (a non-Polykey error), HTTP status and exit code by the gRPC
  ///    status. The trailer is kept whole under `data`.
  /// 3. Otherwise the plain gRPC status: HTTP status by the status table, exit code by the HTTP
  ///    status, type `ErrorAgent<Code>` (`ErrorAgentNotFound`).
  ///
  /// `grpc-status-details-bin`, when present and valid, adds its details under `details`, and
  /// its message when the status carried none.
  ///
  /// - Parameters:
  ///   - code: the gRPC status the agent sent.
  ///   - message: its `grpc-message`, percent-decoded (`GRPCStatus.message`).
  ///   - metadata: the trailers (or the trailers-only headers), where `error` and
  ///     `grpc-status-details-bin` are.
  ///   - tokenSent: whether the call's last attempt carried the session token.
  ///   - decodeAny: the proto3 JSON of a detail (an object with `@type`) when the gateway's
  ///     schemas know its type, else nil; unknown details become `{"@type", "value": base64}`.
  public static func fromAgent(
    code: GRPCStatusCode, message: String, metadata: Metadata, tokenSent: Bool,
    decodeAny: ((_ typeURL: String, _ value: [UInt8]) -> [UInt8]?)? = nil
  ) -> GatewayError {
    let trailer = metadata[first: "error"].flatMap(AgentErrorTrailer.init(json:))
    var statusDetails: RPCStatusDetails?
    if let encoded = metadata[first: "grpc-status-details-bin"] {
      statusDetails = RPCStatusDetails(base64: encoded)
    }
    var message = message
    if message.isEmpty, let detailMessage = statusDetails?.message { message = detailMessage }

    var error: GatewayError
    let rejection =
      trailer.map { AuthRejection.classify(type: $0.type) }
      ?? (code == .unauthenticated ? .unauthenticated : nil)
    if let rejection {
      error = sessionError(
        rejection, trailer: trailer, message: message, tokenSent: tokenSent, grpcStatus: code)
    } else if let trailer {
      let httpStatus =
        trailer.exitCode.map(StatusMapping.httpStatus(forExitCode:))
        ?? StatusMapping.httpStatus(for: code == .ok ? .unknown : code)
      error = GatewayError(
        type: trailer.type, code: code, httpStatus: httpStatus,
        message: trailer.displayMessage ?? message, exitCode: trailer.exitCode,
        grpcStatus: code.rawValue)
      error.agentDescription = trailer.description
    } else {
      let mapped = code == .ok ? GRPCStatusCode.unknown : code
      error = GatewayError(
        type: "ErrorAgent" + upperCamel(mapped.name), code: code,
        httpStatus: StatusMapping.httpStatus(for: mapped),
        message: message.isEmpty ? "the agent answered \(mapped.name)" : message,
        grpcStatus: code.rawValue)
    }
    error.data = trailer?.json
    if let statusDetails, !statusDetails.details.isEmpty {
      error.details = statusDetails.details.map { detail in
        if let decoded = decodeAny?(detail.typeURL, detail.value),
          let value = JSONValue.parse(decoded), case .object = value
        {
          // Whitespace outside strings only: keep the body on one line.
          return decoded.map { $0 == 0x0A || $0 == 0x0D ? 0x20 : $0 }
        }
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("@type")
        writer.string(detail.typeURL)
        writer.key("value")
        writer.string(Base64.encode(detail.value))
        writer.endObject()
        return writer.bytes
      }
    }
    return error
  }

  private static func sessionError(
    _ rejection: AuthRejection, trailer: AgentErrorTrailer?, message: String, tokenSent: Bool,
    grpcStatus: GRPCStatusCode
  ) -> GatewayError {
    let agentMessage = trailer?.displayMessage ?? (message.isEmpty ? nil : message)
    var error: GatewayError
    var challenge = "Bearer"
    if tokenSent {
      let description = "Invalid JWT Token, please reauthenticate."
      error = GatewayError(
        type: tokenInvalidType, code: .unauthenticated, httpStatus: 401,
        message: agentMessage ?? description, exitCode: SysExits.dataError,
        grpcStatus: grpcStatus.rawValue)
      error.agentDescription = trailer?.description ?? description
      challenge = "Bearer error=\"invalid_token\""
    } else if rejection == .missing || rejection == .unauthenticated {
      let description = "JWT Token not provided in metadata"
      error = GatewayError(
        type: tokenNotProvidedType, code: .unauthenticated, httpStatus: 401,
        message: agentMessage ?? description, exitCode: SysExits.noPermission,
        grpcStatus: grpcStatus.rawValue)
      error.agentDescription = trailer?.description ?? description
    } else {
      // Credentials the caller or the gateway chose (a password) were refused or malformed.
      let type = trailer?.type ?? tokenInvalidType
      error = GatewayError(
        type: type, code: .unauthenticated, httpStatus: 401,
        message: agentMessage ?? "the agent refused the credentials",
        exitCode: trailer?.exitCode
          ?? (rejection == .malformed ? SysExits.usage : SysExits.dataError),
        grpcStatus: grpcStatus.rawValue)
      error.agentDescription = trailer?.description
      if type == tokenInvalidType { challenge = "Bearer error=\"invalid_token\"" }
    }
    error.headers.append(("WWW-Authenticate", challenge))
    return error
  }

  /// The error for a call that failed on the gateway's side of the wire (the status the call
  /// state machine made, `source: .gateway`): unreachable agent 503/69 with `Retry-After`,
  /// deadline 504/75, the rest by the status table, each an `ErrorGateway…` type.
  ///
  /// - Parameters:
  ///   - code: the status the gateway made (`unavailable`, `deadline_exceeded`, `cancelled`,
  ///     `internal`, `resource_exhausted`, `unimplemented`, `unknown`).
  ///   - message: what went wrong (curl's text; never holds a token).
  ///   - retryAfterSeconds: the `Retry-After` of a 503 (default 1: a local agent restarts fast).
  public static func fromTransport(
    code: GRPCStatusCode, message: String, retryAfterSeconds: Int = 1
  ) -> GatewayError {
    switch code {
    case .unavailable:
      var error = GatewayError.gateway(
        "AgentUnavailable", .unavailable,
        message.isEmpty ? "the agent is unreachable" : message)
      error.headers.append(("Retry-After", String(retryAfterSeconds)))
      return error
    case .deadlineExceeded:
      return .gateway(
        "DeadlineExceeded", .deadlineExceeded,
        message.isEmpty ? "the call's deadline passed" : message)
    default:
      let mapped = code == .ok ? GRPCStatusCode.internal : code
      return .gateway(
        upperCamel(mapped.name), mapped, message.isEmpty ? "the call failed" : message)
    }
  }

  /// `invalid_argument` → `InvalidArgument`.
  static func upperCamel(_ snake: String) -> String {
    snake.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
  }
}
