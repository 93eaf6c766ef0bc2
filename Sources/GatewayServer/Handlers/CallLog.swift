import GatewayCore
import GatewayErrors
import GatewayEventLoop
import GatewayGRPC

extension Server {
  /// One line per call. `debug` for what the agent answered, errors included (the caller has
  /// them); `info` for a call the gateway itself ended with an error (the agent unreachable, a
  /// deadline, a broken answer), which an operator wants to see without turning on debug.
  /// The message of a gateway-made status is the gateway's own text, never a token.
  func logCallEnded(
    path: String, status: GRPCStatus, source: GRPCCallStateMachine.StatusSource, startedAt: UInt64
  ) {
    let level: LogLevel = source == .gateway && status.code != .ok ? .info : .debug
    guard level >= logger.level else { return }
    let milliseconds = Double(MonotonicClock.now() &- startedAt) / 1_000_000
    let duration = String(Double(Int(milliseconds * 10)) / 10)
    if level == .info {
      logger.log(
        .info, "call failed in the gateway",
        ["grpc.method": path, "grpc.status": status.code.name, "durationMs": duration,
          "error": status.message])
    } else {
      logger.log(
        .debug, "call finished",
        ["grpc.method": path, "grpc.status": status.code.name, "durationMs": duration,
          "source": source == .agent ? "agent" : "gateway"])
    }
  }
}

extension GRPCStatus {
  /// What went wrong, for a log line: the agent's error type from its `error` trailer
  /// (`ErrorClientAuthDenied`), else the status name. Never the message, which is the agent's.
  var logType: String {
    metadata[first: "error"].flatMap { AgentErrorTrailer(json: $0)?.type } ?? code.name
  }
}
