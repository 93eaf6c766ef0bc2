/// What the streaming transcoders (`ProtoTranscoder`) need of a pool, as plain values in flat
/// buffers, built once with the pool and immutable afterwards: fields by number through a dense
/// array, JSON keys and enum names through open-addressing tables over raw UTF-8 bytes (no
/// `String` per key), and each field's output key (`"jsonName":`) already quoted. Reading it
/// costs no reference counting and no hashing of `String`s.
///
/// Indices stored in the tables point into the tables themselves and are checked when built,
/// so the hot loops index without further checks.
final class TranscodingTables: @unchecked Sendable {
  // @unchecked: every buffer is written in `init` only and read-only afterwards; no lock.

  /// How a message is transcoded.
  enum Special: UInt8 {
    /// An object of fields, streamed.
    case plain
    /// `google.protobuf.Timestamp` / `Duration` with the usual two fields: streamed.
    case timestamp, duration
    /// Any other well-known type, a message with groups or an invalid reference: the
    /// `DynamicMessage` path transcodes it.
    case delegated
  }

  /// The small integer the hot loops switch on.
  enum Kind: UInt8 {
    case int32, int64, uint32, uint64, sint32, sint64, fixed32, fixed64, sfixed32, sfixed64
    case float, double, bool, string, bytes, enumeration, message
  }

  /// A run of bytes in `bytes`.
  struct Range {
    var start: Int32 = 0
    var count: Int32 = 0
  }

  struct Message {
    /// Into `fields`.
    var fieldStart: Int32
    var fieldCount: Int32
    /// `dense[denseStart + number]` is a field's local index + 1 (0: none), `number < denseCount`.
    var denseStart: Int32
    var denseCount: Int32
    /// JSON and proto names to local indices, in `slots` from here (`sorted`, parallel to
    /// `fields`, holds the local indices in field-number order).
    var slotStart: Int32
    /// JSON and proto names to local indices; a power of two minus one.
    var slotMask: Int32
    var oneofCount: Int32
    var special: Special
  }

  struct Field {
    var number: Int32
    var type: FieldType
    var kind: Kind
    /// The wire type of one value.
    var wireType: WireType
    var isRepeated: Bool
    /// Repeated scalars written packed.
    var isPacked: Bool
    var isMap: Bool
    var hasPresence: Bool
    /// `null` is a value (`google.protobuf.Value`, `NullValue`), not "unset".
    var nullIsValue: Bool
    /// Real oneof index, -1 when none.
    var oneof: Int32
    /// Into `messages` (message fields) or `enums` (enum fields); -1 otherwise.
    var messageType: Int32
    var enumType: Int32
    /// For maps: the entry's key and value fields, indices into `fields`.
    var mapKey: Int32
    var mapValue: Int32
    /// Raw names, for matching JSON keys.
    var jsonName: Range
    var protoName: Range
    /// `"jsonName":` and `"proto_name":`, then the same followed by the default value.
    var jsonKey: Range
    var protoKey: Range
    var jsonKeyDefault: Range
    var protoKeyDefault: Range
  }

  struct Enum {
    var valueStart: Int32
    var valueCount: Int32
    /// `dense[denseStart + number]` is the first value index + 1 with that number (0: none).
    var denseStart: Int32
    var denseCount: Int32
    var slotStart: Int32
    var slotMask: Int32
    var isNullValue: Bool
  }

  struct EnumValue {
    var number: Int32
    var name: Range
    /// `"NAME"`.
    var quoted: Range
  }

  /// One open-addressing slot: `entry` is -1 when empty.
  struct Slot {
    var hash: UInt32 = 0
    var entry: Int32 = -1
    var name = Range()
  }

  /// Field numbers and enum numbers below this are looked up in a dense array.
  static let denseLimit: Int32 = 1024

  let messages: UnsafeMutableBufferPointer<Message>
  let fields: UnsafeMutableBufferPointer<Field>
  let enums: UnsafeMutableBufferPointer<Enum>
  let enumValues: UnsafeMutableBufferPointer<EnumValue>
  let dense: UnsafeMutableBufferPointer<Int32>
  let sorted: UnsafeMutableBufferPointer<Int32>
  let slots: UnsafeMutableBufferPointer<Slot>
  let bytes: UnsafeMutableBufferPointer<UInt8>

  init(messages descriptors: [MessageDescriptor], enums enumDescriptors: [EnumDescriptor]) {
    var builder = Builder(descriptors, enumDescriptors)
    builder.build()
    messages = Self.copy(builder.messages)
    fields = Self.copy(builder.fields)
    enums = Self.copy(builder.enums)
    enumValues = Self.copy(builder.enumValues)
    dense = Self.copy(builder.dense)
    sorted = Self.copy(builder.sorted)
    slots = Self.copy(builder.slots)
    bytes = Self.copy(builder.bytes)
  }

  deinit {
    messages.deallocate()
    fields.deallocate()
    enums.deallocate()
    enumValues.deallocate()
    dense.deallocate()
    sorted.deallocate()
    slots.deallocate()
    bytes.deallocate()
  }

  private static func copy<T>(_ array: [T]) -> UnsafeMutableBufferPointer<T> {
    let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(array.count, 1))
    _ = buffer.initialize(from: array)
    return UnsafeMutableBufferPointer(rebasing: buffer[0..<array.count])
  }

  // MARK: lookups

  /// The bytes of `range`.
  @inline(__always)
  func bytes(_ range: Range) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(
      start: UnsafeRawPointer(bytes.baseAddress!) + Int(range.start), count: Int(range.count))
  }

  /// The local index of the field numbered `number` in `message`.
  @inline(__always)
  func field(_ message: Message, number: Int32) -> Int? {
    if number < message.denseCount && number >= 0 {
      let slot = Int(dense[Int(message.denseStart + number)])
      return slot == 0 ? nil : slot - 1
    }
    var low = 0
    var high = Int(message.fieldCount)
    let base = Int(message.fieldStart)
    while low < high {
      let middle = (low + high) / 2
      let local = Int(sorted[base + middle])
      let candidate = fields[base + local].number
      if candidate == number { return local }
      if candidate < number { low = middle + 1 } else { high = middle }
    }
    return nil
  }

  /// The entry stored under `name` in the slots at `start` (mask `mask`).
  @inline(__always)
  func lookup(_ name: UnsafeRawBufferPointer, slotStart start: Int32, mask: Int32) -> Int? {
    let hash = Self.hash(name)
    var position = Int32(truncatingIfNeeded: hash) & mask
    while true {
      let slot = slots[Int(start + position)]
      if slot.entry < 0 { return nil }
      if slot.hash == hash && Self.equal(bytes(slot.name), name) { return Int(slot.entry) }
      position = (position + 1) & mask
    }
  }

  /// The first declared value index with `number` in enum `type`, if any.
  @inline(__always)
  func enumValue(_ type: Enum, number: Int32) -> Int? {
    if number >= 0 && number < type.denseCount {
      let slot = Int(dense[Int(type.denseStart + number)])
      return slot == 0 ? nil : slot - 1
    }
    let base = Int(type.valueStart)
    for index in base..<(base + Int(type.valueCount)) where enumValues[index].number == number {
      return index
    }
    return nil
  }

  /// FNV-1a: cheap on the short keys of JSON objects.
  @inline(__always)
  static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    var hash: UInt32 = 2_166_136_261
    for byte in bytes { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
    return hash
  }

  @inline(__always)
  static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    let count = a.count
    guard count == b.count else { return false }
    var index = 0
    while index + 8 <= count {
      if a.loadUnaligned(fromByteOffset: index, as: UInt64.self)
        != b.loadUnaligned(fromByteOffset: index, as: UInt64.self)
      {
        return false
      }
      index += 8
    }
    while index < count {
      if a[index] != b[index] { return false }
      index += 1
    }
    return true
  }
}
