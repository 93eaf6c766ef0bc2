public import GatewayCore

/// The gRPC-Web trailer frame: flag `0x80`, a big-endian length, then `name:value\r\n` lines
/// with lower-case names (an HTTP/1 header block without its final empty line).
public enum GRPCWebTrailers {
  /// The flag byte of an uncompressed trailer frame.
  public static let flag: UInt8 = 0x80

  /// Appends the trailer frame for `status` to `output`.
  ///
  /// Lines: `grpc-status`, `grpc-message` (when not empty; `encodedMessage`, so exactly as the
  /// agent sent it, still percent-encoded), then the status metadata that
  /// `GRPCWebMetadataFilter` lets through, in order.
  public static func appendFrame(for status: GRPCStatus, to output: inout [UInt8]) {
    let prefixIndex = output.count
    output.append(contentsOf: repeatElement(0, count: GRPCMessageFramer.prefixLength))
    appendLine("grpc-status", String(status.code.rawValue), to: &output)
    if !status.encodedMessage.isEmpty {
      // A message we cannot write safely is dropped rather than corrupting the block.
      if GRPCWebMetadataFilter.isWritable(name: "grpc-message", value: status.encodedMessage) {
        appendLine("grpc-message", status.encodedMessage, to: &output)
      }
    }
    for entry in GRPCWebMetadataFilter.filter(status.metadata) {
      appendLine(entry.name, entry.value, to: &output)
    }
    let length = output.count - prefixIndex - GRPCMessageFramer.prefixLength
    // The block of a status is far below 4 GiB: metadata is bounded by the transport's
    // header limits.
    try? GRPCMessageFramer.writePrefix(flag: flag, length: length, into: &output, at: prefixIndex)
  }

  /// The trailer frame for `status`.
  public static func frame(for status: GRPCStatus) -> [UInt8] {
    var out: [UInt8] = []
    appendFrame(for: status, to: &out)
    return out
  }

  /// Parses a whole trailer frame (prefix included) into metadata, names lower-cased, values
  /// with surrounding spaces trimmed.
  ///
  /// - Throws: `.invalidTrailers` when the prefix is not an uncompressed trailer frame, its
  ///   length does not match, or a line has no `:` or does not end in CRLF.
  public static func parse(frame: [UInt8]) throws(GRPCError) -> Metadata {
    let prefix = GRPCMessageFramer.prefixLength
    guard frame.count >= prefix, frame[0] == flag else {
      throw invalid("not a trailer frame")
    }
    let length = Int(frame[1]) << 24 | Int(frame[2]) << 16 | Int(frame[3]) << 8 | Int(frame[4])
    guard frame.count - prefix == length else { throw invalid("trailer frame length mismatch") }
    return try parse(block: frame[prefix...])
  }

  /// Parses a trailer block (the frame's payload).
  public static func parse(block: ArraySlice<UInt8>) throws(GRPCError) -> Metadata {
    var metadata = Metadata()
    var rest = block
    while !rest.isEmpty {
      guard let cr = rest.firstIndex(of: 0x0D), cr + 1 < rest.endIndex, rest[cr + 1] == 0x0A
      else { throw invalid("trailer line without CRLF") }
      let line = rest[rest.startIndex..<cr]
      guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex else {
        throw invalid("trailer line without a name")
      }
      let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self)
      var value = line[(colon + 1)...]
      while value.first == UInt8(ascii: " ") || value.first == 0x09 { value = value.dropFirst() }
      while value.last == UInt8(ascii: " ") || value.last == 0x09 { value = value.dropLast() }
      metadata.append(name, String(decoding: value, as: UTF8.self))
      rest = rest[(cr + 2)...]
    }
    return metadata
  }

  private static func appendLine(_ name: String, _ value: String, to output: inout [UInt8]) {
    output.append(contentsOf: name.lowercased().utf8)
    output.append(UInt8(ascii: ":"))
    output.append(contentsOf: value.utf8)
    output.append(0x0D)
    output.append(0x0A)
  }

  private static func invalid(_ message: String) -> GRPCError {
    GRPCError(code: .invalidTrailers, message: message)
  }
}
