/// Every size and count limit the HTTP/1.1 request parser enforces, in one place.
///
/// Each limit is checked before the bytes it guards are buffered past it, so a peer can make the
/// parser hold at most about `maxHeaderBlockSize` bytes of head, and never more than
/// `maxBodySize` bytes of body in total for one request.
public struct HTTPParserLimits: Sendable, Equatable {
  /// Longest request line, without its CRLF. Default 8 KiB: the common server default
  /// (nginx, NIO's llhttp); gRPC paths are short, so anything longer is hostile or a mistake.
  public var maxRequestLineLength: Int

  /// Largest header block: request line, header lines, CRLFs and the empty line together (and,
  /// separately, a chunked body's trailer block). Default 64 KiB: room for large metadata
  /// headers while bounding what one connection can make us buffer.
  public var maxHeaderBlockSize: Int

  /// Most header fields in one request (and, separately, trailer fields). Default 100, as
  /// llhttp-based servers and Go's tolerance in practice; real clients send about ten.
  public var maxHeaderCount: Int

  /// Largest request body, decoded. Default 4 MiB: gRPC's default maximum message size, since
  /// a body becomes (at most) one gRPC message or a stream of them.
  public var maxBodySize: Int

  /// Longest chunk-size line of a chunked body (hex size plus ignored extensions), without its
  /// CRLF. Default 1 KiB: a size needs 16 digits; extensions are never used by our clients.
  public var maxChunkSizeLineLength: Int

  /// Creates limits; every argument defaults to the documented default.
  public init(
    maxRequestLineLength: Int = 8 * 1024,
    maxHeaderBlockSize: Int = 64 * 1024,
    maxHeaderCount: Int = 100,
    maxBodySize: Int = 4 * 1024 * 1024,
    maxChunkSizeLineLength: Int = 1024
  ) {
    self.maxRequestLineLength = maxRequestLineLength
    self.maxHeaderBlockSize = maxHeaderBlockSize
    self.maxHeaderCount = maxHeaderCount
    self.maxBodySize = maxBodySize
    self.maxChunkSizeLineLength = maxChunkSizeLineLength
  }
}
