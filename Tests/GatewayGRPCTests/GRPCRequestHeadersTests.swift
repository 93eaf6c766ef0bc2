import GatewayCore
import GatewayGRPC
import Testing

@Suite struct GRPCRequestHeadersTests {
  @Test func buildsCallDefinitionThenMetadata() throws {
    let metadata = Metadata([
      ("authorization", "Bearer abc"), ("x-trace", "1"), ("connection", "close"),
      ("te", "gzip"), ("host", "evil"), ("grpc-timeout", "1H"), ("grpc-status", "0"),
      (":path", "/x"), ("content-type", "text/plain"), ("user-agent", "curl"),
      ("keep-alive", "5"), ("transfer-encoding", "chunked"), ("upgrade", "h2c"),
      ("content-length", "3"), ("trace-bin", "AAEC"), ("x-trace", "2"),
    ])
    let headers = try GRPCRequestHeaders(
      path: "/pkg.Svc/Do", authority: "agent", timeout: GRPCTimeout(nanoseconds: 2_000_000_000),
      metadata: metadata, userAgent: "ua/1")
    #expect(headers.path == "/pkg.Svc/Do")
    #expect(headers.authority == "agent")
    #expect(
      headers.fields == [
        .init("grpc-timeout", "2000000u"), .init("content-type", "application/grpc"),
        .init("te", "trailers"), .init("grpc-accept-encoding", "gzip,deflate"),
        .init("user-agent", "ua/1"), .init("authorization", "Bearer abc"),
        .init("x-trace", "1"), .init("trace-bin", "AAEC"), .init("x-trace", "2"),
      ])
    #expect(headers.curlHeaderLines.first == "grpc-timeout: 2000000u")
  }

  /// A retry's headers: the same, with the time that is left as the timeout.
  @Test func theTimeoutLineIsReplacedOrAdded() throws {
    let headers = try GRPCRequestHeaders(
      path: "/a/b", timeout: GRPCTimeout(nanoseconds: 5_000_000_000), metadata: Metadata([("x-k", "v")]),
      acceptEncoding: nil, userAgent: "ua")
    let left = GRPCTimeout(nanoseconds: 3_200_000_001)
    #expect(
      GRPCRequestHeaders.curlHeaderLines(headers.curlHeaderLines, timeout: left) == [
        "grpc-timeout: 3200001u", "content-type: application/grpc", "te: trailers", "user-agent: ua",
        "x-k: v",
      ])
    let none = try GRPCRequestHeaders(path: "/a/b", timeout: nil, metadata: Metadata(), acceptEncoding: nil)
    #expect(
      GRPCRequestHeaders.curlHeaderLines(none.curlHeaderLines, timeout: left).first
        == "grpc-timeout: 3200001u")
    #expect(
      GRPCRequestHeaders.curlHeaderLines(none.curlHeaderLines, timeout: left).count
        == none.curlHeaderLines.count + 1)
  }

  @Test func optionalFieldsAndEmptyValues() throws {
    let headers = try GRPCRequestHeaders(
      path: "/a/b", timeout: nil, metadata: Metadata([("x-empty", "")]), acceptEncoding: nil,
      messageEncoding: "gzip", userAgent: "ua")
    #expect(
      headers.curlHeaderLines == [
        "content-type: application/grpc", "te: trailers", "grpc-encoding: gzip",
        "user-agent: ua", "x-empty;",
      ])
  }

  @Test(arguments: [
    ("x-bad", "a\r\nb"), ("x-bad", "nul\u{0}"), ("x-bad", "caf\u{e9}"), ("bad name", "v"),
    ("bad/name", "v"),
  ])
  func rejectsInvalidMetadata(name: String, value: String) {
    let error = #expect(throws: GRPCError.self) {
      try GRPCRequestHeaders(path: "/a/b", timeout: nil, metadata: Metadata([(name, value)]))
    }
    #expect(error?.code == .invalidMetadata)
  }

  /// A `-bin` value is standard base64, padded or not (gRPC receivers must accept both); not
  /// URL-safe, and not a comma-joined list, which grpc-core agents fail.
  @Test(arguments: [
    ("", true), ("AAEC", true), ("AAE", true), ("AAE=", true), ("AA", true), ("AA==", true),
    ("+/+/", true), ("A", false), ("A===", false), ("AB=C", false), ("AA=", false),
    ("!!!!", false), ("AA-_", false), ("AAEC,AA", false), ("AAEC, AA", false), (" AAEC", false),
  ])
  func binaryValuesAreBase64(value: String, valid: Bool) {
    #expect(GRPCRequestHeaders.isValidBinaryValue(value) == valid)
  }

  /// Checked when the headers are built too, naming the entry; text values are not base64.
  @Test func rejectsInvalidBase64InBinaryMetadata() throws {
    let error = #expect(throws: GRPCError.self) {
      try GRPCRequestHeaders(
        path: "/a/b", timeout: nil, metadata: Metadata([("x-trace-bin", "not base64!")]))
    }
    #expect(error?.code == .invalidMetadata)
    #expect(error?.message.contains("x-trace-bin") == true)
    let headers = try GRPCRequestHeaders(
      path: "/a/b", timeout: nil,
      metadata: Metadata([("x-trace-bin", "AAE"), ("x-text", "not base64!")]))
    #expect(
      headers.fields.suffix(2) == [.init("x-trace-bin", "AAE"), .init("x-text", "not base64!")])
  }

  @Test(arguments: ["", "a/b", "/a\nb"])
  func rejectsInvalidPath(path: String) {
    #expect(throws: GRPCError.self) {
      try GRPCRequestHeaders(path: path, timeout: nil, metadata: Metadata())
    }
  }
}
