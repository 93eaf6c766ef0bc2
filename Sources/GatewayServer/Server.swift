import GatewayAgentClient
public import GatewayCore
import GatewayErrors
public import GatewayEventLoop
import GatewayHTTP1
import GatewaySession
import GatewayTranscoding
import Glibc

/// The gateway: accepts callers on the Unix socket (checking their uid), owns the connections,
/// the session and the agent client, all on one event loop.
public final class Server {
  let loop: EventLoop
  let configuration: Configuration
  let logger: Logger
  let agent: AgentClient
  let session: Session
  /// The schemas JSON calls are transcoded with.
  let schemas: SchemaRegistry
  let httpLimits: HTTPParserLimits
  var metrics = Metrics()
  /// The password for self-recovery (`--password-file`, `PK_PASSWORD`); nil: none.
  let password: String?
  private(set) var router: Router! = nil
  private let listener: UnixListener
  private var listenerRegistration: RegistrationID?
  private var connections: [UInt64: Connection] = [:]
  private var dirty: [Connection] = []
  private var nextConnectionID: UInt64 = 1
  private let ownUID = getuid()
  private var readBuffer = [UInt8](repeating: 0, count: 64 * 1024)

  public init(configuration: Configuration, logger: Logger, loop: EventLoop) throws(ServerError) {
    self.configuration = configuration
    self.logger = logger
    self.loop = loop
    guard let address = configuration.agent else { throw ServerError("no agent address") }
    if let caFile = configuration.agentCAFile, let problem = Self.unreadableFileProblem(caFile) {
      // Found now, not as a TLS failure on every call.
      throw ServerError("cannot read the agent CA file \(caFile): \(problem)", exitCode: 78)
    }
    var clientConfiguration = AgentClientConfiguration(
      address: address, caFile: configuration.agentCAFile)
    clientConfiguration.connectTimeoutMilliseconds = configuration.connectTimeoutMilliseconds
    do {
      agent = try AgentClient(loop: loop, configuration: clientConfiguration)
    } catch {
      throw ServerError("cannot start the agent client: \(error)")
    }
    session = Session(store: TokenStore(path: configuration.tokenFile))
    do throws(PasswordFileError) {
      password = try configuration.passwordFile.map(PasswordFile.read) ?? configuration.password
    } catch {
      throw ServerError(error.description, exitCode: 78)
    }
    // A password that cannot be sent is a configuration error, found now rather than by the
    // first self-recovery (EX_CONFIG, as a broken descriptor set).
    if let password, let problem = UnlockPassword.problem(password) {
      let source = configuration.passwordFile.map { "the password in \($0)" } ?? "PK_PASSWORD"
      throw ServerError("\(source) \(problem)", exitCode: 78)
    }
    let loopHandle = loop.handle
    session.writeInBackground { work in loopHandle.execute(work) }
    session.onError = { [logger] error in
      logger.warning(
        "token file problem", ["path": error.path, "operation": error.operation, "error": error.description])
    }
    var limits = HTTPParserLimits()
    limits.maxBodySize = configuration.maxBodyBytes
    httpLimits = limits
    // Before the listener: a set that stops the start leaves no socket file behind.
    schemas = try SchemaRegistry(descriptorSetPaths: configuration.descriptorSets)
    do {
      if let inherited = configuration.inheritedListenerFD {
        listener = try UnixListener(inheritedFD: inherited, path: configuration.listenPath)
      } else {
        try Self.preparePrivateDirectory(for: configuration.listenPath)
        listener = try UnixListener(path: configuration.listenPath, mode: configuration.socketMode)
      }
    } catch {
      throw ServerError("cannot listen on \(configuration.listenPath): \(error)")
    }
    router = Router(server: self)
  }

  /// Starts accepting and flushing; the caller runs the loop.
  public func start() throws(ServerError) {
    if let token = configuration.initialToken {
      do { try session.seed(token: token) } catch {
        listener.close()  // no socket file left behind by a start that failed
        throw ServerError("cannot write the token file: \(error)")
      }
    }
    if session.store.isExposed() {
      logger.warning(
        "token file is readable or writable by others; chmod 600 it",
        ["path": session.store.path])
    }
    _ = session.currentToken()
    do {
      listenerRegistration = try loop.register(fd: listener.fd, interest: .readable) {
        [unowned self] _ in self.acceptAll()
      }
    } catch {
      listener.close()
      throw ServerError("cannot watch the listening socket: \(error)")
    }
    loop.onTurnEnd = { [unowned self] in self.flushDirty() }
    schemas.start(server: self)
    scheduleIdleSweep()
    logger.info(
      "serving", ["socket": listener.path, "agent": configuration.agent?.description ?? "",
        "tokenFile": session.store.path])
  }

  /// Stops accepting, closes connections, removes the socket file.
  public func shutdown() {
    if let listenerRegistration { loop.deregister(listenerRegistration) }
    listenerRegistration = nil
    for connection in connections.values { connection.close() }
    listener.close()
    logger.info("stopped")
  }

  // MARK: Accepting

  private func acceptAll() {
    while connections.count < configuration.maxConnections {
      let fd: Int32
      do {
        guard case .processed(let accepted) = try listener.accept() else { return }
        fd = accepted
      } catch {
        switch error.errno {
        case ECONNABORTED, EPROTO, EPERM:
          continue  // that one caller is gone; the next may be fine
        default:
          // Out of descriptors or memory: stop accepting for a while instead of spinning.
          logger.warning("accept failed; pausing for 100 ms", ["error": "\(error)"])
          pauseAccepting()
          return
        }
      }
      guard admit(fd) else { continue }
      let connection = Connection(fd: fd, id: nextConnectionID, server: self)
      nextConnectionID += 1
      do {
        try connection.start()
        connections[connection.id] = connection
        metrics.connectionsAccepted += 1
      } catch {
        SocketIO.close(fd)
      }
    }
    // At the limit: stop accepting until a connection closes (the backlog holds the rest).
    if let listenerRegistration { try? loop.setInterest(listenerRegistration, []) }
  }

  private func pauseAccepting() {
    guard let listenerRegistration else { return }
    try? loop.setInterest(listenerRegistration, [])
    loop.schedule(after: 100_000_000) { [weak self] in
      guard let self, let registration = self.listenerRegistration,
        self.connections.count < self.configuration.maxConnections
      else { return }
      try? self.loop.setInterest(registration, .readable)
    }
  }

  /// Serves only our own uid and the configured ones; others get a 403 and are closed.
  private func admit(_ fd: Int32) -> Bool {
    guard let peer = try? PeerCredentials(socket: fd) else {
      SocketIO.close(fd)
      return false
    }
    if peer.uid == ownUID || configuration.allowedUIDs.contains(peer.uid) { return true }
    metrics.peersRefused += 1
    logger.warning("refused a connection from another user", ["uid": "\(peer.uid)", "pid": "\(peer.pid)"])
    let error = GatewayError.gateway(
      "PeerNotAllowed", .permissionDenied,
      "uid \(peer.uid) may not use this gateway: it serves its own uid (\(ownUID)) and --allow-uid ones")
    var bytes: [UInt8] = []
    var headers = HTTPHeaders()
    headers.add(name: "Content-Type", value: "application/json")
    headers.add(name: "X-Exit-Code", value: String(error.exitCode))
    let body = error.jsonBody
    HTTPResponseEncoder.encodeHead(
      HTTPResponseHead(status: 403, headers: headers, framing: .contentLength(body.count)),
      connection: .close, into: &bytes)
    bytes += body
    _ = bytes.withUnsafeBytes { try? SocketIO.write(fd, from: $0) }
    lingerAndClose(fd)
    return false
  }

  /// Closes a refused connection gently: no more writes, the caller's request read and thrown
  /// away, then closed on end of file or after 2 s. Closing at once would make a caller that
  /// is still sending fail with EPIPE before it reads the answer.
  private func lingerAndClose(_ fd: Int32) {
    _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    var registration: RegistrationID?
    var timer: TimerID?
    let finish = { [unowned self] in
      if let registration { self.loop.deregister(registration) }
      if let timer { self.loop.cancel(timer) }
      registration = nil
      timer = nil
      SocketIO.close(fd)
    }
    do {
      registration = try loop.register(fd: fd, interest: .readable) { [unowned self] _ in
        let result = try? self.withReadBuffer { buffer throws(SystemError) in
          try SocketIO.read(fd, into: buffer)
        }
        switch result {
        case .wouldBlock: break
        case .processed(let count) where count > 0: break
        default: finish()
        }
      }
      timer = loop.schedule(after: 2_000_000_000) { finish() }
    } catch {
      SocketIO.close(fd)
    }
  }

  func connectionClosed(_ connection: Connection) {
    guard connections.removeValue(forKey: connection.id) != nil else { return }
    if connections.count < configuration.maxConnections, let listenerRegistration {
      try? loop.setInterest(listenerRegistration, .readable)
    }
  }

  // MARK: Shared per-turn machinery

  func markDirty(_ connection: Connection) {
    dirty.append(connection)
  }

  private func flushDirty() {
    guard !dirty.isEmpty else { return }
    let batch = dirty
    dirty.removeAll(keepingCapacity: true)
    for connection in batch { connection.flush() }
  }

  /// The one read buffer, shared by all connections (reads happen one at a time on the loop).
  func withReadBuffer<T>(
    _ body: (UnsafeMutableRawBufferPointer) throws(SystemError) -> T
  ) throws(SystemError) -> T {
    var outcome: Result<T, SystemError>!
    readBuffer.withUnsafeMutableBytes { buffer in
      do throws(SystemError) { outcome = .success(try body(buffer)) } catch {
        outcome = .failure(error)
      }
    }
    return try outcome.get()
  }

  var activeConnections: Int { connections.count }

  /// Closes kept-alive connections idle for longer than the idle timeout, once a second (one
  /// timer for all connections instead of one re-armed per request).
  private func scheduleIdleSweep() {
    loop.schedule(after: 1_000_000_000) { [weak self] in
      guard let self else { return }
      let limit = UInt64(self.configuration.idleTimeoutSeconds) * 1_000_000_000
      let now = MonotonicClock.now()
      for connection in self.connections.values
      where connection.isIdle && now &- connection.idleSince > limit {
        connection.close()
      }
      self.scheduleIdleSweep()
    }
  }

  /// Makes the socket's directory if missing (0700), and refuses one others can write to.
  private static func preparePrivateDirectory(for socketPath: String) throws(SystemError) {
    guard let slash = socketPath.lastIndex(of: "/") else { return }
    let directory = String(socketPath[..<slash])
    guard !directory.isEmpty else { return }
    if mkdir(directory, 0o700) != 0 && errno != EEXIST {
      throw SystemError(errno: errno, call: "mkdir(\(directory))")
    }
    var info = stat()
    guard stat(directory, &info) == 0 else {
      throw SystemError(errno: errno, call: "stat(\(directory))")
    }
    // World-writable directories are fine only with the sticky bit (/tmp-like).
    if info.st_mode & 0o002 != 0 && info.st_mode & 0o1000 == 0 {
      throw SystemError(errno: EPERM, call: "\(directory) is writable by everyone")
    }
  }
}

@available(*, unavailable)
extension Server: Sendable {}

extension Server {
  /// Why `path` cannot be read as a file, or nil when it can.
  static func unreadableFileProblem(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return String(cString: strerror(errno)) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { return String(cString: strerror(errno)) }
    return (info.st_mode & S_IFMT) == S_IFREG ? nil : "not a regular file"
  }
}

/// The gateway could not start.
public struct ServerError: Error, CustomStringConvertible {
  public let description: String
  /// The process's exit status: `EX_UNAVAILABLE` (69) by default, `EX_CONFIG` (78) for a
  /// configuration the gateway cannot use, such as a broken descriptor set.
  public let exitCode: Int32
  init(_ description: String, exitCode: Int32 = 69) {
    self.description = description
    self.exitCode = exitCode
  }
}
