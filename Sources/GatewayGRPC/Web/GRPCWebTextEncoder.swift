import GatewayCore

/// Encodes response bytes for `application/grpc-web-text`.
///
/// Each flushed unit (whole frames, or the trailer frame) is encoded on its own and padded.
/// Padding per unit rather than carrying a remainder means every byte of a frame is on the wire
/// as soon as the frame is: with a carried remainder, up to 2 bytes of a streamed message would
/// wait for the next message, and the client could not finish decoding it. Clients decode
/// 4-character groups and accept padding between units (the gRPC-Web spec says not to assume
/// padding only at the end; envoy's filter encodes each frame the same way).
public enum GRPCWebTextEncoder {
  /// Appends the padded base64 of `unit` to `output`.
  public static func encode(unit: UnsafeRawBufferPointer, appendingTo output: inout [UInt8]) {
    Base64.encode(unit, appendingTo: &output)
  }

  /// The padded base64 of `unit`.
  public static func encode(unit: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(Base64.encodedCount(unit.count))
    unit.withUnsafeBytes { Base64.encode($0, appendingTo: &out) }
    return out
  }
}
