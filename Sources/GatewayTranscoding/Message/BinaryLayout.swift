/// What the binary codec needs of a message's fields, as plain values: reading it per field
/// costs no reference counting (a `FieldDescriptor` holds two strings), and the number lookup
/// is an array index for the usual small field numbers. Built once with the descriptor.
struct BinaryLayout: Sendable {
  struct Field: Sendable {
    var number: Int32
    var type: FieldType
    /// The wire type of one value (`type.binaryWireType`).
    var wireType: WireType
    var isRepeated: Bool
    var isPacked: Bool
    var isMap: Bool
    var hasPresence: Bool
    /// Index into `SchemaPool.messages`, -1 when not a message (or group) field.
    var messageType: Int
    /// The real oneof's index, -1 when none.
    var oneofIndex: Int

    var isMessage: Bool { type == .message || type == .group }
  }

  /// Field numbers below this bound are looked up in an array.
  static let denseLimit: Int32 = 2048

  let fields: [Field]
  /// `field number -> index + 1` for numbers below `denseLimit` (0: no such field).
  private let denseIndex: [Int32]
  private let sparseIndex: [Int32: Int]

  init(_ descriptors: [FieldDescriptor]) {
    fields = descriptors.map {
      Field(
        number: $0.number, type: $0.type, wireType: $0.type.binaryWireType,
        isRepeated: $0.isRepeated, isPacked: $0.isPacked && $0.type.isPackable, isMap: $0.isMap,
        hasPresence: $0.hasPresence, messageType: $0.messageType ?? -1,
        oneofIndex: $0.oneofIndex ?? -1)
    }
    let maxDense: Int32 =
      descriptors.lazy.map(\.number).filter { $0 > 0 && $0 < Self.denseLimit }.max() ?? 0
    var dense = [Int32](repeating: 0, count: Int(maxDense) + 1)
    var sparse: [Int32: Int] = [:]
    for (index, field) in descriptors.enumerated() {
      if field.number > 0 && field.number <= maxDense {
        dense[Int(field.number)] = Int32(index + 1)
      } else {
        sparse[field.number] = index
      }
    }
    denseIndex = dense
    sparseIndex = sparse
  }

  /// The index into `fields` of the field numbered `number`.
  @inline(__always)
  func index(of number: Int32) -> Int? {
    if number < denseIndex.count {
      let slot = Int(denseIndex[Int(number)])
      return slot == 0 ? nil : slot - 1
    }
    return sparseIndex.isEmpty ? nil : sparseIndex[number]
  }
}

/// UTF-8 validation over raw bytes (the standard library's `String(validating:)` goes
/// through generic code): ASCII eight bytes at a time, then the Unicode table of well-formed
/// sequences (no overlong forms, no surrogates, nothing above U+10FFFF).
enum UTF8Validation {
  /// The length of the well-formed multi-byte sequence starting at `index` (a byte of 0x80 or
  /// more), nil when it is not one.
  @inline(__always)
  static func sequenceLength(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Int? {
    let count = bytes.count
    let lead = bytes[index]
    let length: Int
    var low: UInt8 = 0x80
    var high: UInt8 = 0xBF
    switch lead {
    case 0xC2...0xDF: length = 2
    case 0xE0: length = 3; low = 0xA0
    case 0xE1...0xEC, 0xEE...0xEF: length = 3
    case 0xED: length = 3; high = 0x9F
    case 0xF0: length = 4; low = 0x90
    case 0xF1...0xF3: length = 4
    case 0xF4: length = 4; high = 0x8F
    default: return nil
    }
    guard index + length <= count else { return nil }
    let second = bytes[index + 1]
    guard second >= low && second <= high else { return nil }
    for offset in 2..<max(length, 2) where bytes[index + offset] & 0xC0 != 0x80 { return nil }
    return length
  }

  static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
    let count = bytes.count
    var index = 0
    while index < count {
      // ASCII fast path.
      while index + 8 <= count,
        bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0
      {
        index += 8
      }
      guard index < count else { return true }
      let lead = bytes[index]
      if lead < 0x80 {
        index += 1
        continue
      }
      let length: Int
      var low: UInt8 = 0x80
      var high: UInt8 = 0xBF
      switch lead {
      case 0xC2...0xDF: length = 2
      case 0xE0: length = 3; low = 0xA0
      case 0xE1...0xEC, 0xEE...0xEF: length = 3
      case 0xED: length = 3; high = 0x9F
      case 0xF0: length = 4; low = 0x90
      case 0xF1...0xF3: length = 4
      case 0xF4: length = 4; high = 0x8F
      default: return false
      }
      guard index + length <= count else { return false }
      let second = bytes[index + 1]
      guard second >= low && second <= high else { return false }
      for offset in 2..<max(length, 2) where bytes[index + offset] & 0xC0 != 0x80 {
        return false
      }
      index += length
    }
    return true
  }
}
