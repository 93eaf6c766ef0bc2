/// A message of any type in the pool, decoded from binary or JSON: the one in-memory form both
/// codecs meet at.
///
/// `values` is indexed like `MessageDescriptor.fields`; nil means "not present" (for a field
/// without presence, absent and default are written the same way). Repeated fields hold
/// `.list`, maps `.map`, even when empty they may be nil.
public struct DynamicMessage: Sendable {
  /// Index into `SchemaPool.messages`.
  public let type: Int
  public var values: [ProtoValue?]
  /// Fields the schema does not know, as their original wire bytes, re-emitted on binary output.
  public var unknownFields: [UInt8] = []

  public init(type: Int, fieldCount: Int) {
    self.type = type
    values = Array(repeating: nil, count: fieldCount)
  }
}

/// One field's value. Scalars carry their proto type's Swift width; enums their number.
public enum ProtoValue: Sendable {
  case int32(Int32)
  case int64(Int64)
  case uint32(UInt32)
  case uint64(UInt64)
  case float(Float)
  case double(Double)
  case bool(Bool)
  case string(String)
  case bytes([UInt8])
  case enumNumber(Int32)
  case message(DynamicMessage)
  case list([ProtoValue])
  case map(ProtoMap)
}

/// A map field's entries, unique by key; a later entry with the same key replaces the value in
/// place (the wire's "last one wins").
///
/// Small maps (the usual labels and metadata) find keys by a linear scan; a hash index is
/// built once a map grows past `linearScanLimit` entries.
public struct ProtoMap: Sendable {
  public private(set) var keys: [MapKey] = []
  public private(set) var values: [ProtoValue] = []
  private var indexByKey: [MapKey: Int]?
  private static let linearScanLimit = 8

  public init() {}

  public var count: Int { keys.count }

  public mutating func set(_ key: MapKey, _ value: ProtoValue) {
    if let index = index(of: key) {
      values[index] = value
      return
    }
    keys.append(key)
    values.append(value)
    if var index = indexByKey {
      indexByKey = nil
      index[key] = keys.count - 1
      indexByKey = index
    } else if keys.count > Self.linearScanLimit {
      var index: [MapKey: Int] = [:]
      index.reserveCapacity(keys.count * 2)
      for (position, key) in keys.enumerated() { index[key] = position }
      indexByKey = index
    }
  }

  public subscript(key: MapKey) -> ProtoValue? {
    index(of: key).map { values[$0] }
  }

  private func index(of key: MapKey) -> Int? {
    if let indexByKey { return indexByKey[key] }
    return keys.firstIndex(of: key)
  }
}

/// The key types a map may have: integers, bool and string.
public enum MapKey: Hashable, Sendable {
  case int64(Int64)
  case uint64(UInt64)
  case bool(Bool)
  case string(String)
}
