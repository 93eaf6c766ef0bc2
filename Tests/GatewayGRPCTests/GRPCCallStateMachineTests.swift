import GatewayCore
import GatewayGRPC
import Testing

@Suite struct GRPCCallStateMachineTests {
  typealias Machine = GRPCCallStateMachine

  static let okHead = Metadata([("content-type", "application/grpc"), ("x-lead", "1")])

  static func machine(_ handling: Machine.Configuration.MessageHandling = .deframe, max: Int = 100)
    -> Machine
  {
    Machine(
      configuration: .init(
        messageHandling: handling, maxMessageLength: max, maxDecompressedLength: max,
        assertOnMisuse: false))
  }

  @Test func unaryHappyPath() throws {
    var m = Self.machine()
    #expect(
      try m.receivedResponseHead(httpStatus: 200, headers: Self.okHead)
        == .forwardLeadingMetadata(Self.okHead))
    #expect(try m.receivedBody([0, 0, 0, 0, 2, 7]) == .none)
    #expect(try m.receivedBody([8]) == .forwardMessages([[7, 8]]))
    let trailers = Metadata([
      ("grpc-status", "0"), ("grpc-message", "all%20good"), ("x-trail", "t"),
    ])
    let expected = GRPCStatus(
      code: .ok, encodedMessage: "all%20good", metadata: Metadata([("x-trail", "t")]))
    #expect(try m.receivedTrailers(trailers) == .finish(expected, source: .agent))
    #expect(expected.message == "all good")
    #expect(try m.transferEnded(transportError: nil) == .none)
    #expect(m.status == expected)
  }

  @Test func pseudoHeadersAreNotLeadingMetadata() throws {
    var m = Self.machine()
    let head = Metadata([(":status", "200"), ("content-type", "application/grpc+proto")])
    #expect(
      try m.receivedResponseHead(httpStatus: 200, headers: head)
        == .forwardLeadingMetadata(Metadata([("content-type", "application/grpc+proto")])))
  }

  @Test func informationalHeadIsSkipped() throws {
    var m = Self.machine()
    #expect(try m.receivedResponseHead(httpStatus: 100, headers: Metadata()) == .none)
    #expect(
      try m.receivedResponseHead(httpStatus: 200, headers: Self.okHead)
        == .forwardLeadingMetadata(Self.okHead))
  }

  @Test func trailersOnlyEndsTheCall() throws {
    var m = Self.machine()
    let head = Metadata([
      ("content-type", "application/grpc"), ("grpc-status", "16"),
      ("grpc-message", "Invalid%20JWT"), ("error", "{}"),
    ])
    let expected = GRPCStatus(
      code: .unauthenticated, encodedMessage: "Invalid%20JWT", metadata: Metadata([("error", "{}")])
    )
    #expect(
      try m.receivedResponseHead(httpStatus: 200, headers: head)
        == .finish(expected, source: .agent))
    #expect(try m.receivedBody([1, 2, 3]) == .none)
    #expect(try m.receivedTrailers(Metadata()) == .none)
    #expect(try m.transferEnded(transportError: nil) == .none)
  }

  @Test(arguments: [
    (400, GRPCStatusCode.internal), (401, .unauthenticated), (403, .permissionDenied),
    (404, .unimplemented), (429, .unavailable), (502, .unavailable), (503, .unavailable),
    (504, .unavailable), (500, .unknown), (405, .unknown), (201, .unknown), (302, .unknown),
  ])
  func nonOKHTTPStatusIsMapped(httpStatus: Int, code: GRPCStatusCode) throws {
    #expect(Machine.statusCode(forHTTPStatus: httpStatus) == code)
    var m = Self.machine()
    let action = try m.receivedResponseHead(
      httpStatus: httpStatus, headers: Metadata([("content-type", "text/html")]))
    let expected = GRPCStatus(
      code: code, message: "unexpected HTTP status \(httpStatus) from the agent")
    #expect(action == .finish(expected, source: .gateway))
  }

  @Test(arguments: [
    nil, "text/html", "application/json", "application/grpcx", "application/grpc-web",
  ])
  func wrongContentTypeIsUnknown(contentType: String?) throws {
    var m = Self.machine()
    var head = Metadata()
    if let contentType { head.append("content-type", contentType) }
    guard
      case .finish(let status, .gateway) = try m.receivedResponseHead(
        httpStatus: 200, headers: head)
    else {
      Issue.record("expected a gateway status")
      return
    }
    #expect(status.code == .unknown)
  }

  @Test(arguments: ["application/grpc", "Application/GRPC+proto", "application/grpc; charset=x"])
  func grpcContentTypesAccepted(contentType: String) {
    #expect(Machine.isGRPCContentType(contentType))
  }

  @Test func streamedMessagesInAnySplit() throws {
    let payloads: [[UInt8]] = [[1], [], Array(repeating: 9, count: 50), [2, 3]]
    let stream = payloads.flatMap { try! GRPCMessageFramer.frame($0) }
    for (name, chunks) in ChunkSplits.all(stream) {
      var m = Self.machine()
      _ = try m.receivedResponseHead(httpStatus: 200, headers: Self.okHead)
      var got: [[UInt8]] = []
      for chunk in chunks {
        switch try m.receivedBody(chunk) {
        case .forwardMessages(let messages): got += messages
        case .none: break
        default: Issue.record("unexpected action, split \(name)")
        }
      }
      #expect(got == payloads, "split: \(name)")
    }
  }

  @Test func passThroughFramesUnchangedIncludingCompressed() throws {
    let stream =
      try GRPCMessageFramer.frame([1, 2]) + GRPCMessageFramer.frame([3], compressed: true)
    for (name, chunks) in ChunkSplits.all(stream) {
      var m = Self.machine(.passThroughFrames)
      _ = try m.receivedResponseHead(httpStatus: 200, headers: Self.okHead)
      var got: [UInt8] = []
      for chunk in chunks {
        if case .forwardFrames(let frames) = try m.receivedBody(chunk) { got += frames }
      }
      #expect(got == stream, "split: \(name)")
    }
  }

  @Test func oversizeMessageIsResourceExhausted() throws {
    var m = Self.machine(max: 4)
    _ = try m.receivedResponseHead(httpStatus: 200, headers: Self.okHead)
    let action = try m.receivedBody([0, 0, 0, 0, 5])
    guard case .finish(let status, .gateway) = action else {
      Issue.record("expected finish, got \(action)")
      return
    }
    #expect(status.code == .resourceExhausted)
    #expect(try m.receivedBody([1, 2, 3, 4, 5]) == .none)
    #expect(try m.receivedTrailers(Metadata([("grpc-status", "0")])) == .none)
    #expect(try m.transferEnded(transportError: nil) == .none)
  }

  @Test func invalidFlagIsInternal() throws {
    var m = Self.machine()
    _ = try m.receivedResponseHead(httpStatus: 200, headers: Self.okHead)
    guard case .finish(let status, .gateway) = try m.receivedBody([2, 0, 0, 0, 0]) else {
      Issue.record("expected finish")
      return
    }
    #expect(status.code == .internal)
  }

  @Test func gzipMessagesAreInflated() throws {
    let plain = Array("hello, compressed world".utf8)
    let packed = try plain.withUnsafeBytes { try GRPCCompression.gzip.compress($0) }
    var m = Self.machine()
    var head = Self.okHead
    head.append("grpc-encoding", "gzip")
    _ = try m.receivedResponseHead(httpStatus: 200, headers: head)
    let body = try GRPCMessageFramer.frame(packed, compressed: true) + GRPCMessageFramer.frame([7])
    #expect(try m.receivedBody(body) == .forwardMessages([plain, [7]]))
  }

  @Test func inflatedSizeLimit() throws {
    let packed = try [UInt8](repeating: 1, count: 101).withUnsafeBytes {
      try GRPCCompression.gzip.compress($0)
    }
    var m = Self.machine(max: 100)
    var head = Self.okHead
    head.append("grpc-encoding", "gzip")
    _ = try m.receivedResponseHead(httpStatus: 200, headers: head)
    guard
      case .finish(let status, .gateway) = try m.receivedBody(
        try GRPCMessageFramer.frame(packed, compressed: true))
    else {
      Issue.record("expected finish")
      return
    }
    #expect(status.code == .resourceExhausted)
  }

  @Test(arguments: [(nil as String?, GRPCStatusCode.internal), ("snappy", .unimplemented)])
  func compressedWithoutUsableEncoding(encoding: String?, code: GRPCStatusCode) throws {
    var m = Self.machine()
    var head = Self.okHead
    if let encoding { head.append("grpc-encoding", encoding) }
    _ = try m.receivedResponseHead(httpStatus: 200, headers: head)
    guard case .finish(let status, .gateway) = try m.receivedBody([1, 0, 0, 0, 1, 0]) else {
      Issue.record("expected finish")
      return
    }
    #expect(status.code == code)
  }

  @Test func missingTrailersIsInternal() throws {
    var m = Self.machine()
    _ = try m.receivedResponseHead(httpStatus: 200, headers: Self.okHead)
    #expect(
      try m.transferEnded(transportError: nil)
        == .finish(
          GRPCStatus(
            code: .internal, message: "the agent closed the stream without sending trailers"),
          source: .gateway))
  }

  @Test func noResponseIsInternal() throws {
    var m = Self.machine()
    guard case .finish(let status, .gateway) = try m.transferEnded(transportError: nil) else {
      Issue.record("expected finish")
      return
    }
    #expect(status.code == .internal)
  }

  @Test(arguments: [
    (Machine.TransportError.Kind.connectionRefused, GRPCStatusCode.unavailable),
    (.connectionReset, .unavailable), (.timedOut, .deadlineExceeded), (.cancelled, .cancelled),
    (.protocolError, .internal), (.other, .unavailable),
  ])
  func transportErrorsMap(kind: Machine.TransportError.Kind, code: GRPCStatusCode) throws {
    for headFirst in [false, true] {
      var m = Self.machine()
      if headFirst { _ = try m.receivedResponseHead(httpStatus: 200, headers: Self.okHead) }
      let action = try m.transferEnded(transportError: .init(kind, message: "boom"))
      // A deadline is named as such, in the transfer's own words; the rest are transport errors.
      let message = kind == .timedOut ? "boom" : "transport error talking to the agent: boom"
      #expect(action == .finish(GRPCStatus(code: code, message: message), source: .gateway))
    }
  }

  /// libcurl refused the agent's metadata (over 64 KiB an entry or 128 KiB a block): the
  /// status says which block, not "closed without trailers" or "unreachable".
  @Test func oversizeMetadataIsResourceExhaustedNamingTheBlock() throws {
    var m = Self.machine()
    _ = try m.receivedResponseHead(httpStatus: 200, headers: Self.okHead)
    _ = try m.receivedBody([0, 0, 0, 0, 1, 7])
    guard
      case .finish(let status, .gateway) = try m.transferEnded(
        transportError: .init(.metadataTooLarge, message: "curl text"))
    else {
      Issue.record("expected finish")
      return
    }
    #expect(status.code == .resourceExhausted)
    #expect(status.message.hasPrefix("the agent's trailers exceeded libcurl's HTTP/2 limits"))
    #expect(status.message.contains("64 KiB"))

    var headless = Self.machine()
    guard
      case .finish(let early, .gateway) = try headless.transferEnded(
        transportError: .init(.metadataTooLarge))
    else {
      Issue.record("expected finish")
      return
    }
    #expect(early.code == .resourceExhausted)
    #expect(
      early.message.hasPrefix("the agent's response headers exceeded libcurl's HTTP/2 limits"))
  }

  @Test func transportErrorAfterTrailersIsIgnored() throws {
    var m = Self.machine()
    _ = try m.receivedResponseHead(httpStatus: 200, headers: Self.okHead)
    _ = try m.receivedTrailers(Metadata([("grpc-status", "0")]))
    #expect(try m.transferEnded(transportError: .init(.connectionReset)) == .none)
    #expect(m.status?.code == .ok)
  }

  @Test(arguments: [
    (Metadata(), GRPCStatusCode.unknown), (Metadata([("grpc-status", "x")]), .unknown),
    (Metadata([("grpc-status", "-1")]), .unknown), (Metadata([("grpc-status", "5")]), .notFound),
    (Metadata([("grpc-status", "42")]), GRPCStatusCode(rawValue: 42)),
  ])
  func trailerStatusParsing(trailers: Metadata, code: GRPCStatusCode) throws {
    var m = Self.machine()
    _ = try m.receivedResponseHead(httpStatus: 200, headers: Self.okHead)
    guard case .finish(let status, _) = try m.receivedTrailers(trailers) else {
      Issue.record("expected finish")
      return
    }
    #expect(status.code == code)
  }

  @Test func okTrailersInsideAMessageIsInternal() throws {
    var m = Self.machine()
    _ = try m.receivedResponseHead(httpStatus: 200, headers: Self.okHead)
    _ = try m.receivedBody([0, 0, 0, 0, 9, 1])
    guard
      case .finish(let status, .gateway) = try m.receivedTrailers(
        Metadata([("grpc-status", "0")]))
    else {
      Issue.record("expected finish")
      return
    }
    #expect(status.code == .internal)
  }

  @Test func errorTrailersInsideAMessageKeepAgentStatus() throws {
    var m = Self.machine()
    _ = try m.receivedResponseHead(httpStatus: 200, headers: Self.okHead)
    _ = try m.receivedBody([0, 0, 0, 0, 9, 1])
    #expect(
      try m.receivedTrailers(Metadata([("grpc-status", "14")]))
        == .finish(
          GRPCStatus(code: .unavailable, encodedMessage: "", metadata: Metadata()), source: .agent))
  }

  // MARK: Misuse poisons the machine

  @Test func bodyBeforeHeadPoisons() throws {
    var m = Self.machine()
    let error = #expect(throws: GRPCError.self) { try m.receivedBody([0]) }
    #expect(error?.code == .invalidState)
    // Poisoned: every input throws from now on.
    #expect(throws: GRPCError.self) {
      try m.receivedResponseHead(httpStatus: 200, headers: Self.okHead)
    }
    #expect(throws: GRPCError.self) { try m.transferEnded(transportError: nil) }
  }

  @Test func trailersBeforeHeadPoisons() {
    var m = Self.machine()
    #expect(throws: GRPCError.self) { try m.receivedTrailers(Metadata()) }
  }

  @Test func secondHeadPoisons() throws {
    var m = Self.machine()
    _ = try m.receivedResponseHead(httpStatus: 200, headers: Self.okHead)
    #expect(throws: GRPCError.self) {
      try m.receivedResponseHead(httpStatus: 200, headers: Self.okHead)
    }
    #expect(throws: GRPCError.self) { try m.receivedBody([]) }
  }

  @Test func secondTransferEndPoisons() throws {
    var m = Self.machine()
    _ = try m.transferEnded(transportError: nil)
    #expect(throws: GRPCError.self) { try m.transferEnded(transportError: nil) }
  }
}
