import GatewayAgentClient
import GatewaySession

/// Counters for `GET /-/metrics`, kept on the loop thread.
///
/// Names follow Prometheus conventions; nothing here ever holds a token or a path with one.
struct Metrics {
  var connectionsAccepted = 0
  var peersRefused = 0
  var requests = 0
  var malformedRequests = 0
  var callsStarted = 0
  var callsByStatus: [Int: Int] = [:]
  var callsFailedToStart = 0
  var tokensReceived = 0
  /// Calls the agent rejected at authentication (each attempt counts).
  var authRejections = 0
  /// Calls sent again after a rejection, by why.
  var authRetries: [AuthRetryReason: Int] = [:]
  /// Unlock calls the gateway made (self-recovery and `POST /-/session/unlock`), by success.
  var unlocks: [Bool: Int] = [:]
}

/// Why a rejected call was sent again.
enum AuthRetryReason: String {
  /// Another client wrote a different token to the file.
  case fileToken = "file_token"
  /// The gateway unlocked with the configured password.
  case unlock
}

extension Server {
  /// The Prometheus text exposition of the counters and gauges.
  func metricsText() -> String {
    var lines: [String] = []
    func counter(_ name: String, _ help: String, _ value: Int) {
      lines.append("# HELP \(name) \(help)")
      lines.append("# TYPE \(name) counter")
      lines.append("\(name) \(value)")
    }
    func gauge(_ name: String, _ help: String, _ value: Int) {
      lines.append("# HELP \(name) \(help)")
      lines.append("# TYPE \(name) gauge")
      lines.append("\(name) \(value)")
    }
    counter("session_gateway_connections_accepted_total", "Caller connections accepted.", metrics.connectionsAccepted)
    counter("session_gateway_peers_refused_total", "Connections refused for their uid.", metrics.peersRefused)
    gauge("session_gateway_connections", "Caller connections open now.", activeConnections)
    counter("session_gateway_requests_total", "HTTP requests received.", metrics.requests)
    counter("session_gateway_malformed_requests_total", "Requests answered 400/413 for malformed HTTP.", metrics.malformedRequests)
    counter("session_gateway_agent_calls_total", "Calls started to the agent.", metrics.callsStarted)
    counter("session_gateway_agent_calls_failed_to_start_total", "Calls libcurl refused to start.", metrics.callsFailedToStart)
    lines.append("# HELP session_gateway_agent_calls_completed_total Agent calls by final gRPC status.")
    lines.append("# TYPE session_gateway_agent_calls_completed_total counter")
    for (code, count) in metrics.callsByStatus.sorted(by: { $0.key < $1.key }) {
      lines.append("session_gateway_agent_calls_completed_total{grpc_status=\"\(code)\"} \(count)")
    }
    counter("session_gateway_agent_connections_opened_total", "HTTP/2 connections opened to the agent.", agent.connectionsOpened)
    counter(
      "session_gateway_agent_connection_failures_total",
      "Agent connections given up after a connection-level error (the next call opens a new one).",
      agent.connectionFailures)
    counter("session_gateway_tokens_received_total", "Tokens the agent handed back.", metrics.tokensReceived)
    counter("session_gateway_tokens_written_total", "Tokens written to the token file.", session.tokensWritten)
    counter("session_gateway_auth_rejections_total", "Agent calls rejected at authentication.", metrics.authRejections)
    lines.append("# HELP session_gateway_auth_retries_total Rejected calls sent again, by reason.")
    lines.append("# TYPE session_gateway_auth_retries_total counter")
    for reason in [AuthRetryReason.fileToken, .unlock] {
      lines.append("session_gateway_auth_retries_total{reason=\"\(reason.rawValue)\"} \(metrics.authRetries[reason, default: 0])")
    }
    lines.append("# HELP session_gateway_unlocks_total Unlock calls the gateway made, by outcome.")
    lines.append("# TYPE session_gateway_unlocks_total counter")
    lines.append("session_gateway_unlocks_total{outcome=\"ok\"} \(metrics.unlocks[true, default: 0])")
    lines.append("session_gateway_unlocks_total{outcome=\"failed\"} \(metrics.unlocks[false, default: 0])")
    return lines.joined(separator: "\n") + "\n"
  }
}
