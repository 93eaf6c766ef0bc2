import GatewayCore
import GatewayErrors

/// The times in a session token's claims, read without verifying anything: the gateway only
/// reports them (`GET /-/session`); the agent is the one that checks tokens.
///
/// Two forms: a compact JWT (`header.payload.signature`, base64url), and the JSON General (or
/// Flattened) JWS serialization newer agents issue, `{"payload": "<base64url>", "signatures":
/// [...]}`. `iat` and `exp` are NumericDates, possibly fractional. Anything else, or a claim
/// that is not a number in years 1970–9999, is simply absent.
public struct JWTClaims: Sendable, Equatable {
  /// `iat`, in seconds since the epoch.
  public var issuedAt: Double?
  /// `exp`, in seconds since the epoch.
  public var expiresAt: Double?

  public init(issuedAt: Double? = nil, expiresAt: Double? = nil) {
    self.issuedAt = issuedAt
    self.expiresAt = expiresAt
  }

  /// The claims of `token`; nil when it is neither form or its payload is not a JSON object.
  public init?(token: String) {
    guard token.utf8.count <= 16 * 1024 else { return nil }
    let payload: String
    if token.utf8.first == UInt8(ascii: "{") {
      guard let jws = JSONValue.parse(token), let text = jws["payload"]?.stringValue else {
        return nil
      }
      payload = text
    } else {
      let parts = token.split(separator: ".", omittingEmptySubsequences: false)
      guard parts.count == 3 else { return nil }
      payload = String(parts[1])
    }
    guard let bytes = Base64.base64URLDecode(payload), let claims = JSONValue.parse(bytes),
      case .object = claims
    else { return nil }
    issuedAt = Self.numericDate(claims["iat"])
    expiresAt = Self.numericDate(claims["exp"])
  }

  private static func numericDate(_ value: JSONValue?) -> Double? {
    guard let seconds = value?.numberValue, seconds.isFinite, seconds >= 0,
      seconds < 253_402_300_800  // 10000-01-01T00:00:00Z
    else { return nil }
    return seconds
  }

  /// RFC 3339 in UTC: `2024-01-01T00:00:00Z`, with milliseconds when the time has a fraction
  /// (`2024-01-01T00:00:00.250Z`).
  public static func rfc3339(_ seconds: Double) -> String {
    let milliseconds = Int64((seconds * 1000).rounded())
    let whole = milliseconds.quotientAndRemainder(dividingBy: 1000)
    let days = whole.quotient / 86_400
    let secondOfDay = Int(whole.quotient % 86_400)
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let mp = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    func pad(_ value: Int64, _ width: Int) -> String {
      let text = String(value)
      return String(repeating: "0", count: max(0, width - text.count)) + text
    }
    var text = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T"
    text += "\(pad(Int64(secondOfDay / 3600), 2)):\(pad(Int64(secondOfDay / 60 % 60), 2)):"
    text += pad(Int64(secondOfDay % 60), 2)
    if whole.remainder != 0 { text += "." + pad(whole.remainder, 3) }
    return text + "Z"
  }
}
