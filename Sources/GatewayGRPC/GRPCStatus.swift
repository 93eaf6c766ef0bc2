public import GatewayCore

/// The outcome of a gRPC call: a status code, a message and the trailing metadata.
public struct GRPCStatus: Sendable, Equatable, CustomStringConvertible {
  public var code: GRPCStatusCode
  /// The message, percent-decoded.
  public var message: String
  /// The message as it goes on the wire (`grpc-message`): exactly what the agent sent, or the
  /// percent-encoding of `message` for a status we made.
  public var encodedMessage: String
  /// Trailing metadata, without `grpc-status` and `grpc-message`.
  public var metadata: Metadata

  /// A status we make ourselves; `encodedMessage` is `message` percent-encoded.
  public init(code: GRPCStatusCode, message: String = "", metadata: Metadata = Metadata()) {
    self.code = code
    self.message = message
    self.encodedMessage = Self.percentEncode(message)
    self.metadata = metadata
  }

  /// A status received from a peer, keeping its `grpc-message` as sent.
  public init(code: GRPCStatusCode, encodedMessage: String, metadata: Metadata) {
    self.code = code
    self.message = Self.percentDecode(encodedMessage)
    self.encodedMessage = encodedMessage
    self.metadata = metadata
  }

  public var description: String { "\(code): \(message)" }

  // MARK: grpc-message percent-encoding

  /// Percent-encodes `message` as gRPC's `grpc-message` wants: bytes outside `%x20-%x7E` and
  /// `%` itself become `%XX` (upper-case hex) of their UTF-8 bytes.
  public static func percentEncode(_ message: String) -> String {
    let utf8 = message.utf8
    guard utf8.contains(where: needsEncoding) else { return message }
    var out: [UInt8] = []
    out.reserveCapacity(utf8.count + 16)
    for byte in utf8 {
      if needsEncoding(byte) {
        out.append(UInt8(ascii: "%"))
        out.append(hexDigits[Int(byte >> 4)])
        out.append(hexDigits[Int(byte & 0xF)])
      } else {
        out.append(byte)
      }
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// Decodes a `grpc-message` value. Never fails: an invalid `%` escape is kept literally, and
  /// the decoded bytes are read as UTF-8 with U+FFFD for invalid sequences (the spec's allowed
  /// lenient behaviours).
  public static func percentDecode(_ encoded: String) -> String {
    let utf8 = encoded.utf8
    guard utf8.contains(UInt8(ascii: "%")) else { return encoded }
    var out: [UInt8] = []
    out.reserveCapacity(utf8.count)
    var iterator = Array(utf8)[...]
    while let byte = iterator.popFirst() {
      if byte == UInt8(ascii: "%"), iterator.count >= 2,
        let high = hexValue(iterator[iterator.startIndex]),
        let low = hexValue(iterator[iterator.startIndex + 1])
      {
        out.append(high << 4 | low)
        iterator = iterator.dropFirst(2)
      } else {
        out.append(byte)
      }
    }
    return String(decoding: out, as: UTF8.self)
  }

  private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

  @inline(__always)
  private static func needsEncoding(_ byte: UInt8) -> Bool {
    byte < 0x20 || byte > 0x7E || byte == UInt8(ascii: "%")
  }

  @inline(__always)
  private static func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
  }
}
