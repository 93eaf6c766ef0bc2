/// Splits a byte stream into gRPC length-prefixed messages, incrementally.
///
/// Append bytes in any split, then call `next()` until it returns `nil` ("need more bytes").
/// A frame is never consumed partially. The declared length is checked against
/// `maxMessageLength` as soon as the 5-byte prefix is in, before any of the payload is buffered.
/// Errors are sticky: after one, `next()` throws it again.
public struct GRPCMessageDeframer: Sendable {
  /// One deframed message.
  public struct Message: Sendable, Equatable {
    /// The compressed flag (flag byte 1).
    public var compressed: Bool
    public var payload: [UInt8]
    public init(compressed: Bool, payload: [UInt8]) {
      self.compressed = compressed
      self.payload = payload
    }
  }

  /// gRPC's default maximum received message size, 4 MiB.
  public static let defaultMaxMessageLength = 4 * 1024 * 1024

  /// The largest payload length accepted.
  public let maxMessageLength: Int
  /// Which flag bytes are frames we accept. Plain gRPC: 0 and 1.
  private let allowedFlags: ClosedRange<UInt8>

  private var buffer: [UInt8] = []
  private var readIndex = 0
  private var error: GRPCError?

  /// - Parameter maxMessageLength: the largest payload accepted; default 4 MiB, gRPC's default.
  public init(maxMessageLength: Int = defaultMaxMessageLength) {
    self.maxMessageLength = maxMessageLength
    self.allowedFlags = 0...1
  }

  /// The bytes buffered but not yet returned as a message (a partial frame).
  public var bufferedByteCount: Int { buffer.count - readIndex }

  /// Appends bytes received.
  public mutating func append(_ bytes: UnsafeRawBufferPointer) {
    compactIfUseful()
    buffer.append(contentsOf: bytes)
  }

  /// Appends bytes received.
  public mutating func append(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { append($0) }
  }

  /// The next complete message, or `nil` when more bytes are needed.
  ///
  /// - Throws: `.messageTooLarge` for a declared length over the limit, `.invalidFrameFlag` for a
  ///   flag other than 0 or 1.
  public mutating func next() throws(GRPCError) -> Message? {
    guard let (flag, range) = try nextFrame() else { return nil }
    return Message(compressed: flag == 1, payload: Array(buffer[range]))
  }

  /// Every complete frame buffered, prefix included and unchanged, as one buffer; empty when
  /// none is complete. For passing frames through (gRPC-Web) while still checking the limit.
  public mutating func nextFrames() throws(GRPCError) -> [UInt8] {
    let start = readIndex
    do {
      while try nextFrame() != nil {}
    } catch {
      // Hand out the good frames first; the sticky error is thrown on the next call.
      if readIndex == start { throw error }
    }
    return Array(buffer[start..<readIndex])
  }

  /// Finds the next complete frame and consumes it; returns its flag and payload range.
  private mutating func nextFrame() throws(GRPCError) -> (UInt8, Range<Int>)? {
    if let error { throw error }
    let prefix = GRPCMessageFramer.prefixLength
    guard buffer.count - readIndex >= prefix else { return nil }
    let (flag, length) = buffer.withUnsafeBufferPointer { b in
      let i = readIndex
      let length = Int(b[i + 1]) << 24 | Int(b[i + 2]) << 16 | Int(b[i + 3]) << 8 | Int(b[i + 4])
      return (b[i], length)
    }
    guard allowedFlags.contains(flag) else {
      let error = GRPCError(
        code: .invalidFrameFlag, message: "invalid gRPC frame flag \(flag)")
      self.error = error
      throw error
    }
    guard length <= maxMessageLength else {
      let error = GRPCError(
        code: .messageTooLarge,
        message: "message of \(length) bytes exceeds the limit of \(maxMessageLength)")
      self.error = error
      throw error
    }
    let end = readIndex + prefix + length
    guard buffer.count >= end else {
      buffer.reserveCapacity(end)
      return nil
    }
    let range = (readIndex + prefix)..<end
    readIndex = end
    return (flag, range)
  }

  /// Drops consumed bytes once they are at least half the buffer, so appends stay amortized.
  private mutating func compactIfUseful() {
    guard readIndex > 0 else { return }
    if readIndex == buffer.count {
      buffer.removeAll(keepingCapacity: true)
      readIndex = 0
    } else if readIndex >= buffer.count / 2 {
      buffer.removeSubrange(0..<readIndex)
      readIndex = 0
    }
  }
}
