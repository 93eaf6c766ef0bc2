import Testing

@testable import GatewayEventLoop

/// `TimerQueue` is pure: deadlines are plain numbers, no clock.
@Suite struct TimerQueueTests {
  @Test func emptyQueue() {
    var queue = TimerQueue<String>()
    #expect(queue.isEmpty)
    #expect(queue.earliestDeadline() == nil)
    #expect(queue.popDue(now: .max).isEmpty)
  }

  @Test func popsDueInDeadlineOrder() {
    var queue = TimerQueue<String>()
    for (name, deadline) in [("c", 30), ("a", 10), ("d", 40), ("b", 20)] {
      _ = queue.schedule(at: UInt64(deadline), name)
    }
    #expect(queue.earliestDeadline() == 10)
    #expect(queue.popDue(now: 9).isEmpty)
    #expect(queue.popDue(now: 20) == ["a", "b"])  // a deadline equal to now is due
    #expect(queue.earliestDeadline() == 30)
    #expect(queue.popDue(now: 100) == ["c", "d"])
    #expect(queue.isEmpty)
    #expect(queue.earliestDeadline() == nil)
  }

  @Test func cancelledTimersAreSkippedLazily() {
    var queue = TimerQueue<String>()
    let a = queue.schedule(at: 10, "a")
    _ = queue.schedule(at: 20, "b")
    let c = queue.schedule(at: 30, "c")
    queue.cancel(a)
    #expect(queue.earliestDeadline() == 20)
    queue.cancel(c)
    #expect(queue.popDue(now: 100) == ["b"])
    #expect(queue.isEmpty)
  }

  @Test func cancellingEverythingEmptiesTheQueue() {
    var queue = TimerQueue<Int>()
    let ids = (0..<10).map { queue.schedule(at: UInt64(10 - $0), $0) }
    for id in ids { queue.cancel(id) }
    #expect(queue.isEmpty)
    #expect(queue.earliestDeadline() == nil)
    #expect(queue.popDue(now: .max).isEmpty)
  }

  @Test func cancelOfAPoppedOrUnknownTimerIsANoOp() {
    var queue = TimerQueue<String>()
    let a = queue.schedule(at: 1, "a")
    #expect(queue.popDue(now: 1) == ["a"])
    queue.cancel(a)
    queue.cancel(a)
    _ = queue.schedule(at: 2, "b")
    #expect(queue.popDue(now: 2) == ["b"])
  }

  @Test func identitiesAreNotReused() {
    var queue = TimerQueue<Int>()
    let first = queue.schedule(at: 1, 1)
    _ = queue.popDue(now: 1)
    let second = queue.schedule(at: 1, 2)
    #expect(first != second)
    queue.cancel(first)  // must not cancel the new one
    #expect(queue.popDue(now: 1) == [2])
  }

  /// Timers with the same deadline come out in the order they were scheduled.
  @Test func equalDeadlinesKeepSchedulingOrder() {
    var queue = TimerQueue<Int>()
    for index in 0..<20 { _ = queue.schedule(at: 5, index) }
    let popped = queue.popDue(now: 5)
    #expect(popped == Array(0..<20))
    #expect(popped.sorted() == Array(0..<20))
  }

  /// Many random deadlines with a third cancelled, drained in steps: every live timer comes
  /// out once, in deadline order, never before its deadline.
  @Test(arguments: [1, 2, 3, 42, 2024])
  func randomSchedulesDrainInOrder(seed: UInt64) {
    var random = SplitMix64(seed: seed)
    var queue = TimerQueue<Int>()
    var deadlines: [Int: UInt64] = [:]
    var live: Set<Int> = []
    var ids: [Int: TimerID] = [:]
    for index in 0..<1000 {
      let deadline = random.next() % 10_000
      deadlines[index] = deadline
      ids[index] = queue.schedule(at: deadline, index)
      live.insert(index)
    }
    for index in 0..<1000 where random.next() % 3 == 0 {
      queue.cancel(ids[index]!)
      live.remove(index)
    }
    var popped: [Int] = []
    var now: UInt64 = 0
    while now < 11_000 {
      now += random.next() % 500
      if let earliest = queue.earliestDeadline() {
        #expect(live.contains { deadlines[$0] == earliest })
      }
      let due = queue.popDue(now: now)
      for index in due { #expect(deadlines[index]! <= now) }
      #expect(due.map { deadlines[$0]! } == due.map { deadlines[$0]! }.sorted())
      popped += due
      // Mix in some scheduling while draining.
      if random.next() % 4 == 0 {
        let index = 1000 + popped.count
        let deadline = now + random.next() % 1000
        deadlines[index] = deadline
        live.insert(index)
        _ = queue.schedule(at: deadline, index)
      }
    }
    popped += queue.popDue(now: .max)
    #expect(Set(popped) == live)
    #expect(popped.count == live.count)
    #expect(queue.isEmpty)
  }
}

/// A small seeded generator, so a failing seed can be replayed.
struct SplitMix64 {
  private var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
