/// Where the agent listens, parsed from `--agent`.
///
/// - `unix:/path/agent.sock`: h2c (prior knowledge) over a Unix socket.
/// - `http://host:port`: h2c (prior knowledge) over TCP.
/// - `https://host:port`: TLS, HTTP/2 negotiated with ALPN.
public struct AgentAddress: Sendable, Equatable, CustomStringConvertible {
  public enum Transport: Sendable, Equatable {
    case unixSocket(path: String)
    case cleartext
    case tls
  }

  public let transport: Transport
  /// `scheme://authority` the request URLs start with (`http://localhost` for a Unix socket).
  public let baseURL: String
  public let description: String

  public init(parsing text: String) throws(AgentAddressError) {
    description = text
    if text.hasPrefix("unix:") {
      let path = String(text.dropFirst("unix:".count))
      guard !path.isEmpty else { throw AgentAddressError(text, "a Unix socket path is missing") }
      transport = .unixSocket(path: path)
      baseURL = "http://localhost"
      return
    }
    let scheme: Transport
    let rest: Substring
    if text.hasPrefix("http://") {
      scheme = .cleartext
      rest = text.dropFirst("http://".count)
    } else if text.hasPrefix("https://") {
      scheme = .tls
      rest = text.dropFirst("https://".count)
    } else {
      throw AgentAddressError(text, "expected unix:/path, http://host:port or https://host:port")
    }
    var authority = rest
    while authority.hasSuffix("/") { authority = authority.dropLast() }
    guard !authority.isEmpty, !authority.contains("/"), !authority.contains("@") else {
      throw AgentAddressError(text, "expected a host and port with no path")
    }
    transport = scheme
    baseURL = (scheme == .tls ? "https://" : "http://") + authority
  }
}

/// `--agent` could not be understood.
public struct AgentAddressError: Error, CustomStringConvertible, Sendable {
  public let description: String
  init(_ text: String, _ reason: String) {
    description = "invalid agent address '\(text)': \(reason)"
  }
}
