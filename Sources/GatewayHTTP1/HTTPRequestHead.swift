/// An HTTP version, `HTTP/<major>.<minor>`.
public struct HTTPVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
  public var major: Int
  public var minor: Int

  public init(major: Int, minor: Int) {
    self.major = major
    self.minor = minor
  }

  public static let http10 = HTTPVersion(major: 1, minor: 0)
  public static let http11 = HTTPVersion(major: 1, minor: 1)

  public static func < (lhs: Self, rhs: Self) -> Bool {
    (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
  }

  public var description: String { "HTTP/\(major).\(minor)" }
}

/// How a request's body is delimited (RFC 9112 section 6.3).
public enum HTTPBodyFraming: Sendable, Hashable {
  /// No body: neither `Content-Length` nor `Transfer-Encoding` was sent.
  case none
  /// Exactly this many bytes follow the head.
  case contentLength(Int)
  /// `Transfer-Encoding: chunked`.
  case chunked
}

/// A parsed request line and header block, with the facts the connection needs derived once.
public struct HTTPRequestHead: Sendable, Equatable {
  /// The method token as sent (methods are case-sensitive: `POST`, not `post`).
  public let method: String
  /// The request target as sent, for example `/pkg.Service/Method?x=1`.
  public let target: String
  /// The request's version; always 1.x from the parser.
  public let version: HTTPVersion
  /// The header fields in order.
  public let headers: HTTPHeaders
  /// How the body is delimited; validated by the parser.
  public let bodyFraming: HTTPBodyFraming
  /// Whether the connection may stay open after the response: HTTP/1.1 unless
  /// `Connection: close`; HTTP/1.0 only with `Connection: keep-alive` (and never when it sent
  /// `Transfer-Encoding`, which RFC 9112 section 6.1 calls faulty framing for 1.0).
  public let keepAlive: Bool
  /// Whether the client sent `Expect: 100-continue` and speaks HTTP/1.1, so it waits for
  /// `100 Continue` before the body. Other expectations are ignored (not answered with 417).
  public let expectsContinue: Bool

  /// Creates a head, deriving ``keepAlive`` and ``expectsContinue`` from `headers`.
  public init(
    method: String, target: String, version: HTTPVersion = .http11,
    headers: HTTPHeaders = HTTPHeaders(), bodyFraming: HTTPBodyFraming = .none
  ) {
    self.method = method
    self.target = target
    self.version = version
    self.headers = headers
    self.bodyFraming = bodyFraming
    if version >= .http11 {
      keepAlive = !headers.containsToken("close", in: "connection")
    } else {
      keepAlive =
        headers.containsToken("keep-alive", in: "connection")
        && !headers.containsToken("close", in: "connection")
        && !headers.contains(name: "transfer-encoding")
    }
    expectsContinue =
      version >= .http11
      && headers.fields.contains {
        HTTPBytes.equalsIgnoringCase($0.name, "expect")
          && HTTPBytes.equalsIgnoringCase($0.value, "100-continue")
      }
  }

  /// Whether a chunked response may be sent (HTTP/1.1 and later); otherwise stream with
  /// ``HTTPResponseFraming/untilClose``.
  public var acceptsChunkedResponse: Bool { version >= .http11 }
}
