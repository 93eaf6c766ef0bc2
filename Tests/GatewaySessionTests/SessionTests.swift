import Glibc
import Synchronization
import Testing

@testable import GatewaySession

/// Stands in for the event loop: reports from the background writer queue up here and run on
/// the test's own thread when it calls `runPending()`, as `EventLoopHandle.execute` would run
/// them on the loop thread.
final class FakeLoop: Sendable {
  /// Work handed in from the writer's queue (guarded by the mutex).
  private let queue = Mutex<[@Sendable () -> Void]>([])
  private let delivered = Atomic<Int>(0)

  /// The `deliver` closure for `Session.writeInBackground`.
  var deliver: @Sendable (@escaping @Sendable () -> Void) -> Void {
    { work in
      self.queue.withLock { $0.append(work) }
      self.delivered.add(1, ordering: .relaxed)
    }
  }

  /// How many reports the writer has handed in so far.
  var deliveries: Int { delivered.load(ordering: .relaxed) }

  /// Runs what was handed in; returns how many.
  @discardableResult
  func runPending() -> Int {
    let work = queue.withLock { work in
      defer { work.removeAll() }
      return work
    }
    for item in work { item() }
    return work.count
  }

  /// Runs reports until `condition` holds and nothing more arrives for 20 ms (at most 5 s).
  func settle(until condition: () -> Bool) {
    let deadline = MonotonicNow.milliseconds() + 5000
    var quietSince = MonotonicNow.milliseconds()
    while MonotonicNow.milliseconds() < deadline {
      if runPending() > 0 { quietSince = MonotonicNow.milliseconds() }
      if condition() && MonotonicNow.milliseconds() - quietSince >= 20 { return }
      usleep(1000)
    }
  }
}

/// Holds the token file's lock from the test, the way a slow Polykey client would.
struct HeldLock: ~Copyable {
  let fd: Int32
  init(_ path: String) {
    fd = open(path, O_RDONLY)
    precondition(fd >= 0 && flock(fd, LOCK_EX) == 0)
  }
  consuming func release() {
    flock(fd, LOCK_UN)
    close(fd)
    discard self
  }
  deinit {
    flock(fd, LOCK_UN)
    close(fd)
  }
}

@Suite struct SessionTests {
  @Test func noFileNoToken() {
    let directory = TemporaryDirectory()
    let session = Session(store: TokenStore(path: directory.file("token")))
    #expect(session.currentToken() == nil)
    #expect(session.lastError == nil)
  }

  @Test func picksUpTokensOtherClientsWrite() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("token")
    let session = Session(store: TokenStore(path: path))
    let other = TokenStore(path: path)
    #expect(session.currentToken() == nil)

    try other.write("token-a")
    #expect(session.currentToken() == "token-a")
    #expect(session.currentToken() == "token-a")

    // In place, same length: only the timestamps change.
    try other.write("token-b")
    #expect(session.currentToken() == "token-b")

    // Replaced by rename: a new inode.
    Files.replace(path, with: "token-c\n")
    #expect(session.currentToken() == "token-c")

    // Deleted (`agent lock`): no token any more.
    try other.delete()
    #expect(session.currentToken() == nil)

    try other.write("token-d")
    #expect(session.currentToken() == "token-d")
  }

  @Test func sameTokenWritesNothing() throws {
    let directory = TemporaryDirectory()
    let store = TokenStore(path: directory.file("token"))
    try store.write("token-a")
    let session = Session(store: store)
    let before = store.version()
    #expect(session.received(token: "token-a") == false)
    #expect(store.version() == before)
    #expect(session.tokensWritten == 0)
  }

  @Test func newTokenIsWrittenAndUsed() throws {
    let directory = TemporaryDirectory()
    let store = TokenStore(path: directory.file("token"))
    let session = Session(store: store)
    #expect(session.received(token: "token-a") == true)
    #expect(session.currentToken() == "token-a")
    #expect(Files.text(store.path) == "token-a\n")
    #expect(session.tokensWritten == 1)
    #expect(session.received(token: "token-a") == false)
    #expect(session.tokensWritten == 1)

    // Still in step with other writers after our own write.
    try TokenStore(path: store.path).write("token-b")
    #expect(session.currentToken() == "token-b")
  }

  @Test func seedAndClear() throws {
    let directory = TemporaryDirectory()
    let store = TokenStore(path: directory.file("dir/token"))
    let session = Session(store: store)
    try session.seed(token: "seeded")
    #expect(Files.text(store.path) == "seeded\n")
    #expect(Files.mode(store.path) == 0o600)
    #expect(session.currentToken() == "seeded")

    var cleared = false
    session.clear { error in
      #expect(error == nil)
      cleared = true
    }
    #expect(cleared, "without a background writer the file is removed at once")
    #expect(Files.contents(store.path) == nil)
    #expect(session.currentToken() == nil)

    try TokenStore(path: store.path).write("after-clear")
    #expect(session.currentToken() == "after-clear")
  }

  @Test func unreadableFileIsNoTokenAndAnError() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("token")
    mkdir(path, 0o700)
    let session = Session(store: TokenStore(path: path))
    #expect(session.currentToken() == nil)
    #expect(session.lastError?.errno == EISDIR)
    rmdir(path)
    try TokenStore(path: path).write("token-a")
    #expect(session.currentToken() == "token-a")
    #expect(session.lastError == nil)
  }

  // MARK: Background writer

  @Test func backgroundWriteIsReportedThroughTheLoop() throws {
    let directory = TemporaryDirectory()
    let store = TokenStore(path: directory.file("token"))
    let loop = FakeLoop()
    let session = Session(store: store)
    session.writeInBackground(deliver: loop.deliver)

    #expect(session.received(token: "token-a"))
    #expect(session.currentToken() == "token-a")
    loop.settle { session.tokensWritten == 1 }
    #expect(session.tokensWritten == 1)
    #expect(loop.deliveries == 1)
    #expect(Files.text(store.path) == "token-a\n")

    // With the write reported, the file is watched again.
    try TokenStore(path: store.path).write("token-b")
    #expect(session.currentToken() == "token-b")
  }

  /// Many tokens while the writer is stuck on the lock: the newest is used at once, the file
  /// keeps the old one until the lock is free, then ends with the newest after fewer writes.
  @Test func newestWinsAndWritesCoalesce() throws {
    let directory = TemporaryDirectory()
    let store = TokenStore(path: directory.file("token"))
    try store.write("token-old")
    let loop = FakeLoop()
    let session = Session(store: store)
    session.writeInBackground(deliver: loop.deliver)
    #expect(session.currentToken() == "token-old")

    let lock = HeldLock(store.path)
    let submitted = 500
    for index in 0..<submitted {
      #expect(session.received(token: "token-\(index)"))
      #expect(session.currentToken() == "token-\(index)")
    }
    usleep(20_000)
    loop.runPending()
    // The write is in flight: the file still holds the old token, the session the newest.
    #expect(Files.text(store.path) == "token-old\n")
    #expect(session.currentToken() == "token-\(submitted - 1)")
    lock.release()

    loop.settle { Files.text(store.path) == "token-\(submitted - 1)\n" }
    #expect(Files.text(store.path) == "token-\(submitted - 1)\n")
    #expect(session.currentToken() == "token-\(submitted - 1)")
    // One write for the token the writer had taken when it met the lock, one for the newest.
    #expect((1...2).contains(session.tokensWritten))
    #expect(session.tokensWritten == loop.deliveries)
    #expect(session.lastError == nil)
  }

  /// Quick submissions without a held lock still coalesce and still end with the newest.
  @Test func manyQuickSubmissionsEndWithTheNewest() throws {
    let directory = TemporaryDirectory()
    let store = TokenStore(path: directory.file("token"))
    let loop = FakeLoop()
    let session = Session(store: store)
    session.writeInBackground(deliver: loop.deliver)
    let submitted = 2000
    for index in 0..<submitted {
      session.received(token: "token-\(index)")
      if index % 100 == 0 { loop.runPending() }
    }
    loop.settle { Files.text(store.path) == "token-\(submitted - 1)\n" }
    #expect(Files.text(store.path) == "token-\(submitted - 1)\n")
    #expect(session.currentToken() == "token-\(submitted - 1)")
    #expect(session.tokensWritten >= 1)
    #expect(session.tokensWritten < submitted)
    #expect(session.tokensWritten == loop.deliveries)
  }

  /// After coalesced writes have all been reported, a token another client writes must be
  /// picked up, as it is after a single write (`backgroundWriteIsReportedThroughTheLoop`).
  @Test func picksUpOtherWritersAfterCoalescedWrites() throws {
    let directory = TemporaryDirectory()
    let store = TokenStore(path: directory.file("token"))
    let loop = FakeLoop()
    let session = Session(store: store)
    session.writeInBackground(deliver: loop.deliver)

    try store.write("token-old")
    // Read before taking the lock: received(token:) compares with currentToken(), which would
    // otherwise wait on our own lock for its full 2 s.
    #expect(session.currentToken() == "token-old")
    let lock = HeldLock(store.path)
    for index in 0..<3 { session.received(token: "token-\(index)") }
    lock.release()
    loop.settle { Files.text(store.path) == "token-2\n" }
    #expect(Files.text(store.path) == "token-2\n")
    #expect(session.tokensWritten < 3)  // coalesced

    try TokenStore(path: store.path).write("from-the-cli")
    #expect(session.currentToken() == "from-the-cli")
  }

  @Test func failedBackgroundWriteKeepsTheTokenAndRecordsTheError() throws {
    let directory = TemporaryDirectory()
    Files.write(Array("not a directory".utf8), to: directory.file("file"))
    let store = TokenStore(path: directory.file("file/token"))
    let loop = FakeLoop()
    let session = Session(store: store)
    session.writeInBackground(deliver: loop.deliver)
    #expect(session.received(token: "token-a"))
    loop.settle { loop.deliveries == 1 }
    #expect(session.tokensWritten == 0)
    #expect(session.lastError?.errno == ENOTDIR)
    #expect(session.currentToken() == "token-a")
  }

  // MARK: Authorization values

  @Test(arguments: [
    ("Bearer abc", "abc"),
    ("bearer abc", "abc"),
    ("BEARER abc", "abc"),
    ("BeArEr abc", "abc"),
    ("Bearer    abc", "abc"),
    ("  Bearer abc", "abc"),
    (
      "Bearer eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.a-b_c~+/=",
      "eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.a-b_c~+/="
    ),
  ])
  func bearerToken(value: String, token: String) {
    #expect(Session.bearerToken(fromAuthorization: value) == token)
  }

  @Test(arguments: [
    "", " ", "Bearer", "Bearer ", "Bearer     ", "Basic OnBhc3N3b3Jk", "Token abc",
    "Bearerabc", "Bearer\tabc", "Bear abc", "Bearers abc",
  ])
  func notABearerToken(value: String) {
    #expect(Session.bearerToken(fromAuthorization: value) == nil)
  }

  @Test(arguments: [
    "abc", "eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.a-b_c~+/=", "!",
  ])
  func validToken(token: String) {
    #expect(Session.isValidToken(token))
  }

  /// An empty token would be sent as `authorization: Bearer ` with nothing after it.
  @Test(arguments: [
    "", "a b", "a\nb", "a\u{0}b", "caf\u{E9}", "a\u{7F}",
  ])
  func invalidToken(token: String) {
    #expect(!Session.isValidToken(token))
  }

  @Test func tokenLengthLimit() {
    #expect(Session.isValidToken(String(repeating: "a", count: Session.maximumTokenLength)))
    #expect(!Session.isValidToken(String(repeating: "a", count: Session.maximumTokenLength + 1)))
  }

  @Test func trailingSpaceIsNotPartOfTheToken() {
    #expect(Session.bearerToken(fromAuthorization: "Bearer abc ") == "abc")
  }
}
