/// Why a message could not be decoded or encoded, and where: `path` names the field the way a
/// caller wrote it (`items[2].createdAt`, `labels["x"]`), empty for the top level.
public struct TranscodingError: Error, Sendable, Equatable, CustomStringConvertible {
  public enum Kind: Sendable, Equatable {
    /// Not JSON at all (syntax), or nested deeper than the limit.
    case malformedJSON
    /// Valid JSON that does not fit the message type: wrong type, out of range, unknown field
    /// or enum name, two members of a oneof, a bad well-known-type string.
    case invalidValue
    /// Bad protobuf wire bytes (truncated, bad tag, invalid UTF-8 in a string).
    case malformedBinary
    /// The message cannot be written in the requested form (a Timestamp out of range, a
    /// FieldMask path that does not round-trip, an Any whose type is unknown).
    case unencodable
  }

  public var kind: Kind
  public var path: String
  public var message: String

  public init(_ kind: Kind, path: String = "", _ message: String) {
    self.kind = kind
    self.path = path
    self.message = message
  }

  public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// JSON output options. The gateway's default (lowerCamelCase, defaults included) is the
/// contract's; the conformance suite wants defaults omitted.
public struct JSONEncodingOptions: Sendable {
  /// Write the .proto field names (`created_at`) instead of the JSON names.
  public var useProtoNames = false
  /// Write fields without presence that hold their default value (0, "", [], {}).
  public var emitDefaultValues = true

  public init(useProtoNames: Bool = false, emitDefaultValues: Bool = true) {
    self.useProtoNames = useProtoNames
    self.emitDefaultValues = emitDefaultValues
  }
}

public struct JSONDecodingOptions: Sendable {
  /// Skip object keys that name no field instead of rejecting the input.
  public var ignoreUnknownFields = false
  /// Nesting budget for objects and arrays (swift-protobuf's and Python's is 100).
  public var maxDepth = 100

  public init(ignoreUnknownFields: Bool = false, maxDepth: Int = 100) {
    self.ignoreUnknownFields = ignoreUnknownFields
    self.maxDepth = maxDepth
  }
}
