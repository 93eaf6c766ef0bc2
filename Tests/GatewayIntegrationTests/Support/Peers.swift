import Foundation

/// The Python reference agent (a real grpcio server) on a private Unix socket.
final class ReferenceAgent {
  let directory: TemporaryDirectory
  let socketPath: String
  let child: ChildProcess
  var address: String { "unix:" + socketPath }

  init(directory: TemporaryDirectory, arguments: [String] = [], name: String = "agent") throws {
    self.directory = directory
    socketPath = directory.file("agent.sock")
    child = try ChildProcess(
      TestPaths.python,
      [TestPaths.agentScript, "--listen", "unix:" + socketPath, "--password", "secret-password"]
        + arguments,
      directory: directory, name: name)
    try child.wait(for: "the agent's READY line") { child.stdout.contains("READY") }
  }
}

/// The hostile test agent (`Tests/Adversarial/hostile_agent.py`): broken reflection answers
/// (`--refl MODE`) and odd per-call answers, on a private Unix socket.
final class HostileAgent {
  let socketPath: String
  let child: ChildProcess
  var address: String { "unix:" + socketPath }

  init(directory: TemporaryDirectory, reflection: String = "ok") throws {
    socketPath = directory.file("hostile.sock")
    let script = TestPaths.repository.appendingPathComponent("Tests/Adversarial/hostile_agent.py")
    child = try ChildProcess(
      TestPaths.python, [script.path, "--listen", "unix:" + socketPath, "--refl", reflection],
      directory: directory, name: "hostile-agent")
    try child.wait(for: "the hostile agent's READY line") { child.stdout.contains("READY") }
  }
}

/// An agent that accepts connections and never answers (a hung process): what deadlines are for.
final class SilentAgent {
  let socketPath: String
  let child: ChildProcess
  var address: String { "unix:" + socketPath }

  static let script = """
    import socket, sys, time
    s = socket.socket(socket.AF_UNIX)
    s.bind(sys.argv[1]); s.listen(64)
    print("READY", flush=True)
    held = []
    while True:
        held.append(s.accept()[0])
    """

  init(directory: TemporaryDirectory) throws {
    socketPath = directory.file("silent.sock")
    child = try ChildProcess(
      TestPaths.python, ["-c", Self.script, socketPath], directory: directory, name: "silent-agent")
    try child.wait(for: "the silent agent's READY line") { child.stdout.contains("READY") }
  }
}

/// The built gateway binary on a private Unix socket.
final class Gateway {
  let directory: TemporaryDirectory
  let socketPath: String
  let tokenFile: String
  let child: ChildProcess

  init(agent: String, directory: TemporaryDirectory, arguments: [String] = [],
       tokenFile: String? = nil, socketPath: String? = nil,
       environment: [String: String]? = nil) throws {
    self.directory = directory
    let socketPath = socketPath ?? directory.file("gateway.sock")
    self.socketPath = socketPath
    self.tokenFile = tokenFile ?? directory.file("node/token")
    child = try ChildProcess(
      TestPaths.gatewayBinary,
      ["--agent", agent, "--listen", socketPath, "--token-file", self.tokenFile,
       "--log-level", "debug"] + arguments,
      directory: directory,
      name: URL(fileURLWithPath: socketPath).deletingPathExtension().lastPathComponent,
      environment: environment.map { ProcessInfo.processInfo.environment.merging($0) { $1 } })
    // Listening, not just bound: `bind` creates the file before `listen`, and a connect in
    // between is refused (seen under CPU load).
    try child.wait(for: "the gateway's socket") { Self.isListening(socketPath) }
  }

  /// Whether a Unix socket at `path` is listening (`__SO_ACCEPTCON` in `/proc/net/unix`).
  static func isListening(_ path: String) -> Bool {
    guard let table = readWhole("/proc/net/unix") else {
      return FileManager.default.fileExists(atPath: path)
    }
    return table.split(separator: "\n").contains { line in
      let fields = line.split(separator: " ", omittingEmptySubsequences: true)
      guard fields.count >= 8, fields[7] == path, let flags = Int(fields[3], radix: 16) else {
        return false
      }
      return flags & 0x10000 != 0
    }
  }

  /// A procfs file read to its end: Foundation's `String(contentsOfFile:)` trusts the size of 0
  /// that procfs reports and returns only the first page (about 40 sockets of the table), so on
  /// a busy machine the gateway's socket was often not in what it read.
  static func readWhole(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      guard count > 0 else { return count == 0 ? String(decoding: bytes, as: UTF8.self) : nil }
      bytes += chunk[..<count]
    }
  }

  /// The token now in the token file, trimmed.
  var storedToken: String? {
    guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else { return nil }
    let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
    return token.isEmpty ? nil : token
  }

  /// Waits (up to 5 s) for the token file to hold a token other than `old`; the gateway writes
  /// tokens in the background, within milliseconds of the response.
  func waitForToken(differentFrom old: String?) throws -> String {
    for _ in 0..<500 {
      if let token = storedToken, token != old { return token }
      usleep(10_000)
    }
    throw TestFailure("the token file did not change")
  }

  /// Everything the gateway logged so far.
  var log: String { child.stderr }
}

/// A curl run's outcome: the final response's status, headers and body.
struct CurlResult {
  let exitCode: Int32
  let status: Int
  let headers: [(String, String)]
  let body: [UInt8]
  let stderr: String

  func header(_ name: String) -> String? {
    headers.first { $0.0.lowercased() == name.lowercased() }?.1
  }

  var text: String { String(decoding: body, as: UTF8.self) }
}

/// Runs the real curl binary against the gateway's Unix socket.
enum Curl {
  /// Runs curl with `-i`, reading everything from its stdout (so it works as another user too).
  static func run(
    socket: String, path: String, method: String = "POST", headers: [String] = [],
    body: [UInt8]? = nil, extra: [String] = [], user: String? = nil
  ) throws -> CurlResult {
    var arguments = ["-sS", "-i", "--max-time", "30", "--unix-socket", socket, "-X", method]
    for header in headers { arguments += ["-H", header] }
    if body != nil { arguments += ["--data-binary", "@-"] }
    arguments += extra
    arguments.append("http://localhost" + path)
    let (code, output, errors) = try runProcess(
      user.map { _ in "/usr/bin/setpriv" } ?? "/usr/bin/curl",
      user.map { ["--reuid=\($0)", "--regid=\($0)", "--clear-groups", "/usr/bin/curl"] + arguments }
        ?? arguments,
      input: body ?? [])
    return parse(code: code, output: output, stderr: errors)
  }

  /// Splits `-i` output into the final head and the body (skipping 1xx heads).
  static func parse(code: Int32, output: [UInt8], stderr: String) -> CurlResult {
    var rest = output[...]
    var status = 0
    var headers: [(String, String)] = []
    while let end = rest.firstRange(of: [13, 10, 13, 10]) {
      let headText = String(decoding: rest[..<end.lowerBound], as: UTF8.self)
      rest = rest[end.upperBound...]
      let lines = headText.components(separatedBy: "\r\n")
      let statusParts = lines.first?.split(separator: " ") ?? []
      status = statusParts.count > 1 ? Int(statusParts[1]) ?? 0 : 0
      headers = lines.dropFirst().compactMap { line in
        guard let colon = line.firstIndex(of: ":") else { return nil }
        return (String(line[..<colon]),
                line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
      }
      if status >= 200 { break }
    }
    return CurlResult(exitCode: code, status: status, headers: headers, body: Array(rest), stderr: stderr)
  }
}

/// Runs a program to completion, feeding `input` and collecting stdout and stderr.
func runProcess(
  _ executable: String, _ arguments: [String], input: [UInt8] = []
) throws -> (Int32, [UInt8], String) {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  // Close-on-exec pipes: tests run in parallel, and a pipe end inherited by a process another
  // test starts would keep this one from ever seeing end of file.
  let stdin = try ClosingPipe()
  let stdout = try ClosingPipe()
  let stderr = try ClosingPipe()
  process.standardInput = stdin.reading
  process.standardOutput = stdout.writing
  process.standardError = stderr.writing
  try process.run()
  try stdin.reading.close()
  try stdout.writing.close()
  try stderr.writing.close()
  let writer = Thread {
    stdin.writing.write(Data(input))
    try? stdin.writing.close()
  }
  writer.start()
  let errorData = LockedData()
  let errorReader = Thread { errorData.set(stderr.reading.readDataToEndOfFile()) }
  errorReader.start()
  let output = stdout.reading.readDataToEndOfFile()
  process.waitUntilExit()
  while errorData.get() == nil { usleep(1000) }
  return (process.terminationStatus, [UInt8](output), String(decoding: errorData.get()!, as: UTF8.self))
}

/// A Data slot shared between a reader thread and the test.
final class LockedData: @unchecked Sendable {
  // Guarded by `lock`.
  private let lock = NSLock()
  private var data: Data?
  func set(_ value: Data) { lock.lock(); data = value; lock.unlock() }
  func get() -> Data? { lock.lock(); defer { lock.unlock() }; return data }
}

/// A pipe whose ends are close-on-exec (the child gets its end through dup2, which clears it).
struct ClosingPipe {
  let reading: FileHandle
  let writing: FileHandle

  init() throws {
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { throw TestFailure("pipe failed") }
    _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
    _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
    reading = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true)
    writing = FileHandle(fileDescriptor: fds[1], closeOnDealloc: true)
  }
}
