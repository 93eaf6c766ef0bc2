import GatewayCore
import GatewayGRPC
import Testing

@Suite struct GRPCStatusTests {
  @Test(arguments: [
    ("", ""),
    ("plain text, ok!", "plain text, ok!"),
    ("100%", "100%25"),
    ("line\nbreak", "line%0Abreak"),
    ("tab\t", "tab%09"),
    ("caf\u{e9}", "caf%C3%A9"),
    ("\u{1F600}", "%F0%9F%98%80"),
    ("~ and \u{7f}", "~ and %7F"),
  ])
  func percentEncodes(plain: String, encoded: String) {
    #expect(GRPCStatus.percentEncode(plain) == encoded)
    #expect(GRPCStatus.percentDecode(encoded) == plain)
  }

  @Test(arguments: [
    ("%", "%"),
    ("%4", "%4"),
    ("%zz ok", "%zz ok"),
    ("%4g%41", "%4gA"),
    ("abc%", "abc%"),
    ("%c3%a9", "\u{e9}"),  // lower-case hex is accepted
    ("%C3", "\u{FFFD}"),  // cut UTF-8 sequence
    ("%FF%FEx", "\u{FFFD}\u{FFFD}x"),
    ("%%41", "%A"),
  ])
  func percentDecodesLeniently(encoded: String, decoded: String) {
    #expect(GRPCStatus.percentDecode(encoded) == decoded)
  }

  @Test func receivedStatusKeepsWireMessage() {
    let status = GRPCStatus(code: .notFound, encodedMessage: "no%20such", metadata: Metadata())
    #expect(status.message == "no such")
    #expect(status.encodedMessage == "no%20such")
    let made = GRPCStatus(code: .internal, message: "50% off")
    #expect(made.encodedMessage == "50%25 off")
  }
}

@Suite struct GRPCTimeoutTests {
  @Test(arguments: [
    ("1H", Int64(3_600_000_000_000)), ("2M", 120_000_000_000), ("3S", 3_000_000_000),
    ("4m", 4_000_000), ("5u", 5_000), ("6n", 6), ("0n", 0), ("99999999n", 99_999_999),
    ("00000010S", 10_000_000_000), ("99999999H", Int64.max),
  ])
  func parses(header: String, nanoseconds: Int64) {
    #expect(GRPCTimeout(headerValue: header)?.nanoseconds == nanoseconds)
  }

  @Test(arguments: [
    "", "S", "1", "100000000S", "1s", "1h", "-1S", "+1S", " 1S", "1S ", "1.5S", "1SS", "１S",
  ])
  func rejects(header: String) {
    #expect(GRPCTimeout(headerValue: header) == nil)
  }

  @Test(arguments: [
    (Int64(0), "1n"), (1, "1n"), (99_999_999, "99999999n"), (100_000_000, "100000u"),
    (100_000_001, "100001u"), (30_000_000_000, "30000000u"), (100_000_000_000, "100000m"),
    (100_000_000_000_000, "100000S"), (3_600_000_000_000_000, "3600000S"),
    (Int64.max, "2562048H"),
  ])
  func formatsRoundingUp(nanoseconds: Int64, header: String) {
    #expect(GRPCTimeout(nanoseconds: nanoseconds).headerValue == header)
  }

  @Test func durationConversions() {
    #expect(GRPCTimeout(.milliseconds(1500)).nanoseconds == 1_500_000_000)
    #expect(GRPCTimeout(.seconds(-3)).nanoseconds == 0)
    #expect(GRPCTimeout(.seconds(Int64.max)).nanoseconds == Int64.max)
    #expect(GRPCTimeout(nanoseconds: 42).duration == .nanoseconds(42))
  }
}
