public import GatewayCore

/// The one error type of `GatewayGRPC`: a code, a message and an optional cause.
///
/// Errors a peer causes (an oversize or malformed frame, bad base64) carry the gRPC status code
/// that fits them in `statusCode`; misuse of a state machine is `.invalidState`.
public struct GRPCError: Error, Sendable, Equatable, CustomStringConvertible {
  /// What went wrong; a struct around a private enum so that codes can be added.
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Value: Hashable, Sendable {
      case messageTooLarge
      case invalidFrameFlag
      case invalidBase64
      case truncatedBase64
      case invalidMetadata
      case invalidTrailers
      case decompressionFailed
      case unsupportedEncoding
      case invalidState
    }
    private let value: Value
    private init(_ value: Value) { self.value = value }

    /// A declared or decompressed message length is over the limit.
    public static let messageTooLarge = Code(.messageTooLarge)
    /// A frame's flag byte is not 0 or 1 (or, in gRPC-Web, 0x80/0x81).
    public static let invalidFrameFlag = Code(.invalidFrameFlag)
    /// A character outside the base64 alphabet, or misplaced padding.
    public static let invalidBase64 = Code(.invalidBase64)
    /// A base64 text body ended within a 4-character group.
    public static let truncatedBase64 = Code(.truncatedBase64)
    /// A metadata name or value we were asked to send is not valid gRPC metadata.
    public static let invalidMetadata = Code(.invalidMetadata)
    /// A gRPC-Web trailer frame is malformed.
    public static let invalidTrailers = Code(.invalidTrailers)
    /// A compressed message failed to inflate.
    public static let decompressionFailed = Code(.decompressionFailed)
    /// A message is compressed with an encoding we do not support.
    public static let unsupportedEncoding = Code(.unsupportedEncoding)
    /// Our own misuse of a state machine (an impossible transition).
    public static let invalidState = Code(.invalidState)

    public var description: String { "\(value)" }
  }

  public var code: Code
  public var message: String
  /// The underlying error, where there was one.
  public var cause: (any Error & Sendable)?

  public init(code: Code, message: String, cause: (any Error & Sendable)? = nil) {
    self.code = code
    self.message = message
    self.cause = cause
  }

  /// The gRPC status this error ends a call with.
  public var statusCode: GRPCStatusCode {
    switch code {
    case .messageTooLarge: .resourceExhausted
    case .invalidBase64, .truncatedBase64, .invalidMetadata: .invalidArgument
    case .unsupportedEncoding: .unimplemented
    default: .internal
    }
  }

  public var description: String { "GRPCError.\(code): \(message)" }

  public static func == (lhs: GRPCError, rhs: GRPCError) -> Bool {
    lhs.code == rhs.code && lhs.message == rhs.message
  }
}
