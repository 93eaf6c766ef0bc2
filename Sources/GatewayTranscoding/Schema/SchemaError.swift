/// Why a descriptor set could not become a `SchemaPool`. The message names the file and, where
/// there is one, the symbol, so an operator can find the .proto to fix.
public struct SchemaError: Error, Sendable, CustomStringConvertible {
  /// What went wrong; a struct so cases can be added without breaking callers.
  public struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Wrapped: Hashable, Sendable {
      case malformedDescriptor, missingDependency, duplicateSymbol, unresolvedType
      case invalidDefinition, conflictingFile, limitExceeded
    }

    private let wrapped: Wrapped
    private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

    /// The bytes are not a valid serialized descriptor.
    public static let malformedDescriptor = Code(.malformedDescriptor)
    /// A file imports a file the set does not contain.
    public static let missingDependency = Code(.missingDependency)
    /// The same full name is defined twice.
    public static let duplicateSymbol = Code(.duplicateSymbol)
    /// A field or method names a type no file defines.
    public static let unresolvedType = Code(.unresolvedType)
    /// A definition protoc would have refused (field number 0, a map entry without a key, …).
    public static let invalidDefinition = Code(.invalidDefinition)
    /// The same file name appears twice with different content.
    public static let conflictingFile = Code(.conflictingFile)
    /// A size or depth beyond `SchemaLimits`.
    public static let limitExceeded = Code(.limitExceeded)

    public var description: String { "\(wrapped)" }
  }

  public var code: Code
  /// The file the problem is in (empty when the file's name is not known yet).
  public var file: String
  /// The full name of the symbol concerned, empty when none.
  public var symbol: String
  public var message: String

  public init(_ code: Code, file: String, symbol: String = "", _ message: String) {
    self.code = code
    self.file = file
    self.symbol = symbol
    self.message = message
  }

  public var description: String { message }
}
