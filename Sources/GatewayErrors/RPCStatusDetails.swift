import GatewayCore

/// `grpc-status-details-bin`: a `google.rpc.Status` (fields 1 `code`, 2 `message`, 3 repeated
/// `google.protobuf.Any` with 1 `type_url` and 2 `value`), decoded by hand — it is the only
/// message the error mapping reads, and the mapping must work without schemas.
public struct RPCStatusDetails: Sendable, Equatable {
  public struct Detail: Sendable, Equatable {
    public var typeURL: String
    public var value: [UInt8]
  }

  public var code: Int = 0
  public var message: String = ""
  public var details: [Detail] = []

  /// Decodes the metadata value (base64, padding optional); nil when it is not a valid Status.
  public init?(base64 text: String) {
    guard let bytes = Base64.decode(Substring(text).trimming(" \t"), alphabet: .standard) else { return nil }
    self.init(bytes: bytes)
  }

  /// Decodes a serialized `google.rpc.Status`; nil on malformed wire data. Unknown fields are
  /// skipped; at most 64 details are kept.
  public init?(bytes: [UInt8]) {
    var reader = WireReader(bytes: bytes[...])
    while !reader.isAtEnd {
      guard let (field, wireType) = reader.key() else { return nil }
      switch (field, wireType) {
      case (1, 0):
        guard let value = reader.varint() else { return nil }
        code = Int(Int32(truncatingIfNeeded: value))
      case (2, 2):
        guard let value = reader.lengthDelimited() else { return nil }
        message = String(decoding: value, as: UTF8.self)
      case (3, 2):
        guard let value = reader.lengthDelimited() else { return nil }
        var any = WireReader(bytes: value)
        var detail = Detail(typeURL: "", value: [])
        while !any.isAtEnd {
          guard let (anyField, anyType) = any.key() else { return nil }
          switch (anyField, anyType) {
          case (1, 2):
            guard let url = any.lengthDelimited() else { return nil }
            detail.typeURL = String(decoding: url, as: UTF8.self)
          case (2, 2):
            guard let payload = any.lengthDelimited() else { return nil }
            detail.value = Array(payload)
          default:
            guard any.skip(wireType: anyType) else { return nil }
          }
        }
        if details.count < 64 { details.append(detail) }
      default:
        guard reader.skip(wireType: wireType) else { return nil }
      }
    }
  }

  /// Just enough of the protobuf wire format for this message.
  private struct WireReader {
    var bytes: ArraySlice<UInt8>

    var isAtEnd: Bool { bytes.isEmpty }

    mutating func varint() -> UInt64? {
      var value: UInt64 = 0
      var shift: UInt64 = 0
      while let byte = bytes.popFirst() {
        guard shift < 64 else { return nil }
        value |= UInt64(byte & 0x7F) << shift
        if byte & 0x80 == 0 { return value }
        shift += 7
      }
      return nil
    }

    mutating func key() -> (Int, Int)? {
      guard let key = varint(), key >> 3 > 0, key >> 3 <= UInt64(Int32.max) else { return nil }
      return (Int(key >> 3), Int(key & 7))
    }

    mutating func lengthDelimited() -> ArraySlice<UInt8>? {
      guard let length = varint(), length <= UInt64(bytes.count) else { return nil }
      let value = bytes.prefix(Int(length))
      bytes = bytes.dropFirst(Int(length))
      return value
    }

    mutating func skip(wireType: Int) -> Bool {
      switch wireType {
      case 0: return varint() != nil
      case 1, 5:
        let width = wireType == 1 ? 8 : 4
        guard bytes.count >= width else { return false }
        bytes = bytes.dropFirst(width)
        return true
      case 2: return lengthDelimited() != nil
      default: return false
      }
    }
  }
}
