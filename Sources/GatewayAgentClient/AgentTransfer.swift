import CCurl
import CGatewayShims
import GatewayCore
import GatewayEventLoop
import Glibc

/// One call to the agent: a curl easy handle and the state of its request and response bodies.
///
/// Request bytes are queued by `appendRequestBody` and pulled by curl's read callback, which
/// pauses the upload when the queue is empty. Response bytes go straight from curl's buffer to
/// the delegate; a delegate that cannot take them pauses the download (backpressure).
public final class AgentTransfer {
  let easy: UnsafeMutableRawPointer
  private unowned let client: AgentClient
  private var delegate: (any AgentTransferDelegate)?
  private var headerList: UnsafeMutablePointer<curl_slist>?
  private let errorBuffer: UnsafeMutablePointer<CChar>
  /// A handle fresh from `curl_easy_init` (pooled handles keep their receive buffer).
  private let isNewHandle: Bool
  /// The request body's length was not known up front (it ends with a separate empty frame).
  private let bodyOfUnknownLength: Bool

  private var requestBody: [UInt8] = []
  private var requestOffset = 0
  /// Request bytes handed to curl so far. Once this is not zero the call cannot be replayed: the
  /// seek callback refuses a rewind, and a connection refused for it ends the call.
  private(set) var requestBytesTaken = 0
  private var requestEnded = false
  private var sendPaused = false
  private var receivePaused = false

  private var responseStatus = 0
  private var responseHeaders = Metadata()
  private var headDelivered = false
  private var trailers = Metadata()
  /// False for a cleartext transfer sent to join the open connection: if curl wants a new
  /// connection for it after all (the old one died or was pruned), opening is refused, since
  /// without prior knowledge it would speak HTTP/1.1, and the transfer is dispatched again.
  var mayOpenConnection = true
  /// The call's deadline in milliseconds from `createdAt` (0: none).
  private(set) var deadlineMilliseconds = 0
  /// When the call was made; its deadline runs from here, time spent waiting to be handed to
  /// curl (`AgentClient.dispatch`) included.
  let createdAt = MonotonicClock.now()
  /// Set when opening a connection was refused for it; nothing was sent.
  var refusedToOpen = false
  /// Set once the handle went back to the pool; nothing may touch `easy` afterwards.
  private(set) var released = false
  /// Set once the handle was given to curl (by `AgentClient.dispatch`).
  var addedToCurl = false

  /// Request bytes queued but not yet taken by curl; the server stops reading its caller when
  /// this grows past its limit.
  public var pendingRequestBytes: Int { requestBody.count - requestOffset }

  init(
    client: AgentClient, url: String, headers: [String], bodyLength: Int?,
    timeoutMilliseconds: Int, delegate: any AgentTransferDelegate
  ) throws(CurlError) {
    guard let (easy, isNew) = client.takeEasyHandle() else {
      throw CurlError(message: "curl_easy_init failed")
    }
    self.easy = easy
    self.isNewHandle = isNew
    bodyOfUnknownLength = bodyLength == nil
    self.client = client
    self.delegate = delegate
    errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
    errorBuffer.initialize(to: 0)
    do {
      try configure(
        url: url, headers: headers, bodyLength: bodyLength, timeout: timeoutMilliseconds)
    } catch {
      release(reusable: false)
      throw error
    }
  }

  private func configure(
    url: String, headers: [String], bodyLength: Int?, timeout: Int
  ) throws(CurlError) {
    let configuration = client.configuration
    let me = Unmanaged.passUnretained(self).toOpaque()
    let clientPointer = Unmanaged.passUnretained(client).toOpaque()
    try check(cgw_curl_easy_setopt_string(easy, CURLOPT_URL, url))
    switch configuration.address.transport {
    case .unixSocket(let path):
      try check(cgw_curl_easy_setopt_string(easy, CURLOPT_UNIX_SOCKET_PATH, path))
    case .cleartext:
      break
    case .tls:
      try setLong(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS)
      if let caFile = configuration.caFile {
        try check(cgw_curl_easy_setopt_string(easy, CURLOPT_CAINFO, caFile))
      }
    }
    if isNewHandle {
      // A large receive buffer: libcurl 7.88 drops a closed stream's trailers while another
      // stream has paused nghttp2 for lack of buffer space ("closed overrides paused" in
      // cf_h2_recv), so the fewer such pauses the better. Only settable before first use.
      try setLong(CURLOPT_BUFFERSIZE, 512 * 1024)
    }
    try setLong(CURLOPT_PIPEWAIT, 1)
    try setLong(CURLOPT_FRESH_CONNECT, 0)  // set again by `setCleartextHTTP2`
    try setLong(CURLOPT_NOSIGNAL, 1)
    try setLong(CURLOPT_TCP_NODELAY, 1)
    try setLong(CURLOPT_POST, 1)
    try check(cgw_curl_easy_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, bodyLength ?? -1))
    try setLong(CURLOPT_CONNECTTIMEOUT_MS, configuration.connectTimeoutMilliseconds)
    try setLong(CURLOPT_TIMEOUT_MS, max(0, timeout))  // 0: none (handles are reused)
    deadlineMilliseconds = max(0, timeout)
    try check(cgw_curl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer))
    try check(cgw_curl_easy_setopt_string(easy, CURLOPT_USERAGENT, GatewayVersion.userAgent))

    // curl's own headers that gRPC does not want: Accept, Expect, and a Content-Length (an
    // HTTP/2 peer has END_STREAM; gRPC servers would show it to the method as metadata).
    var list: UnsafeMutablePointer<curl_slist>? = nil
    for line in headers + ["Accept:", "Expect:", "Content-Length:"] {
      guard let appended = curl_slist_append(list, line) else {
        curl_slist_free_all(list)
        throw CurlError(message: "out of memory building request headers")
      }
      list = appended
    }
    headerList = list
    try check(cgw_curl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, list))

    try check(cgw_curl_easy_setopt_write_function(easy, agentTransferWrite))
    try check(cgw_curl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, me))
    try check(cgw_curl_easy_setopt_header_function(easy, agentTransferHeader))
    try check(cgw_curl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, me))
    try check(cgw_curl_easy_setopt_read_function(easy, agentTransferRead))
    try check(cgw_curl_easy_setopt_pointer(easy, CURLOPT_READDATA, me))
    // curl rewinds the body before it sends the request again (its retry on a connection it
    // takes for dead). Allowed only while nothing was sent: the agent may have run the call.
    try check(cgw_curl_easy_setopt_seek_function(easy, agentTransferSeek))
    try check(cgw_curl_easy_setopt_pointer(easy, CURLOPT_SEEKDATA, me))
    try check(cgw_curl_easy_setopt_opensocket_function(easy, agentClientOpenSocket))
    try check(cgw_curl_easy_setopt_pointer(easy, CURLOPT_OPENSOCKETDATA, me))
    // Idle connections are kept (curl's default prunes them after 118 s); a dead one is
    // noticed when reused, and then `agentClientOpenSocket` makes the retry open it properly.
    try setLong(CURLOPT_MAXAGE_CONN, 86_400)
    try check(cgw_curl_easy_setopt_closesocket_function(easy, agentClientCloseSocket))
    try check(cgw_curl_easy_setopt_pointer(easy, CURLOPT_CLOSESOCKETDATA, clientPointer))
  }

  /// Chooses how a cleartext transfer speaks HTTP/2: with prior knowledge when it opens the
  /// connection, plain HTTP/2 when it joins an open one (see `AgentClient.dispatch`).
  ///
  /// A transfer that opens the connection always gets a new one (`CURLOPT_FRESH_CONNECT`): with
  /// prior knowledge it must never reuse one (curl PR #10643 stacks a second HTTP/2 layer on it,
  /// and every later call fails "Error in the HTTP2 framing layer"). A fresh connection also
  /// replaces one that failed: curl closes the old one once no transfer uses it, as only one
  /// connection to the agent is allowed.
  func setCleartextHTTP2(opensConnection: Bool) throws(CurlError) {
    mayOpenConnection = opensConnection
    try setLong(
      CURLOPT_HTTP_VERSION,
      opensConnection ? CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE : CURL_HTTP_VERSION_2_0)
    try setLong(CURLOPT_FRESH_CONNECT, opensConnection ? 1 : 0)
  }

  /// curl opened a socket for this transfer's connection.
  func openedSocket() {
    client.curlOpenedSocket()
  }

  private func setLong(_ option: CURLoption, _ value: Int) throws(CurlError) {
    try check(cgw_curl_easy_setopt_long(easy, option, value))
  }

  /// Gives the handle back, after curl let go of it; only the first call counts.
  ///
  /// - Parameter reusable: true when the handle may serve another call: its transfer completed
  ///   normally, or curl never had it. libcurl 7.88 keeps state of an ended transfer in the
  ///   handle that neither `curl_multi_remove_handle` nor `curl_easy_reset` clears (after its
  ///   retry on a connection it took for dead, `state.rewindbeforesend` makes the handle's next
  ///   transfer fail "necessary data rewind wasn't possible"), so any other handle is freed.
  func release(reusable: Bool) {
    guard !released else { return }
    released = true
    delegate = nil
    if reusable {
      client.returnEasyHandle(easy)
    } else {
      curl_easy_cleanup(easy)
    }
    curl_slist_free_all(headerList)
    headerList = nil
    errorBuffer.deallocate()
  }

  // MARK: Driving the transfer (loop thread, outside curl callbacks)

  /// Queues request body bytes for the agent.
  public func appendRequestBody(_ bytes: UnsafeRawBufferPointer) {
    if requestOffset > 0 && requestOffset == requestBody.count {
      requestBody.removeAll(keepingCapacity: true)
      requestOffset = 0
    }
    requestBody.append(contentsOf: bytes)
    if sendPaused {
      sendPaused = false
      updatePause()
    }
  }

  /// Marks the end of the request body.
  public func finishRequestBody() {
    requestEnded = true
    if sendPaused {
      sendPaused = false
      updatePause()
    }
  }

  /// Lets curl deliver response bytes again after the delegate answered `.pause`.
  public func resumeReceiving() {
    guard receivePaused else { return }
    receivePaused = false
    updatePause()
  }

  /// Abandons the transfer (the caller went away). The delegate hears nothing more.
  public func cancel() {
    delegate = nil
    if client.dropWaiting(self) { return }
    if client.insideCurl {
      // curl may still finish it in this pass (then `complete` releases it first).
      client.loop.schedule(after: 0) { [self] in
        if !released { client.remove(self) }
      }
    } else {
      client.remove(self)
    }
  }

  private func updatePause() {
    if client.insideCurl {
      client.loop.schedule(after: 0) { [weak self] in self?.applyPause() }
    } else {
      applyPause()
    }
  }

  private func applyPause() {
    guard delegate != nil, !released else { return }
    var mask: Int32 = 0
    if receivePaused { mask |= cgw_CURLPAUSE_RECV }
    if sendPaused { mask |= cgw_CURLPAUSE_SEND }
    client.withCurl { _ = curl_easy_pause(easy, mask) }
  }

  // MARK: curl callbacks

  fileprivate func headerLine(_ line: UnsafeRawBufferPointer) {
    var end = line.count
    while end > 0, line[end - 1] == UInt8(ascii: "\n") || line[end - 1] == UInt8(ascii: "\r") {
      end -= 1
    }
    if end == 0 {
      // The blank line ends the head (trailers have none in curl's HTTP/2 delivery).
      if !headDelivered && responseStatus != 0 {
        headDelivered = true
        client.connectionAnswered(self)
        delegate?.transferReceivedHead(status: responseStatus, headers: responseHeaders)
      }
      return
    }
    let text = String(decoding: UnsafeRawBufferPointer(rebasing: line[0..<end]), as: UTF8.self)
    if text.hasPrefix("HTTP/") {
      // A new status line: "HTTP/2 200".
      let parts = text.split(separator: " ", maxSplits: 2)
      responseStatus = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
      responseHeaders = Metadata()
      return
    }
    guard let colon = text.firstIndex(of: ":") else { return }
    let name = String(text[..<colon])
    let value = text[text.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
    if headDelivered {
      trailers.append(name, String(value))
    } else {
      responseHeaders.append(name, String(value))
    }
  }

  fileprivate func bodyBytes(_ bytes: UnsafeRawBufferPointer) -> Int {
    guard let delegate else { return bytes.count }
    if !headDelivered {
      headDelivered = true
      delegate.transferReceivedHead(status: responseStatus, headers: responseHeaders)
    }
    switch delegate.transferReceivedBody(bytes) {
    case .accepted:
      return bytes.count
    case .pause:
      receivePaused = true
      return Int(CURL_WRITEFUNC_PAUSE)
    }
  }

  fileprivate func readRequest(into buffer: UnsafeMutableRawBufferPointer) -> Int {
    let available = requestBody.count - requestOffset
    if available == 0 {
      if requestEnded { return 0 }
      sendPaused = true
      return Int(CURL_READFUNC_PAUSE)
    }
    let count = min(available, buffer.count)
    requestBody.withUnsafeBytes { source in
      buffer.copyMemory(
        from: UnsafeRawBufferPointer(rebasing: source[requestOffset..<(requestOffset + count)]))
    }
    requestOffset += count
    requestBytesTaken += count
    return count
  }

  /// curl wants to send the body again from the start: possible while none of it was taken.
  fileprivate func seek(offset: Int64, origin: Int32) -> Int32 {
    offset == 0 && origin == SEEK_SET && requestBytesTaken == 0
      ? cgw_CURL_SEEKFUNC_OK : cgw_CURL_SEEKFUNC_CANTSEEK
  }

  /// curl finished the transfer (or it never started: `CURLE_COULDNT_CONNECT` for a transfer
  /// that could not be added); tell the delegate how.
  ///
  /// - Parameter connectionClosed: curl closed a connection in the pass that ended the transfer.
  func complete(result: CURLcode, connectionClosed: Bool = false) {
    client.transferEnded(self)
    guard let delegate else {
      release(reusable: result == CURLE_OK)
      return
    }
    if !headDelivered && responseStatus != 0 {
      headDelivered = true
      delegate.transferReceivedHead(status: responseStatus, headers: responseHeaders)
    }
    if !trailers.isEmpty { delegate.transferReceivedTrailers(trailers) }
    let failure: TransportFailure?
    if metadataRefused(result: result, connectionClosed: connectionClosed) {
      failure = TransportFailure(
        kind: .metadataTooLarge,
        message: "libcurl refused the agent's metadata and closed the connection")
    } else {
      failure = result == CURLE_OK ? nil : transportFailure(result)
    }
    release(reusable: result == CURLE_OK && failure == nil)
    delegate.transferFinished(failure: failure)
  }

  /// Whether libcurl 7.88 refused a header block from the agent as over its HTTP/2 limits.
  ///
  /// A block over 128 KiB (curl's `DYN_H2_HEADERS`/`DYN_H2_TRAILERS`) fails curl's header
  /// callback: nghttp2 returns -902 and curl reports that text. An entry over 64 KiB (nghttp2's
  /// `NGHTTP2_HD_MAX_NV`) makes nghttp2 end the whole connection (COMPRESSION_ERROR), and curl
  /// 7.88 ends its streams as if they were complete: "Empty reply from server" before a head,
  /// `CURLE_OK` without trailers after one, with the connection closed in the same pass. A
  /// gRPC answer always ends with a status, so that last pattern is not a normal end.
  private func metadataRefused(result: CURLcode, connectionClosed: Bool) -> Bool {
    switch result {
    case CURLE_OK:
      return connectionClosed && responseStatus != 0 && trailers.isEmpty
        && responseHeaders[first: "grpc-status"] == nil
    case CURLE_GOT_NOTHING:
      return connectionClosed && responseStatus == 0
    default:
      return errorBuffer.pointee != 0
        && String(cString: errorBuffer).contains("nghttp2_session_mem_recv() returned -902")
    }
  }

  private func transportFailure(_ result: CURLcode) -> TransportFailure {
    let detail = errorBuffer.pointee != 0 ? String(cString: errorBuffer) : ""
    var message = detail.isEmpty ? String(cString: curl_easy_strerror(result)) : detail
    if result == CURLE_COULDNT_CONNECT && !refusedToOpen {
      message = connectFailureMessage()
    }
    if result == CURLE_SEND_FAIL_REWIND || (result == CURLE_COULDNT_CONNECT && refusedToOpen) {
      // curl took the connection for dead after the request had gone out (with libcurl 7.88
      // also when the agent answered before the end of a request of unknown length and curl
      // dropped that answer) and would send it again; a call the agent may have run is not.
      // When we refused the new connection, curl's text ("Failed to connect to localhost port
      // 80") is about that refusal, not the agent.
      if refusedToOpen { message = "curl wanted a new connection to send it again" }
      message =
        "the agent connection failed after the request was sent; not sent again, as "
        + "the agent may have run the call (\(message))"
    }
    let streamClosed = result == CURLE_HTTP2_STREAM && detail.isEmpty  // "stream N closed"
    if responseStatus == 0 && bodyOfUnknownLength && (streamClosed || result == CURLE_GOT_NOTHING) {
      // The stream ended cleanly without a response head: the agent answered before the end
      // of the request body and reset the stream, and libcurl 7.88 dropped the answer that
      // came with the reset (http2.c, cf_h2_recv: "stream->reset" discards what is buffered).
      message =
        "the agent ended the call before its request body was complete, and libcurl "
        + "7.88 lost the answer (\(message))"
    }
    var kind: TransportFailure.Kind
    switch result {
    case CURLE_OPERATION_TIMEDOUT:
      kind = .deadlineExceeded
      if let timeout = timeoutMessage() { (kind, message) = timeout }
    case CURLE_ABORTED_BY_CALLBACK, CURLE_WRITE_ERROR: kind = .cancelled
    case CURLE_FILESIZE_EXCEEDED, CURLE_BAD_CONTENT_ENCODING, CURLE_WEIRD_SERVER_REPLY:
      kind = .protocolViolation
    default: kind = .unavailable
    }
    return TransportFailure(kind: kind, message: message)
  }
}

@available(*, unavailable)
extension AgentTransfer: Sendable {}

extension AgentTransfer {
  /// "cannot connect to unix:/run/agent.sock: No such file or directory": curl's
  /// own text names `localhost port 80` for a Unix socket, which points the reader nowhere.
  fileprivate func connectFailureMessage() -> String {
    var osErrno = 0
    _ = cgw_curl_easy_getinfo_long(easy, CURLINFO_OS_ERRNO, &osErrno)
    let reason = osErrno != 0 ? String(cString: strerror(Int32(osErrno))) : "connection failed"
    return "cannot connect to \(client.configuration.address): \(reason)"
  }
}

extension AgentTransfer {
  /// Milliseconds since the call was made.
  var elapsedMilliseconds: Int { Int((MonotonicClock.now() &- createdAt) / 1_000_000) }

  /// Before a transfer that waited goes to curl: curl's timeout becomes what is left of the
  /// deadline. False when nothing is left.
  func shortenTimeoutToWhatIsLeft() -> Bool {
    guard deadlineMilliseconds > 0 else { return true }
    let left = deadlineMilliseconds - elapsedMilliseconds
    guard left > 0 else { return false }
    return cgw_curl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, left) == CURLE_OK
  }

  /// curl says "Operation timed out after 100 milliseconds with 0 bytes received" both for
  /// the call's deadline and for the connect timeout: say which, in the gateway's terms.
  fileprivate func timeoutMessage() -> (TransportFailure.Kind, String)? {
    let elapsed = elapsedMilliseconds
    let deadline = deadlineMilliseconds
    if deadline > 0 && (elapsed >= deadline || responseStatus != 0) {
      let phase = responseStatus == 0 ? "before the agent answered" : "while the agent was answering"
      return (.deadlineExceeded, "the call's deadline (\(deadline) ms) passed \(phase)")
    }
    let connectTimeout = client.configuration.connectTimeoutMilliseconds
    guard responseStatus == 0, elapsed >= connectTimeout else { return nil }
    return (
      .unavailable,
      "cannot connect to \(client.configuration.address): no connection within \(connectTimeout) ms"
    )
  }
}

private func check(_ code: CURLcode) throws(CurlError) {
  guard code == CURLE_OK else { throw CurlError(code: code) }
}

private func transfer(_ userdata: UnsafeMutableRawPointer?) -> AgentTransfer? {
  userdata.map { Unmanaged<AgentTransfer>.fromOpaque($0).takeUnretainedValue() }
}

private func agentTransferWrite(
  buffer: UnsafeMutablePointer<CChar>?, size: Int, count: Int, userdata: UnsafeMutableRawPointer?
) -> Int {
  guard let transfer = transfer(userdata) else { return 0 }
  return transfer.bodyBytes(UnsafeRawBufferPointer(start: buffer, count: size * count))
}

private func agentTransferHeader(
  buffer: UnsafeMutablePointer<CChar>?, size: Int, count: Int, userdata: UnsafeMutableRawPointer?
) -> Int {
  transfer(userdata)?.headerLine(UnsafeRawBufferPointer(start: buffer, count: size * count))
  return size * count
}

private func agentTransferSeek(
  userdata: UnsafeMutableRawPointer?, offset: curl_off_t, origin: Int32
) -> Int32 {
  transfer(userdata)?.seek(offset: Int64(offset), origin: origin) ?? cgw_CURL_SEEKFUNC_CANTSEEK
}

private func agentTransferRead(
  buffer: UnsafeMutablePointer<CChar>?, size: Int, count: Int, userdata: UnsafeMutableRawPointer?
) -> Int {
  guard let transfer = transfer(userdata) else { return Int(CURL_READFUNC_ABORT) }
  return transfer.readRequest(
    into: UnsafeMutableRawBufferPointer(start: buffer, count: size * count))
}
