import CCurl
import CGatewayShims
public import GatewayEventLoop
import Glibc

/// How to reach the agent and how patient to be.
public struct AgentClientConfiguration: Sendable {
  public var address: AgentAddress
  /// PEM file of CAs to trust for an `https://` agent (a self-signed agent's certificate).
  public var caFile: String?
  /// Give up connecting after this long (default 5 s): a local agent answers at once or is down.
  public var connectTimeoutMilliseconds: Int = 5_000
  /// Streams per HTTP/2 connection before curl opens another (default 1000); the agent's own
  /// SETTINGS_MAX_CONCURRENT_STREAMS applies first.
  public var maxConcurrentStreams: Int = 1_000

  public init(address: AgentAddress, caFile: String? = nil) {
    self.address = address
    self.caFile = caFile
  }
}

/// The gRPC transport: libcurl's multi interface driven by the event loop through its socket and
/// timer callbacks, every call an HTTP/2 stream multiplexed on one connection.
///
/// Owns the `CURLM*`. Lives on the loop thread; curl calls back into it through an unretained
/// pointer, which is valid because the client outlives the multi handle it frees in `deinit`.
public final class AgentClient {
  let loop: EventLoop
  let configuration: AgentClientConfiguration
  private let multi: UnsafeMutableRawPointer
  private var socketRegistrations: [Int32: RegistrationID] = [:]
  private var curlTimer: TimerID?
  private var transfers: [UnsafeMutableRawPointer: AgentTransfer] = [:]
  /// Cleartext HTTP/2 bookkeeping (see `dispatch`): sockets curl has open to the agent, whether
  /// the connection has answered since it opened, the transfer opening it, and those waiting.
  private var openSockets = 0
  private var connectionAnswered = false
  private var opening: AgentTransfer?
  private var waiting: [AgentTransfer] = []
  /// Easy handles of finished transfers, reset and ready for the next call (at most 256 kept).
  private var idleEasyHandles: [UnsafeMutableRawPointer] = []
  /// Set while curl is running our callbacks: curl must not be re-entered then.
  private(set) var insideCurl = false
  /// Sockets curl closed during the current pass (the outermost `withCurl`): a transfer that
  /// ended "cleanly" in a pass that closed the connection may have been cut off by it.
  private var socketsClosedInPass = 0
  /// Set while finished transfers are handed out: a delegate may drive curl again (a pause, a
  /// retry), and that must not reset `socketsClosedInPass` for the transfers still to come.
  private var draining = false
  /// Counters for metrics: transfers started, and connections curl opened.
  public private(set) var transfersStarted = 0
  public private(set) var connectionsOpened = 0

  public init(loop: EventLoop, configuration: AgentClientConfiguration) throws(CurlError) {
    Self.initializeCurlOnce
    guard let multi = curl_multi_init() else {
      throw CurlError(message: "curl_multi_init failed")
    }
    self.loop = loop
    self.configuration = configuration
    self.multi = multi
    let me = Unmanaged.passUnretained(self).toOpaque()
    try check(cgw_curl_multi_setopt_long(multi, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX)))
    try check(
      cgw_curl_multi_setopt_long(
        multi, CURLMOPT_MAX_CONCURRENT_STREAMS, configuration.maxConcurrentStreams))
    // One connection: every call is a stream on it (more wait for a free stream).
    try check(cgw_curl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 1))
    try check(cgw_curl_multi_setopt_socket_function(multi, agentClientSocketCallback))
    try check(cgw_curl_multi_setopt_pointer(multi, CURLMOPT_SOCKETDATA, me))
    try check(cgw_curl_multi_setopt_timer_function(multi, agentClientTimerCallback))
    try check(cgw_curl_multi_setopt_pointer(multi, CURLMOPT_TIMERDATA, me))
  }

  deinit {
    for transfer in waiting { transfer.release(reusable: false) }
    for (easy, transfer) in transfers {
      curl_multi_remove_handle(multi, easy)
      transfer.release(reusable: false)
    }
    curl_multi_cleanup(multi)
    for easy in idleEasyHandles { curl_easy_cleanup(easy) }
  }

  /// An easy handle: one from a finished call (every per-call option is set again by
  /// `AgentTransfer`), or a new one.
  func takeEasyHandle() -> (UnsafeMutableRawPointer, isNew: Bool)? {
    if let easy = idleEasyHandles.popLast() { return (easy, false) }
    return curl_easy_init().map { ($0, true) }
  }

  /// Takes back a handle curl no longer uses.
  func returnEasyHandle(_ easy: UnsafeMutableRawPointer) {
    if idleEasyHandles.count < 256 {
      idleEasyHandles.append(easy)
    } else {
      curl_easy_cleanup(easy)
    }
  }

  private static let initializeCurlOnce: Void = {
    curl_global_init(Int(CURL_GLOBAL_ALL))
  }()

  /// Starts an HTTP/2 POST to `path` on the agent.
  ///
  /// - Parameters:
  ///   - headers: request header lines (`name: value`), already filtered by the caller.
  ///   - bodyLength: the request body's size when known (sent as content-length), else nil.
  ///   - timeoutMilliseconds: the call's deadline, enforced by curl too (0: none).
  public func startTransfer(
    path: String, headers: [String], bodyLength: Int?, timeoutMilliseconds: Int,
    delegate: any AgentTransferDelegate
  ) throws(CurlError) -> AgentTransfer {
    let transfer = try AgentTransfer(
      client: self, url: configuration.address.baseURL + path, headers: headers,
      bodyLength: bodyLength, timeoutMilliseconds: timeoutMilliseconds, delegate: delegate)
    transfersStarted += 1
    do {
      try dispatch(transfer)
    } catch {
      transfer.release(reusable: !transfer.addedToCurl)
      throw error
    }
    return transfer
  }

  /// Hands a transfer to curl, working around libcurl 7.88's prior-knowledge reuse bug.
  ///
  /// libcurl before 8.0 (Debian 12 ships 7.88) breaks a cleartext HTTP/2 connection when a
  /// transfer asking for prior knowledge *reuses* it (curl PR #10643: a second HTTP/2 layer is
  /// stacked on the connection). So only the transfer that opens the connection asks for prior
  /// knowledge; others wait until that connection has answered, then join it with plain
  /// HTTP/2 and are multiplexed on it. TLS negotiates h2 with ALPN and needs none of this.
  ///
  /// The transfer that opens the connection asks for a fresh one, so it never reuses one
  /// either (`AgentTransfer.setCleartextHTTP2`). That is also how a failed connection is
  /// replaced: after a transfer ended with a connection-level error (`connectionFailed`), the
  /// connection counts as unanswered again, so the next transfer opens a new one and the
  /// others wait for it.
  private func dispatch(_ transfer: AgentTransfer) throws(CurlError) {
    if configuration.address.transport != .tls {
      if openSockets > 0 && connectionAnswered {
        try transfer.setCleartextHTTP2(opensConnection: false)
      } else if opening == nil {
        try transfer.setCleartextHTTP2(opensConnection: true)
        opening = transfer
      } else {
        waiting.append(transfer)
        armWaitingDeadline(transfer)
        return
      }
    }
    let code = curl_multi_add_handle(multi, transfer.easy)
    guard code == CURLM_OK else {
      if opening === transfer { opening = nil }
      throw CurlError(multiCode: code)
    }
    transfer.addedToCurl = true
    transfers[transfer.easy] = transfer
  }

  /// A response head arrived, so the connection it came on works: release the waiting. While a
  /// transfer is opening a new connection, only its own answer counts (others may still be
  /// answered on the connection it replaces).
  func connectionAnswered(_ transfer: AgentTransfer) {
    guard opening == nil || opening === transfer else { return }
    if openSockets > 0 { connectionAnswered = true }
    if opening === transfer { opening = nil }
    scheduleWaiting()
  }

  /// Connection-level failures seen, each making the next transfer open a new connection.
  public private(set) var connectionFailures = 0

  /// Whether a transfer's result means the connection itself is broken, not just the stream:
  /// the HTTP/2 session failed ("Error in the HTTP2 framing layer"), the socket failed, or curl
  /// took the connection for dead and wanted to send the request again. libcurl 7.88 may keep
  /// a connection whose HTTP/2 session is over in its cache and fail every call on it.
  private static func isConnectionFailure(_ result: CURLcode) -> Bool {
    switch result {
    case CURLE_HTTP2, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_SEND_FAIL_REWIND,
      CURLE_PARTIAL_FILE, CURLE_GOT_NOTHING:
      return true
    default:
      return false
    }
  }

  /// The next transfer opens a new connection (with prior knowledge and a fresh connection);
  /// curl closes the old one once no transfer uses it.
  private func connectionFailed() {
    connectionFailures += 1
    connectionAnswered = false
  }

  /// A transfer ended; if it was opening the connection, let the next one try.
  func transferEnded(_ transfer: AgentTransfer) {
    guard opening === transfer else { return }
    opening = nil
    scheduleWaiting()
  }

  /// Removes a transfer that was still waiting; true if it was.
  func dropWaiting(_ transfer: AgentTransfer) -> Bool {
    guard let index = waiting.firstIndex(where: { $0 === transfer }) else { return false }
    waiting.remove(at: index)
    transfer.release(reusable: !transfer.addedToCurl)
    return true
  }

  private func scheduleWaiting() {
    guard !waiting.isEmpty else { return }
    // Never add handles from inside a curl callback.
    loop.schedule(after: 0) { [unowned self] in
      let queue = waiting
      waiting.removeAll()
      for transfer in queue {
        guard transfer.shortenTimeoutToWhatIsLeft() else {
          transfer.complete(result: CURLE_OPERATION_TIMEDOUT)
          continue
        }
        do {
          try dispatch(transfer)
        } catch {
          transfer.complete(result: CURLE_FAILED_INIT)
        }
      }
    }
  }

  /// A call's deadline holds while it waits for the connection's first answer too: curl,
  /// which enforces it otherwise, has not seen the call yet.
  private func armWaitingDeadline(_ transfer: AgentTransfer) {
    let milliseconds = transfer.deadlineMilliseconds
    guard milliseconds > 0 else { return }
    let due = transfer.createdAt &+ UInt64(milliseconds) * 1_000_000
    let now = MonotonicClock.now()
    loop.schedule(after: due > now ? due - now : 0) { [weak self, weak transfer] in
      guard let self, let transfer,
        let index = self.waiting.firstIndex(where: { $0 === transfer })
      else { return }
      self.waiting.remove(at: index)
      transfer.complete(result: CURLE_OPERATION_TIMEDOUT)
    }
  }

  /// Removes a transfer from curl without telling its delegate (the delegate asked for it).
  func remove(_ transfer: AgentTransfer) {
    // Handles are pooled: the pointer may already belong to a newer transfer.
    guard !transfer.released, transfers[transfer.easy] === transfer else { return }
    transfers.removeValue(forKey: transfer.easy)
    curl_multi_remove_handle(multi, transfer.easy)
    transferEnded(transfer)
    transfer.release(reusable: false)  // removed mid-transfer: its state is unknown
  }

  /// Runs `body` with the re-entrancy guard set; curl callbacks happen only inside it.
  func withCurl(_ body: () -> Void) {
    let wasInside = insideCurl
    if !wasInside && !draining { socketsClosedInPass = 0 }
    insideCurl = true
    body()
    insideCurl = wasInside
    if !wasInside { drainCompletions() }
  }

  // MARK: curl's socket and timer callbacks

  fileprivate func curlWantsSocket(_ fd: Int32, what: Int32) -> Int32 {
    if what == CURL_POLL_REMOVE {
      if let id = socketRegistrations.removeValue(forKey: fd) { loop.deregister(id) }
      return 0
    }
    var interest: IOEvents = []
    if what == CURL_POLL_IN || what == CURL_POLL_INOUT { interest.insert(.readable) }
    if what == CURL_POLL_OUT || what == CURL_POLL_INOUT { interest.insert(.writable) }
    do {
      if let id = socketRegistrations[fd] {
        try loop.setInterest(id, interest)
      } else {
        socketRegistrations[fd] = try loop.register(fd: fd, interest: interest) {
          [unowned self] events in
          self.socketReady(fd, events)
        }
      }
      return 0
    } catch {
      return -1
    }
  }

  fileprivate func curlWantsTimer(milliseconds: Int) {
    if let curlTimer { loop.cancel(curlTimer) }
    curlTimer = nil
    guard milliseconds >= 0 else { return }
    // A zero timeout is run on the next loop turn, never from inside curl's callback.
    curlTimer = loop.schedule(after: UInt64(milliseconds) * 1_000_000) { [unowned self] in
      self.curlTimer = nil
      self.socketAction(CURL_SOCKET_TIMEOUT, 0)
    }
  }

  private func socketReady(_ fd: Int32, _ events: IOEvents) {
    var flags: Int32 = 0
    if events.contains(.readable) || events.contains(.hangup) { flags |= CURL_CSELECT_IN }
    if events.contains(.writable) { flags |= CURL_CSELECT_OUT }
    socketAction(fd, flags)
  }

  private func socketAction(_ fd: Int32, _ flags: Int32) {
    var running: Int32 = 0
    withCurl { _ = curl_multi_socket_action(multi, fd, flags, &running) }
  }

  /// Hands every finished transfer to its delegate.
  private func drainCompletions() {
    let wasDraining = draining
    draining = true
    defer { draining = wasDraining }
    var remaining: Int32 = 0
    while let message = curl_multi_info_read(multi, &remaining) {
      guard cgw_curl_msg_is_done(message) != 0, let easy = cgw_curl_msg_easy(message) else {
        continue
      }
      let result = cgw_curl_msg_result(message)
      guard let transfer = transfers.removeValue(forKey: easy) else { continue }
      curl_multi_remove_handle(multi, easy)
      if transfer.refusedToOpen && transfer.requestBytesTaken == 0 {
        // Nothing was sent: open the connection again, this time with prior knowledge.
        transfer.refusedToOpen = false
        connectionAnswered = false
        do {
          try dispatch(transfer)
        } catch {
          transfer.complete(result: result)
        }
        continue
      }
      // Refused after some of the body went out: curl was sending the request again because it
      // took the connection for dead. The call ends (`AgentTransfer.transportFailure`).
      if transfer.refusedToOpen || Self.isConnectionFailure(result) { connectionFailed() }
      transfer.complete(result: result, connectionClosed: socketsClosedInPass > 0)
    }
  }

  /// Forgets a socket curl is about to close, so its number can be reused safely.
  fileprivate func curlClosesSocket(_ fd: Int32) {
    if let id = socketRegistrations.removeValue(forKey: fd) { loop.deregister(id) }
    socketsClosedInPass += 1
    openSockets -= 1
    if openSockets <= 0 {
      openSockets = 0
      connectionAnswered = false
    }
  }

  func curlOpenedSocket() {
    openSockets += 1
    connectionsOpened += 1
  }
}

@available(*, unavailable)
extension AgentClient: Sendable {}

private func check(_ code: CURLMcode) throws(CurlError) {
  guard code == CURLM_OK else { throw CurlError(multiCode: code) }
}

private func agentClientSocketCallback(
  easy: UnsafeMutableRawPointer?, fd: curl_socket_t, what: Int32,
  userp: UnsafeMutableRawPointer?, socketp: UnsafeMutableRawPointer?
) -> Int32 {
  guard let userp else { return -1 }
  return Unmanaged<AgentClient>.fromOpaque(userp).takeUnretainedValue()
    .curlWantsSocket(fd, what: what)
}

private func agentClientTimerCallback(
  multi: UnsafeMutableRawPointer?, timeout: Int, userp: UnsafeMutableRawPointer?
) -> Int32 {
  guard let userp else { return -1 }
  Unmanaged<AgentClient>.fromOpaque(userp).takeUnretainedValue()
    .curlWantsTimer(milliseconds: timeout)
  return 0
}

/// curl opens its sockets through here (userdata: the transfer that wants the connection), so
/// the client knows when a connection exists and can refuse one opened without prior knowledge.
func agentClientOpenSocket(
  clientp: UnsafeMutableRawPointer?, purpose: curlsocktype,
  address: UnsafeMutablePointer<curl_sockaddr>?
) -> curl_socket_t {
  guard let address, let clientp else { return CURL_SOCKET_BAD }
  let transfer = Unmanaged<AgentTransfer>.fromOpaque(clientp).takeUnretainedValue()
  guard transfer.mayOpenConnection else {
    transfer.refusedToOpen = true
    return CURL_SOCKET_BAD
  }
  let fd = socket(
    address.pointee.family, address.pointee.socktype | Int32(SOCK_CLOEXEC.rawValue),
    address.pointee.protocol)
  if fd >= 0 { transfer.openedSocket() }
  return fd
}

/// curl closes its sockets through here so the loop deregisters them first.
func agentClientCloseSocket(clientp: UnsafeMutableRawPointer?, fd: curl_socket_t) -> Int32 {
  if let clientp {
    Unmanaged<AgentClient>.fromOpaque(clientp).takeUnretainedValue().curlClosesSocket(fd)
  }
  return Glibc.close(fd)
}
