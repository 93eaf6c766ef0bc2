/// Fetching every schema the agent serves through gRPC server reflection, sans-IO.
///
/// Reflection is a bidirectional stream, but each round here is one stream whose requests are
/// all known up front, so the IO side sends them as one body and hands back all responses:
///
/// ```
/// nextRound()                  -> .send([request])  list_services
/// received(responses)          -> .send([...])      file_containing_symbol per service
/// received(responses)          -> .send([...])      file_by_filename per missing dependency
/// received(responses)          -> .done(schemas)    every FileDescriptorProto, deduplicated
/// ```
///
/// A service whose file the agent will not give (an error response to its
/// `file_containing_symbol`, or no file) is named in the result with why: its methods are not
/// known to be missing, only unknown. Works for `grpc.reflection.v1` and `v1alpha` alike
/// (their messages are identical).
public struct ReflectionFetch: Sendable {
  /// The two service paths, newest first.
  public static let v1Path = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"
  public static let v1alphaPath = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"

  public enum Action: Sendable, Equatable {
    /// Send these serialized `ServerReflectionRequest`s in one stream and report the responses.
    case send([[UInt8]])
    /// The fetch is over.
    case done(Schemas)
  }

  /// What a fetch found.
  public struct Schemas: Sendable, Equatable {
    /// Every file fetched, serialized `FileDescriptorProto`s, dependencies included.
    public var files: [[UInt8]]
    /// The services the agent listed, reflection's own left out.
    public var services: [String]
    /// Why a listed service's file was not fetched, by service name: the agent's error
    /// message, "no file in the answer", or "no answer".
    public var errors: [String: String]

    public init(files: [[UInt8]], services: [String], errors: [String: String]) {
      self.files = files
      self.services = services
      self.errors = errors
    }
  }

  public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
  }

  private enum State: Sendable {
    /// Nothing sent yet.
    case idle
    /// Waiting for the service list.
    case listing
    /// Waiting for the files of the listed services, one answer per service.
    case fetchingServiceFiles
    /// Waiting for files; `requested` names what is outstanding or was asked for.
    case fetchingFiles
    case finished
  }

  private var state = State.idle
  /// File name to its serialized FileDescriptorProto, in arrival order.
  private var files: [String: [UInt8]] = [:]
  private var order: [String] = []
  private var requestedNames: Set<String> = []
  private var services: [String] = []
  private var serviceErrors: [String: String] = [:]
  /// Limits against a hostile or broken agent.
  public static let maxRounds = 64
  public static let maxFiles = 10_000
  private var rounds = 0

  public init() {}

  public mutating func start() -> Action {
    state = .listing
    rounds = 1
    return .send([Self.request(field: 7, value: "*")])
  }

  /// The responses of the last round, in order.
  public mutating func received(_ responses: [[UInt8]]) throws(Failure) -> Action {
    rounds += 1
    guard rounds <= Self.maxRounds else { throw Failure("reflection did not converge") }
    switch state {
    case .listing:
      var services: [String] = []
      for response in responses {
        let parsed = try Self.parse(response)
        if let error = parsed.error { throw Failure("reflection list_services failed: \(error)") }
        services.append(contentsOf: parsed.services)
      }
      state = .fetchingServiceFiles
      self.services = services.filter { !$0.hasPrefix("grpc.reflection.") }
      if self.services.isEmpty { return finish() }
      return .send(self.services.map { Self.request(field: 4, value: $0) })
    case .fetchingServiceFiles, .fetchingFiles:
      // Answers come in the order of the requests: in the first round, one per service.
      let isServiceRound = state == .fetchingServiceFiles
      state = .fetchingFiles
      for (index, response) in responses.enumerated() {
        let parsed = try Self.parse(response)
        if isServiceRound, index < services.count, parsed.error != nil || parsed.files.isEmpty {
          serviceErrors[services[index]] = parsed.error ?? "no file in the answer"
        }
        // A missing dependency is reported by the pool with the file and symbol that need it.
        if parsed.error != nil { continue }
        try add(parsed.files)
      }
      if isServiceRound {
        for service in services.dropFirst(responses.count) { serviceErrors[service] = "no answer" }
      }
      var missing: [String] = []
      for name in order {
        for dependency in (try? Self.fileHeader(files[name]!).dependencies) ?? []
        where files[dependency] == nil && !requestedNames.contains(dependency) {
          requestedNames.insert(dependency)
          missing.append(dependency)
        }
      }
      if missing.isEmpty { return finish() }
      return .send(missing.map { Self.request(field: 3, value: $0) })
    case .idle, .finished:
      throw Failure("reflection responses out of order")
    }
  }

  private mutating func add(_ received: [[UInt8]]) throws(Failure) {
    for file in received {
      let header = try Self.fileHeader(file)
      if files[header.name] == nil {
        guard files.count < Self.maxFiles else { throw Failure("too many schema files") }
        files[header.name] = file
        order.append(header.name)
      }
    }
  }

  private mutating func finish() -> Action {
    state = .finished
    return .done(
      Schemas(files: order.map { files[$0]! }, services: services, errors: serviceErrors))
  }

  // MARK: The few messages involved, by hand

  /// `ServerReflectionRequest` with one string member of its `message_request` oneof.
  static func request(field: UInt64, value: String) -> [UInt8] {
    var bytes: [UInt8] = []
    appendVarint(field << 3 | 2, to: &bytes)
    appendVarint(UInt64(value.utf8.count), to: &bytes)
    bytes.append(contentsOf: value.utf8)
    return bytes
  }

  private struct Parsed {
    var services: [String] = []
    var files: [[UInt8]] = []
    var error: String?
  }

  /// `ServerReflectionResponse`: 4 file_descriptor_response{1: bytes*}, 6 list_services_response
  /// {1: ServiceResponse{1: name}*}, 7 error_response{1: code, 2: message}.
  private static func parse(_ response: [UInt8]) throws(Failure) -> Parsed {
    var parsed = Parsed()
    for field in try fields(response) {
      switch (field.number, field.bytes) {
      case (4, let body?):
        for inner in try fields(body) where inner.number == 1 {
          if let file = inner.bytes { parsed.files.append(file) }
        }
      case (6, let body?):
        for service in try fields(body) where service.number == 1 {
          guard let serviceBody = service.bytes else { continue }
          for name in try fields(serviceBody) where name.number == 1 {
            if let text = name.bytes {
              parsed.services.append(String(decoding: text, as: UTF8.self))
            }
          }
        }
      case (7, let body?):
        var message = "error"
        for inner in try fields(body) where inner.number == 2 {
          if let text = inner.bytes { message = String(decoding: text, as: UTF8.self) }
        }
        parsed.error = message
      default: break
      }
    }
    return parsed
  }

  /// A FileDescriptorProto's name (1) and dependencies (3).
  private static func fileHeader(_ file: [UInt8]) throws(Failure) -> (
    name: String, dependencies: [String]
  ) {
    var name = ""
    var dependencies: [String] = []
    for field in try fields(file) {
      guard let bytes = field.bytes else { continue }
      if field.number == 1 { name = String(decoding: bytes, as: UTF8.self) }
      if field.number == 3 { dependencies.append(String(decoding: bytes, as: UTF8.self)) }
    }
    return (name, dependencies)
  }

  /// Top-level fields; `bytes` set for length-delimited ones.
  private static func fields(_ data: [UInt8]) throws(Failure) -> [(number: UInt64, bytes: [UInt8]?)]
  {
    var result: [(number: UInt64, bytes: [UInt8]?)] = []
    var index = 0
    func varint() throws(Failure) -> UInt64 {
      var value: UInt64 = 0
      var shift: UInt64 = 0
      while true {
        guard index < data.count, shift < 64 else { throw Failure("malformed reflection response") }
        let byte = data[index]
        index += 1
        value |= UInt64(byte & 0x7F) << shift
        if byte < 0x80 { return value }
        shift += 7
      }
    }
    while index < data.count {
      let tag = try varint()
      switch tag & 7 {
      case 0:
        _ = try varint()
        result.append((tag >> 3, nil))
      case 1, 5:
        let size = tag & 7 == 1 ? 8 : 4
        guard data.count - index >= size else { throw Failure("malformed reflection response") }
        index += size
        result.append((tag >> 3, nil))
      case 2:
        let length = try varint()
        guard length <= UInt64(data.count - index) else {
          throw Failure("malformed reflection response")
        }
        result.append((tag >> 3, Array(data[index..<index + Int(length)])))
        index += Int(length)
      default: throw Failure("malformed reflection response")
      }
    }
    return result
  }

  private static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
    var value = value
    while value >= 0x80 {
      bytes.append(UInt8(value & 0x7F) | 0x80)
      value >>= 7
    }
    bytes.append(UInt8(value))
  }
}
