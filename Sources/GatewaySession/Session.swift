import GatewayCore
import Glibc

/// The session the gateway owns: the current token, kept in step with the token file.
///
/// Before every call the file is `stat`ed and re-read only when it changed, so a token written
/// by another client is used at once. A new token from the agent is used from the next call on
/// and written in the background (`TokenWriter`); while that write is under way the in-memory
/// token wins over the file, so an older token on disk never replaces a newer one in memory.
public final class Session {
  public let store: TokenStore
  private var cachedToken: String?
  private var cachedVersion: TokenStore.Version = .missing
  private var loaded = false
  /// The newest operation we submitted to the writer and have not yet seen done; while set,
  /// the in-memory token wins over the file.
  private var unconfirmed: TokenWriter.Operation?
  private var writeWaiters: [(TokenStoreError?) -> Void] = []
  private var lastWriteError: TokenStoreError?
  /// The token the agent last rejected (never logged or shown).
  private var rejectedToken: String?
  private var writer: TokenWriter?
  /// Tokens written to the file, for metrics.
  public private(set) var tokensWritten = 0
  /// The last error reading or writing the file, for the log (never the token).
  public private(set) var lastError: TokenStoreError?

  public init(store: TokenStore) { self.store = store }

  /// Writes go through a background writer whose reports come back through `deliver`, which
  /// must run the given closure on the loop thread.
  public func writeInBackground(deliver: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void) {
    let box = LoopBound(self)
    writer = TokenWriter(store: store) { outcome in
      deliver { box.value.written(outcome) }
    }
  }

  /// Told about each new problem with the token file (not repeated while it persists).
  public var onError: ((TokenStoreError) -> Void)?

  /// The token to attach now, re-reading the file if someone else changed it.
  ///
  /// A file that cannot be read right now (locked by a writer, unreadable) keeps the last good
  /// token and is tried again on the next call; a file that holds no valid token means none.
  public func currentToken() -> String? {
    if unconfirmed != nil { return cachedToken }
    let version = store.version()
    if loaded && version == cachedVersion { return cachedToken }
    do throws(TokenStoreError) {
      let token = try store.read()
      if let token, !Self.isValidToken(token) {
        throw TokenStoreError(operation: "read (the file does not hold a token)", path: store.path, errno: EINVAL)
      }
      cachedToken = token
      lastError = nil
      cachedVersion = version
      loaded = true
    } catch {
      report(error)
      if error.errno == EINVAL { cachedToken = nil; cachedVersion = version; loaded = true }
    }
    return cachedToken
  }

  /// A bearer token is 1 to `maximumTokenLength` visible ASCII characters, no spaces (it
  /// becomes a header value; an empty one would be `authorization: Bearer ` with nothing after).
  public static func isValidToken(_ token: String) -> Bool {
    !token.isEmpty && token.utf8.count <= maximumTokenLength
      && token.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
  }

  /// The longest token taken from a caller, the agent or the file (default 16 KiB; JWTs are a
  /// few hundred bytes, and gRPC servers refuse metadata over 16 KiB by default).
  public static let maximumTokenLength = 16 * 1024

  private func report(_ error: TokenStoreError) {
    let isNew = lastError?.description != error.description
    lastError = error
    if isNew { onError?(error) }
  }

  /// Takes a token the agent returned: used from now on, written unless it is the one held.
  /// - Returns: whether it was new.
  @discardableResult
  public func received(token: String) -> Bool {
    // The call that brought it read the file moments ago: compare with what it saw, and read
    // the file only if nothing has yet.
    guard token != (loaded ? cachedToken : currentToken()) else { return false }
    cachedToken = token
    loaded = true
    submit(.write(token))
    return true
  }

  /// Stores a token a caller gave (`PUT /-/session`, an unlock): like `received`, and `done`
  /// runs once the file holds it (or writing failed).
  public func store(token: String, done: @escaping (TokenStoreError?) -> Void) {
    received(token: token)
    whenWritten(done)
  }

  /// Removes the stored token (the client side of a lock), in order with pending writes;
  /// `done` runs once the file is gone.
  public func clear(done: @escaping (TokenStoreError?) -> Void) {
    cachedToken = nil
    loaded = true
    rejectedToken = nil
    submit(.delete)
    whenWritten(done)
  }

  private func submit(_ operation: TokenWriter.Operation) {
    unconfirmed = operation
    if let writer {
      writer.submit(operation)
    } else {
      written(TokenWriter.Outcome(operation: operation, result: TokenWriter.run(operation, on: store)))
    }
  }

  /// Runs `body` once every submitted write has reached the file (at once when none is
  /// pending), with the last write's error if it failed.
  public func whenWritten(_ body: @escaping (TokenStoreError?) -> Void) {
    if unconfirmed == nil { body(lastWriteError) } else { writeWaiters.append(body) }
  }

  private func written(_ outcome: TokenWriter.Outcome) {
    // The writer always ends with the newest operation submitted, so its report clears this.
    let isNewest = outcome.operation == unconfirmed
    if isNewest { unconfirmed = nil }
    switch outcome.result {
    case .success(let version):
      if case .write = outcome.operation { tokensWritten += 1 }
      lastError = nil
      lastWriteError = nil
      // Only the newest write tells us the file now matches what we hold.
      if isNewest { cachedVersion = version }
    case .failure(let error):
      lastWriteError = error
      report(error)
    }
    if unconfirmed == nil, !writeWaiters.isEmpty {
      let waiters = writeWaiters
      writeWaiters.removeAll()
      for waiter in waiters { waiter(lastWriteError) }
    }
  }

  /// Seeds the file with a token given at start (`--token`, `PK_TOKEN`), synchronously.
  public func seed(token: String) throws(TokenStoreError) {
    cachedVersion = try store.write(token)
    cachedToken = token
    loaded = true
  }

  // MARK: Rejection, for `GET /-/session`

  /// The agent rejected `token` at authentication; the state is `rejected` until the token
  /// changes.
  public func markRejected(token: String?) {
    guard let token else { return }
    rejectedToken = token
  }

  /// What `GET /-/session` reports.
  public enum State: String, Sendable {
    case absent, present, rejected
  }

  /// The session's state now (re-reading the file if it changed).
  public var state: State {
    guard let token = currentToken() else { return .absent }
    return token == rejectedToken ? .rejected : .present
  }

  /// The bearer token from an `authorization` metadata value, if it is one.
  public static func bearerToken(fromAuthorization value: String) -> String? {
    let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
    guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
    let token = parts[1].trimming(" \t")
    return token.isEmpty ? nil : token
  }
}

@available(*, unavailable)
extension Session: Sendable {}

/// Carries a loop-bound reference through a `@Sendable` closure. Safe only because the value is
/// dereferenced solely on the loop thread (the closure is run there by `EventLoopHandle.execute`).
struct LoopBound<Value: AnyObject>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}

