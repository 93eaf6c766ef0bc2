public import GatewayCore

/// The contract's error tables, and nothing else: gRPC status → HTTP status, HTTP status →
/// exit code, and an agent error's exit code → HTTP status. Every row is a test argument.
public enum StatusMapping {
  /// HTTP status for an agent error that carried only a gRPC status.
  public static func httpStatus(for code: GRPCStatusCode) -> Int {
    switch code {
    case .ok: 200
    case .invalidArgument, .failedPrecondition, .outOfRange: 400
    case .unauthenticated: 401
    case .permissionDenied: 403
    case .notFound: 404
    case .alreadyExists, .aborted: 409
    case .resourceExhausted: 429
    case .cancelled: 499
    case .unimplemented: 501
    case .unavailable: 503
    case .deadlineExceeded: 504
    default: 500  // unknown, internal, data_loss, and codes outside the table
    }
  }

  /// Exit code for an error known only by its HTTP status.
  public static func exitCode(forHTTPStatus status: Int) -> Int {
    switch status {
    case 400, 409, 413: SysExits.dataError
    case 401: SysExits.noPermission
    case 403: SysExits.noPermission
    case 404: SysExits.noInput
    case 405: SysExits.usage
    case 429, 499, 504: SysExits.temporaryFailure
    case 501: SysExits.usage
    case 503: SysExits.unavailable
    default: SysExits.software
    }
  }

  /// HTTP status for an agent error that carried its own exit code (the Polykey `error` trailer).
  public static func httpStatus(forExitCode exitCode: Int) -> Int {
    switch exitCode {
    case SysExits.usage, SysExits.dataError: 400
    case SysExits.noInput, SysExits.noUser: 404
    case SysExits.unavailable, SysExits.temporaryFailure: 503
    case SysExits.noPermission: 403
    default: 500
    }
  }
}
