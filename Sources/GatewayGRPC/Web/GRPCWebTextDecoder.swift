import GatewayCore

/// Decodes a `application/grpc-web-text` request body incrementally.
///
/// The body is base64 in 4-character groups. A group may end in padding anywhere in the
/// stream, since a client may encode each frame separately and concatenate the results
/// (grpc-web's text mode). Characters of an incomplete group are carried to the next chunk, so
/// any split of the body decodes the same. At the end, a left-over partial group is an error:
/// padding is mandatory at the end, as in envoy's grpc_web filter. Line breaks, spaces and tabs
/// are skipped wherever they appear, so `base64 < frames` (76-column lines, a final newline)
/// works as a body. Errors are sticky.
public struct GRPCWebTextDecoder: Sendable {
  /// Up to 3 characters of an incomplete group.
  private var carry: [UInt8] = []
  private var error: GRPCError?

  public init() { carry.reserveCapacity(4) }

  /// Decodes `chunk`, appending whole bytes to `output`.
  ///
  /// - Throws: `.invalidBase64` for a character outside the standard alphabet or misplaced
  ///   padding.
  public mutating func decode(_ chunk: UnsafeRawBufferPointer, appendingTo output: inout [UInt8])
    throws(GRPCError)
  {
    if let error { throw error }
    if chunk.contains(where: Self.isWhitespace) {
      let compact = chunk.filter { !Self.isWhitespace($0) }
      try compact.withUnsafeBytes { raw in
        Result { () throws(GRPCError) in try decodeCompact(raw, &output) }
      }.get()
    } else {
      try decodeCompact(chunk, &output)
    }
  }

  private static func isWhitespace(_ byte: UInt8) -> Bool {
    byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: " ")
      || byte == UInt8(ascii: "\t")
  }

  private mutating func decodeCompact(
    _ chunk: UnsafeRawBufferPointer, _ output: inout [UInt8]
  ) throws(GRPCError) {
    var input = chunk[...]
    if !carry.isEmpty {
      let needed = 4 - carry.count
      carry.append(contentsOf: input.prefix(needed))
      input = input.dropFirst(needed)
      guard carry.count == 4 else { return }
      let ok = carry.withUnsafeBytes {
        Base64.decodeGroupsAllowingPadding($0, appendingTo: &output)
      }
      carry.removeAll(keepingCapacity: true)
      guard ok else { throw fail() }
    }
    let whole = input.count / 4 * 4
    let groups = UnsafeRawBufferPointer(rebasing: input.prefix(whole))
    guard Base64.decodeGroupsAllowingPadding(groups, appendingTo: &output) else { throw fail() }
    carry.append(contentsOf: input.dropFirst(whole))
  }

  /// Decodes `chunk`, appending whole bytes to `output`.
  public mutating func decode(_ chunk: [UInt8], appendingTo output: inout [UInt8])
    throws(GRPCError)
  {
    try chunk.withUnsafeBytes { raw in
      Result { () throws(GRPCError) in try decode(raw, appendingTo: &output) }
    }.get()
  }

  /// The body ended.
  ///
  /// - Throws: `.truncatedBase64` when it ended inside a 4-character group.
  public mutating func finish() throws(GRPCError) {
    if let error { throw error }
    guard carry.isEmpty else {
      let error = GRPCError(
        code: .truncatedBase64, message: "grpc-web-text body ended inside a base64 group")
      self.error = error
      throw error
    }
  }

  private mutating func fail() -> GRPCError {
    let error = GRPCError(code: .invalidBase64, message: "invalid base64 in grpc-web-text body")
    self.error = error
    return error
  }
}
