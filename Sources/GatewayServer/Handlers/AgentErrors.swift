import GatewayCore
import GatewayErrors
import GatewayGRPC
import GatewaySession
import GatewayTranscoding

extension Server {
  /// The JSON error for a call that did not end OK: the contract's tables for the agent's own
  /// statuses, gateway errors for what the transport or the gateway decided.
  ///
  /// `grpc-status-details-bin` details are written in proto3 JSON when `pool` (the call's
  /// schemas) knows their type, else as `{"@type", "value": base64}`.
  ///
  /// The session token (the one the call carried, `sentToken`, and the current one) is
  /// redacted from whatever the agent wrote into the error.
  func agentError(
    _ status: GRPCStatus, source: GRPCCallStateMachine.StatusSource, tokenSent: Bool,
    sentToken: String? = nil, pool: SchemaPool
  ) -> GatewayError {
    switch source {
    case .agent:
      var error = GatewayError.fromAgent(
        code: status.code, message: status.message, metadata: status.metadata,
        tokenSent: tokenSent, decodeAny: Self.anyDecoder(pool))
      for token in [sentToken, session.currentToken()] {
        if let token { error = error.redacting(token) }
      }
      return error
    case .gateway:
      return .fromTransport(code: status.code, message: status.message)
    }
  }

  /// `GatewayError.fromAgent`'s `decodeAny`: an `Any` detail in proto3 JSON with `"@type"`
  /// first, or nil when `pool` does not know its type or the value does not decode as it.
  static func anyDecoder(_ pool: SchemaPool) -> ((String, [UInt8]) -> [UInt8]?)? {
    guard !pool.messages.isEmpty else { return nil }
    return { typeURL, value in try? pool.anyJSON(typeURL: typeURL, value: value) }
  }
}
