/// The error type of `GatewayHTTP1`: a request the parser rejects, or our own misuse of the
/// connection state machine.
///
/// A struct with an extensible ``Code`` (style item 18). The HTTP status a server answers with
/// is not decided here but in `GatewayErrors`' status mapping: every code is a malformed request
/// (400) except ``Code/bodyTooLarge`` (413), the three size limits on the head, which a server
/// may answer with 414/431 or plain 400, ``Code/unsupportedVersion`` (505) and
/// ``Code/invalidStateTransition`` (our bug, 500).
public struct HTTPParserError: Error, Sendable, Equatable, CustomStringConvertible {
  /// What went wrong; compare with `==` against the static members.
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Wrapped: String, Hashable, Sendable {
      case invalidRequestLine, invalidVersion, unsupportedVersion, invalidLineEnding
      case obsoleteLineFolding, whitespaceBeforeColon, invalidHeaderName, invalidHeaderValue
      case contentLengthWithTransferEncoding, conflictingContentLengths, invalidContentLength
      case unsupportedTransferEncoding, invalidChunkSize, invalidChunkDelimiter
      case requestLineTooLong, headerBlockTooLarge, tooManyHeaders, chunkSizeLineTooLong
      case bodyTooLarge, invalidStateTransition
    }

    private let wrapped: Wrapped
    private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

    /// The request line is not `method SP target SP version` with a token method and a
    /// visible-ASCII target.
    public static let invalidRequestLine = Code(.invalidRequestLine)
    /// The version is not `HTTP/<digit>.<digit>`.
    public static let invalidVersion = Code(.invalidVersion)
    /// A well-formed version other than HTTP/1.x.
    public static let unsupportedVersion = Code(.unsupportedVersion)
    /// A bare LF (without CR) or a bare CR ends or sits inside a head or chunk line.
    public static let invalidLineEnding = Code(.invalidLineEnding)
    /// A header line starts with whitespace (obs-fold, RFC 9112 section 5.2).
    public static let obsoleteLineFolding = Code(.obsoleteLineFolding)
    /// Whitespace between a field name and its colon (RFC 9112 section 5.1).
    public static let whitespaceBeforeColon = Code(.whitespaceBeforeColon)
    /// A field name that is empty, lacks its colon, or has a non-token character.
    public static let invalidHeaderName = Code(.invalidHeaderName)
    /// A field value containing NUL, CR or another control character except HTAB.
    public static let invalidHeaderValue = Code(.invalidHeaderValue)
    /// Both `Content-Length` and `Transfer-Encoding` (request smuggling shape).
    public static let contentLengthWithTransferEncoding = Code(.contentLengthWithTransferEncoding)
    /// More than one `Content-Length` value, and they differ.
    public static let conflictingContentLengths = Code(.conflictingContentLengths)
    /// A `Content-Length` that is empty, non-numeric, negative or overflows `Int`.
    public static let invalidContentLength = Code(.invalidContentLength)
    /// A `Transfer-Encoding` other than exactly one `chunked`.
    public static let unsupportedTransferEncoding = Code(.unsupportedTransferEncoding)
    /// A chunk-size line without hex digits, with junk after them, or overflowing `Int`.
    public static let invalidChunkSize = Code(.invalidChunkSize)
    /// Chunk data not followed by CRLF.
    public static let invalidChunkDelimiter = Code(.invalidChunkDelimiter)
    /// The request line is longer than ``HTTPParserLimits/maxRequestLineLength``.
    public static let requestLineTooLong = Code(.requestLineTooLong)
    /// The head (or trailer block) exceeds ``HTTPParserLimits/maxHeaderBlockSize``.
    public static let headerBlockTooLarge = Code(.headerBlockTooLarge)
    /// More fields than ``HTTPParserLimits/maxHeaderCount``.
    public static let tooManyHeaders = Code(.tooManyHeaders)
    /// A chunk-size line longer than ``HTTPParserLimits/maxChunkSizeLineLength``.
    public static let chunkSizeLineTooLong = Code(.chunkSizeLineTooLong)
    /// The body exceeds ``HTTPParserLimits/maxBodySize`` (answer 413). Reported with the head
    /// when `Content-Length` says so, else as soon as a chunk size would pass the limit.
    public static let bodyTooLarge = Code(.bodyTooLarge)
    /// Our own server code drove ``HTTPConnectionStateMachine`` through an impossible transition.
    public static let invalidStateTransition = Code(.invalidStateTransition)

    /// The code's name, for logs (`bodyTooLarge`).
    public var description: String { wrapped.rawValue }
  }

  /// What went wrong.
  public var code: Code
  /// A human-readable explanation, safe to show to the client (it never echoes request bytes).
  public var message: String
  /// The underlying error, if any; parser errors have none.
  public var cause: (any Error & Sendable)?

  /// Creates an error.
  public init(code: Code, message: String, cause: (any Error & Sendable)? = nil) {
    self.code = code
    self.message = message
    self.cause = cause
  }

  /// Equal when code and message are; the cause is not compared.
  public static func == (lhs: Self, rhs: Self) -> Bool {
    lhs.code == rhs.code && lhs.message == rhs.message
  }

  public var description: String { "HTTPParserError(\(code)): \(message)" }
}
