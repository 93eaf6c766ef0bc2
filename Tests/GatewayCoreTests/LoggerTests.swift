@testable import GatewayCore
import Testing

/// Text log lines are logfmt: a value that would split a field is quoted.
struct LoggerTests {
  @Test(arguments: [
    ("serving", "serving"),
    ("/run/user/1000/gw.sock", "/run/user/1000/gw.sock"),
    ("", "\"\""),
    ("cannot connect: No such file", "\"cannot connect: No such file\""),
    ("a=b", "\"a=b\""),
    ("say \"hi\"", "\"say \\\"hi\\\"\""),
    ("two\nlines", "\"two\\nlines\""),
    ("no\u{1B}[31mred\u{07}", "\"no\\x1b[31mred\\x07\""),
    ("c1\u{9B}", "\"c1\\x9b\""),
  ])
  func valuesAreQuotedWhenTheyWouldSplitAField(value: String, written: String) {
    #expect(LogSink.quotedIfNeeded(value) == written)
  }

  @Test func timestampsAreRFC3339UTCWithMilliseconds() {
    let stamp = LogSink.now()
    // 2026-12-04T16:50:01.123Z
    #expect(stamp.count == 24, "\(stamp)")
    let bytes = Array(stamp.utf8)
    for (index, character) in [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":"), (19, "."), (23, "Z")] {
      #expect(bytes[index] == UInt8(ascii: Unicode.Scalar(character)!), "\(stamp)")
    }
    #expect(stamp.hasPrefix("20"))
  }
}
