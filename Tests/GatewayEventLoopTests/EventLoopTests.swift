import Glibc
import Synchronization
import Testing

@testable import GatewayEventLoop

/// The loop on real descriptors (socket pairs), run on the test's thread until a handler stops
/// it; `runLoop` keeps a watchdog so a broken loop fails instead of hanging.
@Suite struct EventLoopTests {
  @Test func readableEventIsDelivered() throws {
    let loop = try EventLoop()
    let pair = SocketPair()
    defer { pair.close() }
    let seen = Record<[(IOEvents, String?)]>([])
    let id = try loop.register(fd: pair.left, interest: .readable) { [unowned loop] events in
      seen.value.append((events, receive(from: pair.left)))
      loop.handle.stop()
    }
    send("ping", to: pair.right)
    try runLoop(loop)
    loop.deregister(id)
    #expect(seen.value.count == 1)
    #expect(seen.value.first?.0 == .readable)
    #expect(seen.value.first?.1 == "ping")
  }

  @Test func nothingHappensWithoutData() throws {
    let loop = try EventLoop()
    let pair = SocketPair()
    defer { pair.close() }
    let calls = Record(0)
    let id = try loop.register(fd: pair.left, interest: .readable) { _ in calls.value += 1 }
    loop.schedule(after: 30_000_000) { [unowned loop] in loop.handle.stop() }
    try runLoop(loop)
    loop.deregister(id)
    #expect(calls.value == 0)
  }

  @Test func setInterestTurnsWritableOnAndOff() throws {
    let loop = try EventLoop()
    let pair = SocketPair()
    defer { pair.close() }
    let writable = Record(0)
    let phase = Record(0)  // 0: readable only, 1: writable on, 2: writable off again
    let writableAfterOff = Record(0)
    let id = try loop.register(fd: pair.left, interest: .readable) { events in
      if events.contains(.writable) {
        writable.value += 1
        if phase.value == 2 { writableAfterOff.value += 1 }
      }
    }
    loop.schedule(after: 10_000_000) { [unowned loop] in
      #expect(writable.value == 0)
      phase.value = 1
      try? loop.setInterest(id, [.readable, .writable])
      loop.schedule(after: 10_000_000) {
        phase.value = 2
        try? loop.setInterest(id, .readable)
        loop.schedule(after: 20_000_000) { loop.handle.stop() }
      }
    }
    try runLoop(loop)
    loop.deregister(id)
    #expect(writable.value > 0, "level-triggered writable arrives once asked for")
    #expect(writableAfterOff.value == 0)
  }

  @Test func setInterestAfterDeregisterIsANoOp() throws {
    let loop = try EventLoop()
    let pair = SocketPair()
    defer { pair.close() }
    let id = try loop.register(fd: pair.left, interest: .readable) { _ in }
    loop.deregister(id)
    loop.deregister(id)
    try loop.setInterest(id, .writable)
  }

  @Test func registeringTheSameDescriptorTwiceThrows() throws {
    let loop = try EventLoop()
    let pair = SocketPair()
    defer { pair.close() }
    let id = try loop.register(fd: pair.left, interest: .readable) { _ in }
    let error = #expect(throws: SystemError.self) {
      try loop.register(fd: pair.left, interest: .readable) { _ in }
    }
    #expect(error?.errno == EEXIST)
    loop.deregister(id)
  }

  @Test func peerCloseIsAHangup() throws {
    let loop = try EventLoop()
    let pair = SocketPair()
    let seen = Record<IOEvents>([])
    let id = try loop.register(fd: pair.left, interest: .readable) { [unowned loop] events in
      seen.value = events
      loop.handle.stop()
    }
    close(pair.right)
    try runLoop(loop)
    loop.deregister(id)
    #expect(seen.value.contains(.hangup))
    #expect(receive(from: pair.left) == "")  // end of stream
    close(pair.left)
  }

  @Test func deregisteredDescriptorGetsNoEvents() throws {
    let loop = try EventLoop()
    let pair = SocketPair()
    defer { pair.close() }
    let calls = Record(0)
    let id = try loop.register(fd: pair.left, interest: .readable) { _ in calls.value += 1 }
    loop.deregister(id)
    send("x", to: pair.right)
    loop.schedule(after: 20_000_000) { [unowned loop] in loop.handle.stop() }
    try runLoop(loop)
    #expect(calls.value == 0)
  }

  /// Style item 14, after swift-nio's `testWeDoNotDeliverEventsForPreviouslyClosedChannels`:
  /// two descriptors are readable in the same turn; whichever handler runs first deregisters
  /// and closes the other, puts a new socket at the same number and registers it. The events
  /// epoll already returned for the old registration must reach neither the old handler nor
  /// the new one.
  @Test func weDoNotDeliverEventsForPreviouslyClosedChannels() throws {
    let loop = try EventLoop()
    let first = SocketPair()
    let second = SocketPair()
    let replacement = SocketPair()
    defer {
      first.close()
      second.close()
      replacement.close()
    }
    send("x", to: first.right)
    send("x", to: second.right)

    let calls = Record<[Int32]>([])
    let newRegistrationEvents = Record<[IOEvents]>([])
    let ids = Record<[Int32: RegistrationID]>([:])
    let reusedNumber = Record<Int32>(-1)
    // A few more turns' time, so a stale event has every chance to show up.
    loop.schedule(after: 30_000_000) { [unowned loop] in loop.handle.stop() }

    func handler(own: Int32, other: Int32) -> (IOEvents) -> Void {
      { [unowned loop] _ in
        calls.value.append(own)
        _ = receive(from: own)
        guard reusedNumber.value == -1, let otherID = ids.value[other] else { return }
        loop.deregister(otherID)
        close(other)
        // The same number, now a different (idle) socket.
        #expect(dup2(replacement.left, other) == other)
        reusedNumber.value = other
        ids.value[other] = try? loop.register(fd: other, interest: .readable) { events in
          newRegistrationEvents.value.append(events)
        }
      }
    }
    ids.value[first.left] = try loop.register(
      fd: first.left, interest: .readable, handler: handler(own: first.left, other: second.left))
    ids.value[second.left] = try loop.register(
      fd: second.left, interest: .readable, handler: handler(own: second.left, other: first.left))

    try runLoop(loop)
    for id in ids.value.values { loop.deregister(id) }

    #expect(reusedNumber.value != -1)
    #expect(calls.value.count == 1, "the closed descriptor's handler ran: \(calls.value)")
    #expect(newRegistrationEvents.value.isEmpty, "stale events: \(newRegistrationEvents.value)")
    // The new registration does get its own events afterwards.
    #expect(ids.value[reusedNumber.value] != nil)
  }

  // MARK: Timers

  @Test func timersFireInDeadlineOrderAndCancelledOnesDoNot() throws {
    let loop = try EventLoop()
    let fired = Record<[String]>([])
    let start = MonotonicClock.now()
    let early = Record<[String]>([])
    for (name, milliseconds) in [("30", 30), ("10", 10), ("20", 20), ("0", 0), ("5", 5)] {
      loop.schedule(after: UInt64(milliseconds) * 1_000_000) {
        fired.value.append(name)
        if MonotonicClock.now() - start < UInt64(milliseconds) * 1_000_000 {
          early.value.append(name)
        }
      }
    }
    let cancelled = [
      loop.schedule(after: 15_000_000) { fired.value.append("cancelled 15") },
      loop.schedule(after: 1_000_000) { fired.value.append("cancelled 1") },  // the earliest
      loop.schedule(after: 60_000_000) { fired.value.append("cancelled 60") },  // the last
    ]
    for timer in cancelled { loop.cancel(timer) }
    loop.schedule(after: 40_000_000) { [unowned loop] in loop.handle.stop() }
    try runLoop(loop)
    #expect(fired.value == ["0", "5", "10", "20", "30"])
    #expect(early.value.isEmpty, "fired before their deadline: \(early.value)")
  }

  @Test func cancellingATimerThatRanIsHarmless() throws {
    let loop = try EventLoop()
    let runs = Record(0)
    let timer = loop.schedule(after: 0) { [unowned loop] in
      runs.value += 1
      loop.handle.stop()
    }
    try runLoop(loop)
    loop.cancel(timer)
    loop.cancel(timer)
    #expect(runs.value == 1)
  }

  /// `schedule(after: 0)` from inside a handler never runs inside the handler; the loop's doc
  /// says it runs on the next turn.
  @Test func zeroDelayTimerIsNotRunInline() throws {
    let loop = try EventLoop()
    let pair = SocketPair()
    defer { pair.close() }
    let turn = Record(0)
    let ranInline = Record(false)
    let ran = Record(false)
    let scheduledInTurn = Record(-1)
    let ranInTurn = Record(-1)
    loop.onTurnEnd = { turn.value += 1 }
    let id = Record<RegistrationID?>(nil)
    id.value = try loop.register(fd: pair.left, interest: .readable) { [unowned loop] _ in
      _ = receive(from: pair.left)
      if let registration = id.value { loop.deregister(registration) }
      scheduledInTurn.value = turn.value
      loop.schedule(after: 0) {
        ran.value = true
        ranInTurn.value = turn.value
        loop.handle.stop()
      }
      ranInline.value = ran.value
    }
    send("x", to: pair.right)
    try runLoop(loop)
    #expect(ran.value)
    #expect(!ranInline.value)
  }

  /// A timer that schedules another with delay 0 does not run it in the same pass over the
  /// due timers (no starvation of IO by a timer that keeps rescheduling itself).
  @Test func zeroDelayTimerFromATimerRunsOnALaterTurn() throws {
    let loop = try EventLoop()
    let turn = Record(0)
    loop.onTurnEnd = { turn.value += 1 }
    let turns = Record<[Int]>([])
    func again() {
      loop.schedule(after: 0) { [unowned loop] in
        turns.value.append(turn.value)
        if turns.value.count == 5 { loop.handle.stop() } else { again() }
      }
    }
    again()
    try runLoop(loop)
    #expect(turns.value.count == 5)
    #expect(Set(turns.value).count == 5, "two ran in one turn: \(turns.value)")
  }

  // MARK: Other threads

  @Test func executeFromAnotherThreadRunsOnTheLoopThread() throws {
    let loop = try EventLoop()
    let loopThread = pthread_self()
    let ranOn = Mutex<pthread_t?>(nil)
    let handle = loop.handle
    let sender = TestThread.start {
      usleep(10_000)
      handle.execute {
        ranOn.withLock { $0 = pthread_self() }
        handle.stop()
      }
    }
    try runLoop(loop)
    sender.join()
    #expect(ranOn.withLock { $0 } == loopThread)
  }

  @Test func everyExecutedClosureRunsInOrderPerThread() throws {
    let loop = try EventLoop()
    let loopThread = pthread_self()
    let handle = loop.handle
    let threads = 4
    let perThread = 500
    let log = Mutex<(order: [[Int]], offLoop: Int)>((Array(repeating: [], count: threads), 0))
    let senders = (0..<threads).map { thread in
      TestThread.start {
        for index in 0..<perThread {
          handle.execute {
            let done = log.withLock { log in
              log.order[thread].append(index)
              if pthread_self() != loopThread { log.offLoop += 1 }
              return log.order.allSatisfy { $0.count == perThread }
            }
            if done { handle.stop() }
          }
        }
      }
    }
    try runLoop(loop)
    for sender in senders { sender.join() }
    let result = log.withLock { $0 }
    #expect(result.offLoop == 0)
    for thread in 0..<threads {
      #expect(result.order[thread] == Array(0..<perThread))
    }
  }

  @Test func stopFromAnotherThreadEndsRun() throws {
    let loop = try EventLoop()
    let handle = loop.handle
    let stopper = TestThread.start {
      usleep(30_000)
      handle.stop()
    }
    let started = MonotonicClock.now()
    try runLoop(loop)
    stopper.join()
    #expect(MonotonicClock.now() - started >= 25_000_000)
  }

  @Test func stopBeforeRunReturnsAtOnce() throws {
    let loop = try EventLoop()
    let ran = Record(false)
    loop.schedule(after: 0) { ran.value = true }
    loop.handle.stop()
    try runLoop(loop, timeoutMilliseconds: 1000)
    #expect(!ran.value)
  }

  /// `onTurnEnd` runs once per turn, after that turn's events and timers.
  @Test func onTurnEndFollowsTheTurnsEvents() throws {
    let loop = try EventLoop()
    let first = SocketPair()
    let second = SocketPair()
    defer {
      first.close()
      second.close()
    }
    let log = Record<[String]>([])
    var ids: [RegistrationID] = []
    for (name, pair) in [("a", first), ("b", second)] {
      ids.append(
        try loop.register(fd: pair.left, interest: .readable) { _ in
          _ = receive(from: pair.left)
          log.value.append(name)
        })
    }
    loop.onTurnEnd = { [unowned loop] in
      log.value.append("end")
      loop.handle.stop()
    }
    send("x", to: first.right)
    send("x", to: second.right)
    try runLoop(loop)
    for id in ids { loop.deregister(id) }
    #expect(log.value.count == 3)
    #expect(Set(log.value.prefix(2)) == ["a", "b"])
    #expect(log.value.last == "end")
  }
}
