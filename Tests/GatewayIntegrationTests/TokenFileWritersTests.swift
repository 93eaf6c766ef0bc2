import Foundation
import Testing

/// Many writer processes on one token file: three gateways (each storing the token every call
/// rotates), three Polykey-style Python writers (open without truncating, `flock`, truncate,
/// write, unlock) and two Polykey-style readers, for three seconds. Every read is checked: the
/// readers' (a whole JWT of the agent's shape) and the gateways' (the agent reports whether the
/// token each call carried was valid: a torn token would not be). Then no update is lost: each
/// gateway's next call carries exactly the token the last writer left, whoever it was.
@Suite("Token file shared by many writer processes", .serialized)
struct TokenFileWritersTests {
  static let seconds = 3.0

  static let pythonWriter = """
    import fcntl, os, sys, time
    path, seconds, tokens = sys.argv[1], float(sys.argv[2]), open(sys.argv[3]).read().split()
    deadline = time.monotonic() + seconds
    count = 0
    while time.monotonic() < deadline:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                time.sleep(0.002)
        os.ftruncate(fd, 0)
        os.write(fd, (tokens[count % len(tokens)] + "\\n").encode())
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
        count += 1
        time.sleep(0.003)
    print(count)
    """

  static let pythonReader = """
    import base64, fcntl, json, os, sys, time
    path, seconds = sys.argv[1], float(sys.argv[2])
    deadline = time.monotonic() + seconds
    def b64(s):
        return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
    def whole(token):
        try:
            h, p, s = token.split(".")
            claims = json.loads(b64(p))
            return (json.loads(b64(h)) == {"alg": "HS256", "typ": "JWT"} and len(b64(s)) == 32
                    and set(claims) == {"iat", "exp", "jti"})
        except Exception:
            return False
    reads = empty = bad = 0
    sample = ""
    while time.monotonic() < deadline:
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            empty += 1
            continue
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                time.sleep(0.002)
        data = os.read(fd, 65536)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
        token = data.decode("utf-8", "replace").strip()
        reads += 1
        if not token:
            empty += 1
        elif not whole(token):
            bad += 1
            sample = sample or repr(token[:60])
    print(reads, empty, bad, sample)
    """

  /// An Echo through `socket` that does not require auth: the agent reports what it got.
  static func echo(_ socket: String) throws -> (outcome: String?, sha: String?) {
    let result = try Curl.run(
      socket: socket, path: "/polykey.v1.TestService/Echo",
      headers: ["Content-Type: application/grpc-web+proto"],
      body: GRPCWeb.frame(echoRequest(requireAuth: false)))
    let trailers = GRPCWeb.parse(result.body)?.trailers
    return (trailers?["x-echo-auth-outcome"], trailers?["x-echo-authorization-sha256"])
  }

  @Test(.timeLimit(.minutes(2)))
  func gatewaysAndPolykeyWritersShareOneFile() throws {
    let fixture = try Fixture()
    try fixture.unlock()
    let tokenFile = fixture.gateway.tokenFile
    var gateways = [fixture.gateway]
    for index in 1...2 {
      gateways.append(
        try Gateway(
          agent: fixture.agent.address, directory: fixture.directory, tokenFile: tokenFile,
          socketPath: fixture.directory.file("gateway\(index).sock")))
    }
    // Valid tokens for the Python writers, straight from the agent.
    var tokens: [String] = []
    for _ in 0..<20 {
      tokens.append(try SessionLifecycleTests.freshToken(fixture))
    }
    let tokensPath = fixture.directory.file("tokens.txt")
    try tokens.joined(separator: "\n").write(toFile: tokensPath, atomically: false, encoding: .utf8)

    let arguments = [tokenFile, String(Self.seconds)]
    let writers = try (0..<3).map { _ in
      try TokenStoreScript(Self.pythonWriter, arguments: arguments + [tokensPath])
    }
    let readers = try (0..<2).map { _ in try TokenStoreScript(Self.pythonReader, arguments: arguments) }

    // Callers: each gateway called in a loop; every call's token must have been valid.
    let results = LockedCounts()
    let deadline = Date().addingTimeInterval(Self.seconds)
    let threads = gateways.map { gateway in
      let socket = gateway.socketPath
      let thread = Thread {
        while Date() < deadline {
          let outcome = (try? Self.echo(socket))?.outcome ?? "no answer"
          results.add(outcome)
        }
        results.finishOne()
      }
      thread.start()
      return thread
    }
    while results.finished < threads.count { usleep(20_000) }

    for writer in writers {
      let words = writer.finish()
      #expect(Int(words.first ?? "") ?? 0 > 10, "a Python writer wrote \(words)")
    }
    for reader in readers {
      let words = reader.finish()
      #expect(words.count >= 3 && Int(words[0]) ?? 0 > 10, "reader: \(words)")
      #expect(words.count >= 3 && words[2] == "0", "a reader saw torn tokens: \(words)")
    }
    let counts = results.counts
    #expect(counts.keys.sorted() == ["AUTH_OUTCOME_BEARER_VALID"], "gateway calls saw \(counts)")
    #expect(counts["AUTH_OUTCOME_BEARER_VALID", default: 0] > 20)
    for gateway in gateways {
      // A read that waits longer than 10 ms for the lock keeps the last good token and says so;
      // nothing else may go wrong.
      let problems = gateway.log.split(separator: "\n").filter { $0.contains("token file problem") }
      #expect(problems.allSatisfy { $0.contains("flock") }, "\(problems.prefix(3))")
    }

    // No update lost: each process's write is what the next one uses.
    for round in 0..<2 {
      for gateway in gateways {
        let before = try #require(gateway.storedToken)
        let (outcome, sha) = try Self.echo(gateway.socketPath)
        #expect(outcome == "AUTH_OUTCOME_BEARER_VALID")
        #expect(sha == (try sha256Hex("Bearer " + before)), "round \(round): the file's token was sent")
        _ = try gateway.waitForToken(differentFrom: before)
      }
      let fresh = try SessionLifecycleTests.freshToken(fixture)
      try SessionLifecycleTests.polykeyWrite(tokenFile, fresh)
      let (_, sha) = try Self.echo(gateways[round].socketPath)
      #expect(sha == (try sha256Hex("Bearer " + fresh)), "a Polykey writer's token is used at once")
      _ = try fixture.gateway.waitForToken(differentFrom: fresh)
    }
    let attributes = try FileManager.default.attributesOfItem(atPath: tokenFile)
    #expect((attributes[.posixPermissions] as? Int) == 0o600)
  }
}

/// Outcomes counted across caller threads.
final class LockedCounts: @unchecked Sendable {
  // Guarded by `lock`.
  private let lock = NSLock()
  private var values: [String: Int] = [:]
  private var done = 0
  func add(_ key: String) { lock.lock(); values[key, default: 0] += 1; lock.unlock() }
  func finishOne() { lock.lock(); done += 1; lock.unlock() }
  var counts: [String: Int] { lock.lock(); defer { lock.unlock() }; return values }
  var finished: Int { lock.lock(); defer { lock.unlock() }; return done }
}

/// A `python3 -c` script whose output is read when it ends.
struct TokenStoreScript {
  let process: Process
  let output: Pipe

  init(_ source: String, arguments: [String]) throws {
    process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
    process.arguments = ["-c", source] + arguments
    output = Pipe()
    process.standardOutput = output
    try process.run()
  }

  func finish() -> [String] {
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: " ", maxSplits: 3).map {
      $0.trimmingCharacters(in: .whitespacesAndNewlines)
    }
  }
}
