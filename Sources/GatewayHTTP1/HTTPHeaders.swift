/// HTTP header fields: ordered name/value pairs with case-insensitive lookup.
///
/// Names keep the case they arrived (or were added) with; order and duplicates are preserved,
/// since some fields repeat (`Grpc-Metadata-*`). Lookups compare ASCII case-insensitively
/// without allocating. Values hold no surrounding whitespace when they come from the parser.
public struct HTTPHeaders: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
  /// One field as it appeared.
  public struct Field: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
      self.name = name
      self.value = value
    }
  }

  /// The fields in order.
  public private(set) var fields: [Field]

  /// Empty headers.
  public init() { fields = [] }

  /// Headers from `(name, value)` pairs, in order.
  public init(_ pairs: [(String, String)]) {
    fields = pairs.map { Field(name: $0.0, value: $0.1) }
  }

  public init(dictionaryLiteral elements: (String, String)...) { self.init(elements) }

  /// The number of fields.
  public var count: Int { fields.count }
  public var isEmpty: Bool { fields.isEmpty }

  /// Appends a field, keeping any existing ones with the same name.
  public mutating func add(name: String, value: String) {
    fields.append(Field(name: name, value: value))
  }

  /// Removes every field named `name` (any case).
  public mutating func remove(name: String) {
    fields.removeAll { HTTPBytes.equalsIgnoringCase($0.name, name) }
  }

  /// Replaces every field named `name` by one field with `value`, at the first one's position.
  public mutating func replaceOrAdd(name: String, value: String) {
    if let first = fields.firstIndex(where: { HTTPBytes.equalsIgnoringCase($0.name, name) }) {
      fields[first].value = value
      var index = fields.index(after: first)
      while index < fields.endIndex {
        if HTTPBytes.equalsIgnoringCase(fields[index].name, name) {
          fields.remove(at: index)
        } else {
          index += 1
        }
      }
    } else {
      add(name: name, value: value)
    }
  }

  /// The first value of the field named `name` (any case), or nil.
  public subscript(name: String) -> String? {
    fields.first { HTTPBytes.equalsIgnoringCase($0.name, name) }?.value
  }

  /// Every value of the fields named `name` (any case), in order.
  public func values(for name: String) -> [String] {
    fields.lazy.filter { HTTPBytes.equalsIgnoringCase($0.name, name) }.map(\.value)
  }

  /// Whether a field named `name` (any case) is present.
  public func contains(name: String) -> Bool { self[name] != nil }

  /// Whether any comma-separated element of any `name` field equals `token` (any case).
  public func containsToken(_ token: String, in name: String) -> Bool {
    var token = token
    return token.withUTF8 { tokenBytes in
      var found = false
      for field in fields where HTTPBytes.equalsIgnoringCase(field.name, name) {
        HTTPBytes.forEachListElement(field.value) { element in
          found = HTTPBytes.equalsIgnoringCase(element, tokenBytes)
          return !found
        }
        if found { break }
      }
      return found
    }
  }

  public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }
}
