import GatewayEventLoop

/// Bytes waiting to be written to a connection, flushed once per loop turn.
///
/// A response produced in several pieces in one turn (head, frames, trailers) is appended here
/// and leaves in one `send`. What the kernel does not take waits for the socket to be writable.
struct OutboundBuffer {
  private(set) var bytes: [UInt8] = []
  private var offset = 0

  var count: Int { bytes.count - offset }
  var isEmpty: Bool { count == 0 }

  mutating func append(_ more: [UInt8]) {
    compactIfDrained()
    bytes.append(contentsOf: more)
  }

  /// Lets an encoder write straight into the buffer (no intermediate array).
  mutating func append(encoding encode: (inout [UInt8]) -> Void) {
    compactIfDrained()
    encode(&bytes)
  }

  /// Writes as much as the socket takes.
  /// - Returns: true when everything was written.
  mutating func flush(to fd: Int32) throws(SystemError) -> Bool {
    while offset < bytes.count {
      var outcome: Result<IOResult<Int>, SystemError> = .success(.wouldBlock)
      bytes.withUnsafeBytes { all in
        do throws(SystemError) {
          outcome = .success(
            try SocketIO.write(fd, from: UnsafeRawBufferPointer(rebasing: all[offset...])))
        } catch {
          outcome = .failure(error)
        }
      }
      switch try outcome.get() {
      case .processed(let written): offset += written
      case .wouldBlock: return false
      }
    }
    compactIfDrained()
    return true
  }

  private mutating func compactIfDrained() {
    if offset == bytes.count && offset > 0 {
      bytes.removeAll(keepingCapacity: bytes.capacity <= 1 << 20)
      offset = 0
    } else if offset > 1 << 16 && offset > bytes.count / 2 {
      bytes.removeFirst(offset)
      offset = 0
    }
  }
}
