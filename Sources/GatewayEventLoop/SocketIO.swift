import CGatewayShims
import Glibc

/// Non-blocking reads and writes on a connected socket, through the one syscall wrapper.
public enum SocketIO {
  /// Reads into `buffer`; `.processed(0)` is end of stream.
  public static func read(
    _ fd: Int32, into buffer: UnsafeMutableRawBufferPointer
  ) throws(SystemError) -> IOResult<Int> {
    try syscall("read") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
  }

  /// Writes from `buffer` without SIGPIPE; returns how much the kernel took.
  public static func write(
    _ fd: Int32, from buffer: UnsafeRawBufferPointer
  ) throws(SystemError) -> IOResult<Int> {
    try syscall("send") { cgw_send(fd, buffer.baseAddress, buffer.count) }
  }

  public static func close(_ fd: Int32) {
    _ = Glibc.close(fd)
  }
}
