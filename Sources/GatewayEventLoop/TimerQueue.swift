/// A timer's identity, for cancelling it.
public struct TimerID: Hashable, Sendable {
  let rawValue: UInt64
}

/// Pending timers ordered by deadline: a binary min-heap with lazy cancellation.
///
/// Pure data structure (no clock): the loop asks for the earliest deadline to arm its one
/// timerfd, and pops what is due.
struct TimerQueue<Callback> {
  private struct Entry {
    var deadline: UInt64
    var id: TimerID
  }

  private var heap: [Entry] = []
  private var callbacks: [TimerID: Callback] = [:]
  private var nextID: UInt64 = 1

  var isEmpty: Bool { callbacks.isEmpty }

  mutating func schedule(at deadline: UInt64, _ callback: Callback) -> TimerID {
    let id = TimerID(rawValue: nextID)
    nextID &+= 1
    callbacks[id] = callback
    heap.append(Entry(deadline: deadline, id: id))
    siftUp(heap.count - 1)
    return id
  }

  mutating func cancel(_ id: TimerID) {
    callbacks[id] = nil
  }

  /// The earliest live deadline, dropping cancelled entries on the way.
  mutating func earliestDeadline() -> UInt64? {
    while let top = heap.first {
      if callbacks[top.id] != nil { return top.deadline }
      popTop()
    }
    return nil
  }

  /// Removes and returns the callbacks due at `now`, earliest first.
  mutating func popDue(now: UInt64) -> [Callback] {
    var due: [Callback] = []
    while let top = heap.first, top.deadline <= now {
      popTop()
      if let callback = callbacks.removeValue(forKey: top.id) { due.append(callback) }
    }
    return due
  }

  private mutating func popTop() {
    let last = heap.removeLast()
    if !heap.isEmpty {
      heap[0] = last
      siftDown(0)
    }
  }

  /// Earlier deadline first; equal deadlines in the order they were scheduled.
  private static func before(_ a: Entry, _ b: Entry) -> Bool {
    a.deadline != b.deadline ? a.deadline < b.deadline : a.id.rawValue < b.id.rawValue
  }

  private mutating func siftUp(_ start: Int) {
    var child = start
    while child > 0 {
      let parent = (child - 1) / 2
      if !Self.before(heap[child], heap[parent]) { break }
      heap.swapAt(parent, child)
      child = parent
    }
  }

  private mutating func siftDown(_ start: Int) {
    var parent = start
    while true {
      let left = 2 * parent + 1
      if left >= heap.count { return }
      var smallest = left
      if left + 1 < heap.count, Self.before(heap[left + 1], heap[left]) { smallest = left + 1 }
      if !Self.before(heap[smallest], heap[parent]) { return }
      heap.swapAt(parent, smallest)
      parent = smallest
    }
  }
}
