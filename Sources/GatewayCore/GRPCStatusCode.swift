/// A gRPC status code, as carried in `grpc-status`.
///
/// A struct rather than an enum so that a code outside 0...16 sent by a peer is representable
/// (and reported as `unknown` by name) instead of being a parse failure.
public struct GRPCStatusCode: Hashable, Sendable, CustomStringConvertible {
  /// The number on the wire.
  public let rawValue: Int

  public init(rawValue: Int) { self.rawValue = rawValue }

  public static let ok = GRPCStatusCode(rawValue: 0)
  public static let cancelled = GRPCStatusCode(rawValue: 1)
  public static let unknown = GRPCStatusCode(rawValue: 2)
  public static let invalidArgument = GRPCStatusCode(rawValue: 3)
  public static let deadlineExceeded = GRPCStatusCode(rawValue: 4)
  public static let notFound = GRPCStatusCode(rawValue: 5)
  public static let alreadyExists = GRPCStatusCode(rawValue: 6)
  public static let permissionDenied = GRPCStatusCode(rawValue: 7)
  public static let resourceExhausted = GRPCStatusCode(rawValue: 8)
  public static let failedPrecondition = GRPCStatusCode(rawValue: 9)
  public static let aborted = GRPCStatusCode(rawValue: 10)
  public static let outOfRange = GRPCStatusCode(rawValue: 11)
  public static let unimplemented = GRPCStatusCode(rawValue: 12)
  public static let `internal` = GRPCStatusCode(rawValue: 13)
  public static let unavailable = GRPCStatusCode(rawValue: 14)
  public static let dataLoss = GRPCStatusCode(rawValue: 15)
  public static let unauthenticated = GRPCStatusCode(rawValue: 16)

  private static let names = [
    "ok", "cancelled", "unknown", "invalid_argument", "deadline_exceeded", "not_found",
    "already_exists", "permission_denied", "resource_exhausted", "failed_precondition", "aborted",
    "out_of_range", "unimplemented", "internal", "unavailable", "data_loss", "unauthenticated",
  ]

  /// gRPC's lower snake case name (`invalid_argument`); codes outside the table are `unknown`.
  public var name: String {
    Self.names.indices.contains(rawValue) ? Self.names[rawValue] : "unknown"
  }

  public var description: String { "\(name)(\(rawValue))" }
}
