/// What the binary codec needs of a message's fields, as plain values: reading it per field
/// costs no reference counting (a `FieldDescriptor` holds two strings), and the number lookup
/// is an array index for the usual small field numbers. Built once with the descriptor; a
/// class so that taking it from the pool costs one retain, not one per array.
final class BinaryLayout: Sendable {
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
  /// Indices into `fields` in field-number order (the order binary output is written in).
  let numberOrder: [Int]
  /// All-nil values for a new message of this type: copying it (a retain, then copy-on-write)
  /// is cheaper than `Array(repeating:count:)`, which looks up generic metadata each call.
  let emptyValues: [ProtoValue?]
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
    emptyValues = Array(repeating: nil, count: descriptors.count)
    numberOrder = descriptors.indices.sorted { descriptors[$0].number < descriptors[$1].number }
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

  /// An empty message of `type`, whose layout this is.
  @inline(__always)
  func newMessage(type: Int) -> DynamicMessage {
    var message = DynamicMessage(type: type, fieldCount: 0)
    message.values = emptyValues
    return message
  }

  /// The index into `fields` of the field numbered `number`.
  @inline(__always)
  func index(of number: Int32) -> Int? {
    if number >= 0 && number < denseIndex.count {
      let slot = Int(denseIndex[Int(number)])
      return slot == 0 ? nil : slot - 1
    }
    return sparseIndex.isEmpty ? nil : sparseIndex[number]
  }
}
