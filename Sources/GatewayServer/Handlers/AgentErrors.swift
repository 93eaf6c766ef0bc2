import GatewayCore
import GatewayErrors
import GatewayGRPC
import GatewayTranscoding

extension Server {
  /// The JSON error for a call that did not end OK: the contract's tables for the agent's own
  /// statuses, gateway errors for what the transport or the gateway decided.
  func agentError(
    _ status: GRPCStatus, source: GRPCCallStateMachine.StatusSource, tokenSent: Bool,
    pool: SchemaPool
  ) -> GatewayError {
    switch source {
    case .agent:
      var error = GatewayError(
        type: "Error" + status.code.name.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(),
        code: status.code, httpStatus: StatusMapping.httpStatus(for: status.code),
        message: status.message, grpcStatus: Int(status.code.rawValue))
      if status.code == .unauthenticated { error.headers.append(("WWW-Authenticate", "Bearer")) }
      return error
    case .gateway:
      switch status.code {
      case .unavailable:
        var error = GatewayError.gateway("AgentUnavailable", .unavailable, status.message, httpStatus: 503)
        error.headers.append(("Retry-After", "1"))
        return error
      case .deadlineExceeded:
        return .gateway("DeadlineExceeded", .deadlineExceeded, status.message, httpStatus: 504)
      default:
        return .gateway("Call", status.code, status.message)
      }
    }
  }
}
