import GatewayCore
import GatewayGRPC
import Testing

@Suite struct GRPCWebContentTypeTests {
  @Test(arguments: [
    ("application/grpc-web", GRPCWebContentType.Encoding.binary, false),
    ("application/grpc-web+proto", .binary, true),
    ("application/grpc-web-text", .text, false),
    ("application/grpc-web-text+proto", .text, true),
    ("Application/GRPC-Web-Text ; charset=utf-8", .text, false),
    ("application/grpc-web+proto;x=y", .binary, true),
  ])
  func parses(header: String, encoding: GRPCWebContentType.Encoding, proto: Bool) {
    let parsed = GRPCWebContentType(headerValue: header)
    #expect(parsed == GRPCWebContentType(encoding: encoding, hasProtoSuffix: proto))
  }

  @Test(arguments: [
    "application/grpc", "application/grpc-web+json", "application/json", "",
    "application/grpc-webx",
  ])
  func rejects(header: String) {
    #expect(GRPCWebContentType(headerValue: header) == nil)
  }

  @Test func responseMatchesRequest() {
    #expect(
      GRPCWebContentType(headerValue: "application/GRPC-WEB-TEXT")?.headerValue
        == "application/grpc-web-text")
    #expect(
      GRPCWebContentType(headerValue: "application/grpc-web+proto")?.headerValue
        == "application/grpc-web+proto")
  }
}

@Suite struct GRPCWebTextTests {
  /// Two frames encoded separately and concatenated: padding in the middle of the stream.
  /// Frame 1 is 5 + 2 = 7 bytes ("AAAAAAJhYg==" with `==`), frame 2 is 5 + 3 = 8 bytes (`=`).
  static let frame1: [UInt8] = try! GRPCMessageFramer.frame(Array("ab".utf8))
  static let frame2: [UInt8] = try! GRPCMessageFramer.frame(Array("xyz".utf8))
  static let text: [UInt8] = Array(
    (Base64.encode(frame1) + Base64.encode(frame2) + Base64.encode([1, 2, 3])).utf8)

  @Test func fixtureHasMidStreamPadding() {
    #expect(String(decoding: Self.text, as: UTF8.self) == "AAAAAAJhYg==AAAAAAN4eXo=AQID")
  }

  @Test(arguments: ChunkSplits.all(text))
  func decodesAnySplit(name: String, chunks: [[UInt8]]) throws {
    var decoder = GRPCWebTextDecoder()
    var out: [UInt8] = []
    for chunk in chunks { try decoder.decode(chunk, appendingTo: &out) }
    try decoder.finish()
    #expect(out == Self.frame1 + Self.frame2 + [1, 2, 3], "split: \(name)")
  }

  @Test(arguments: ["AAA", "AAAAA", "AA=", "AAAAAA"])
  func truncatedAtEndFails(text: String) throws {
    var decoder = GRPCWebTextDecoder()
    var out: [UInt8] = []
    try decoder.decode(Array(text.utf8), appendingTo: &out)
    let error = #expect(throws: GRPCError.self) { try decoder.finish() }
    #expect(error?.code == .truncatedBase64)
  }

  @Test(arguments: ["AA=A", "A===", "====", "AA A*AA=", "AA-_", "=AAA", "AAAA!AAA", "AA\0A"])
  func invalidGroupsFail(text: String) {
    var decoder = GRPCWebTextDecoder()
    var out: [UInt8] = []
    let error = #expect(throws: GRPCError.self) {
      for byte in Array(text.utf8) { try decoder.decode([byte], appendingTo: &out) }
      try decoder.finish()
    }
    #expect(error?.code == .invalidBase64)
    // Sticky.
    #expect(throws: GRPCError.self) { try decoder.decode(Array("AAAA".utf8), appendingTo: &out) }
  }

  /// What `base64` prints: 76-column lines and a final newline; CRLF and spaces likewise.
  @Test(arguments: ["\n", "\r\n", " ", "\t"])
  func whitespaceIsSkipped(separator: String) throws {
    let encoded = Base64.encode(Self.frame1 + Self.frame2 + [1, 2, 3])
    var wrapped = ""
    for (index, character) in encoded.enumerated() {
      if index > 0 && index % 5 == 0 { wrapped += separator }
      wrapped.append(character)
    }
    wrapped += separator
    let bytes = Array(wrapped.utf8)
    for split in [1, 3, 7, bytes.count] {
      var decoder = GRPCWebTextDecoder()
      var out: [UInt8] = []
      var index = 0
      while index < bytes.count {
        let end = min(index + split, bytes.count)
        try decoder.decode(Array(bytes[index..<end]), appendingTo: &out)
        index = end
      }
      try decoder.finish()
      #expect(out == Self.frame1 + Self.frame2 + [1, 2, 3], "split \(split)")
    }
  }

  @Test func emptyBodyIsFine() throws {
    var decoder = GRPCWebTextDecoder()
    var out: [UInt8] = []
    try decoder.decode([], appendingTo: &out)
    try decoder.finish()
    #expect(out.isEmpty)
  }

  @Test func encoderPadsEachUnitAndStreamStaysDecodable() throws {
    let units: [[UInt8]] = [
      Self.frame1, Self.frame2, GRPCWebTrailers.frame(for: GRPCStatus(code: .ok)),
    ]
    var text: [UInt8] = []
    for unit in units {
      unit.withUnsafeBytes { GRPCWebTextEncoder.encode(unit: $0, appendingTo: &text) }
    }
    #expect(text.count % 4 == 0)
    #expect(GRPCWebTextEncoder.encode(unit: Self.frame1) == Array("AAAAAAJhYg==".utf8))
    var decoder = GRPCWebTextDecoder()
    var out: [UInt8] = []
    try decoder.decode(text, appendingTo: &out)
    try decoder.finish()
    #expect(out == units.flatMap { $0 })
  }
}

@Suite struct GRPCWebTrailersTests {
  @Test func buildsExactFrame() {
    let status = GRPCStatus(
      code: .notFound, encodedMessage: "no%20such%20vault",
      metadata: Metadata([
        ("X-Info", "a"), ("authorization", "Bearer secret"), ("error", "{\"type\":\"E\"}"),
        ("x-bad", "evil\r\ninjected: 1"),
      ]))
    let frame = GRPCWebTrailers.frame(for: status)
    let block =
      "grpc-status:5\r\ngrpc-message:no%20such%20vault\r\nx-info:a\r\nerror:{\"type\":\"E\"}\r\n"
    #expect(frame == [0x80, 0, 0, 0, UInt8(block.utf8.count)] + Array(block.utf8))
  }

  @Test func okStatusWithoutMessage() {
    #expect(
      GRPCWebTrailers.frame(for: GRPCStatus(code: .ok))
        == [0x80, 0, 0, 0, 15] + Array("grpc-status:0\r\n".utf8))
  }

  @Test func roundTrips() throws {
    let status = GRPCStatus(
      code: .unauthenticated, message: "Invalid JWT Token, please reauthenticate.",
      metadata: Metadata([("x-a", "1"), ("x-a", "2"), ("trace-bin", "AAEC")]))
    let parsed = try GRPCWebTrailers.parse(frame: GRPCWebTrailers.frame(for: status))
    #expect(
      parsed
        == Metadata([
          ("grpc-status", "16"),
          ("grpc-message", "Invalid JWT Token, please reauthenticate."),
          ("x-a", "1"), ("x-a", "2"), ("trace-bin", "AAEC"),
        ]))
  }

  @Test func parserLowerCasesAndTrims() throws {
    let block = Array("Grpc-Status: 0 \r\nX-Y:\r\n".utf8)
    let parsed = try GRPCWebTrailers.parse(frame: [0x80, 0, 0, 0, UInt8(block.count)] + block)
    #expect(parsed == Metadata([("grpc-status", "0"), ("x-y", "")]))
  }

  @Test(arguments: [
    [0x00, 0, 0, 0, 0] as [UInt8], [0x80, 0, 0, 0, 1], [0x80, 0, 0],
    [0x80, 0, 0, 0, 3] + Array("a:b".utf8), [0x80, 0, 0, 0, 4] + Array("ab\r\n".utf8),
    [0x80, 0, 0, 0, 4] + Array(":b\r\n".utf8),
  ])
  func parserRejectsMalformed(frame: [UInt8]) {
    let error = #expect(throws: GRPCError.self) { try GRPCWebTrailers.parse(frame: frame) }
    #expect(error?.code == .invalidTrailers)
  }
}

@Suite struct GRPCWebMetadataFilterTests {
  @Test(arguments: [
    ("authorization", false), (":status", false), ("connection", false), ("te", false),
    ("transfer-encoding", false), ("content-length", false), ("grpc-status", false),
    ("x-custom", true), ("grpc-encoding", true), ("error", true), ("trace-bin", true),
  ])
  func allowsForwarding(name: String, allowed: Bool) {
    #expect(GRPCWebMetadataFilter.allowsForwarding(name) == allowed)
  }

  @Test func filterDropsTokenAndUnwritable() {
    let filtered = GRPCWebMetadataFilter.filter(
      Metadata([("authorization", "Bearer new"), ("x-ok", "1"), ("x-nul", "a\u{0}")]))
    #expect(filtered == Metadata([("x-ok", "1")]))
  }
}
