/// Splits an NDJSON byte stream into lines as bytes arrive, so each message of a streaming
/// request can go to the agent as soon as its newline does.
///
/// Lines end at `\n` (a preceding `\r` is dropped); blank lines are skipped; the last line may
/// end without a newline (`finish()`). A line longer than `maxLineLength` is an error, checked
/// before buffering more of it.
public struct NDJSONLineSplitter: Sendable {
  public struct LineTooLong: Error, Sendable, Equatable {}

  public let maxLineLength: Int
  private var partial: [UInt8] = []

  public init(maxLineLength: Int) { self.maxLineLength = maxLineLength }

  /// The complete lines in `bytes` (after what was buffered), in order.
  public mutating func append(_ bytes: some Collection<UInt8>) throws(LineTooLong) -> [[UInt8]] {
    var lines: [[UInt8]] = []
    var start = bytes.startIndex
    var index = start
    while index != bytes.endIndex {
      if bytes[index] == UInt8(ascii: "\n") {
        partial.append(contentsOf: bytes[start..<index])
        try emit(&lines)
        start = bytes.index(after: index)
      }
      index = bytes.index(after: index)
    }
    partial.append(contentsOf: bytes[start..<bytes.endIndex])
    if partial.count > maxLineLength { throw LineTooLong() }
    return lines
  }

  /// The body ended: the last line, if it had no newline.
  public mutating func finish() throws(LineTooLong) -> [UInt8]? {
    var lines: [[UInt8]] = []
    try emit(&lines)
    return lines.first
  }

  private mutating func emit(_ lines: inout [[UInt8]]) throws(LineTooLong) {
    if partial.last == UInt8(ascii: "\r") { partial.removeLast() }
    if partial.count > maxLineLength { throw LineTooLong() }
    if partial.contains(where: { !Self.isWhitespace($0) }) { lines.append(partial) }
    partial.removeAll(keepingCapacity: true)
  }

  private static func isWhitespace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
  }
}
