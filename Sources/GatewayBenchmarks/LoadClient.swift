import CCurl
import CGatewayShims
import GatewayCore
import Glibc

/// The one client stack both paths are measured with: a libcurl multi handle driven by an epoll
/// loop through curl's socket and timer callbacks, a fixed set of easy handles that are reused
/// (removed from the multi handle when done, re-added for the next call), `concurrency` of
/// them in flight at a time (closed loop: a finished call starts the next one at once).
///
/// - `.gateway`: gRPC-Web over HTTP/1.1 on a Unix socket; no pipelining, so at most
///   `concurrency` keep-alive connections, reused from curl's connection cache.
/// - `.direct`: gRPC over cleartext HTTP/2 (h2c) on a Unix socket, every call a stream
///   multiplexed on one connection. libcurl 7.88 breaks an h2c connection when a second
///   prior-knowledge transfer reuses it (curl PR #10643), so the first transfer alone opens the
///   connection with prior knowledge (`prime`) and every later one asks for plain HTTP/2 and
///   joins it, as the gateway's AgentClient does.
/// - `.json`: a JSON call through the gateway (`{"payload": "<base64>"}`), transcoded with the
///   bench schema; compared with `.gateway` it measures what transcoding adds.
final class LoadClient {
  enum Path: String {
    case gateway
    case direct
    case json
  }

  /// One in-flight call's easy handle and what came back.
  final class Slot {
    let easy: UnsafeMutableRawPointer
    var body: [UInt8] = []
    var grpcStatusHeader: String?
    var startedAt: UInt64 = 0
    var inFlight = false
    init(easy: UnsafeMutableRawPointer) {
      self.easy = easy
      body.reserveCapacity(1024)
    }
  }

  struct RunResult {
    var calls = 0
    var errors = 0
    var elapsedNanoseconds: UInt64 = 0
    var latencies: [UInt64] = []
    var connectionsOpened = 0
    var firstError: String?
    var callsPerSecond: Double {
      elapsedNanoseconds == 0 ? 0 : Double(calls) / (Double(elapsedNanoseconds) / 1e9)
    }
  }

  let path: Path
  private let multi: UnsafeMutableRawPointer
  private let epollFD: Int32
  private var slots: [Slot] = []
  private var registered: Set<Int32> = []
  /// Absolute time curl wants `CURL_SOCKET_TIMEOUT`, if any.
  private var timerDeadline: UInt64?
  private let requestBody: UnsafeMutableRawBufferPointer
  private var headerList: UnsafeMutablePointer<curl_slist>?
  /// The data frame every call must get back (the request frame, echoed).
  let expectedFrame: [UInt8]
  private var primed = false
  private var events = [cgw_epoll_event](repeating: cgw_epoll_event(), count: 128)

  // Per-run state touched by `complete`.
  private var current = RunResult()
  private var deadline: UInt64 = 0
  private var active = 0

  /// - Parameters:
  ///   - socketPath: the gateway's or the agent's Unix socket.
  ///   - handles: easy handles to create (the largest concurrency to be run).
  ///   - payload: the message bytes; the request body is their gRPC frame.
  ///   - authorization: an `authorization` header value to send (direct calls carry the token
  ///     the gateway would attach), or nil.
  init(
    path: Path, socketPath: String, handles: Int, payload: [UInt8], authorization: String?
  ) throws(BenchmarkError) {
    self.path = path
    guard let multi = curl_multi_init() else { throw BenchmarkError("curl_multi_init failed") }
    self.multi = multi
    epollFD = cgw_epoll_create()
    guard epollFD >= 0 else { throw BenchmarkError("epoll_create failed") }

    var frame: [UInt8] = [0]
    let length = UInt32(payload.count)
    frame += [UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)]
    frame += payload
    if path == .json {
      // The request is the JSON message; the echo comes back with its default field included.
      let encoded = Base64.encode(payload)
      frame = Array("{\"payload\":\"\(encoded)\"}".utf8)
      expectedFrame = Array("{\"payload\":\"\(encoded)\",\"text\":\"\"}\n".utf8)
    } else {
      expectedFrame = frame
    }
    requestBody = .allocate(byteCount: frame.count, alignment: 1)
    requestBody.copyBytes(from: frame)

    let me = Unmanaged.passUnretained(self).toOpaque()
    _ = cgw_curl_multi_setopt_socket_function(multi, loadClientSocketCallback)
    _ = cgw_curl_multi_setopt_pointer(multi, CURLMOPT_SOCKETDATA, me)
    _ = cgw_curl_multi_setopt_timer_function(multi, loadClientTimerCallback)
    _ = cgw_curl_multi_setopt_pointer(multi, CURLMOPT_TIMERDATA, me)
    _ = cgw_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, handles + 4)
    switch path {
    case .gateway, .json:
      _ = cgw_curl_multi_setopt_long(multi, CURLMOPT_PIPELINING, 0)
      _ = cgw_curl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, handles)
    case .direct:
      _ = cgw_curl_multi_setopt_long(multi, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
      _ = cgw_curl_multi_setopt_long(multi, CURLMOPT_MAX_CONCURRENT_STREAMS, 1_000)
    }

    var lines: [String]
    switch path {
    case .gateway:
      lines = ["Content-Type: application/grpc-web+proto", "X-Grpc-Web: 1", "Accept:", "Expect:"]
    case .json:
      lines = ["Content-Type: application/json", "Accept:", "Expect:"]
    case .direct:
      lines = ["content-type: application/grpc", "te: trailers", "Accept:", "Expect:"]
    }
    if let authorization { lines.append("authorization: \(authorization)") }
    for line in lines { headerList = curl_slist_append(headerList, line) }

    for _ in 0..<handles {
      guard let easy = curl_easy_init() else { throw BenchmarkError("curl_easy_init failed") }
      let slot = Slot(easy: easy)
      slots.append(slot)
      let slotPointer = Unmanaged.passUnretained(slot).toOpaque()
      var ok = true
      func long(_ option: CURLoption, _ value: Int) {
        ok = ok && cgw_curl_easy_setopt_long(easy, option, value) == CURLE_OK
      }
      ok = ok && cgw_curl_easy_setopt_string(easy, CURLOPT_URL, "http://localhost/bench.Echo/Echo") == CURLE_OK
      ok = ok && cgw_curl_easy_setopt_string(easy, CURLOPT_UNIX_SOCKET_PATH, socketPath) == CURLE_OK
      long(CURLOPT_NOSIGNAL, 1)
      long(CURLOPT_POST, 1)
      ok = ok && cgw_curl_easy_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(frame.count)) == CURLE_OK
      ok = ok && cgw_curl_easy_setopt_pointer(easy, CURLOPT_POSTFIELDS, requestBody.baseAddress) == CURLE_OK
      ok = ok && cgw_curl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList) == CURLE_OK
      long(CURLOPT_TIMEOUT_MS, 10_000)
      switch path {
      case .gateway, .json:
        long(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_1_1))
      case .direct:
        long(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE))
        long(CURLOPT_PIPEWAIT, 1)
      }
      ok = ok && cgw_curl_easy_setopt_write_function(easy, loadClientWrite) == CURLE_OK
      ok = ok && cgw_curl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, slotPointer) == CURLE_OK
      ok = ok && cgw_curl_easy_setopt_header_function(easy, loadClientHeader) == CURLE_OK
      ok = ok && cgw_curl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, slotPointer) == CURLE_OK
      ok = ok && cgw_curl_easy_setopt_pointer(easy, CURLOPT_PRIVATE, slotPointer) == CURLE_OK
      guard ok else { throw BenchmarkError("curl_easy_setopt failed") }
    }
  }

  deinit {
    for slot in slots {
      if slot.inFlight { curl_multi_remove_handle(multi, slot.easy) }
      curl_easy_cleanup(slot.easy)
    }
    curl_multi_cleanup(multi)
    curl_slist_free_all(headerList)
    requestBody.deallocate()
    close(epollFD)
  }

  /// Direct path only: one call alone opens the h2c connection with prior knowledge; then every
  /// handle switches to plain HTTP/2 and joins that connection (the libcurl 7.88 workaround).
  func prime() -> RunResult {
    let result = run(concurrency: 1, durationNanoseconds: 0)
    if path == .direct && result.errors == 0 {
      for slot in slots {
        _ = cgw_curl_easy_setopt_long(slot.easy, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2_0))
      }
      primed = true
    }
    return result
  }

  /// Keeps `concurrency` calls in flight until `durationNanoseconds` have passed (at least one
  /// call each), then lets the in-flight ones finish. Every response is verified.
  func run(concurrency: Int, durationNanoseconds: UInt64) -> RunResult {
    precondition(concurrency <= slots.count)
    current = RunResult()
    current.latencies.reserveCapacity(1 << 16)
    let start = nowNanoseconds()
    deadline = start + durationNanoseconds
    active = 0
    for index in 0..<concurrency { launch(slots[index]) }
    var lastCompletion = start
    while active > 0 {
      let now = nowNanoseconds()
      if let timer = timerDeadline, timer <= now {
        timerDeadline = nil
        action(CURL_SOCKET_TIMEOUT, 0)
      } else {
        var timeout: Int32 = 1_000
        if let timer = timerDeadline { timeout = Int32(min((timer - now + 999_999) / 1_000_000, 1_000)) }
        let count = events.withUnsafeMutableBufferPointer {
          cgw_epoll_wait(epollFD, $0.baseAddress, Int32($0.count), timeout)
        }
        if count > 0 {
          for index in 0..<Int(count) {
            let event = events[index]
            var flags: Int32 = 0
            if event.events & (cgw_EPOLLIN | cgw_EPOLLHUP | cgw_EPOLLERR) != 0 { flags |= CURL_CSELECT_IN }
            if event.events & cgw_EPOLLOUT != 0 { flags |= CURL_CSELECT_OUT }
            action(Int32(truncatingIfNeeded: event.data), flags)
          }
        }
      }
      if drainCompletions() { lastCompletion = nowNanoseconds() }
    }
    current.elapsedNanoseconds = lastCompletion - start
    return current
  }

  private func launch(_ slot: Slot) {
    slot.body.removeAll(keepingCapacity: true)
    slot.grpcStatusHeader = nil
    slot.startedAt = nowNanoseconds()
    slot.inFlight = true
    active += 1
    let code = curl_multi_add_handle(multi, slot.easy)
    if code != CURLM_OK {
      slot.inFlight = false
      active -= 1
      current.errors += 1
      if current.firstError == nil { current.firstError = "curl_multi_add_handle: \(code.rawValue)" }
    }
  }

  private func action(_ fd: Int32, _ flags: Int32) {
    var running: Int32 = 0
    _ = curl_multi_socket_action(multi, fd, flags, &running)
  }

  /// Verifies and records every finished call and starts the next one while the run lasts.
  /// Returns whether any call finished.
  private func drainCompletions() -> Bool {
    var any = false
    var remaining: Int32 = 0
    while let message = curl_multi_info_read(multi, &remaining) {
      guard cgw_curl_msg_is_done(message) != 0, let easy = cgw_curl_msg_easy(message) else { continue }
      let result = cgw_curl_msg_result(message)
      let finishedAt = nowNanoseconds()
      var pointer: UnsafeMutableRawPointer?
      _ = cgw_curl_easy_getinfo_pointer(easy, CURLINFO_PRIVATE, &pointer)
      var status = 0
      _ = cgw_curl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
      var connects = 0
      _ = cgw_curl_easy_getinfo_long(easy, CURLINFO_NUM_CONNECTS, &connects)
      curl_multi_remove_handle(multi, easy)
      guard let pointer else { continue }
      let slot = Unmanaged<Slot>.fromOpaque(pointer).takeUnretainedValue()
      slot.inFlight = false
      active -= 1
      any = true
      current.calls += 1
      current.connectionsOpened += connects
      current.latencies.append(finishedAt - slot.startedAt)
      if let problem = verify(slot, result: result, status: status) {
        current.errors += 1
        if current.firstError == nil { current.firstError = problem }
      }
      if finishedAt < deadline { launch(slot) }
    }
    return any
  }

  /// Nil when the response is a good echo, else what is wrong with it.
  private func verify(_ slot: Slot, result: CURLcode, status: Int) -> String? {
    guard result == CURLE_OK else {
      return "curl error \(result.rawValue): \(String(cString: curl_easy_strerror(result)))"
    }
    guard status == 200 else { return "HTTP status \(status)" }
    let body = slot.body
    switch path {
    case .json:
      guard body == expectedFrame else {
        return "body is not the echoed JSON: \(String(decoding: body.prefix(200), as: UTF8.self))"
      }
    case .direct:
      guard body == expectedFrame else { return "body is not the echoed frame (\(body.count) bytes)" }
      guard slot.grpcStatusHeader == "0" else { return "grpc-status \(slot.grpcStatusHeader ?? "missing")" }
    case .gateway:
      let n = expectedFrame.count
      guard body.count > n + 5, body[0..<n].elementsEqual(expectedFrame) else {
        return "body does not start with the echoed frame (\(body.count) bytes)"
      }
      guard body[n] == 0x80 else { return "no trailer frame after the data frame" }
      let length = Int(body[n + 1]) << 24 | Int(body[n + 2]) << 16 | Int(body[n + 3]) << 8 | Int(body[n + 4])
      guard body.count == n + 5 + length else { return "trailer frame length mismatch" }
      let trailers = String(decoding: body[(n + 5)...], as: UTF8.self)
      guard trailers.hasPrefix("grpc-status:0\r\n") else { return "trailers: \(trailers)" }
    }
    return nil
  }

  // MARK: curl callbacks

  fileprivate func socketCallback(fd: Int32, what: Int32) -> Int32 {
    if what == CURL_POLL_REMOVE {
      if registered.remove(fd) != nil { _ = cgw_epoll_ctl(epollFD, cgw_EPOLL_CTL_DEL, fd, 0, 0) }
      return 0
    }
    var interest: UInt32 = 0
    if what == CURL_POLL_IN || what == CURL_POLL_INOUT { interest |= cgw_EPOLLIN }
    if what == CURL_POLL_OUT || what == CURL_POLL_INOUT { interest |= cgw_EPOLLOUT }
    let op = registered.contains(fd) ? cgw_EPOLL_CTL_MOD : cgw_EPOLL_CTL_ADD
    if cgw_epoll_ctl(epollFD, op, fd, interest, UInt64(UInt32(bitPattern: fd))) != 0 {
      // A socket number reused after curl closed it without telling us: re-add.
      _ = cgw_epoll_ctl(epollFD, cgw_EPOLL_CTL_DEL, fd, 0, 0)
      guard cgw_epoll_ctl(epollFD, cgw_EPOLL_CTL_ADD, fd, interest, UInt64(UInt32(bitPattern: fd))) == 0 else {
        return -1
      }
    }
    registered.insert(fd)
    return 0
  }

  fileprivate func timerCallback(milliseconds: Int) {
    timerDeadline = milliseconds < 0 ? nil : nowNanoseconds() + UInt64(milliseconds) * 1_000_000
  }
}

private func loadClientSocketCallback(
  easy: UnsafeMutableRawPointer?, fd: curl_socket_t, what: Int32,
  userp: UnsafeMutableRawPointer?, socketp: UnsafeMutableRawPointer?
) -> Int32 {
  guard let userp else { return -1 }
  return Unmanaged<LoadClient>.fromOpaque(userp).takeUnretainedValue().socketCallback(fd: fd, what: what)
}

private func loadClientTimerCallback(
  multi: UnsafeMutableRawPointer?, timeout: Int, userp: UnsafeMutableRawPointer?
) -> Int32 {
  guard let userp else { return -1 }
  Unmanaged<LoadClient>.fromOpaque(userp).takeUnretainedValue().timerCallback(milliseconds: timeout)
  return 0
}

private func loadClientWrite(
  buffer: UnsafeMutablePointer<CChar>?, size: Int, count: Int, userdata: UnsafeMutableRawPointer?
) -> Int {
  let total = size * count
  guard let buffer, let userdata else { return total }
  let slot = Unmanaged<LoadClient.Slot>.fromOpaque(userdata).takeUnretainedValue()
  slot.body.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: total))
  return total
}

/// Header lines, HTTP/2 trailers included (curl hands them to the header callback too).
private func loadClientHeader(
  buffer: UnsafeMutablePointer<CChar>?, size: Int, count: Int, userdata: UnsafeMutableRawPointer?
) -> Int {
  let total = size * count
  guard let buffer, let userdata, total > 12 else { return total }
  let bytes = UnsafeRawBufferPointer(start: buffer, count: total)
  // "grpc-status:" case-insensitively, then the value up to CR/LF.
  let name = Array("grpc-status:".utf8)
  for index in 0..<name.count where bytes[index] | 0x20 != name[index] | 0x20 { return total }
  var value = bytes[name.count...].prefix(while: { $0 != 0x0D && $0 != 0x0A })
  while value.first == 0x20 { value = value.dropFirst() }
  let slot = Unmanaged<LoadClient.Slot>.fromOpaque(userdata).takeUnretainedValue()
  slot.grpcStatusHeader = String(decoding: value, as: UTF8.self)
  return total
}
