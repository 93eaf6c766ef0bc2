/// A gRPC-Web content type: `application/grpc-web` or `application/grpc-web-text`, each
/// optionally `+proto`, with any parameters (`; charset=...`) ignored. Matched
/// case-insensitively, as envoy does. Other subtypes (`+json`) are not accepted: frames pass
/// through to an agent that speaks protobuf.
public struct GRPCWebContentType: Sendable, Hashable {
  /// How the body is carried.
  public enum Encoding: Sendable, Hashable {
    /// Frames as bytes.
    case binary
    /// Frames base64-encoded (`-text`).
    case text
  }

  public var encoding: Encoding
  /// Whether the request spelled `+proto`.
  public var hasProtoSuffix: Bool

  public init(encoding: Encoding, hasProtoSuffix: Bool) {
    self.encoding = encoding
    self.hasProtoSuffix = hasProtoSuffix
  }

  /// Parses a `Content-Type` value; `nil` when it is not gRPC-Web.
  public init?(headerValue: String) {
    let mediaType =
      headerValue.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)
      .first.map { $0.trimmingASCIISpaces().lowercased() } ?? ""
    switch mediaType {
    case "application/grpc-web": self.init(encoding: .binary, hasProtoSuffix: false)
    case "application/grpc-web+proto": self.init(encoding: .binary, hasProtoSuffix: true)
    case "application/grpc-web-text": self.init(encoding: .text, hasProtoSuffix: false)
    case "application/grpc-web-text+proto": self.init(encoding: .text, hasProtoSuffix: true)
    default: return nil
    }
  }

  /// The response's `Content-Type`: the request's media type, canonically spelled.
  public var headerValue: String {
    switch (encoding, hasProtoSuffix) {
    case (.binary, false): "application/grpc-web"
    case (.binary, true): "application/grpc-web+proto"
    case (.text, false): "application/grpc-web-text"
    case (.text, true): "application/grpc-web-text+proto"
    }
  }
}

extension Substring {
  fileprivate func trimmingASCIISpaces() -> Substring {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
    guard let start = firstIndex(where: { !isSpace($0) }) else { return "" }
    let end = lastIndex(where: { !isSpace($0) })!
    return self[start...end]
  }
}
