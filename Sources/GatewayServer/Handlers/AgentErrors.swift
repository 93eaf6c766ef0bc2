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
      return .fromAgent(
        code: status.code, message: status.message, metadata: status.metadata,
        tokenSent: tokenSent)
    case .gateway:
      return .fromTransport(code: status.code, message: status.message)
    }
  }
}
