/// How a response's body is delimited on the wire.
public enum HTTPResponseFraming: Sendable, Hashable {
  /// `Content-Length: n` and exactly n bytes (0 for an empty body). For 1xx, 204 and 304
  /// responses, which have no body, the encoder writes no `Content-Length`.
  case contentLength(Int)
  /// `Transfer-Encoding: chunked`; send ``HTTPResponseEncoder/encodeChunk(_:into:)`` parts and
  /// then ``HTTPResponseEncoder/lastChunk``. Only for HTTP/1.1 requests
  /// (``HTTPRequestHead/acceptsChunkedResponse``).
  case chunked
  /// No length: the body ends when the connection closes. For streaming to HTTP/1.0 clients;
  /// the state machine closes the connection after such a response.
  case untilClose
}

/// What the response head says about the connection, as decided by
/// ``HTTPConnectionStateMachine/responseStarted(_:closeRequested:)``.
public enum HTTPResponseConnection: Sendable, Hashable {
  /// The connection stays open; no `Connection` header is needed (HTTP/1.1 request).
  case keepAlive
  /// The connection stays open and the head says `Connection: keep-alive` (HTTP/1.0 request).
  case keepAliveExplicit
  /// The head says `Connection: close`; the connection closes after this response.
  case close
}

/// A response status line and header fields, ready for ``HTTPResponseEncoder``.
///
/// `Content-Length`, `Transfer-Encoding` and `Connection` are written by the encoder from
/// ``framing`` and the ``HTTPResponseConnection``; fields with those names in ``headers`` are
/// ignored.
public struct HTTPResponseHead: Sendable, Equatable {
  /// The status code, 100...999 (others are encoded as 500).
  public var status: Int
  /// The reason phrase; nil for the standard one (``standardReason(for:)``).
  public var reason: String?
  /// The fields to write, in order.
  public var headers: HTTPHeaders
  /// How the body is delimited.
  public var framing: HTTPResponseFraming

  public init(
    status: Int, reason: String? = nil, headers: HTTPHeaders = HTTPHeaders(),
    framing: HTTPResponseFraming
  ) {
    self.status = status
    self.reason = reason
    self.headers = headers
    self.framing = framing
  }

  /// Whether this status never has a body (1xx, 204, 304).
  public var statusForbidsBody: Bool {
    (100..<200).contains(status) || status == 204 || status == 304
  }

  /// The RFC 9110 reason phrase for `status`, or "Unknown".
  public static func standardReason(for status: Int) -> String {
    switch status {
    case 100: "Continue"
    case 101: "Switching Protocols"
    case 200: "OK"
    case 201: "Created"
    case 202: "Accepted"
    case 204: "No Content"
    case 301: "Moved Permanently"
    case 302: "Found"
    case 304: "Not Modified"
    case 400: "Bad Request"
    case 401: "Unauthorized"
    case 403: "Forbidden"
    case 404: "Not Found"
    case 405: "Method Not Allowed"
    case 406: "Not Acceptable"
    case 408: "Request Timeout"
    case 409: "Conflict"
    case 411: "Length Required"
    case 413: "Content Too Large"
    case 414: "URI Too Long"
    case 415: "Unsupported Media Type"
    case 417: "Expectation Failed"
    case 429: "Too Many Requests"
    case 431: "Request Header Fields Too Large"
    case 499: "Client Closed Request"
    case 500: "Internal Server Error"
    case 501: "Not Implemented"
    case 502: "Bad Gateway"
    case 503: "Service Unavailable"
    case 504: "Gateway Timeout"
    case 505: "HTTP Version Not Supported"
    default: "Unknown"
    }
  }
}
