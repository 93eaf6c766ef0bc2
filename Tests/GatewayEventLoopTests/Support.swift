import Glibc
import Synchronization
import Testing

@testable import GatewayEventLoop

/// A connected, non-blocking Unix stream socket pair; both ends closed by `close()`.
struct SocketPair {
  let left: Int32
  let right: Int32

  init() {
    var fds: [Int32] = [-1, -1]
    let flags =
      Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
      | Int32(SOCK_CLOEXEC.rawValue)
    precondition(socketpair(AF_UNIX, flags, 0, &fds) == 0, "socketpair: errno \(errno)")
    left = fds[0]
    right = fds[1]
  }

  func close() {
    _ = Glibc.close(left)
    _ = Glibc.close(right)
  }
}

/// Writes `text` to `fd` in one call; true when all of it went.
@discardableResult
func send(_ text: String, to fd: Int32) -> Bool {
  let bytes = Array(text.utf8)
  return bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } == bytes.count
}

/// Reads what is there (up to 64 KiB) without blocking; nil on EAGAIN or error.
func receive(from fd: Int32) -> String? {
  var buffer = [UInt8](repeating: 0, count: 65536)
  let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
  return count < 0 ? nil : String(decoding: buffer[0..<count], as: UTF8.self)
}

/// A fresh directory under `/tmp` (short, for `sun_path`), removed with its files on release.
final class TemporaryDirectory {
  let path: String

  init() {
    var template = Array("/tmp/gw-el.XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(made != nil, "mkdtemp: errno \(errno)")
    path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  func file(_ name: String) -> String { path + "/" + name }

  deinit {
    if let directory = opendir(path) {
      while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
          String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
        }
        if name != "." && name != ".." { unlink(path + "/" + name) }
      }
      closedir(directory)
    }
    rmdir(path)
  }
}

/// A plain blocking Unix stream socket connected to `path`; -1 (errno set) when it fails.
func connectUnix(_ path: String) -> Int32 {
  let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
  guard fd >= 0 else { return -1 }
  var address = unixAddress(path)
  let result = withUnsafePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
      connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
    }
  }
  if result != 0 {
    let saved = errno
    close(fd)
    errno = saved
    return -1
  }
  return fd
}

/// Binds a Unix stream socket to `path` (listening when asked); the caller closes it.
func bindUnix(_ path: String, listening: Bool) -> Int32 {
  let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
  var address = unixAddress(path)
  let bound = withUnsafePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
      bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
    }
  }
  precondition(bound == 0, "bind \(path): errno \(errno)")
  if listening { precondition(listen(fd, 8) == 0) }
  return fd
}

private func unixAddress(_ path: String) -> sockaddr_un {
  var address = sockaddr_un()
  address.sun_family = sa_family_t(AF_UNIX)
  withUnsafeMutableBytes(of: &address.sun_path) { raw in
    let bytes = Array(path.utf8.prefix(raw.count - 1))
    raw.copyBytes(from: bytes)
    raw[bytes.count] = 0
  }
  return address
}

/// A joinable POSIX thread running one closure.
final class TestThread: @unchecked Sendable {  // `thread` is touched only by the owner's thread
  private let body: @Sendable () -> Void
  private var thread: pthread_t?

  private init(_ body: @escaping @Sendable () -> Void) { self.body = body }

  static func start(_ body: @escaping @Sendable () -> Void) -> TestThread {
    let thread = TestThread(body)
    let box = Unmanaged.passRetained(thread)
    var handle = pthread_t()
    let result = pthread_create(
      &handle, nil,
      { raw in
        let me = Unmanaged<TestThread>.fromOpaque(raw!).takeRetainedValue()
        me.body()
        return nil
      }, box.toOpaque())
    precondition(result == 0, "pthread_create: \(result)")
    thread.thread = handle
    return thread
  }

  func join() {
    if let thread { pthread_join(thread, nil) }
    thread = nil
  }
}

/// Runs `loop` on the calling thread until something calls `handle.stop()`; a watchdog stops it
/// after `timeoutMilliseconds` and records an issue, so a broken loop fails instead of hanging.
func runLoop(
  _ loop: EventLoop, timeoutMilliseconds: Int = 5000,
  sourceLocation: SourceLocation = #_sourceLocation
) throws {
  let finished = Flag()
  let fired = Flag()
  let handle = loop.handle
  let watchdog = TestThread.start {
    let deadline = MonotonicClock.now() + UInt64(timeoutMilliseconds) * 1_000_000
    while !finished.isSet {
      if MonotonicClock.now() >= deadline {
        fired.set()
        handle.stop()
        return
      }
      usleep(1000)
    }
  }
  defer {
    finished.set()
    watchdog.join()
  }
  try loop.run()
  finished.set()
  watchdog.join()
  #expect(
    !fired.isSet, "the watchdog had to stop the loop",
    sourceLocation: sourceLocation)
}

/// State the loop's (non-Sendable) handlers share with the test body; loop thread only.
final class Record<Value> {
  var value: Value
  init(_ value: Value) { self.value = value }
}

/// A flag threads share.
final class Flag: Sendable {
  private let value = Atomic<Bool>(false)
  var isSet: Bool { value.load(ordering: .acquiring) }
  func set() { value.store(true, ordering: .releasing) }
}
