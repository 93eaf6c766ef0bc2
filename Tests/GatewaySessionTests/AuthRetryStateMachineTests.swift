import Testing

@testable import GatewaySession

/// Exact action sequences of self-recovery, no IO.
@Suite struct AuthRetryStateMachineTests {
  typealias Machine = AuthRetryStateMachine

  @Test func answeredAtOnceNeedsNothing() throws {
    var machine = Machine(sentToken: "a", passwordConfigured: true)
    try machine.answered()
    #expect(machine.isFinished)
    #expect(machine.retries == 0)
  }

  @Test func anotherClientWroteTheFile() throws {
    var machine = Machine(sentToken: "old", passwordConfigured: false)
    #expect(try machine.rejected(fileToken: "new", canReplay: true) == .retry(token: "new"))
    try machine.answered()
    #expect(machine.retries == 1)
  }

  @Test func sameTokenInTheFileAndNoPasswordGivesUp() throws {
    var machine = Machine(sentToken: "t", passwordConfigured: false)
    #expect(try machine.rejected(fileToken: "t", canReplay: true) == .giveUp)
    #expect(machine.isFinished)
  }

  @Test func noTokenAnywhereAndNoPasswordGivesUp() throws {
    var machine = Machine(sentToken: nil, passwordConfigured: false)
    #expect(try machine.rejected(fileToken: nil, canReplay: true) == .giveUp)
  }

  @Test func lockAllThenPassword() throws {
    var machine = Machine(sentToken: "t", passwordConfigured: true)
    #expect(try machine.rejected(fileToken: "t", canReplay: true) == .unlock)
    #expect(try machine.unlocked(token: "fresh") == .retry(token: "fresh"))
    try machine.answered()
    #expect(machine.retries == 1)
  }

  @Test func noTokenSentThenPassword() throws {
    var machine = Machine(sentToken: nil, passwordConfigured: true)
    #expect(try machine.rejected(fileToken: nil, canReplay: true) == .unlock)
    #expect(try machine.unlocked(token: "fresh") == .retry(token: "fresh"))
  }

  /// Both ways, once each, then the answer stands: never a loop.
  @Test func fileTokenThenUnlockThenGiveUp() throws {
    var machine = Machine(sentToken: "a", passwordConfigured: true)
    #expect(try machine.rejected(fileToken: "b", canReplay: true) == .retry(token: "b"))
    #expect(try machine.rejected(fileToken: "c", canReplay: true) == .unlock)
    #expect(try machine.unlocked(token: "d") == .retry(token: "d"))
    #expect(try machine.rejected(fileToken: "e", canReplay: true) == .giveUp)
    #expect(machine.retries == 2)
    #expect(machine.isFinished)
  }

  @Test func wrongPasswordFailsWithTheUnlockError() throws {
    var machine = Machine(sentToken: "t", passwordConfigured: true)
    #expect(try machine.rejected(fileToken: nil, canReplay: true) == .unlock)
    #expect(try machine.unlockFailed() == .failWithUnlockError)
    #expect(machine.isFinished)
    #expect(machine.retries == 0)
  }

  @Test func unlockReturningTheRejectedTokenGivesUp() throws {
    var machine = Machine(sentToken: "t", passwordConfigured: true)
    #expect(try machine.rejected(fileToken: "t", canReplay: true) == .unlock)
    #expect(try machine.unlocked(token: "t") == .giveUp)
  }

  @Test func aBodyThatCannotBeReplayedIsNotRetried() throws {
    var machine = Machine(sentToken: "a", passwordConfigured: true)
    #expect(try machine.rejected(fileToken: "b", canReplay: false) == .giveUp)
  }

  @Test func misusePoisons() throws {
    var machine = Machine(sentToken: "secret-token", passwordConfigured: true, assertOnMisuse: false)
    #expect(throws: Machine.MisuseError.self) { try machine.unlocked(token: "x") }
    // Poisoned: every input throws the same error, and it never carries a token.
    do {
      try machine.answered()
      Issue.record("expected a throw")
    } catch {
      #expect(!error.message.contains("secret-token"))
      #expect(error.message.contains("unlocked while attempting"))
    }
    var finished = Machine(sentToken: nil, passwordConfigured: false, assertOnMisuse: false)
    try finished.answered()
    #expect(throws: Machine.MisuseError.self) { try finished.rejected(fileToken: nil, canReplay: true) }
    #expect(throws: Machine.MisuseError.self) { try finished.unlockFailed() }
  }
}
