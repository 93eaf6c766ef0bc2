public import GatewayCore

/// The HTTP/2 request headers of one call to the agent.
///
/// `path` and `authority` become `:path` and `:authority` (libcurl builds the pseudo-headers
/// from the URL); `fields` are the regular headers in the order gRPC recommends: `grpc-timeout`
/// first, then the call definition, then the caller's metadata.
public struct GRPCRequestHeaders: Sendable, Equatable {
  /// One header field, name lower case.
  public struct Field: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
      self.name = name
      self.value = value
    }
  }

  /// The method path, `/package.Service/Method`.
  public var path: String
  /// The `:authority`, when the caller chose one (else the URL's host).
  public var authority: String?
  /// The regular header fields.
  public var fields: [Field]

  /// The default `user-agent`.
  public static let defaultUserAgent = "grpc-swift-session-gateway/0.1"

  /// Names never taken from caller metadata: HTTP/2 connection-specific headers, the ones we set
  /// ourselves, and `host` (HTTP/1's `:authority`). Every `grpc-` name is reserved as well.
  public static let droppedMetadataNames: Set<String> = [
    "connection", "keep-alive", "proxy-connection", "te", "host", "transfer-encoding",
    "upgrade", "content-length", "content-type", "user-agent", "expect", "http2-settings",
  ]

  /// Builds the headers for a call.
  ///
  /// - Parameters:
  ///   - path: the method path; must start with `/`.
  ///   - authority: the `:authority`, or `nil` for the URL's host.
  ///   - timeout: the time left until the deadline, or `nil` for none.
  ///   - metadata: the caller's metadata (including `authorization`); reserved and hop-by-hop
  ///     names are dropped (see `isForwardableRequestMetadata`).
  ///   - acceptEncoding: the `grpc-accept-encoding` value, or `nil` to send none. JSON calls
  ///     offer what we inflate; gRPC-Web calls offer only what the caller accepts.
  ///   - messageEncoding: the `grpc-encoding` of the request messages (gRPC-Web callers may
  ///     send compressed frames), or `nil` for identity.
  ///   - userAgent: the `user-agent` value.
  /// - Throws: `.invalidMetadata` when a kept metadata name or value is not valid gRPC
  ///   metadata (names `[0-9a-z_.-]+`, values printable ASCII; CR, LF and NUL never pass), or
  ///   when `path` does not start with `/` or holds a control character.
  public init(
    path: String,
    authority: String? = nil,
    timeout: GRPCTimeout?,
    metadata: Metadata,
    acceptEncoding: String? = GRPCCompression.acceptEncodingHeaderValue,
    messageEncoding: String? = nil,
    userAgent: String = defaultUserAgent
  ) throws(GRPCError) {
    guard path.utf8.first == UInt8(ascii: "/"), Self.isValidValue(path) else {
      throw GRPCError(code: .invalidMetadata, message: "invalid method path")
    }
    if let authority, !Self.isValidValue(authority) {
      throw GRPCError(code: .invalidMetadata, message: "invalid authority")
    }
    self.path = path
    self.authority = authority
    var fields: [Field] = []
    fields.reserveCapacity(6 + metadata.entries.count)
    if let timeout { fields.append(Field("grpc-timeout", timeout.headerValue)) }
    fields.append(Field("content-type", "application/grpc"))
    fields.append(Field("te", "trailers"))
    if let messageEncoding {
      guard Self.isValidValue(messageEncoding) else {
        throw GRPCError(code: .invalidMetadata, message: "invalid grpc-encoding")
      }
      fields.append(Field("grpc-encoding", messageEncoding))
    }
    if let acceptEncoding {
      guard Self.isValidValue(acceptEncoding) else {
        throw GRPCError(code: .invalidMetadata, message: "invalid grpc-accept-encoding")
      }
      fields.append(Field("grpc-accept-encoding", acceptEncoding))
    }
    fields.append(Field("user-agent", userAgent))
    for entry in metadata where Self.isForwardableRequestMetadata(entry.name) {
      guard Self.isValidName(entry.name) else {
        throw GRPCError(code: .invalidMetadata, message: "invalid metadata name")
      }
      guard Self.isValidValue(entry.value) else {
        throw GRPCError(code: .invalidMetadata, message: "invalid value for metadata \(entry.name)")
      }
      if entry.name.hasSuffix("-bin"), !Self.isValidBinaryValue(entry.value) {
        throw GRPCError(
          code: .invalidMetadata, message: "invalid base64 in binary metadata \(entry.name)")
      }
      fields.append(Field(entry.name, entry.value))
    }
    self.fields = fields
  }

  /// Whether caller metadata named `name` (lower case) goes to the agent: not a pseudo-header,
  /// not hop-by-hop or set by us, not in gRPC's reserved `grpc-` space.
  public static func isForwardableRequestMetadata(_ name: String) -> Bool {
    if name.utf8.first == UInt8(ascii: ":") || name.hasPrefix("grpc-") { return false }
    return !droppedMetadataNames.contains(name)
  }

  /// `name: value` lines for `curl_slist_append`. An empty value is written `name;`, which is
  /// how libcurl sends a header with no value.
  public var curlHeaderLines: [String] {
    fields.map { $0.value.isEmpty ? "\($0.name);" : "\($0.name): \($0.value)" }
  }

  /// `curlHeaderLines` with the `grpc-timeout` line set to `timeout` (added first when there was
  /// none): a retried call tells the agent the time that is left, not the original timeout.
  public static func curlHeaderLines(_ lines: [String], timeout: GRPCTimeout) -> [String] {
    var lines = lines
    let line = "grpc-timeout: " + timeout.headerValue
    if let index = lines.firstIndex(where: { $0.lowercased().hasPrefix("grpc-timeout:") }) {
      lines[index] = line
    } else {
      lines.insert(line, at: 0)
    }
    return lines
  }

  /// gRPC's Header-Name: `1*( %x30-39 / %x61-7A / "_" / "-" / ".")`.
  static func isValidName(_ name: String) -> Bool {
    guard !name.isEmpty else { return false }
    return name.utf8.allSatisfy { byte in
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
        UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."):
        true
      default: false
      }
    }
  }

  /// Whether `value` can be a binary (`-bin`) metadata value: standard base64, padded or not,
  /// as gRPC receivers must accept. A comma-joined list is refused: PROTOCOL-HTTP2 lets
  /// duplicate binary headers be joined with ",", but grpc-core and grpc-go agents fail such a
  /// value ("illegal base64 encoding"); a caller sends two headers instead.
  public static func isValidBinaryValue(_ value: String) -> Bool {
    value.isEmpty || Base64.decode(value) != nil
  }

  /// gRPC's ASCII-Value range, `%x20-%x7E` (so never CR, LF or NUL).
  static func isValidValue(_ value: String) -> Bool {
    value.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E }
  }
}
