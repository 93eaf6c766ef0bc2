/// Self-recovery for one call the agent rejected at authentication, sans-IO.
///
/// The contract: before answering a session error, recover at most once each way — if the
/// token now in the token file differs from the one sent, retry with it; else, when a password
/// is configured, unlock, store the new token and retry with it. Never loop. The IO type
/// (`AgentCall`) reports events and switches on the actions:
///
/// ```
/// rejected(fileToken:canReplay:)  -> RejectedAction   (after each rejected attempt)
/// unlocked(token:)                -> UnlockedAction   (the unlock call brought a token)
/// unlockFailed()                  -> UnlockFailedAction
/// answered()                                          (an attempt was not rejected: done)
/// ```
///
/// Whether an answer *is* a rejection, and whether the caller chose its own credentials (then
/// there is no recovery), is the IO type's business (`AuthRejection.classify`).
public struct AuthRetryStateMachine: Sendable {
  /// What to do after a rejected attempt.
  public enum RejectedAction: Sendable, Equatable {
    /// Start the call again with this token (the one another client wrote to the file).
    case retry(token: String)
    /// Run the unlock method with the configured password, then report `unlocked` or
    /// `unlockFailed`.
    case unlock
    /// Answer the rejection as it is.
    case giveUp
  }

  /// What to do after the unlock brought a token.
  public enum UnlockedAction: Sendable, Equatable {
    /// Store the token (the IO does it) and start the call again with it.
    case retry(token: String)
    /// The agent handed back the very token it just rejected: answer the rejection.
    case giveUp
  }

  /// What to do after the unlock failed.
  public enum UnlockFailedAction: Sendable, Equatable {
    /// Answer with the unlock's error (a wrong password is a 401 with the agent's type).
    case failWithUnlockError
  }

  /// An event out of order: our bug.
  public struct MisuseError: Error, Sendable, Equatable {
    public let message: String
  }

  private enum State: Sendable, Equatable {
    /// An attempt is under way, sent with `sentToken` (nil: no token was attached).
    /// Exits: `rejected` → `.attempting` (file token), `.unlocking`, or `.finished`;
    /// `answered` → `.finished`.
    case attempting(sentToken: String?)
    /// The unlock call is under way. Exits: `unlocked` → `.attempting` or `.finished`;
    /// `unlockFailed` → `.finished`.
    case unlocking(rejectedToken: String?)
    /// Nothing more to do. No exits (every input poisons).
    case finished
    /// Our misuse; every input throws. No exits.
    case poisoned(MisuseError)
  }

  private var state: State
  private var triedFileToken = false
  private var triedUnlock = false
  private let passwordConfigured: Bool
  private let assertOnMisuse: Bool

  /// How many retries this call made (0, 1 or 2), for the metrics.
  public private(set) var retries = 0

  /// - Parameters:
  ///   - sentToken: the token the first attempt carries (nil: none was attached).
  ///   - passwordConfigured: whether the gateway has a password to unlock with.
  ///   - assertOnMisuse: assert in debug builds on an event out of order (tests turn it off).
  public init(sentToken: String?, passwordConfigured: Bool, assertOnMisuse: Bool = true) {
    state = .attempting(sentToken: sentToken)
    self.passwordConfigured = passwordConfigured
    self.assertOnMisuse = assertOnMisuse
  }

  /// The attempt was rejected at authentication.
  ///
  /// - Parameters:
  ///   - fileToken: the token in the token file now (re-read), nil when there is none.
  ///   - canReplay: whether the request can be sent again (its body was kept whole).
  public mutating func rejected(fileToken: String?, canReplay: Bool) throws(MisuseError)
    -> RejectedAction
  {
    guard case .attempting(let sent) = state else { throw misuse("rejected while \(stateName)") }
    guard canReplay else {
      state = .finished
      return .giveUp
    }
    if !triedFileToken, let fileToken, fileToken != sent {
      triedFileToken = true
      retries += 1
      state = .attempting(sentToken: fileToken)
      return .retry(token: fileToken)
    }
    if !triedUnlock, passwordConfigured {
      triedUnlock = true
      state = .unlocking(rejectedToken: sent)
      return .unlock
    }
    state = .finished
    return .giveUp
  }

  /// The unlock call succeeded with `token`.
  public mutating func unlocked(token: String) throws(MisuseError) -> UnlockedAction {
    guard case .unlocking(let rejected) = state else { throw misuse("unlocked while \(stateName)") }
    guard token != rejected else {
      state = .finished
      return .giveUp
    }
    retries += 1
    state = .attempting(sentToken: token)
    return .retry(token: token)
  }

  /// The unlock call failed (wrong password, agent unreachable, no token in its answer).
  public mutating func unlockFailed() throws(MisuseError) -> UnlockFailedAction {
    guard case .unlocking = state else { throw misuse("unlockFailed while \(stateName)") }
    state = .finished
    return .failWithUnlockError
  }

  /// The attempt was not rejected (a message, or any other outcome): the call goes on as is.
  public mutating func answered() throws(MisuseError) {
    guard case .attempting = state else { throw misuse("answered while \(stateName)") }
    state = .finished
  }

  /// Whether the machine is done (no more events expected).
  public var isFinished: Bool { state == .finished }

  /// The state's name, never its tokens (errors must not carry one).
  private var stateName: String {
    switch state {
    case .attempting: "attempting"
    case .unlocking: "unlocking"
    case .finished: "finished"
    case .poisoned: "poisoned"
    }
  }

  private mutating func misuse(_ what: String) -> MisuseError {
    if case .poisoned(let error) = state { return error }
    let error = MisuseError(message: "AuthRetryStateMachine: \(what)")
    if assertOnMisuse { assertionFailure(error.message) }
    state = .poisoned(error)
    return error
  }
}
