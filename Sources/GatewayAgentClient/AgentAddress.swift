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
      // Relative to whatever directory the service manager starts us in: rarely meant.
      guard path.hasPrefix("/") else {
        throw AgentAddressError(text, "the Unix socket path must be absolute (unix:/path)")
      }
      guard !path.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
        throw AgentAddressError(text, "the path holds a control character")
      }
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
    if let problem = Self.portProblem(in: authority) { throw AgentAddressError(text, problem) }
    transport = scheme
    baseURL = (scheme == .tls ? "https://" : "http://") + authority
  }

  /// Checked here so a typo stops the gateway at start, not as a 503 on every call.
  /// A port is required: libcurl would otherwise pick 80 or 443, rarely where an agent listens.
  static func portProblem(in authority: Substring) -> String? {
    let host: Substring
    let port: Substring
    if authority.hasPrefix("[") {  // [IPv6]:port
      guard let close = authority.firstIndex(of: "]") else { return "an IPv6 address lacks its ']'" }
      host = authority[authority.index(after: authority.startIndex)..<close]
      let after = authority[authority.index(after: close)...]
      guard after.hasPrefix(":") else { return "expected host:port (a port is required)" }
      port = after.dropFirst()
    } else {
      guard let colon = authority.lastIndex(of: ":") else {
        return "expected host:port (a port is required)"
      }
      host = authority[..<colon]
      port = authority[authority.index(after: colon)...]
      if host.contains(":") { return "an IPv6 address must be in brackets: [::1]:port" }
    }
    if host.isEmpty { return "the host is missing" }
    // A name (letters, digits, `-`, `.`, `_`) or an address; IPv6 with its zone (`%eth0`).
    let bracketed = authority.hasPrefix("[")
    let valid = host.utf8.allSatisfy { byte in
      isNameByte(byte) || (bracketed && (byte == UInt8(ascii: ":") || byte == UInt8(ascii: "%")))
    }
    guard valid else { return "the host '\(host)' is not a host name or address" }
    guard !port.isEmpty, port.count <= 5, port.allSatisfy({ $0.isASCII && $0.isNumber }),
      let number = Int(port), (1...65535).contains(number)
    else { return "the port '\(port)' is not a number from 1 to 65535" }
    return nil
  }

  static func isNameByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
      UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
      true
    default: false
    }
  }
}

/// `--agent` could not be understood.
public struct AgentAddressError: Error, CustomStringConvertible, Sendable {
  public let description: String
  init(_ text: String, _ reason: String) {
    description = "invalid agent address '\(text)': \(reason)"
  }
}
