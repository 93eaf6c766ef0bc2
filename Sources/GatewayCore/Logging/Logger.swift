import Synchronization
import Glibc

/// How much to log.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable {
  case trace, debug, info, notice, warning, error

  public init?(name: String) {
    guard let level = Self.allCases.first(where: { "\($0)" == name.lowercased() }) else {
      return nil
    }
    self = level
  }

  public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Where log lines go: stderr as text or JSON, or memory (tests).
public enum LogFormat: String, Sendable {
  case text, json
}

/// A logger: constant messages plus metadata, one line per entry, to stderr under a lock.
///
/// Messages are constants and metadata values are things like a method name or a status; a
/// token, a password or an `Authorization` value is never passed in, by convention enforced in
/// review and by the integration tests that grep the logs for the token.
public struct Logger: Sendable {
  public let level: LogLevel
  private let sink: LogSink

  /// - Parameter timestamps: start each line with the time (UTC). Off under journald
  ///   (`JOURNAL_STREAM` set), which stamps lines itself.
  public init(level: LogLevel, format: LogFormat, timestamps: Bool = true) {
    self.level = level
    self.sink = LogSink(format: format, timestamps: timestamps)
  }

  @inline(__always)
  public func log(
    _ level: LogLevel, _ message: StaticString, _ metadata: KeyValuePairs<String, String> = [:]
  ) {
    guard level >= self.level else { return }
    sink.write(level: level, message: "\(message)", metadata: metadata)
  }

  public func debug(_ message: StaticString, _ metadata: KeyValuePairs<String, String> = [:]) {
    log(.debug, message, metadata)
  }
  public func info(_ message: StaticString, _ metadata: KeyValuePairs<String, String> = [:]) {
    log(.info, message, metadata)
  }
  public func warning(_ message: StaticString, _ metadata: KeyValuePairs<String, String> = [:]) {
    log(.warning, message, metadata)
  }
  public func error(_ message: StaticString, _ metadata: KeyValuePairs<String, String> = [:]) {
    log(.error, message, metadata)
  }
}

/// The shared output, guarded by its mutex so lines from any thread never interleave.
final class LogSink: Sendable {
  let format: LogFormat
  let timestamps: Bool
  private let lock = Mutex<Void>(())

  init(format: LogFormat, timestamps: Bool) {
    self.format = format
    self.timestamps = timestamps
  }

  func write(level: LogLevel, message: String, metadata: KeyValuePairs<String, String>) {
    var line: [UInt8]
    let time = timestamps ? Self.now() : nil
    switch format {
    case .json:
      var writer = JSONWriter()
      writer.beginObject()
      if let time {
        writer.key("time")
        writer.string(time)
      }
      writer.key("level")
      writer.string("\(level)")
      writer.key("message")
      writer.string(message)
      for (key, value) in metadata {
        writer.key(key)
        writer.string(value)
      }
      writer.endObject()
      line = writer.bytes
    case .text:
      var text = time.map { $0 + " " } ?? ""
      text += "\(level): \(message)"
      for (key, value) in metadata { text += " \(key)=\(Self.quotedIfNeeded(value))" }
      line = Array(text.utf8)
    }
    line.append(0x0A)
    lock.withLock { _ in
      line.withUnsafeBytes { _ = Glibc.write(2, $0.baseAddress, $0.count) }
    }
  }

  /// logfmt's rule: a value with a space, a quote or `=` (or none at all) is quoted, so
  /// `error="cannot connect to …"` stays one field for the reader and for `grep`.
  static func quotedIfNeeded(_ value: String) -> String {
    let plain = !value.isEmpty && value.unicodeScalars.allSatisfy { scalar in
      scalar.value > 0x20 && scalar != "\"" && scalar != "=" && !(0x7F...0x9F).contains(scalar.value)
    }
    if plain { return value }
    var quoted = "\""
    for character in value.unicodeScalars {
      switch character {
      case "\"": quoted += "\\\""
      case "\\": quoted += "\\\\"
      case "\n": quoted += "\\n"
      case "\t": quoted += "\\t"
      case "\u{00}"..."\u{1F}", "\u{7F}"..."\u{9F}":
        // Other control characters, escape sequences included: a value from the agent must
        // not drive the terminal that shows the log.
        let hex = String(character.value, radix: 16)
        quoted += "\\x" + (hex.count == 1 ? "0" + hex : hex)
      default: quoted.unicodeScalars.append(character)
      }
    }
    return quoted + "\""
  }

  /// RFC 3339 UTC with milliseconds: `2026-12-04T16:50:01.123Z`.
  static func now() -> String {
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    var parts = tm()
    var seconds = spec.tv_sec
    gmtime_r(&seconds, &parts)
    func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
    let millis = spec.tv_nsec / 1_000_000
    let fraction = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
    return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
      + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(fraction)Z"
  }
}
