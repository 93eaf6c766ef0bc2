/// One thing the request parser found, in wire order: a head, body parts, then the end.
public enum HTTPRequestParserEvent: Sendable, Equatable {
  /// A complete request head; body parts (if any) and ``end`` follow.
  case head(HTTPRequestHead)
  /// Some decoded body bytes (chunk framing removed). Never empty. How the body is split into
  /// parts depends on how the bytes arrived; only their concatenation is meaningful.
  case bodyPart([UInt8])
  /// The request is complete; the next event, if any, is the next request's head.
  case end
}

/// An incremental, sans-IO HTTP/1.1 request parser.
///
/// Append bytes as they arrive, in any split, then pull events with ``next()`` until it returns
/// nil ("need more bytes"). Nothing is consumed from a partial line, and every declared length
/// is checked against ``HTTPParserLimits`` before its payload is read. A rejected request
/// throws ``HTTPParserError`` and the parser stays failed: later calls throw the same error.
///
/// Line endings are strict: every line of the head, every chunk-size line, chunk terminator and
/// trailer line must end in CRLF; a bare LF or bare CR is ``HTTPParserError/Code/invalidLineEnding``.
/// Lenient LF parsing is what request smuggling exploits, and curl and every HTTP library we
/// serve sends CRLF. Empty lines before a request line are skipped (RFC 9112 section 2.2) and
/// count against the header block limit.
///
/// The parser itself never stops between requests; ``HTTPConnectionStateMachine`` decides when
/// the next one may be parsed.
public struct HTTPRequestParser: Sendable {
  /// Where the parser is in the current message. Every state also exits to `failed`.
  enum State: Sendable {
    /// Before a request line (skipping empty lines). Exits: `headerLines`.
    case requestLine
    /// Reading header lines. Exits on the empty line: `contentBody`, `chunkSizeLine` or
    /// `messageEnd`, emitting the head.
    case headerLines
    /// Reading a `Content-Length` body; `remaining` > 0. Exits: `messageEnd` when it reaches 0.
    case contentBody(remaining: Int)
    /// Expecting a chunk-size line. Exits: `chunkData`, or `trailerLines` on the last chunk.
    case chunkSizeLine
    /// Inside chunk data; `remaining` > 0. Exits: `chunkDataEnd`.
    case chunkData(remaining: Int)
    /// Expecting the CRLF after chunk data. Exits: `chunkSizeLine`.
    case chunkDataEnd
    /// Reading (and discarding) trailer lines. Exits: `messageEnd` on the empty line.
    case trailerLines
    /// The message is complete; the next pull emits `.end`. Exits: `requestLine`.
    case messageEnd
    /// A request was rejected. Terminal.
    case failed(HTTPParserError)
  }

  /// The limits this parser enforces.
  public let limits: HTTPParserLimits

  var buffer: [UInt8] = []
  /// Bytes before this index are consumed.
  var readIndex = 0
  /// Bytes from `readIndex` already searched for LF without finding one.
  var scannedCount = 0
  var state: State = .requestLine
  /// Bytes of the current head (or trailer block) consumed so far, CRLFs included.
  var blockBytes = 0
  /// Fields of the current head (or trailer block) so far.
  var fieldCount = 0
  var method = ""
  var target = ""
  var version = HTTPVersion.http11
  var headers = HTTPHeaders()
  /// Decoded bytes of the current chunked body so far, including the current chunk.
  var chunkedBodyBytes = 0

  /// Creates a parser with `limits`.
  public init(limits: HTTPParserLimits = HTTPParserLimits()) {
    self.limits = limits
  }

  /// Bytes appended but not yet consumed by an event.
  public var bufferedByteCount: Int { buffer.count - readIndex }

  /// Whether the parser sits between requests with no byte of the next one buffered.
  public var isAtMessageBoundary: Bool {
    if case .requestLine = state { return blockBytes == 0 && bufferedByteCount == 0 }
    return false
  }

  /// Appends received bytes (copied).
  public mutating func append(_ bytes: UnsafeRawBufferPointer) {
    compactBeforeAppend()
    buffer.append(contentsOf: bytes)
  }

  /// Appends received bytes; when nothing is buffered the array is adopted without copying.
  public mutating func append(_ bytes: [UInt8]) {
    if readIndex == buffer.count {
      buffer = bytes
      readIndex = 0
    } else {
      compactBeforeAppend()
      buffer.append(contentsOf: bytes)
    }
  }

  /// Drops consumed bytes when that is cheap: always when all are consumed, else once at least
  /// half the buffer (and 4 KiB) is consumed, so the shifting is amortised O(1) per byte.
  private mutating func compactBeforeAppend() {
    guard readIndex > 0 else { return }
    if readIndex == buffer.count {
      // Keep a head-sized allocation; give back what a large body grew.
      buffer.removeAll(keepingCapacity: buffer.capacity <= 64 * 1024)
      readIndex = 0
    } else if readIndex >= 4096, readIndex * 2 >= buffer.count {
      buffer.removeSubrange(0..<readIndex)
      readIndex = 0
    }
  }

  /// The next event, or nil when more bytes are needed.
  ///
  /// - Throws: ``HTTPParserError`` when the request is malformed or over a limit; the parser is
  ///   failed from then on.
  public mutating func next() throws(HTTPParserError) -> HTTPRequestParserEvent? {
    do {
      return try step()
    } catch {
      state = .failed(error)
      throw error
    }
  }

  private mutating func step() throws(HTTPParserError) -> HTTPRequestParserEvent? {
    while true {
      switch state {
      case .failed(let error):
        throw error

      case .requestLine:
        let budget = limits.maxHeaderBlockSize - blockBytes - 2
        let fitsBudget = limits.maxRequestLineLength <= budget
        guard
          let line = try nextLine(
            limit: fitsBudget ? limits.maxRequestLineLength : budget,
            tooLong: fitsBudget ? .requestLineTooLong : .headerBlockTooLarge)
        else { return nil }
        if !line.isEmpty { try parseRequestLine(line) }
        consumeLine(line)
        if !line.isEmpty { state = .headerLines }

      case .headerLines:
        guard
          let line = try nextLine(
            limit: limits.maxHeaderBlockSize - blockBytes - 2, tooLong: .headerBlockTooLarge)
        else { return nil }
        if line.isEmpty {
          consumeLine(line)
          return .head(try finishHead())
        }
        let (name, value) = try parseField(line)
        try countField()
        headers.add(name: name, value: value)
        consumeLine(line)

      case .contentBody(let remaining):
        guard bufferedByteCount > 0 else { return nil }
        let part = take(min(remaining, bufferedByteCount))
        state =
          part.count == remaining ? .messageEnd : .contentBody(remaining: remaining - part.count)
        return .bodyPart(part)

      case .chunkSizeLine:
        guard
          let line = try nextLine(
            limit: limits.maxChunkSizeLineLength, tooLong: .chunkSizeLineTooLong)
        else { return nil }
        let size = try parseChunkSize(line)
        consumeLine(line)
        if size == 0 {
          blockBytes = 0
          fieldCount = 0
          state = .trailerLines
        } else {
          chunkedBodyBytes += size
          state = .chunkData(remaining: size)
        }

      case .chunkData(let remaining):
        guard bufferedByteCount > 0 else { return nil }
        let part = take(min(remaining, bufferedByteCount))
        state =
          part.count == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - part.count)
        return .bodyPart(part)

      case .chunkDataEnd:
        guard bufferedByteCount >= 2 else { return nil }
        guard buffer[readIndex] == HTTPBytes.cr, buffer[readIndex + 1] == HTTPBytes.lf else {
          throw HTTPParserError(
            code: .invalidChunkDelimiter, message: "Chunk data is not followed by CRLF.")
        }
        readIndex += 2
        state = .chunkSizeLine

      case .trailerLines:
        guard
          let line = try nextLine(
            limit: limits.maxHeaderBlockSize - blockBytes - 2, tooLong: .headerBlockTooLarge)
        else { return nil }
        if line.isEmpty {
          state = .messageEnd
        } else {
          _ = try parseField(line)
          try countField()
        }
        consumeLine(line)

      case .messageEnd:
        state = .requestLine
        blockBytes = 0
        fieldCount = 0
        return .end
      }
    }
  }

  /// Removes and returns `count` bytes from the front, adopting the whole buffer when possible.
  private mutating func take(_ count: Int) -> [UInt8] {
    if readIndex == 0, count == buffer.count {
      defer { buffer = [] }
      return buffer
    }
    defer { readIndex += count }
    return Array(buffer[readIndex..<readIndex + count])
  }

  private mutating func countField() throws(HTTPParserError) {
    fieldCount += 1
    guard fieldCount <= limits.maxHeaderCount else {
      throw HTTPParserError(
        code: .tooManyHeaders,
        message: "More than \(limits.maxHeaderCount) header or trailer fields.")
    }
  }

  /// The content range of the next complete CRLF-terminated line, without consuming it, or nil
  /// when no LF has arrived yet. Never scans a byte twice across calls.
  ///
  /// - Parameters:
  ///   - limit: The longest allowed content (CRLF excluded); negative means none fits.
  ///   - tooLong: The code to throw when the line cannot fit.
  private mutating func nextLine(
    limit: Int, tooLong: HTTPParserError.Code
  ) throws(HTTPParserError) -> Range<Int>? {
    // A line of `limit` bytes has its LF at offset limit + 1 from readIndex.
    let searchEnd = min(buffer.count, readIndex + max(limit + 2, 0))
    var index = readIndex + scannedCount
    let found: Int? = buffer.withUnsafeBufferPointer { bytes in
      while index < searchEnd {
        if bytes[index] == HTTPBytes.lf { return index }
        index += 1
      }
      return nil
    }
    guard let lineFeed = found else {
      if searchEnd - readIndex >= limit + 2 {
        throw HTTPParserError(code: tooLong, message: Self.tooLongMessage(tooLong, limits))
      }
      scannedCount = searchEnd - readIndex
      return nil
    }
    scannedCount = 0
    guard lineFeed > readIndex, buffer[lineFeed - 1] == HTTPBytes.cr else {
      throw HTTPParserError(
        code: .invalidLineEnding, message: "A line ends in a bare LF instead of CRLF.")
    }
    return readIndex..<(lineFeed - 1)
  }

  /// Consumes `line` and its CRLF, counting them against the current block.
  private mutating func consumeLine(_ line: Range<Int>) {
    readIndex = line.upperBound + 2
    blockBytes += line.count + 2
  }

  private static func tooLongMessage(
    _ code: HTTPParserError.Code, _ limits: HTTPParserLimits
  ) -> String {
    switch code {
    case .requestLineTooLong:
      return "The request line is longer than \(limits.maxRequestLineLength) bytes."
    case .chunkSizeLineTooLong:
      return "A chunk-size line is longer than \(limits.maxChunkSizeLineLength) bytes."
    default:
      return "The header block is larger than \(limits.maxHeaderBlockSize) bytes."
    }
  }
}
