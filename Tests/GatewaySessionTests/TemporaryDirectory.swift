import Glibc

/// A fresh directory under `/tmp`, removed with everything in it when the value is released.
final class TemporaryDirectory {
  let path: String

  init() {
    var template = Array("/tmp/gateway-session-tests.XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(made != nil, "mkdtemp failed: errno \(errno)")
    path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// A path inside the directory (not created).
  func file(_ name: String) -> String { path + "/" + name }

  deinit { Self.remove(path) }

  private static func remove(_ path: String) {
    var info = stat()
    guard lstat(path, &info) == 0 else { return }
    if info.st_mode & S_IFMT == S_IFDIR {
      chmod(path, 0o700)
      if let directory = opendir(path) {
        while let entry = readdir(directory) {
          let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
          }
          if name != "." && name != ".." { remove(path + "/" + name) }
        }
        closedir(directory)
      }
      rmdir(path)
    } else {
      unlink(path)
    }
  }
}

/// Small file helpers for tests; they bypass `TokenStore` on purpose.
enum Files {
  static func contents(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count <= 0 { break }
      bytes += chunk[0..<count]
    }
    return bytes
  }

  static func text(_ path: String) -> String? {
    contents(path).map { String(decoding: $0, as: UTF8.self) }
  }

  /// Writes `bytes` with a plain truncating open, no lock.
  static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)
    precondition(fd >= 0, "open \(path): errno \(errno)")
    _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    close(fd)
  }

  /// Writes `text` to a sibling file and renames it over `path` (a replacing writer).
  static func replace(_ path: String, with text: String) {
    let temporary = path + ".new"
    write(Array(text.utf8), to: temporary)
    precondition(rename(temporary, path) == 0, "rename: errno \(errno)")
  }

  /// The permission bits of `path`, or nil when it does not exist.
  static func mode(_ path: String) -> mode_t? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return info.st_mode & 0o7777
  }
}

/// Milliseconds on CLOCK_MONOTONIC.
enum MonotonicNow {
  static func milliseconds() -> Int {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return spec.tv_sec * 1000 + spec.tv_nsec / 1_000_000
  }
}

/// A joinable POSIX thread running one closure.
final class TestThread: @unchecked Sendable {  // `thread` is touched only by the owner's thread
  private let body: @Sendable () -> Void
  private var thread: pthread_t?

  init(_ body: @escaping @Sendable () -> Void) { self.body = body }

  /// Starts a thread running `body`.
  static func start(_ body: @escaping @Sendable () -> Void) -> TestThread {
    let thread = TestThread(body)
    thread.start()
    return thread
  }

  func start() {
    let box = Unmanaged.passRetained(self)
    var handle = pthread_t()
    let result = pthread_create(
      &handle, nil,
      { raw in
        let me = Unmanaged<TestThread>.fromOpaque(raw!).takeRetainedValue()
        me.body()
        return nil
      }, box.toOpaque())
    precondition(result == 0, "pthread_create: \(result)")
    thread = handle
  }

  func join() {
    if let thread { pthread_join(thread, nil) }
    thread = nil
  }
}
