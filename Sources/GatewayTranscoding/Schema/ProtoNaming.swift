/// protoc's naming rules: identifiers, field numbers, JSON names.
public enum ProtoNaming {
  /// The largest field number (2^29 - 1).
  public static let maxFieldNumber: Int32 = 536_870_911

  /// The JSON name protoc gives a field without `json_name`: underscores removed, the letter
  /// after each underscore uppercased (protobuf's `ToJsonName`), so `Field_name18__` becomes
  /// `FieldName18`.
  public static func jsonName(_ protoName: String) -> String {
    var result: [UInt8] = []
    result.reserveCapacity(protoName.utf8.count)
    var capitalizeNext = false
    for byte in protoName.utf8 {
      if byte == UInt8(ascii: "_") {
        capitalizeNext = true
      } else if capitalizeNext {
        let isLower = byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")
        result.append(isLower ? byte - 32 : byte)
        capitalizeNext = false
      } else {
        result.append(byte)
      }
    }
    return String(decoding: result, as: UTF8.self)
  }

  /// ASCII letters, digits and underscores, not starting with a digit.
  public static func isIdentifier(_ name: String) -> Bool {
    var first = true
    for byte in name.utf8 {
      switch byte {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "_"):
        break
      case UInt8(ascii: "0")...UInt8(ascii: "9") where !first:
        break
      default:
        return false
      }
      first = false
    }
    return !first
  }

  /// Identifiers joined by single dots (`polykey.v1`).
  public static func isQualifiedIdentifier(_ name: String) -> Bool {
    name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy {
      isIdentifier(String($0))
    }
  }
}
