import Glibc
import Testing

@testable import GatewayEventLoop

/// Serialized: `UnixListener.init` sets the process-wide umask around `bind`, and two of them
/// interleaving can leave the umask at 0177 for the rest of the process.
@Suite(.serialized) struct UnixListenerTests {
  @Test func socketFileIsPrivate() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("gw.sock")
    let listener = try UnixListener(path: path)
    defer { listener.close() }
    var info = stat()
    #expect(stat(path, &info) == 0)
    #expect(info.st_mode & S_IFMT == S_IFSOCK)
    #expect(info.st_mode & 0o777 == 0o600)
    // The listener is non-blocking and close-on-exec.
    #expect(fcntl(listener.fd, F_GETFL) & O_NONBLOCK != 0)
    #expect(fcntl(listener.fd, F_GETFD) & FD_CLOEXEC != 0)
  }

  @Test func acceptsAConnectionAndCloseRemovesTheFile() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("gw.sock")
    let listener = try UnixListener(path: path)
    #expect(try listener.accept().isWouldBlock)
    let client = connectUnix(path)
    #expect(client >= 0)
    defer { close(client) }
    guard case .processed(let connection) = try listener.accept() else {
      Issue.record("no pending connection")
      listener.close()
      return
    }
    defer { close(connection) }
    #expect(fcntl(connection, F_GETFL) & O_NONBLOCK != 0)
    send("hello", to: client)
    usleep(1000)
    #expect(receive(from: connection) == "hello")
    listener.close()
    #expect(access(path, F_OK) != 0)
  }

  @Test func secondListenerOnALivePathFails() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("gw.sock")
    let listener = try UnixListener(path: path)
    defer { listener.close() }
    let error = #expect(throws: SystemError.self) { try UnixListener(path: path) }
    #expect(error?.errno == EADDRINUSE)
    // The first one still serves.
    let client = connectUnix(path)
    #expect(client >= 0)
    close(client)
  }

  @Test func staleSocketFileIsReplaced() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("gw.sock")
    // A socket file nobody listens on any more (a gateway that died without cleaning up).
    close(bindUnix(path, listening: true))
    #expect(access(path, F_OK) == 0)
    #expect(connectUnix(path) == -1 && errno == ECONNREFUSED)

    let listener = try UnixListener(path: path)
    defer { listener.close() }
    let client = connectUnix(path)
    #expect(client >= 0)
    close(client)
  }

  /// Only a stale *socket* may be removed; a regular file at the path is someone's data.
  @Test func regularFileAtThePathIsNotRemoved() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("gw.sock")
    let fd = open(path, O_WRONLY | O_CREAT, 0o600)
    _ = Glibc.write(fd, "data", 4)
    close(fd)
    let listener = try? UnixListener(path: path)
    #expect(listener == nil)
    var info = stat()
    #expect(lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG)
    listener?.close()
  }

  @Test func pathTooLongForSunPathFails() throws {
    let directory = TemporaryDirectory()
    let path = directory.file(String(repeating: "s", count: 120))
    let error = #expect(throws: SystemError.self) { try UnixListener(path: path) }
    #expect(error?.errno == ENAMETOOLONG)
  }

  @Test func missingDirectoryFails() throws {
    let directory = TemporaryDirectory()
    let error = #expect(throws: SystemError.self) {
      try UnixListener(path: directory.file("missing/gw.sock"))
    }
    #expect(error?.errno == ENOENT)
  }

  @Test func inheritedSocketIsAdoptedAndItsFileKept() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("gw.sock")
    let fd = bindUnix(path, listening: true)
    let listener = try UnixListener(inheritedFD: fd, path: path)
    #expect(fcntl(fd, F_GETFL) & O_NONBLOCK != 0)
    #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)
    listener.close()
    #expect(access(path, F_OK) == 0)
  }

  @Test func acceptedConnectionPeerIsTheConnectingProcess() throws {
    let directory = TemporaryDirectory()
    let listener = try UnixListener(path: directory.file("gw.sock"))
    defer { listener.close() }
    let client = connectUnix(listener.path)
    #expect(client >= 0)
    defer { close(client) }
    guard case .processed(let connection) = try listener.accept() else {
      Issue.record("no pending connection")
      return
    }
    defer { close(connection) }
    let credentials = try PeerCredentials(socket: connection)
    #expect(credentials.pid == getpid())
    #expect(credentials.uid == getuid())
  }
}

@Suite struct PeerCredentialsTests {
  @Test func socketPairPeerIsThisProcess() throws {
    let pair = SocketPair()
    defer { pair.close() }
    let credentials = try PeerCredentials(socket: pair.left)
    #expect(credentials.pid == getpid())
    #expect(credentials.uid == getuid())
    #expect(credentials.gid == getgid())
    #expect(try PeerCredentials(socket: pair.right) == credentials)
  }

  @Test func notASocketIsAnError() throws {
    var fds: [Int32] = [-1, -1]
    #expect(pipe(&fds) == 0)
    defer {
      close(fds[0])
      close(fds[1])
    }
    let error = #expect(throws: SystemError.self) { try PeerCredentials(socket: fds[0]) }
    #expect(error?.errno == ENOTSOCK)
  }
}

@Suite struct SocketIOTests {
  @Test func readOfAnEmptySocketWouldBlock() throws {
    let pair = SocketPair()
    defer { pair.close() }
    var buffer = [UInt8](repeating: 0, count: 16)
    let result = try buffer.withUnsafeMutableBytes { try SocketIO.read(pair.left, into: $0) }
    #expect(result.isWouldBlock)
  }

  @Test func writeThenRead() throws {
    let pair = SocketPair()
    defer { pair.close() }
    let sent = try Array("hello".utf8).withUnsafeBytes { try SocketIO.write(pair.right, from: $0) }
    #expect(sent.value == 5)
    var buffer = [UInt8](repeating: 0, count: 16)
    let read = try buffer.withUnsafeMutableBytes { try SocketIO.read(pair.left, into: $0) }
    #expect(read.value == 5)
    #expect(buffer.prefix(5) == Array("hello".utf8)[...])
  }

  @Test func endOfStreamIsZero() throws {
    let pair = SocketPair()
    close(pair.right)
    defer { close(pair.left) }
    var buffer = [UInt8](repeating: 0, count: 16)
    let read = try buffer.withUnsafeMutableBytes { try SocketIO.read(pair.left, into: $0) }
    #expect(read.value == 0)
  }

  /// A write to a closed peer is EPIPE, not SIGPIPE (which would kill the test process).
  @Test func writeToAClosedPeerIsEPIPE() throws {
    let pair = SocketPair()
    close(pair.right)
    defer { close(pair.left) }
    let error = #expect(throws: SystemError.self) {
      try Array("x".utf8).withUnsafeBytes { try SocketIO.write(pair.left, from: $0) }
    }
    #expect(error?.errno == EPIPE)
    #expect(error?.call == "send")
  }

  @Test func fullSocketWouldBlock() throws {
    let pair = SocketPair()
    defer { pair.close() }
    let chunk = [UInt8](repeating: 0x61, count: 65536)
    var blocked = false
    for _ in 0..<1000 where !blocked {
      let result = try chunk.withUnsafeBytes { try SocketIO.write(pair.right, from: $0) }
      blocked = result.isWouldBlock
    }
    #expect(blocked)
  }
}

@Suite struct SyscallTests {
  @Test func otherErrorsThrowWithTheCallsName() {
    let error = #expect(throws: SystemError.self) {
      try syscall("open(/nonexistent)") { () -> Int32 in
        errno = ENOENT
        return -1
      }
    }
    #expect(error?.errno == ENOENT)
    #expect(error?.call == "open(/nonexistent)")
    #expect(error?.description.contains("open(/nonexistent)") == true)
  }

  @Test func eintrIsRetried() throws {
    var attempts = 0
    let result = try syscall("read") { () -> Int32 in
      attempts += 1
      if attempts < 3 {
        errno = EINTR
        return -1
      }
      return 7
    }
    #expect(result.value == 7)
    #expect(attempts == 3)
  }

  @Test func eagainWouldBlockUnlessBlocking() throws {
    let result = try syscall("read") { () -> Int32 in
      errno = EAGAIN
      return -1
    }
    #expect(result.isWouldBlock)
    let error = #expect(throws: SystemError.self) {
      try syscallBlocking("epoll_wait") { () -> Int32 in
        errno = EAGAIN
        return -1
      }
    }
    #expect(error?.errno == EAGAIN)
  }
}

extension IOResult {
  var isWouldBlock: Bool {
    if case .wouldBlock = self { return true }
    return false
  }

  var value: Value? {
    if case .processed(let value) = self { return value }
    return nil
  }
}
