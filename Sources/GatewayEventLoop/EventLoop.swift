import CGatewayShims
import Glibc
import Synchronization

/// What a registered descriptor is interested in, or what happened to it.
public struct IOEvents: OptionSet, Sendable {
  public let rawValue: UInt8
  public init(rawValue: UInt8) { self.rawValue = rawValue }

  public static let readable = IOEvents(rawValue: 1 << 0)
  public static let writable = IOEvents(rawValue: 1 << 1)
  /// The peer is gone both ways (`EPOLLHUP`) or the descriptor failed (`EPOLLERR`); reported
  /// whatever the interest. A half-close is `.readable` (a read returns end of file).
  public static let hangup = IOEvents(rawValue: 1 << 2)
}

/// A registration's identity. Carried in `epoll_event.data` beside nothing else, so an event
/// for a descriptor that was closed (and whose number was reused) finds no registration and is
/// dropped instead of reaching the new owner.
public struct RegistrationID: Hashable, Sendable {
  let rawValue: UInt64
}

/// The single-threaded event loop: epoll for descriptors, one timerfd for the earliest timer,
/// an eventfd so other threads can hand work in.
///
/// Everything registered here is owned by the loop thread; the type is deliberately not
/// `Sendable`. Other threads use `handle`.
public final class EventLoop {
  private struct Registration {
    let fd: Int32
    var interest: IOEvents
    let handler: (IOEvents) -> Void
  }

  private static let wakeID: UInt64 = 1
  private static let timerID: UInt64 = 2

  private let epollFD: Int32
  private let timerFD: Int32
  /// The thread-safe side of the loop: its queue of work and the eventfd that wakes it.
  public let handle: EventLoopHandle
  private var registrations: [UInt64: Registration] = [:]
  private var nextRegistration: UInt64 = 3
  private var timers = TimerQueue<() -> Void>()
  private var armedDeadline: UInt64?
  private var events = [cgw_epoll_event](repeating: cgw_epoll_event(), count: 256)
  /// Runs after each turn's events and timers: where buffered writes are flushed, so a
  /// response produced in pieces during one turn leaves in one syscall.
  public var onTurnEnd: (() -> Void)?

  public init() throws(SystemError) {
    epollFD = try syscallBlocking("epoll_create1") { cgw_epoll_create() }
    timerFD = try syscallBlocking("timerfd_create") { cgw_timerfd_create() }
    let wakeFD = try syscallBlocking("eventfd") { cgw_eventfd() }
    handle = EventLoopHandle(wakeFD: wakeFD)
    try syscallBlocking("epoll_ctl") {
      cgw_epoll_ctl(epollFD, cgw_EPOLL_CTL_ADD, wakeFD, cgw_EPOLLIN, Self.wakeID)
    }
    try syscallBlocking("epoll_ctl") {
      cgw_epoll_ctl(epollFD, cgw_EPOLL_CTL_ADD, timerFD, cgw_EPOLLIN, Self.timerID)
    }
  }

  deinit {
    close(epollFD)
    close(timerFD)
    close(handle.wakeFD)
  }

  // MARK: Descriptors

  /// Watches `fd` for `interest` (level-triggered); `handler` runs on the loop for each event.
  public func register(
    fd: Int32, interest: IOEvents, handler: @escaping (IOEvents) -> Void
  ) throws(SystemError) -> RegistrationID {
    let id = nextRegistration
    nextRegistration &+= 1
    try syscallBlocking("epoll_ctl(ADD)") {
      cgw_epoll_ctl(epollFD, cgw_EPOLL_CTL_ADD, fd, Self.epollMask(interest), id)
    }
    registrations[id] = Registration(fd: fd, interest: interest, handler: handler)
    return RegistrationID(rawValue: id)
  }

  /// Changes what a registration waits for; a no-op when unchanged or already deregistered.
  public func setInterest(_ id: RegistrationID, _ interest: IOEvents) throws(SystemError) {
    guard var registration = registrations[id.rawValue], registration.interest != interest else {
      return
    }
    registration.interest = interest
    registrations[id.rawValue] = registration
    try syscallBlocking("epoll_ctl(MOD)") {
      cgw_epoll_ctl(
        epollFD, cgw_EPOLL_CTL_MOD, registration.fd, Self.epollMask(interest), id.rawValue)
    }
  }

  /// Stops watching; call before closing the descriptor. Pending events for it are dropped.
  public func deregister(_ id: RegistrationID) {
    guard let registration = registrations.removeValue(forKey: id.rawValue) else { return }
    // ENOENT/EBADF mean the kernel already forgot it (the fd was closed); nothing to undo.
    _ = cgw_epoll_ctl(epollFD, cgw_EPOLL_CTL_DEL, registration.fd, 0, 0)
  }

  /// `EPOLLRDHUP` only with `.readable`: a peer's half-close stays readable (level-triggered)
  /// until the descriptor is closed, so a watcher that stopped reading must not hear it.
  private static func epollMask(_ interest: IOEvents) -> UInt32 {
    var mask: UInt32 = 0
    if interest.contains(.readable) { mask |= cgw_EPOLLIN | cgw_EPOLLRDHUP }
    if interest.contains(.writable) { mask |= cgw_EPOLLOUT }
    return mask
  }

  // MARK: Timers

  /// Runs `callback` on the loop after `nanoseconds` (0: after the current events are handled,
  /// later in this turn or the next, never inline).
  @discardableResult
  public func schedule(after nanoseconds: UInt64, _ callback: @escaping () -> Void) -> TimerID {
    timers.schedule(at: MonotonicClock.now() &+ nanoseconds, callback)
  }

  public func cancel(_ timer: TimerID) {
    timers.cancel(timer)
  }

  // MARK: Running

  /// Runs until `handle.stop()` is called. Throws only if epoll itself fails.
  public func run() throws(SystemError) {
    while !handle.isStopping {
      try armTimer()
      let count = try events.withUnsafeMutableBufferPointer { buffer throws(SystemError) in
        try syscallBlocking("epoll_wait") {
          cgw_epoll_wait(epollFD, buffer.baseAddress, Int32(buffer.count), -1)
        }
      }
      for index in 0..<Int(count) {
        dispatch(events[index])
      }
      runDueTimers()
      onTurnEnd?()
    }
  }

  private func dispatch(_ event: cgw_epoll_event) {
    switch event.data {
    case Self.wakeID:
      var value: UInt64 = 0
      _ = read(handle.wakeFD, &value, 8)
      for work in handle.takeWork() { work() }
    case Self.timerID:
      var value: UInt64 = 0
      _ = read(timerFD, &value, 8)
      armedDeadline = nil
    default:
      guard let registration = registrations[event.data] else { return }
      var happened: IOEvents = []
      // A half-close (RDHUP) reads as end of file: readable. HUP and ERR (always reported)
      // mean the peer is gone both ways.
      if event.events & (cgw_EPOLLIN | cgw_EPOLLRDHUP) != 0 { happened.insert(.readable) }
      if event.events & cgw_EPOLLOUT != 0 { happened.insert(.writable) }
      if event.events & (cgw_EPOLLHUP | cgw_EPOLLERR) != 0 { happened.insert(.hangup) }
      registration.handler(happened)
    }
  }

  private func runDueTimers() {
    guard let earliest = timers.earliestDeadline() else { return }
    let now = MonotonicClock.now()
    guard earliest <= now else { return }
    for callback in timers.popDue(now: now) { callback() }
  }

  /// Points the one timerfd at the earliest pending timer (or disarms it).
  private func armTimer() throws(SystemError) {
    let earliest = timers.earliestDeadline()
    guard earliest != armedDeadline else { return }
    armedDeadline = earliest
    let delay: UInt64
    if let earliest {
      let now = MonotonicClock.now()
      delay = earliest > now ? earliest - now : 1  // 0 would disarm
    } else {
      delay = 0
    }
    try syscallBlocking("timerfd_settime") { cgw_timerfd_set_relative(timerFD, delay) }
  }
}

@available(*, unavailable)
extension EventLoop: Sendable {}

/// The part of the loop other threads may use: hand in work, or stop it.
public final class EventLoopHandle: Sendable {
  fileprivate let wakeFD: Int32
  /// Guards the queue of work handed in from other threads.
  private let queue = Mutex<[@Sendable () -> Void]>([])
  private let stopping = Atomic<Bool>(false)

  fileprivate init(wakeFD: Int32) { self.wakeFD = wakeFD }

  /// Runs `work` on the loop thread soon.
  public func execute(_ work: @escaping @Sendable () -> Void) {
    queue.withLock { $0.append(work) }
    wake()
  }

  /// Makes `run()` return after the current turn.
  public func stop() {
    stopping.store(true, ordering: .releasing)
    wake()
  }

  var isStopping: Bool { stopping.load(ordering: .acquiring) }

  fileprivate func takeWork() -> [@Sendable () -> Void] {
    queue.withLock { work in
      defer { work.removeAll(keepingCapacity: true) }
      return work
    }
  }

  private func wake() {
    var one: UInt64 = 1
    _ = write(wakeFD, &one, 8)
  }
}
