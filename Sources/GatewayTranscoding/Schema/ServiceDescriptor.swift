/// How many messages each side sends.
public enum StreamingKind: String, Sendable {
  case unary, serverStreaming = "server_streaming", clientStreaming = "client_streaming"
  case bidirectional = "bidi_streaming"

  public init(clientStreaming: Bool, serverStreaming: Bool) {
    switch (clientStreaming, serverStreaming) {
    case (false, false): self = .unary
    case (false, true): self = .serverStreaming
    case (true, false): self = .clientStreaming
    case (true, true): self = .bidirectional
    }
  }

  public var clientStreams: Bool { self == .clientStreaming || self == .bidirectional }
  public var serverStreams: Bool { self == .serverStreaming || self == .bidirectional }
}

public struct MethodDescriptor: Sendable {
  public let name: String
  /// The gRPC path: `/pkg.Service/Method`.
  public let path: String
  /// Indices into `SchemaPool.messages`.
  public let inputType: Int
  public let outputType: Int
  public let kind: StreamingKind

  public init(name: String, path: String, inputType: Int, outputType: Int, kind: StreamingKind) {
    self.name = name
    self.path = path
    self.inputType = inputType
    self.outputType = outputType
    self.kind = kind
  }
}

public struct ServiceDescriptor: Sendable {
  public let fullName: String
  public let fileName: String
  public let methods: [MethodDescriptor]

  public init(fullName: String, fileName: String, methods: [MethodDescriptor]) {
    self.fullName = fullName
    self.fileName = fileName
    self.methods = methods
  }
}
