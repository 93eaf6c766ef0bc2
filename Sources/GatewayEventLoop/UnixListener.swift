import CGatewayShims
import Glibc

/// A listening Unix stream socket whose file is private to the user.
///
/// The socket file is created with mode 0600 (umask 0177 around `bind`) inside a directory
/// that must not be writable by others; a stale socket file left by a dead gateway is removed,
/// a live one is an error (another gateway is serving it).
public final class UnixListener {
  public let path: String
  public let fd: Int32
  private let ownsPath: Bool

  /// Binds and listens on `path`, or adopts an inherited listening socket (`inheritedFD`, from
  /// systemd socket activation).
  public init(path: String, mode: UInt32 = 0o600, backlog: Int32 = 512) throws(SystemError) {
    self.path = path
    if Self.isLive(path) {
      throw SystemError(errno: EADDRINUSE, call: "bind(\(path))")
    }
    // Replace a stale socket file, and nothing else (a mistyped path must not delete a file).
    var existing = stat()
    if lstat(path, &existing) == 0 {
      guard existing.st_mode & S_IFMT == S_IFSOCK else {
        throw SystemError(errno: EEXIST, call: "bind(\(path)): not a socket")
      }
      unlink(path)
    }
    let fd = try syscallBlocking("socket(AF_UNIX)") { cgw_unix_stream_socket() }
    let oldMask = umask(mode_t(0o777 & ~mode))
    let bound = cgw_bind_unix(fd, path)
    let bindErrno = errno
    umask(oldMask)
    guard bound == 0 else {
      Glibc.close(fd)
      throw SystemError(errno: bindErrno, call: "bind(\(path))")
    }
    chmod(path, mode_t(mode))
    do {
      try syscallBlocking("listen") { listen(fd, backlog) }
    } catch {
      Glibc.close(fd)
      unlink(path)
      throw error
    }
    self.fd = fd
    self.ownsPath = true
  }

  /// Adopts an already listening socket (systemd's `LISTEN_FDS`); its file is not ours to remove.
  public init(inheritedFD: Int32, path: String) throws(SystemError) {
    let flags = fcntl(inheritedFD, F_GETFL)
    _ = fcntl(inheritedFD, F_SETFL, flags | O_NONBLOCK)
    _ = fcntl(inheritedFD, F_SETFD, FD_CLOEXEC)
    self.fd = inheritedFD
    self.path = path
    self.ownsPath = false
  }

  /// Accepts one pending connection, non-blocking and close-on-exec.
  public func accept() throws(SystemError) -> IOResult<Int32> {
    try syscall("accept4") { cgw_accept_nonblocking(fd) }
  }

  /// Closes the socket and removes its file if this process created it.
  public func close() {
    Glibc.close(fd)
    if ownsPath { unlink(path) }
  }

  /// True when something accepts connections on `path` right now.
  private static func isLive(_ path: String) -> Bool {
    let probe = cgw_unix_stream_socket()
    guard probe >= 0 else { return false }
    defer { Glibc.close(probe) }
    // A non-blocking connect to a listening Unix socket succeeds or says EAGAIN at once.
    if cgw_connect_unix(probe, path) == 0 { return true }
    return errno == EAGAIN
  }
}

/// The credentials of the process at the other end of a Unix socket.
public struct PeerCredentials: Sendable, Equatable {
  public let pid: Int32
  public let uid: UInt32
  public let gid: UInt32

  /// Reads `SO_PEERCRED` for a connected socket.
  public init(socket fd: Int32) throws(SystemError) {
    var pid: pid_t = 0
    var uid: uid_t = 0
    var gid: gid_t = 0
    try syscallBlocking("getsockopt(SO_PEERCRED)") { cgw_peer_credentials(fd, &pid, &uid, &gid) }
    self.pid = Int32(pid)
    self.uid = UInt32(uid)
    self.gid = UInt32(gid)
  }
}
