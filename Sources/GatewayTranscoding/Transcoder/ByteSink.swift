/// Where the JSON and wire writers append bytes: a `[UInt8]` (the `DynamicMessage` path) or
/// an `OutputBuffer` (the streaming transcoders). The writers are generic over it, so each
/// is specialized for both.
protocol ByteSink {
  var count: Int { get }
  mutating func append(_ byte: UInt8)
  mutating func appendBytes(_ bytes: UnsafeRawBufferPointer)
}

extension Array: ByteSink where Element == UInt8 {
  @inline(__always)
  mutating func appendBytes(_ bytes: UnsafeRawBufferPointer) { append(contentsOf: bytes) }
}

/// A growable byte buffer with unchecked-after-one-check writes: each write checks the
/// capacity once and stores, where `Array.append` also checks uniqueness and goes through
/// generic sequence copying. Owned by one transcoding call, which must `deallocate()` it.
struct OutputBuffer: ByteSink {
  private(set) var base: UnsafeMutablePointer<UInt8>
  private(set) var count = 0
  private var capacity: Int

  init(capacity: Int) {
    self.capacity = max(capacity, 64)
    base = .allocate(capacity: self.capacity)
  }

  func deallocate() { base.deallocate() }

  /// The bytes written so far (valid until the next write).
  var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

  /// Makes room for `extra` more bytes.
  @inline(__always)
  mutating func reserve(_ extra: Int) {
    if extra > capacity - count { grow(extra) }
  }

  @inline(never)
  private mutating func grow(_ extra: Int) {
    let newCapacity = max(capacity * 2, count + extra)
    let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
    newBase.update(from: base, count: count)
    base.deallocate()
    base = newBase
    capacity = newCapacity
  }

  @inline(__always)
  mutating func append(_ byte: UInt8) {
    reserve(1)
    base[count] = byte
    count += 1
  }

  @inline(__always)
  mutating func appendBytes(_ bytes: UnsafeRawBufferPointer) {
    let length = bytes.count
    guard length > 0, let source = bytes.baseAddress else { return }
    reserve(length)
    let target = UnsafeMutableRawPointer(base + count)
    if length <= 16 {
      // Keys and short strings: two overlapping words, or bytes, instead of a memcpy call.
      if length >= 8 {
        let head = source.loadUnaligned(as: UInt64.self)
        let tail = source.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self)
        target.storeBytes(of: head, as: UInt64.self)
        target.storeBytes(of: tail, toByteOffset: length - 8, as: UInt64.self)
      } else if length >= 4 {
        let head = source.loadUnaligned(as: UInt32.self)
        let tail = source.loadUnaligned(fromByteOffset: length - 4, as: UInt32.self)
        target.storeBytes(of: head, as: UInt32.self)
        target.storeBytes(of: tail, toByteOffset: length - 4, as: UInt32.self)
      } else {
        for offset in 0..<length {
          target.storeBytes(
            of: source.load(fromByteOffset: offset, as: UInt8.self), toByteOffset: offset,
            as: UInt8.self)
        }
      }
    } else {
      target.copyMemory(from: source, byteCount: length)
    }
    count += length
  }

  /// Appends bytes written by `body` into `length` reserved bytes; `body` returns how many
  /// it wrote (at most `length`).
  @inline(__always)
  mutating func appendUnchecked(
    reserving length: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int
  ) {
    reserve(length)
    count += body(base + count)
  }

  /// Drops everything from `position` on.
  @inline(__always)
  mutating func truncate(to position: Int) {
    if position < count { count = max(position, 0) }
  }

  // MARK: length prefixes

  /// Reserves one byte for a length; returns the mark to pass to `endLength(_:)`.
  @inline(__always)
  mutating func beginLength() -> Int {
    append(0)
    return count
  }

  /// Writes the length of what was appended since `beginLength()`, shifting it when the
  /// length needs more than the reserved byte.
  @inline(__always)
  mutating func endLength(_ mark: Int) {
    let length = count - mark
    if length < 0x80 {
      base[mark - 1] = UInt8(truncatingIfNeeded: length)
      return
    }
    insertLength(length, at: mark)
  }

  private mutating func insertLength(_ length: Int, at mark: Int) {
    let extra = WireWriter.varintSize(UInt64(length)) - 1
    reserve(extra)
    // Overlapping move (memmove semantics).
    UnsafeMutableRawPointer(base + mark + extra).copyMemory(from: base + mark, byteCount: length)
    count += extra
    var value = UInt64(length)
    var index = mark - 1
    while value >= 0x80 {
      base[index] = UInt8(truncatingIfNeeded: value) | 0x80
      value >>= 7
      index += 1
    }
    base[index] = UInt8(truncatingIfNeeded: value)
  }
}
