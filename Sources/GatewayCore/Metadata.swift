/// gRPC metadata: an ordered list of name/value pairs with lower-case names.
///
/// Order and duplicates are kept, as gRPC allows repeated keys. Binary (`-bin`) values are kept
/// in their base64 text form; decoding them is the consumer's business.
public struct Metadata: Sendable, Equatable, Sequence {
  public struct Entry: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(name: String, value: String) {
      self.name = name
      self.value = value
    }
  }

  public private(set) var entries: [Entry] = []

  public init() {}

  public init(_ pairs: [(String, String)]) {
    entries = pairs.map { Entry(name: $0.0.lowercased(), value: $0.1) }
  }

  /// Appends `value` under `name` (lower-cased).
  public mutating func append(_ name: String, _ value: String) {
    entries.append(Entry(name: name.lowercased(), value: value))
  }

  /// The first value under `name`, which must be lower case.
  public subscript(first name: String) -> String? {
    entries.first { $0.name == name }?.value
  }

  /// Removes every entry named `name` (lower case).
  public mutating func removeAll(named name: String) {
    entries.removeAll { $0.name == name }
  }

  public var isEmpty: Bool { entries.isEmpty }

  public func makeIterator() -> IndexingIterator<[Entry]> { entries.makeIterator() }
}
