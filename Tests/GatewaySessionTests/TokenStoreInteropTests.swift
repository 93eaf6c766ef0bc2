import Foundation
import Glibc
import Synchronization
import Testing

@testable import GatewaySession

/// `TokenStore` shares the file with Polykey clients: writer and reader *processes* that follow
/// Polykey's protocol (Python's `fcntl.flock`, non-blocking attempts every 2 ms; the writer
/// opens `O_WRONLY|O_CREAT`, truncates under the lock, writes token and newline), beside our own
/// writers and readers on threads, all on one file for about 1.5 s.
///
/// Every token is self-describing (`writer.index.length.padding`, the padding one letter chosen
/// by the index), so a read that mixes two tokens, or sees a half-written one, fails the check.
@Suite struct TokenStoreInteropTests {
  static let seconds = 1.5

  /// The token writer `writer` writes as its `index`th; the Python scripts build the same.
  static func token(writer: String, index: Int) -> String {
    let length = (index * 37) % 300 + 1
    let letter = Character(UnicodeScalar(UInt8(ascii: "a") + UInt8(index % 26)))
    return "\(writer).\(index).\(length)." + String(repeating: letter, count: length)
  }

  /// True when `text` is exactly one token some writer in `writers` writes.
  static func isWhole(_ text: String, writers: Set<String>) -> Bool {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 4, writers.contains(String(parts[0])), let index = Int(parts[1]) else {
      return false
    }
    return text == token(writer: String(parts[0]), index: index)
  }

  static let pythonCommon = """
    import fcntl, os, sys, time
    path, seconds = sys.argv[1], float(sys.argv[2])
    deadline = time.monotonic() + seconds
    def lock(fd):
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                time.sleep(0.002)
    def token(writer, index):
        length = (index * 37) % 300 + 1
        return "%s.%d.%d.%s" % (writer, index, length, chr(ord("a") + index % 26) * length)

    """

  /// Polykey's writer: open without truncating, lock, truncate, write token + newline, unlock.
  /// Prints how many tokens it wrote and the last one.
  static let pythonWriter =
    pythonCommon + """
      writer = sys.argv[3]
      index = 0
      last = ""
      while time.monotonic() < deadline:
          fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
          lock(fd)
          os.ftruncate(fd, 0)
          last = token(writer, index)
          os.write(fd, (last + "\\n").encode())
          fcntl.flock(fd, fcntl.LOCK_UN)
          os.close(fd)
          index += 1
      print(index, last)
      """

  /// Polykey's reader: open, lock, read all, unlock, trim. Prints reads, empty reads, bad reads
  /// and the first bad one.
  static let pythonReader =
    pythonCommon + """
      writers = set(sys.argv[3].split(","))
      def whole(text):
          parts = text.split(".")
          if len(parts) != 4 or parts[0] not in writers or not parts[1].isdigit():
              return False
          return text == token(parts[0], int(parts[1]))
      reads = empty = bad = 0
      sample = ""
      while time.monotonic() < deadline:
          try:
              fd = os.open(path, os.O_RDONLY)
          except FileNotFoundError:
              empty += 1
              continue
          lock(fd)
          data = b""
          while True:
              chunk = os.read(fd, 4096)
              if not chunk:
                  break
              data += chunk
          fcntl.flock(fd, fcntl.LOCK_UN)
          os.close(fd)
          text = data.decode("utf-8", "replace").strip()
          reads += 1
          if not text:
              empty += 1
          elif not whole(text):
              bad += 1
              sample = sample or repr(text[:80])
      print(reads, empty, bad, sample)
      """

  /// A running `python3 -c` script; its output is read when it ends.
  struct Script {
    let process: Process
    let output: Pipe

    init(_ source: String, arguments: [String]) throws {
      process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments = ["python3", "-c", source] + arguments
      output = Pipe()
      process.standardOutput = output
      try process.run()
    }

    /// Waits for the script and returns its output's words.
    func finish(sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
      let data = output.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      #expect(process.terminationStatus == 0, sourceLocation: sourceLocation)
      return String(decoding: data, as: UTF8.self).split(separator: " ", maxSplits: 3).map {
        $0.trimmingCharacters(in: .whitespacesAndNewlines)
      }
    }
  }

  /// What one thread of ours saw.
  struct Tally: Sendable {
    var reads = 0
    var empty = 0
    var bad: [String] = []
    var errors: [String] = []
    var written = 0
    var last: String?
  }

  @Test(.timeLimit(.minutes(1)))
  func polykeyProcessesAndOurThreadsNeverSeeATornToken() throws {
    let directory = TemporaryDirectory()
    let path = directory.file("token")
    let pythonWriters = ["p0", "p1", "p2"]
    let swiftWriters = ["s0", "s1"]
    let everyWriter = Set(pythonWriters + swiftWriters)
    let seconds = Self.seconds
    let arguments = [path, String(seconds)]

    var scripts: [Script] = []
    for writer in pythonWriters {
      scripts.append(try Script(Self.pythonWriter, arguments: arguments + [writer]))
    }
    let readerScripts = try (0..<2).map { _ in
      try Script(
        Self.pythonReader, arguments: arguments + [everyWriter.sorted().joined(separator: ",")])
    }

    let tallies = Mutex<[String: Tally]>([:])
    let store = TokenStore(path: path)
    let deadline = MonotonicNow.milliseconds() + Int(seconds * 1000)
    var threads: [TestThread] = []
    for writer in swiftWriters {
      threads.append(
        TestThread.start {
          var tally = Tally()
          while MonotonicNow.milliseconds() < deadline {
            let token = Self.token(writer: writer, index: tally.written)
            do {
              try store.write(token)
              tally.written += 1
              tally.last = token
            } catch {
              tally.errors.append("\(error)")
            }
          }
          tallies.withLock { $0[writer] = tally }
        })
    }
    for reader in ["r0", "r1"] {
      threads.append(
        TestThread.start {
          var tally = Tally()
          while MonotonicNow.milliseconds() < deadline {
            do {
              tally.reads += 1
              guard let token = try store.read(lockAttempts: 1000) else {
                tally.empty += 1
                continue
              }
              if !Self.isWhole(token, writers: everyWriter), tally.bad.count < 5 {
                tally.bad.append(String(token.prefix(80)))
              }
            } catch {
              tally.errors.append("\(error)")
            }
          }
          tallies.withLock { $0[reader] = tally }
        })
    }
    for thread in threads { thread.join() }

    var lastTokens: Set<String> = []
    for (writer, script) in zip(pythonWriters, scripts) {
      let words = script.finish()
      let count = Int(words.first ?? "") ?? 0
      #expect(count > 0, "python writer \(writer) wrote nothing")
      if words.count > 1 { lastTokens.insert(words[1]) }
    }
    for script in readerScripts {
      let words = script.finish()
      #expect(words.count >= 3, "python reader printed \(words)")
      guard words.count >= 3 else { continue }
      #expect(Int(words[0]) ?? 0 > 0, "python reader read nothing")
      #expect(
        words[2] == "0", "python reader saw \(words[2]) torn tokens, e.g. \(words.dropFirst(3))")
    }
    let ours = tallies.withLock { $0 }
    for writer in swiftWriters {
      let tally = try #require(ours[writer])
      #expect(tally.written > 0, "\(writer) wrote nothing")
      #expect(tally.errors.isEmpty, "\(writer): \(tally.errors.prefix(3))")
      if let last = tally.last { lastTokens.insert(last) }
    }
    for reader in ["r0", "r1"] {
      let tally = try #require(ours[reader])
      #expect(tally.reads > tally.empty, "\(reader) never saw a token")
      #expect(tally.bad.isEmpty, "\(reader) saw torn tokens: \(tally.bad)")
      #expect(tally.errors.isEmpty, "\(reader): \(tally.errors.prefix(3))")
    }

    // The file ends holding the last token of whichever writer finished last, whole.
    let final = try #require(try store.read())
    #expect(lastTokens.contains(final), "final token \(final.prefix(40)) is no writer's last")
    let bytes = Files.contents(path) ?? []
    #expect(bytes == Array((final + "\n").utf8))
  }
}
