internal import CZlib

/// The message encodings (`grpc-encoding`) we can inflate: `gzip`, and `deflate` (the zlib
/// format, as gRPC means it). One zlib stream per message, as gRPC compresses each message
/// separately.
public enum GRPCCompression: String, Sendable, CaseIterable {
  case gzip
  case deflate

  /// The value for `grpc-accept-encoding` listing what we can decompress.
  public static let acceptEncodingHeaderValue = "gzip,deflate"

  /// Parses a `grpc-encoding` value (case-insensitive); `nil` for identity or unknown.
  public init?(headerValue: String) {
    switch headerValue.lowercased() {
    case "gzip": self = .gzip
    case "deflate": self = .deflate
    default: return nil
    }
  }

  /// zlib's window bits: 15, plus 16 to read or write the gzip wrapper instead of zlib's.
  private var windowBits: Int32 { self == .gzip ? 15 + 16 : 15 }

  /// Inflates one compressed message.
  ///
  /// - Parameter limit: the largest decompressed size accepted; checked while inflating, so a
  ///   small "zip bomb" never allocates more than `limit` plus one chunk.
  /// - Throws: `.messageTooLarge` over the limit, `.decompressionFailed` for corrupt, truncated
  ///   or trailing data.
  public func decompress(_ input: UnsafeRawBufferPointer, limit: Int) throws(GRPCError)
    -> [UInt8]
  {
    var stream = z_stream()
    guard cgw_zlib_inflate_init2(&stream, windowBits) == Z_OK else {
      throw GRPCError(code: .decompressionFailed, message: "\(rawValue): inflateInit2 failed")
    }
    defer { inflateEnd(&stream) }

    // One byte past the limit is enough to tell "over the limit".
    let cap = limit < Int.max ? max(limit, 0) + 1 : limit
    var output = [UInt8](repeating: 0, count: min(cap, max(input.count * 4, 256)))
    var produced = 0
    var result: Int32 = Z_OK
    let base = input.baseAddress?.assumingMemoryBound(to: Bytef.self)
    stream.next_in = base.map { UnsafeMutablePointer(mutating: $0) }
    stream.avail_in = UInt32(clamping: input.count)

    while true {
      if produced == output.count {
        guard output.count <= limit else { break }
        output.append(
          contentsOf: repeatElement(0, count: min(output.count, cap - output.count)))
      }
      result = output.withUnsafeMutableBufferPointer { out in
        stream.next_out = out.baseAddress! + produced
        stream.avail_out = UInt32(clamping: out.count - produced)
        let before = stream.avail_out
        let r = CZlib.inflate(&stream, Z_NO_FLUSH)
        produced += Int(before - stream.avail_out)
        return r
      }
      if result == Z_STREAM_END || produced > limit { break }
      guard result == Z_OK else { break }
      // Z_OK with no room left loops to grow; with room left zlib wants more input, which
      // means the message was truncated (avail_in is 0 here).
      if produced < output.count && stream.avail_in == 0 {
        result = Z_BUF_ERROR
        break
      }
    }
    if produced > limit {
      throw GRPCError(
        code: .messageTooLarge,
        message: "decompressed message exceeds the limit of \(limit) bytes")
    }
    guard result == Z_STREAM_END, stream.avail_in == 0 else {
      throw GRPCError(
        code: .decompressionFailed,
        message: "\(rawValue): corrupt or truncated message (zlib \(result))")
    }
    output.removeSubrange(produced...)
    return output
  }

  /// Compresses one message (level 6); for tests, benchmarks and compressed requests.
  public func compress(_ input: UnsafeRawBufferPointer) throws(GRPCError) -> [UInt8] {
    var stream = z_stream()
    guard cgw_zlib_deflate_init2(&stream, 6, windowBits) == Z_OK else {
      throw GRPCError(code: .decompressionFailed, message: "\(rawValue): deflateInit2 failed")
    }
    defer { deflateEnd(&stream) }
    let bound = Int(deflateBound(&stream, UInt(input.count))) + 32
    var output = [UInt8](repeating: 0, count: bound)
    let base = input.baseAddress?.assumingMemoryBound(to: Bytef.self)
    stream.next_in = base.map { UnsafeMutablePointer(mutating: $0) }
    stream.avail_in = UInt32(clamping: input.count)
    let result = output.withUnsafeMutableBufferPointer { out in
      stream.next_out = out.baseAddress!
      stream.avail_out = UInt32(clamping: out.count)
      return CZlib.deflate(&stream, Z_FINISH)
    }
    guard result == Z_STREAM_END else {
      throw GRPCError(code: .decompressionFailed, message: "\(rawValue): deflate failed")
    }
    output.removeSubrange(Int(stream.total_out)...)
    return output
  }
}
