import GatewayCore
import GatewayGRPC
import GatewayHTTP1
import GatewaySession

/// Turns a caller's HTTP request headers into the agent call's metadata and deadline, and
/// attaches the session.
struct CallMetadata {
  var metadata = Metadata()
  var timeout: GRPCTimeout?
  /// Whether the session applies: the caller sent no `Authorization` of its own, so
  /// `AgentCall` attaches the session token (and recovers from rejections).
  var usesSession = false

  /// HTTP-only headers that are not call metadata.
  private static let httpOnly: Set<String> = [
    "host", "content-type", "content-length", "transfer-encoding", "connection", "keep-alive",
    "expect", "accept", "accept-encoding", "user-agent", "te", "upgrade", "x-grpc-web",
    "x-user-agent", "proxy-connection", "proxy-authorization", "origin", "referer",
  ]

  /// JSON calls: `Grpc-Metadata-<Key>` headers become metadata `<key>`; the caller's own
  /// `Authorization` goes through; `Grpc-Timeout` sets the deadline. Other headers are HTTP's.
  init(jsonHeaders headers: HTTPHeaders, session: Session, defaultTimeoutMilliseconds: Int) {
    for field in headers {
      let name = field.name.lowercased()
      if name == "grpc-timeout" {
        timeout = GRPCTimeout(headerValue: field.value)
        if timeout == nil { invalidTimeout = field.value }
      } else if name == "authorization" {
        metadata.append(name, field.value)
      } else if name.hasPrefix("grpc-metadata-"), name.count > 14 {
        let key = String(name.dropFirst(14))
        checkBinary(key, field.value, header: field.name)
        metadata.append(key, field.value)
      }
    }
    finish(session: session, defaultTimeoutMilliseconds: defaultTimeoutMilliseconds)
  }

  /// gRPC-Web: every request header is metadata except HTTP's own and the `grpc-` names.
  init(gRPCWebHeaders headers: HTTPHeaders, session: Session, defaultTimeoutMilliseconds: Int) {
    for field in headers {
      let name = field.name.lowercased()
      if name == "grpc-timeout" {
        timeout = GRPCTimeout(headerValue: field.value)
        if timeout == nil { invalidTimeout = field.value }
        continue
      }
      if Self.httpOnly.contains(name) || name.hasPrefix("grpc-") { continue }
      checkBinary(name, field.value, header: field.name)
      metadata.append(name, field.value)
    }
    finish(session: session, defaultTimeoutMilliseconds: defaultTimeoutMilliseconds)
  }

  mutating func finish(session: Session, defaultTimeoutMilliseconds: Int) {
    if timeout == nil && defaultTimeoutMilliseconds > 0 {
      timeout = GRPCTimeout(nanoseconds: Int64(defaultTimeoutMilliseconds) * 1_000_000)
    }
    // The caller's own Authorization goes through unchanged; otherwise `AgentCall` attaches
    // the session's token.
    usesSession = metadata[first: "authorization"] == nil
    let authorizations = metadata.entries.count { $0.name == "authorization" }
    if authorizations > 1 {
      invalidAuthorization =
        "send one Authorization header (Authorization or Grpc-Metadata-Authorization), not \(authorizations)"
    }
  }

  /// curl's timeout in milliseconds for the deadline (0: none), rounded up and at least 1, so
  /// `0n` is an already-passed deadline rather than no deadline.
  var timeoutMilliseconds: Int {
    guard let timeout else { return 0 }
    let milliseconds = timeout.nanoseconds / 1_000_000
    return Int(max(1, timeout.nanoseconds % 1_000_000 == 0 ? milliseconds : milliseconds + 1))
  }

  /// The caller sent a `Grpc-Timeout` that is not gRPC's format.
  var invalidTimeout: String?

  /// Notes the first binary (`-bin`) metadata value that is not base64, naming the caller's
  /// header: it is refused before the call (400, or `grpc-status: 3`), as the agent could not
  /// decode it.
  private mutating func checkBinary(_ key: String, _ value: String, header: String) {
    guard invalidMetadata == nil, key.hasSuffix("-bin"),
      GRPCRequestHeaders.isForwardableRequestMetadata(key),
      !GRPCRequestHeaders.isValidBinaryValue(value)
    else { return }
    invalidMetadata =
      "the \(header) header is not valid base64 (a -bin value is standard base64, padded or not)"
  }

  /// A metadata value the agent could not take (see `checkBinary`).
  var invalidMetadata: String?

  /// Why the caller's credentials cannot be sent: more than one `Authorization` (JSON calls
  /// count `Grpc-Metadata-Authorization` as one too), which the agent would see as two.
  var invalidAuthorization: String?
}
