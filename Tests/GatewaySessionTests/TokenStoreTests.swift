import Glibc
import Testing

@testable import GatewaySession

@Suite struct TokenStoreTests {
  @Test func roundTrip() throws {
    let directory = TemporaryDirectory()
    let store = TokenStore(path: directory.file("token"))
    try store.write("eyJhbGciOiJIUzI1NiJ9.e30.sig")
    #expect(try store.read() == "eyJhbGciOiJIUzI1NiJ9.e30.sig")
    try store.write("second")
    #expect(try store.read() == "second")
  }

  @Test func writesTrailingNewline() throws {
    let directory = TemporaryDirectory()
    let store = TokenStore(path: directory.file("token"))
    try store.write("abc")
    #expect(Files.text(store.path) == "abc\n")
    // A shorter token over a longer one leaves nothing of the old one behind.
    try store.write("a-much-longer-token-than-before")
    try store.write("xy")
    #expect(Files.text(store.path) == "xy\n")
  }

  @Test(arguments: [
    ("abc", "abc"),
    ("abc\n", "abc"),
    ("abc\r\n", "abc"),
    ("  \t abc \t\n\n", "abc"),
    ("\u{0B}\u{0C}abc\u{0D}", "abc"),
    ("a b\nc\n", "a b\nc"),  // only the ends are trimmed
  ])
  func trimsWhitespaceOnRead(contents: String, token: String) throws {
    let directory = TemporaryDirectory()
    let path = directory.file("token")
    Files.write(Array(contents.utf8), to: path)
    #expect(try TokenStore(path: path).read() == token)
  }

  @Test(arguments: ["", "\n", " \t\r\n "])
  func emptyOrBlankFileIsNoToken(contents: String) throws {
    let directory = TemporaryDirectory()
    let path = directory.file("token")
    Files.write(Array(contents.utf8), to: path)
    #expect(try TokenStore(path: path).read() == nil)
  }

  /// A symbolic link at the token path is followed, as the Polykey CLI follows it: reads and
  /// writes go to its target and the link stays a link; a delete removes the link only.
  @Test func aSymlinkAtTheTokenPathIsFollowed() throws {
    let directory = TemporaryDirectory()
    let target = directory.file("real-token")
    let link = directory.file("token")
    Files.write(Array("from-the-target\n".utf8), to: target)
    #expect(symlink(target, link) == 0)
    let store = TokenStore(path: link)
    #expect(try store.read() == "from-the-target")
    try store.write("written-through")
    #expect(Files.text(target) == "written-through\n")
    var info = stat()
    #expect(lstat(link, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK)
    try store.delete()
    #expect(lstat(link, &info) != 0)
    #expect(Files.text(target) == "written-through\n")
  }

  @Test func missingFileIsNoToken() throws {
    let directory = TemporaryDirectory()
    #expect(try TokenStore(path: directory.file("token")).read() == nil)
    #expect(try TokenStore(path: directory.file("no/such/dir/token")).read() == nil)
    #expect(TokenStore(path: directory.file("token")).version() == .missing)
  }

  @Test func createsFile0600AndParents0700() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("a/b/c/token")
    try TokenStore(path: path).write("t")
    #expect(Files.mode(path) == 0o600)
    #expect(Files.mode(directory.file("a")) == 0o700)
    #expect(Files.mode(directory.file("a/b")) == 0o700)
    #expect(Files.mode(directory.file("a/b/c")) == 0o700)
    #expect(Files.text(path) == "t\n")
  }

  @Test func writeIntoAnExistingFileKeepsItsContentsWhole() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("token")
    Files.write(Array("old-and-long\n".utf8), to: path)
    try TokenStore(path: path).write("new")
    #expect(Files.text(path) == "new\n")
    #expect(Files.mode(path) == 0o600)
  }

  @Test func pathWithDotComponentsCreatesParents() throws {
    let directory = TemporaryDirectory()
    let store = TokenStore(path: directory.file("./x/./y/token"))
    try store.write("t")
    #expect(Files.mode(directory.file("x/y")) == 0o700)
    #expect(try store.read() == "t")
  }

  @Test func writeReturnsTheVersionStatSees() throws {
    let directory = TemporaryDirectory()
    let store = TokenStore(path: directory.file("token"))
    let written = try store.write("abc")
    #expect(written == store.version())
    #expect(written != .missing)
  }

  /// Rewritten in place with a token of the same length, at once: inode and size stay, so only
  /// the timestamps tell. (This needs fine-grained timestamps, which Linux ≥ 6.13 gives ext4,
  /// xfs, btrfs and tmpfs; with coarse timestamps two same-size rewrites within one clock tick
  /// look alike.)
  @Test func versionChangesOnInPlaceRewrite() throws {
    let directory = TemporaryDirectory()
    let store = TokenStore(path: directory.file("token"))
    var previous = try store.write("token-0000")
    for index in 1...200 {
      let token = "token-" + String(String(index + 10000).suffix(4))
      let written = try store.write(token)
      #expect(written != previous, "write \(index)")
      #expect(store.version() == written)
      previous = written
    }
  }

  @Test func versionChangesOnRenameReplace() throws {
    let directory = TemporaryDirectory()
    let store = TokenStore(path: directory.file("token"))
    let first = try store.write("aaaa")
    Files.replace(store.path, with: "bbbb\n")
    let second = store.version()
    #expect(second != first)
    #expect(second != .missing)
    #expect(try store.read() == "bbbb")
  }

  @Test func versionIsMissingAfterDelete() throws {
    let directory = TemporaryDirectory()
    let store = TokenStore(path: directory.file("token"))
    try store.write("t")
    try store.delete()
    #expect(store.version() == .missing)
    #expect(try store.read() == nil)
    #expect(Files.contents(store.path) == nil)
  }

  @Test func deletingAMissingFileIsFine() throws {
    let directory = TemporaryDirectory()
    let store = TokenStore(path: directory.file("token"))
    try store.delete()
    try store.delete()
    try TokenStore(path: directory.file("no/such/dir/token")).delete()
  }

  @Test func deleteOfAnUnremovableFileThrows() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("token")
    mkdir(path, 0o700)  // unlink(2) refuses a directory
    #expect(throws: TokenStoreError.self) { try TokenStore(path: path).delete() }
  }

  @Test func fileOverTheSizeLimitIsAnError() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("token")
    Files.write([UInt8](repeating: UInt8(ascii: "a"), count: TokenStore.maximumSize + 1), to: path)
    let error = #expect(throws: TokenStoreError.self) { try TokenStore(path: path).read() }
    #expect(error?.errno == EFBIG)
    #expect(error?.operation == "read")
    // The error names the file, never its contents.
    #expect(error?.description.contains("aaaa") == false)
    #expect(error?.description.contains(path) == true)
  }

  @Test func fileAtTheSizeLimitIsRead() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("token")
    Files.write([UInt8](repeating: UInt8(ascii: "a"), count: TokenStore.maximumSize), to: path)
    #expect(try TokenStore(path: path).read()?.utf8.count == TokenStore.maximumSize)
  }

  @Test func unreadableFileIsAnErrorNotNil() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("token")
    mkdir(path, 0o700)  // open(O_RDONLY) works on a directory; read(2) says EISDIR
    let error = #expect(throws: TokenStoreError.self) { try TokenStore(path: path).read() }
    #expect(error?.errno == EISDIR)
  }

  /// A FIFO in place of the file fails the write at once: opening it for writing would wait
  /// for a reader forever and wedge the token writer with it.
  @Test func writeToAFIFOFailsAtOnce() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("token")
    #expect(mkfifo(path, 0o600) == 0)
    let started = MonotonicNow.milliseconds()
    #expect(throws: TokenStoreError.self) { try TokenStore(path: path).write("t") }
    // With a reader waiting on it the open succeeds; the write is still refused.
    let reader = open(path, O_RDONLY | O_NONBLOCK)
    #expect(reader >= 0)
    defer { close(reader) }
    let error = #expect(throws: TokenStoreError.self) { try TokenStore(path: path).write("t") }
    #expect(error?.errno == EINVAL)
    #expect(MonotonicNow.milliseconds() - started < 1000)
  }

  @Test func writeToADirectoryFails() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("token")
    mkdir(path, 0o700)
    #expect(throws: TokenStoreError.self) { try TokenStore(path: path).write("t") }
  }

  @Test(arguments: [
    (mode_t(0o600), false), (0o400, false), (0o700, false), (0o644, true), (0o640, true),
    (0o604, true), (0o620, true), (0o602, true), (0o666, true),
  ])
  func isExposed(mode: mode_t, exposed: Bool) {
    let directory = TemporaryDirectory()
    let path = directory.file("token")
    Files.write(Array("t\n".utf8), to: path)
    chmod(path, mode)
    #expect(TokenStore(path: path).isExposed() == exposed)
  }

  @Test func missingFileIsNotExposed() {
    let directory = TemporaryDirectory()
    #expect(!TokenStore(path: directory.file("token")).isExposed())
  }

  /// A reader waits for a writer holding the lock, then sees the whole new token, never the
  /// empty file the writer made by truncating under the lock.
  @Test func readWaitsForTheLock() throws {
    let directory = TemporaryDirectory()
    let store = TokenStore(path: directory.file("token"))
    try store.write("old")
    let fd = open(store.path, O_RDWR)
    #expect(flock(fd, LOCK_EX) == 0)
    #expect(ftruncate(fd, 0) == 0)
    let started = MonotonicNow.milliseconds()
    let writer = TestThread.start {
      usleep(100_000)
      _ = pwrite(fd, "new\n", 4, 0)
      flock(fd, LOCK_UN)
    }
    #expect(try store.read(lockAttempts: 1000) == "new")
    #expect(MonotonicNow.milliseconds() - started >= 90)
    writer.join()
    close(fd)
  }

  /// A lock held past the budget is an error, neither a token nor nil, and a writer leaves
  /// the file alone. (Reader and writer wait side by side, so the test takes 2 s, not 4.)
  @Test func lockTimeoutIsAnError() throws {
    let directory = TemporaryDirectory()
    let store = TokenStore(path: directory.file("token"))
    try store.write("t")
    let fd = open(store.path, O_RDONLY)
    defer { close(fd) }
    #expect(flock(fd, LOCK_EX) == 0)
    let writer = TestThread.start {
      let writeError = #expect(throws: TokenStoreError.self) { try store.write("u") }
      #expect(writeError?.errno == ETIMEDOUT)
    }
    let error = #expect(throws: TokenStoreError.self) { try store.read(lockAttempts: 1000) }
    #expect(error?.errno == ETIMEDOUT)
    #expect(error?.operation == "flock")
    // The event loop's reads give up after about 10 ms instead.
    let quick = #expect(throws: TokenStoreError.self) { try store.read() }
    #expect(quick?.errno == ETIMEDOUT)
    writer.join()
    #expect(Files.text(store.path) == "t\n")
  }
}
