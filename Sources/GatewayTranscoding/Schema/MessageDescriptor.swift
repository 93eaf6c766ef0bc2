/// The well-known types whose JSON form is special.
public enum WellKnownType: Sendable, Equatable {
  case any, timestamp, duration, fieldMask, `struct`, value, listValue, empty
  case doubleValue, floatValue, int64Value, uint64Value, int32Value, uint32Value
  case boolValue, stringValue, bytesValue

  public init?(fullName: String) {
    switch fullName {
    case "google.protobuf.Any": self = .any
    case "google.protobuf.Timestamp": self = .timestamp
    case "google.protobuf.Duration": self = .duration
    case "google.protobuf.FieldMask": self = .fieldMask
    case "google.protobuf.Struct": self = .struct
    case "google.protobuf.Value": self = .value
    case "google.protobuf.ListValue": self = .listValue
    case "google.protobuf.Empty": self = .empty
    case "google.protobuf.DoubleValue": self = .doubleValue
    case "google.protobuf.FloatValue": self = .floatValue
    case "google.protobuf.Int64Value": self = .int64Value
    case "google.protobuf.UInt64Value": self = .uint64Value
    case "google.protobuf.Int32Value": self = .int32Value
    case "google.protobuf.UInt32Value": self = .uint32Value
    case "google.protobuf.BoolValue": self = .boolValue
    case "google.protobuf.StringValue": self = .stringValue
    case "google.protobuf.BytesValue": self = .bytesValue
    default: return nil
    }
  }

  /// The wrappers (`Int32Value`, …) whose JSON form is their `value` field's.
  public var isWrapper: Bool {
    switch self {
    case .doubleValue, .floatValue, .int64Value, .uint64Value, .int32Value, .uint32Value,
      .boolValue, .stringValue, .bytesValue:
      true
    default: false
    }
  }
}

/// A message type, immutable once the pool is built.
public struct MessageDescriptor: Sendable {
  /// `pkg.Outer.Inner`, without a leading dot.
  public let fullName: String
  /// The .proto file that declares it.
  public let fileName: String
  /// In declaration order.
  public let fields: [FieldDescriptor]
  /// Names of the real oneofs, indexed by `FieldDescriptor.oneofIndex`.
  public let oneofNames: [String]
  public let isMapEntry: Bool
  public let wellKnownType: WellKnownType?
  /// Field number to index into `fields`.
  public let fieldIndexByNumber: [Int32: Int]
  /// JSON name and proto name to index into `fields` (both accepted on input).
  public let fieldIndexByJSONKey: [String: Int]
  /// Indices into `fields` in field-number order: the order binary output is written in.
  public let fieldIndicesInNumberOrder: [Int]
  /// The binary codec's plain-value view of `fields`.
  let binaryLayout: BinaryLayout

  public init(
    fullName: String, fileName: String, fields: [FieldDescriptor], oneofNames: [String],
    isMapEntry: Bool
  ) {
    self.fullName = fullName
    self.fileName = fileName
    self.fields = fields
    self.oneofNames = oneofNames
    self.isMapEntry = isMapEntry
    self.wellKnownType = WellKnownType(fullName: fullName)
    var byNumber: [Int32: Int] = [:]
    var byKey: [String: Int] = [:]
    for (index, field) in fields.enumerated() {
      byNumber[field.number] = index
      byKey[field.name] = index
    }
    // JSON names win over a proto name that happens to be spelled the same.
    for (index, field) in fields.enumerated() { byKey[field.jsonName] = index }
    fieldIndexByNumber = byNumber
    fieldIndexByJSONKey = byKey
    fieldIndicesInNumberOrder = fields.indices.sorted { fields[$0].number < fields[$1].number }
    binaryLayout = BinaryLayout(fields)
  }

  /// A map entry's key field (number 1) and value field (number 2).
  public var mapKeyField: FieldDescriptor { fields[fieldIndexByNumber[1]!] }
  public var mapValueField: FieldDescriptor { fields[fieldIndexByNumber[2]!] }
}

/// An enum type. Proto3 enums are open: numbers without a name are valid values.
public struct EnumDescriptor: Sendable {
  public let fullName: String
  public let fileName: String
  /// In declaration order; with `allow_alias` several names share a number.
  public let values: [(name: String, number: Int32)]
  public let numberByName: [String: Int32]
  /// The first declared name for each number (what JSON output writes).
  public let nameByNumber: [Int32: String]

  public init(fullName: String, fileName: String, values: [(name: String, number: Int32)]) {
    self.fullName = fullName
    self.fileName = fileName
    self.values = values
    var byName: [String: Int32] = [:]
    var byNumber: [Int32: String] = [:]
    for value in values {
      byName[value.name] = value.number
      if byNumber[value.number] == nil { byNumber[value.number] = value.name }
    }
    numberByName = byName
    nameByNumber = byNumber
  }
}
