public import GatewayCore

/// Which agent metadata may reach a caller, as gRPC-Web headers or trailers (and as
/// `Grpc-Metadata-*`/`Grpc-Trailer-*` headers in JSON mode).
public enum GRPCWebMetadataFilter {
  /// Names never passed on: `authorization` (the session token must never reach the caller),
  /// HTTP/2 connection-specific and framing headers, and the ones the gateway writes itself.
  public static let droppedNames: Set<String> = [
    "authorization", "connection", "keep-alive", "proxy-connection", "te", "host",
    "transfer-encoding", "upgrade", "content-length", "content-type", "http2-settings",
    "grpc-status", "grpc-message",
  ]

  /// Whether metadata named `name` (lower case) may be passed to the caller.
  public static func allowsForwarding(_ name: String) -> Bool {
    name.utf8.first != UInt8(ascii: ":") && !droppedNames.contains(name)
  }

  /// Whether `name: value` may be written into an HTTP/1.1 header block: a non-empty name of
  /// token characters we expect in gRPC metadata, and a value without CR, LF or NUL.
  public static func isWritable(name: String, value: String) -> Bool {
    !name.isEmpty
      && name.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }
      && !value.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 }
  }

  /// The entries of `metadata` that may be passed on and written.
  public static func filter(_ metadata: Metadata) -> Metadata {
    var out = Metadata()
    for entry in metadata
    where allowsForwarding(entry.name) && isWritable(name: entry.name, value: entry.value) {
      out.append(entry.name, entry.value)
    }
    return out
  }
}
