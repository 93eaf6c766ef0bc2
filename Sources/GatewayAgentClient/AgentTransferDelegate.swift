public import GatewayCore

/// What the receiver of an agent transfer wants done with a piece of the response body.
public enum BodyDisposition {
  /// The bytes were taken.
  case accepted
  /// The bytes were *not* taken: pause the transfer and deliver them again after
  /// `AgentTransfer.resumeReceiving()`. This is how a slow caller slows the agent down.
  case pause
}

/// Why a transfer ended without a complete HTTP/2 response.
public struct TransportFailure: Error, Sendable, CustomStringConvertible {
  public enum Kind: Sendable, Equatable {
    /// Could not connect, or the connection broke: the agent is unreachable (gRPC UNAVAILABLE).
    case unavailable
    /// The deadline passed (gRPC DEADLINE_EXCEEDED).
    case deadlineExceeded
    /// We cancelled it (the caller went away).
    case cancelled
    /// The response broke HTTP/2 or a limit (gRPC INTERNAL).
    case protocolViolation
    /// libcurl refused the agent's response headers or trailers as over its HTTP/2 limits
    /// (64 KiB an entry, 128 KiB a block) and closed the connection (gRPC RESOURCE_EXHAUSTED).
    case metadataTooLarge
  }

  public let kind: Kind
  /// libcurl's explanation; never contains request headers, so never a token.
  public let message: String

  public init(kind: Kind, message: String) {
    self.kind = kind
    self.message = message
  }

  public var description: String { message }
}

/// Receives one transfer's events on the loop thread, in this order: `receivedHead` once (unless
/// the transfer fails first), `receivedBody` any number of times, `receivedTrailers` at most
/// once, then `finished` exactly once.
public protocol AgentTransferDelegate: AnyObject {
  func transferReceivedHead(status: Int, headers: Metadata)
  func transferReceivedBody(_ bytes: UnsafeRawBufferPointer) -> BodyDisposition
  func transferReceivedTrailers(_ trailers: Metadata)
  /// `failure` is nil when the HTTP/2 stream completed normally.
  func transferFinished(failure: TransportFailure?)
}
