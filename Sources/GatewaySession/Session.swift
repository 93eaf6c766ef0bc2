/// The session the gateway owns: the current token, kept in step with the token file.
///
/// Read before every call (a `stat`, and a read only when the file changed, so a token written
/// by another client is used at once); every new token the agent hands back is written, unless
/// it is the one already held.
public final class Session {
  public let store: TokenStore
  private var cachedToken: String?
  private var cachedVersion: TokenStore.Version = .missing
  private var loaded = false
  /// Tokens written to the file, for metrics.
  public private(set) var tokensWritten = 0
  /// The last error reading or writing the file, for the log (never the token).
  public private(set) var lastError: TokenStoreError?

  public init(store: TokenStore) { self.store = store }

  /// The token to attach now, re-reading the file if it changed since the last look.
  public func currentToken() -> String? {
    let version = store.version()
    if loaded && version == cachedVersion { return cachedToken }
    do {
      cachedToken = try store.read()
      lastError = nil
    } catch {
      lastError = error
      cachedToken = nil
    }
    cachedVersion = store.version()
    loaded = true
    return cachedToken
  }

  /// Stores a token the agent returned; writes the file only when it differs from the held one.
  /// - Returns: whether the file was written.
  @discardableResult
  public func received(token: String) -> Bool {
    guard token != currentToken() else { return false }
    do {
      try store.write(token)
      cachedToken = token
      cachedVersion = store.version()
      tokensWritten += 1
      lastError = nil
      return true
    } catch {
      lastError = error
      return false
    }
  }

  /// Seeds the file with a token given at start (`--token`, `PK_TOKEN`).
  public func seed(token: String) throws(TokenStoreError) {
    try store.write(token)
    cachedToken = token
    cachedVersion = store.version()
    loaded = true
  }

  /// Removes the stored token.
  public func clear() throws(TokenStoreError) {
    try store.delete()
    cachedToken = nil
    cachedVersion = .missing
  }

  /// The bearer token from an `authorization` metadata value, if it is one.
  public static func bearerToken(fromAuthorization value: String) -> String? {
    let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
    guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
    let token = parts[1].trimmingPrefix(while: { $0 == " " })
    return token.isEmpty ? nil : String(token)
  }
}

@available(*, unavailable)
extension Session: Sendable {}

extension Substring {
  fileprivate func trimmingPrefix(while predicate: (Character) -> Bool) -> Substring {
    self.drop(while: predicate)
  }
}
