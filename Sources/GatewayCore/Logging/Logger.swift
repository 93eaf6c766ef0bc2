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

  public init(level: LogLevel, format: LogFormat) {
    self.level = level
    self.sink = LogSink(format: format)
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
  private let lock = Mutex<Void>(())

  init(format: LogFormat) { self.format = format }

  func write(level: LogLevel, message: String, metadata: KeyValuePairs<String, String>) {
    var line: [UInt8]
    switch format {
    case .json:
      var writer = JSONWriter()
      writer.beginObject()
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
      var text = "\(level): \(message)"
      for (key, value) in metadata { text += " \(key)=\(value)" }
      line = Array(text.utf8)
    }
    line.append(0x0A)
    lock.withLock { _ in
      line.withUnsafeBytes { _ = Glibc.write(2, $0.baseAddress, $0.count) }
    }
  }
}
