import Dispatch
import Synchronization

/// Writes tokens to the file off the event loop, keeping only the newest.
///
/// Under load every call brings a new token; writing each one would put a file write (and its
/// fsync-like stalls on some filesystems) on the loop for every call. Instead the loop submits
/// the token and goes on; one background writer takes the newest submitted token, writes it,
/// and reports back. Tokens submitted while a write is under way collapse into one.
final class TokenWriter: Sendable {
  /// What one write did, reported on the writer's queue.
  struct Outcome: Sendable {
    let token: String
    let result: Result<TokenStore.Version, TokenStoreError>
  }

  private let store: TokenStore
  private let queue = DispatchQueue(label: "session-gateway.token-writer")
  /// The newest token not yet taken by the writer (guarded by the mutex).
  private let pending = Mutex<String?>(nil)
  private let report: @Sendable (Outcome) -> Void

  init(store: TokenStore, report: @escaping @Sendable (Outcome) -> Void) {
    self.store = store
    self.report = report
  }

  /// Queues `token`; replaces any token still waiting.
  func submit(_ token: String) {
    let writerIdle = pending.withLock { slot in
      let idle = slot == nil
      slot = token
      return idle
    }
    if writerIdle { queue.async { self.drain() } }
  }

  private func drain() {
    while let token = pending.withLock({ slot -> String? in
      defer { slot = nil }
      return slot
    }) {
      do {
        report(Outcome(token: token, result: .success(try store.write(token))))
      } catch {
        report(Outcome(token: token, result: .failure(error)))
      }
    }
  }
}
