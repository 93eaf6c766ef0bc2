/// The `grpc-timeout` header: at most 8 ASCII digits and a unit (`H M S m u n`).
///
/// Held as nanoseconds, clamped to `Int64.max` (a parsed `99999999H` does not fit).
public struct GRPCTimeout: Sendable, Hashable, CustomStringConvertible {
  /// The timeout in nanoseconds, never negative.
  public let nanoseconds: Int64

  /// A timeout of `nanoseconds`; negative values become 0.
  public init(nanoseconds: Int64) { self.nanoseconds = max(0, nanoseconds) }

  /// A timeout of `duration`, rounded up to whole nanoseconds; negative becomes 0.
  public init(_ duration: Duration) {
    let (seconds, attoseconds) = duration.components
    guard seconds >= 0 else {
      self.init(nanoseconds: 0)
      return
    }
    let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
    let fraction = (attoseconds + 999_999_999) / 1_000_000_000
    let (sum, overflow2) = whole.addingReportingOverflow(fraction)
    self.init(nanoseconds: overflow || overflow2 ? .max : sum)
  }

  /// Parses a header value; `nil` unless it is 1 to 8 digits followed by one unit character.
  public init?(headerValue: String) {
    var value = headerValue
    guard let ns = value.withUTF8({ Self.parse(UnsafeRawBufferPointer($0)) }) else { return nil }
    self.init(nanoseconds: ns)
  }

  public var duration: Duration { .nanoseconds(nanoseconds) }

  /// The header value: the finest unit whose value fits in 8 digits, rounded up so the agent
  /// never sees a shorter timeout than ours. A zero timeout is sent as `1n`, as grpc-core does,
  /// since the grammar asks for a positive integer.
  public var headerValue: String {
    let maxValue: Int64 = 99_999_999
    var value = max(nanoseconds, 1)
    for (unit, factor) in Self.unitSteps {
      if value <= maxValue { return "\(value)\(unit)" }
      value = value / factor + (value % factor == 0 ? 0 : 1)
    }
    return "\(min(value, maxValue))H"
  }

  public var description: String { headerValue }

  /// Units from finest to coarsest, each with the factor to the next coarser unit.
  private static let unitSteps: [(Character, Int64)] = [
    ("n", 1000), ("u", 1000), ("m", 1000), ("S", 60), ("M", 60),
  ]

  private static func parse(_ bytes: UnsafeRawBufferPointer) -> Int64? {
    guard bytes.count >= 2, bytes.count <= 9 else { return nil }
    var value: Int64 = 0
    for byte in bytes.dropLast() {
      guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
      value = value * 10 + Int64(byte - UInt8(ascii: "0"))
    }
    let factor: Int64
    switch bytes[bytes.count - 1] {
    case UInt8(ascii: "H"): factor = 3_600_000_000_000
    case UInt8(ascii: "M"): factor = 60_000_000_000
    case UInt8(ascii: "S"): factor = 1_000_000_000
    case UInt8(ascii: "m"): factor = 1_000_000
    case UInt8(ascii: "u"): factor = 1000
    case UInt8(ascii: "n"): factor = 1
    default: return nil
    }
    let (ns, overflow) = value.multipliedReportingOverflow(by: factor)
    return overflow ? .max : ns
  }
}
