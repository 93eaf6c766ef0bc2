import Dispatch
import Synchronization

/// Writes tokens to the file off the event loop, keeping only the newest.
///
/// Under load every call brings a new token; writing each one would put a file write (and its
/// fsync-like stalls on some filesystems) on the loop for every call. Instead the loop submits
/// the token and goes on; one background writer takes the newest submitted operation (a write
/// or the deletion of the file), runs it, and reports back. Operations submitted while one is
/// under way collapse into the newest, so the file always ends as the loop last asked.
final class TokenWriter: Sendable {
  /// What the loop asks the file to become.
  enum Operation: Sendable, Equatable {
    case write(String)
    case delete
  }

  /// What one operation did, reported on the writer's queue.
  struct Outcome: Sendable {
    let operation: Operation
    let result: Result<TokenStore.Version, TokenStoreError>
  }

  private let store: TokenStore
  private let queue = DispatchQueue(label: "session-gateway.token-writer")
  /// The newest operation not yet taken by the writer (guarded by the mutex).
  private let pending = Mutex<Operation?>(nil)
  private let report: @Sendable (Outcome) -> Void

  init(store: TokenStore, report: @escaping @Sendable (Outcome) -> Void) {
    self.store = store
    self.report = report
  }

  /// Queues `operation`; replaces any operation still waiting.
  func submit(_ operation: Operation) {
    let writerIdle = pending.withLock { slot in
      let idle = slot == nil
      slot = operation
      return idle
    }
    if writerIdle { queue.async { self.drain() } }
  }

  private func drain() {
    while let operation = pending.withLock({ slot -> Operation? in
      defer { slot = nil }
      return slot
    }) {
      report(Outcome(operation: operation, result: Self.run(operation, on: store)))
    }
  }

  static func run(_ operation: Operation, on store: TokenStore) -> Result<
    TokenStore.Version, TokenStoreError
  > {
    do {
      switch operation {
      case .write(let token): return .success(try store.write(token))
      case .delete:
        try store.delete()
        return .success(.missing)
      }
    } catch {
      return .failure(error)
    }
  }
}
