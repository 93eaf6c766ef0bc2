import Glibc

/// The session token file, read and written with the Polykey client's locking protocol so the
/// gateway and the agent's own CLI can share one file.
///
/// - Read: open, exclusive `flock` (non-blocking, retried every few milliseconds), read, trim
///   whitespace, unlock. A missing or empty file is no token.
/// - Write: open `O_WRONLY|O_CREAT` *without* truncating, take the same lock, then truncate and
///   write the token and a newline. Truncating only under the lock keeps readers from ever
///   seeing half a token. Mode 0600; missing parent directories are made 0700.
///
/// Change detection is a `stat` per call: cheap (about a microsecond) and correct for writers
/// that replace the file as well as for ones that rewrite it in place.
public struct TokenStore: Sendable {
  public let path: String

  public init(path: String) { self.path = path }

  /// The file's identity and version; a different value means someone changed the file.
  public struct Version: Equatable, Sendable {
    var device: UInt64 = 0
    var inode: UInt64 = 0
    var size: Int64 = -1
    var modifiedSeconds: Int = 0
    var modifiedNanoseconds: Int = 0
    var changedSeconds: Int = 0
    var changedNanoseconds: Int = 0
    public static let missing = Version()

    init() {}

    init(_ info: stat) {
      device = UInt64(info.st_dev)
      inode = UInt64(info.st_ino)
      size = Int64(info.st_size)
      modifiedSeconds = info.st_mtim.tv_sec
      modifiedNanoseconds = info.st_mtim.tv_nsec
      changedSeconds = info.st_ctim.tv_sec
      changedNanoseconds = info.st_ctim.tv_nsec
    }
  }

  /// The file's current version, or `.missing`.
  public func version() -> Version {
    var info = stat()
    guard stat(path, &info) == 0 else { return .missing }
    return Version(info)
  }

  /// True when the file exists and others than its owner may read or write it.
  public func isExposed() -> Bool {
    var info = stat()
    guard stat(path, &info) == 0 else { return false }
    return info.st_mode & 0o077 != 0
  }

  /// Reads the token under the lock; nil when the file is missing or empty.
  ///
  /// - Parameter lockAttempts: tries at taking the lock, 2 ms apart (default 5: the event loop
  ///   waits at most 10 ms for another writer; the caller retries on the next call).
  /// - Throws: when the file cannot be read, is not a regular file (a FIFO would block), or
  ///   stays locked.
  public func read(lockAttempts: Int = 5) throws(TokenStoreError) -> String? {
    let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    if fd < 0 {
      if errno == ENOENT { return nil }
      throw TokenStoreError(operation: "open", path: path, errno: errno)
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      throw TokenStoreError(operation: "fstat", path: path, errno: errno)
    }
    guard info.st_mode & S_IFMT == S_IFREG else {
      let isDirectory = info.st_mode & S_IFMT == S_IFDIR
      throw TokenStoreError(
        operation: "read (not a regular file)", path: path, errno: isDirectory ? EISDIR : EINVAL)
    }
    try lock(fd, attempts: lockAttempts)
    defer { flock(fd, LOCK_UN) }
    let contents: [UInt8]
    do { contents = try Self.readToEnd(fd, atMost: Self.maximumSize) } catch {
      throw TokenStoreError(operation: "read", path: path, errno: error.errno)
    }
    let token = Self.trimmed(contents)
    return token.isEmpty ? nil : token
  }

  /// Reads `fd` to its end; `EFBIG` past `limit` bytes. Shared with `PasswordFile`.
  static func readToEnd(_ fd: Int32, atMost limit: Int) throws(ReadError) -> [UInt8] {
    var contents: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
      let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        throw ReadError(errno: errno)
      }
      if count == 0 { return contents }
      contents.append(contentsOf: chunk[0..<count])
      if contents.count > limit { throw ReadError(errno: EFBIG) }
    }
  }

  struct ReadError: Error { let errno: Int32 }

  /// Writes `token` and a newline under the lock, creating the file 0600 and its directories 0700.
  ///
  /// The new bytes are written over the old ones and the file is then cut to their length, all
  /// under the exclusive lock, so a reader (which takes the same lock) sees the old token or the
  /// new one, never a mix. Unlike truncating to zero first, this frees no blocks, which on a
  /// filesystem mounted with `discard` would stall every write.
  /// - Returns: the file's version after the write.
  /// - Throws: when the file cannot be written or is not a regular file (`O_NONBLOCK`: opening
  ///   a FIFO for writing would otherwise wait for a reader forever, and with it the writer).
  @discardableResult
  public func write(_ token: String) throws(TokenStoreError) -> Version {
    let flags = O_WRONLY | O_CREAT | O_NONBLOCK | O_CLOEXEC
    var fd = open(path, flags, 0o600)
    if fd < 0 && errno == ENOENT {
      try makeParentDirectories()
      fd = open(path, flags, 0o600)
    }
    if fd < 0 { throw TokenStoreError(operation: "open", path: path, errno: errno) }
    defer { close(fd) }
    var before = stat()
    guard fstat(fd, &before) == 0 else {
      throw TokenStoreError(operation: "fstat", path: path, errno: errno)
    }
    guard before.st_mode & S_IFMT == S_IFREG else {
      throw TokenStoreError(operation: "write (not a regular file)", path: path, errno: EINVAL)
    }
    try lock(fd, attempts: 1000)
    defer { flock(fd, LOCK_UN) }
    var bytes = Array(token.utf8)
    bytes.append(0x0A)
    var offset = 0
    while offset < bytes.count {
      let written = bytes[offset...].withUnsafeBytes {
        pwrite(fd, $0.baseAddress, $0.count, off_t(offset))
      }
      if written < 0 {
        if errno == EINTR { continue }
        throw TokenStoreError(operation: "write", path: path, errno: errno)
      }
      offset += written
    }
    guard ftruncate(fd, off_t(bytes.count)) == 0 else {
      throw TokenStoreError(operation: "ftruncate", path: path, errno: errno)
    }
    var info = stat()
    guard fstat(fd, &info) == 0 else { return version() }
    return Version(info)
  }

  /// Removes the file (the client side of a lock). A missing file is not an error.
  public func delete() throws(TokenStoreError) {
    if unlink(path) != 0 && errno != ENOENT {
      throw TokenStoreError(operation: "unlink", path: path, errno: errno)
    }
  }

  /// A token file over this size is not a token (default 64 KiB; JWTs are a few hundred bytes).
  static let maximumSize = 64 * 1024

  /// Takes the exclusive lock the Polykey way: non-blocking attempts every 2 ms.
  private func lock(_ fd: Int32, attempts: Int) throws(TokenStoreError) {
    for attempt in 0..<attempts {
      if attempt > 0 { usleep(2_000) }
      if flock(fd, LOCK_EX | LOCK_NB) == 0 { return }
      guard errno == EWOULDBLOCK || errno == EINTR else {
        throw TokenStoreError(operation: "flock", path: path, errno: errno)
      }
    }
    throw TokenStoreError(operation: "flock", path: path, errno: ETIMEDOUT)
  }

  private func makeParentDirectories() throws(TokenStoreError) {
    var current = path.hasPrefix("/") ? "" : "."
    for component in path.split(separator: "/").dropLast() {
      current += "/" + component
      if mkdir(current, 0o700) != 0 && errno != EEXIST {
        throw TokenStoreError(operation: "mkdir", path: current, errno: errno)
      }
    }
  }

  static func trimmed(_ bytes: [UInt8]) -> String {
    func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
    guard let first = bytes.firstIndex(where: { !isSpace($0) }),
      let last = bytes.lastIndex(where: { !isSpace($0) })
    else { return "" }
    return String(decoding: bytes[first...last], as: UTF8.self)
  }
}

/// The token file could not be read or written. Names the file, never its contents.
public struct TokenStoreError: Error, CustomStringConvertible, Sendable {
  public let operation: String
  public let path: String
  public let errno: Int32

  public var description: String {
    "\(operation) \(path): \(String(cString: strerror(errno)))"
  }
}
