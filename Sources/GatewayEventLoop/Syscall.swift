import CGatewayShims
import Glibc

/// An OS error: the errno and the name of the call that failed.
public struct SystemError: Error, CustomStringConvertible, Sendable {
  public let errno: Int32
  public let call: String

  public init(errno: Int32, call: String) {
    self.errno = errno
    self.call = call
  }

  public var description: String {
    "\(call): \(String(cString: strerror(errno))) (errno \(errno))"
  }
}

/// The result of a non-blocking IO call: it either did something or would have blocked.
public enum IOResult<Value> {
  case processed(Value)
  case wouldBlock
}

/// The one syscall wrapper: retries `EINTR`, turns `EAGAIN` into `.wouldBlock`, throws the rest.
///
/// `EBADF` and `EFAULT` are our own bugs; they assert in debug builds and throw in release.
@inline(__always)
public func syscall<T: FixedWidthInteger>(
  _ name: @autoclosure () -> String, blocking: Bool = false, _ body: () -> T
) throws(SystemError) -> IOResult<T> {
  while true {
    let result = body()
    if result >= 0 { return .processed(result) }
    let error = Glibc.errno
    switch error {
    case EINTR:
      continue
    case EAGAIN where !blocking:
      return .wouldBlock
    case EBADF, EFAULT:
      assertionFailure("\(name()) failed with errno \(error): a bug in the caller")
      throw SystemError(errno: error, call: name())
    default:
      throw SystemError(errno: error, call: name())
    }
  }
}

/// Like `syscall`, for calls that never return `EAGAIN` in our use.
@inline(__always)
@discardableResult
public func syscallBlocking<T: FixedWidthInteger>(
  _ name: @autoclosure () -> String, _ body: () -> T
) throws(SystemError) -> T {
  switch try syscall(name(), blocking: true, body) {
  case .processed(let value): return value
  case .wouldBlock: throw SystemError(errno: EAGAIN, call: name())
  }
}
