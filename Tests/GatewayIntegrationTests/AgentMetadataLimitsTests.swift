import Foundation
import Testing

/// Metadata the agent sends that libcurl will not take, in JSON and gRPC-Web mode. The requests
/// carry the metadata in their bodies, so the default body limit applies.
@Suite(
  "Agent metadata over libcurl's HTTP/2 limits", .serialized, .sharedFixture())
struct AgentMetadataLimitsTests {
  static let unary = "/polykey.v1.TestService/ControlUnary"

  /// Agent metadata libcurl will not take (an entry over 64 KiB: nghttp2 ends the connection;
  /// a block over 128 KiB: curl's buffer) is `resource_exhausted` naming the block, not
  /// "closed the stream without sending trailers" (500) or "Empty reply from server" (503).
  @Test(
    "Agent metadata over libcurl's limits names the block",
    arguments: [
      ("trailingMetadata", "trailers", 1, 70_000), ("trailingMetadata", "trailers", 14, 10_000),
      ("leadingMetadata", "response headers", 14, 10_000),
    ])
  func oversizeAgentMetadata(_ row: (key: String, block: String, count: Int, size: Int)) throws {
    let fixture = try SharedFixture.current
    let entries = (0..<row.count).map {
      ["key": "x-big-\($0)", "value": String(repeating: "v", count: row.size)]
    }
    let body = String(
      decoding: try JSONSerialization.data(withJSONObject: [row.key: entries]), as: UTF8.self)
    let error = try expectError(
      try fixture.json(Self.unary, body),
      ExpectedError(
        http: 429, type: "ErrorGatewayResourceExhausted", code: "resource_exhausted", exitCode: 75))
    let message = error["message"] as? String ?? ""
    #expect(
      message.hasPrefix(
        "the agent's \(row.block) exceeded libcurl's HTTP/2 limits (64 KiB an entry"),
      "\(message)")
    // The next call opens a new agent connection.
    #expect(try fixture.json(Self.unary).status == 200)
  }

  /// A response head with an entry over 64 KiB on a connection that served calls before: curl
  /// 7.88 takes the connection for dead and would send the request again, which the gateway
  /// refuses (the agent ran the call). A 503 saying so, not a hang, and the next call works.
  @Test func anOversizeHeadEntryOnAReusedConnectionFailsTheCall() throws {
    let fixture = try SharedFixture.current
    #expect(try fixture.json(Self.unary).status == 200)
    let body = String(
      decoding: try JSONSerialization.data(withJSONObject: [
        "leadingMetadata": [["key": "x-big", "value": String(repeating: "v", count: 70_000)]]
      ]), as: UTF8.self)
    let result = try fixture.json(Self.unary, body)
    let error = try errorObject(result)
    let message = error["message"] as? String ?? ""
    #expect(
      (result.status == 503 && message.contains("not sent again"))
        || (result.status == 429 && message.hasPrefix("the agent's response headers exceeded")),
      "\(result.text)")
    #expect(!message.contains("port 80"), "\(message)")
    #expect(try fixture.json(Self.unary).status == 200)
  }

  /// The same in gRPC-Web: `grpc-status: 8` (RESOURCE_EXHAUSTED) with the same message.
  @Test func oversizeAgentTrailersInGRPCWeb() throws {
    let fixture = try SharedFixture.current
    var entry = ProtoWriter()  // polykey.v1.MetadataEntry
    entry.string(1, "x-big")
    entry.string(2, String(repeating: "v", count: 70_000))
    var request = ProtoWriter()  // polykey.v1.ControlRequest
    request.bytes(11, entry.bytes)
    let (result, web) = try fixture.web(Self.unary, request.bytes)
    #expect(result.status == 200)
    let trailers = web?.trailers ?? [:]
    let headers = Dictionary(
      result.headers.map { ($0.0.lowercased(), $0.1) }, uniquingKeysWith: { first, _ in first })
    #expect((trailers["grpc-status"] ?? headers["grpc-status"]) == "8", "\(result.text)")
    let message = (trailers["grpc-message"] ?? headers["grpc-message"] ?? "")
      .removingPercentEncoding
    #expect(
      message?.hasPrefix("the agent's trailers exceeded libcurl's HTTP/2 limits") == true,
      "\(message ?? "")")
  }
}
