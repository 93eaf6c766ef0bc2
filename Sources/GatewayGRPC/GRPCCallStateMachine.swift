public import GatewayCore

/// The response side of one gRPC call to the agent, sans-IO.
///
/// The IO type (the curl easy handle's owner) reports events and switches on the returned
/// actions:
///
/// ```
/// receivedResponseHead(httpStatus:headers:)  -> HeadAction
/// receivedBody(_:)                           -> BodyAction       (any number of times)
/// receivedTrailers(_:)                       -> TrailersAction
/// transferEnded(transportError:)             -> EndAction        (exactly once, last)
/// ```
///
/// Every way a call can end produces exactly one `.finish` action, carrying the status. After
/// it, the IO may abort the transfer, and later body, trailers and the end of the transfer are
/// ignored (`.none`). Whatever the agent sends (a non-gRPC answer, an oversize or corrupt
/// message, missing trailers) ends the call with a status; only our own misuse (an event out
/// of order) poisons the machine: the call throws `.invalidState` from then on, and debug
/// builds assert unless `Configuration.assertOnMisuse` is off (tests turn it off to reach
/// those paths).
///
/// Statuses the gateway makes, and why:
/// - a non-200 HTTP status without `grpc-status`: gRPC's HTTP-to-status table
///   (`statusCode(forHTTPStatus:)`);
/// - a 200 without an `application/grpc` content type: UNKNOWN;
/// - trailers without `grpc-status` (or an unparsable one): UNKNOWN, as grpc-go;
/// - the transfer ends cleanly without trailers: INTERNAL, as grpc-go ("server closed the stream
///   without sending trailers") and gRPC's RST_STREAM(NO_ERROR) row; the call may have run, so
///   not UNAVAILABLE, which would suggest a safe retry;
/// - response headers or trailers over libcurl's limits: RESOURCE_EXHAUSTED, naming the block;
/// - trailers with OK while a message is cut off: INTERNAL;
/// - a message over the limit, before or after inflating: RESOURCE_EXHAUSTED; an invalid frame
///   flag or corrupt compressed data: INTERNAL; an unsupported `grpc-encoding`: UNIMPLEMENTED;
/// - transport errors: see `TransportError.Kind`.
public struct GRPCCallStateMachine: Sendable {
  /// How the machine handles the response body, and its limits.
  public struct Configuration: Sendable {
    /// What happens to response messages.
    public enum MessageHandling: Sendable, Equatable {
      /// Deframe and inflate messages, handing out payloads (`.forwardMessages`). JSON calls.
      case deframe
      /// Hand out whole frames unchanged (`.forwardFrames`), still checking the length limit;
      /// nothing is inflated. gRPC-Web calls, which only need the status besides.
      case passThroughFrames
    }

    public var messageHandling: MessageHandling
    /// Largest message length declared in a frame. Default 4 MiB, gRPC's default.
    public var maxMessageLength: Int
    /// Largest inflated message. Default 4 MiB, gRPC's default receive limit.
    public var maxDecompressedLength: Int
    /// Assert (in debug builds) on misuse before poisoning. Default `true`; tests turn it off.
    public var assertOnMisuse: Bool

    public init(
      messageHandling: MessageHandling = .deframe,
      maxMessageLength: Int = GRPCMessageDeframer.defaultMaxMessageLength,
      maxDecompressedLength: Int = GRPCMessageDeframer.defaultMaxMessageLength,
      assertOnMisuse: Bool = true
    ) {
      self.messageHandling = messageHandling
      self.maxMessageLength = maxMessageLength
      self.maxDecompressedLength = maxDecompressedLength
      self.assertOnMisuse = assertOnMisuse
    }
  }

  /// A transport failure, as the curl layer classifies it.
  public struct TransportError: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
      /// Could not connect (ECONNREFUSED, no socket file, DNS): UNAVAILABLE.
      case connectionRefused
      /// The connection or stream broke (reset, closed, GOAWAY, REFUSED_STREAM): UNAVAILABLE.
      case connectionReset
      /// Our deadline passed: DEADLINE_EXCEEDED.
      case timedOut
      /// We cancelled the call (the caller went away): CANCELLED.
      case cancelled
      /// HTTP/2 framing or protocol error: INTERNAL.
      case protocolError
      /// The agent's response headers or trailers were over libcurl's HTTP/2 limits (64 KiB an
      /// entry, nghttp2's; 128 KiB a block, curl's), so libcurl dropped them and closed the
      /// connection: RESOURCE_EXHAUSTED, as grpc-core reports metadata over its limit ("received
      /// trailing metadata size exceeds limit"), and as this machine reports an oversize message.
      case metadataTooLarge
      /// Anything else from the transport: UNAVAILABLE.
      case other
    }
    public var kind: Kind
    /// Detail for the status message (curl's error text).
    public var message: String
    public init(_ kind: Kind, message: String = "") {
      self.kind = kind
      self.message = message
    }

    /// The status code this failure ends a call with.
    public var statusCode: GRPCStatusCode {
      switch kind {
      case .connectionRefused, .connectionReset, .other: .unavailable
      case .timedOut: .deadlineExceeded
      case .cancelled: .cancelled
      case .protocolError: .internal
      case .metadataTooLarge: .resourceExhausted
      }
    }
  }

  /// Where a final status came from.
  public enum StatusSource: Sendable, Equatable {
    /// The agent's own `grpc-status` (in trailers or a trailers-only head).
    case agent
    /// Made by the gateway (see the type's documentation for the cases).
    case gateway
  }

  /// What to do after the response head.
  public enum HeadAction: Sendable, Equatable {
    /// A 1xx informational head: nothing to do, still waiting for the head.
    case none
    /// The call continues; these are the agent's headers (pseudo-headers removed) as leading
    /// metadata. Filter them before passing them on (`GRPCWebMetadataFilter`).
    case forwardLeadingMetadata(Metadata)
    /// The call ended: trailers-only (source `.agent`) or a non-gRPC answer (`.gateway`).
    case finish(GRPCStatus, source: StatusSource)
  }

  /// What to do after body bytes.
  public enum BodyAction: Sendable, Equatable {
    /// Nothing complete yet, or the call already finished.
    case none
    /// Complete message payloads, inflated (`.deframe` mode).
    case forwardMessages([[UInt8]])
    /// Complete frames, prefix included, unchanged and concatenated (`.passThroughFrames`).
    case forwardFrames([UInt8])
    /// The agent broke the framing or a limit. Messages complete in the same chunk are dropped:
    /// the call fails either way.
    case finish(GRPCStatus, source: StatusSource)
  }

  /// What to do after the trailers.
  public enum TrailersAction: Sendable, Equatable {
    /// The call already finished.
    case none
    case finish(GRPCStatus, source: StatusSource)
  }

  /// What to do when the transfer ended.
  public enum EndAction: Sendable, Equatable {
    /// The call already finished (the usual case: after trailers).
    case none
    /// The transfer ended early, with or without a transport error.
    case finish(GRPCStatus, source: StatusSource)
  }

  private enum State: Sendable {
    /// Waiting for the response head.
    /// Exits: 1xx head → stays; 200 gRPC head → `.streaming`; trailers-only or non-gRPC head,
    /// or the end of the transfer → `.finished`; body or trailers → `.poisoned`.
    case awaitingHead
    /// Head received, messages flowing.
    /// Exits: trailers, a peer violation in the body, end of transfer → `.finished`;
    /// a second head → `.poisoned`.
    case streaming
    /// The status is known and was handed out once.
    /// Exits: body, trailers, and the first end of transfer are ignored and stay; a head after
    /// one was received, or a second end of transfer → `.poisoned`.
    case finished(GRPCStatus)
    /// Our misuse; every input throws the stored error. No exits.
    case poisoned(GRPCError)
  }

  public let configuration: Configuration
  private var state: State = .awaitingHead
  private var deframer: GRPCMessageDeframer
  private var headReceived = false
  private var transferDidEnd = false
  /// The response's `grpc-encoding`, when not identity.
  private var encodingName: String?

  public init(configuration: Configuration = Configuration()) {
    self.configuration = configuration
    self.deframer = GRPCMessageDeframer(maxMessageLength: configuration.maxMessageLength)
  }

  /// The final status, once the call finished.
  public var status: GRPCStatus? {
    if case .finished(let status) = state { return status }
    return nil
  }

  // MARK: Inputs

  /// The response head arrived (the first HEADERS block, or a 1xx one).
  public mutating func receivedResponseHead(httpStatus: Int, headers: Metadata) throws(GRPCError)
    -> HeadAction
  {
    switch state {
    case .awaitingHead:
      break
    case .streaming:
      throw misuse("receivedResponseHead while streaming")
    case .finished:
      if headReceived || transferDidEnd {
        throw misuse("receivedResponseHead after the call ended")
      }
      return .none
    case .poisoned(let error):
      throw error
    }
    if (100...199).contains(httpStatus) { return .none }
    headReceived = true

    // A grpc-status in the head is a trailers-only response, whatever the HTTP status (as
    // envoy's isGrpcResponseHeaders): the agent's status is more precise than the table.
    if headers[first: "grpc-status"] != nil {
      return .finish(finish(Self.statusFromTrailers(headers)), source: .agent)
    }
    guard httpStatus == 200 else {
      let code = Self.statusCode(forHTTPStatus: httpStatus)
      let status = GRPCStatus(
        code: code, message: "unexpected HTTP status \(httpStatus) from the agent")
      return .finish(finish(status), source: .gateway)
    }
    guard Self.isGRPCContentType(headers[first: "content-type"]) else {
      let contentType = headers[first: "content-type"] ?? "none"
      let status = GRPCStatus(
        code: .unknown,
        message: "invalid content-type from the agent: \(GRPCStatus.percentEncode(contentType))")
      return .finish(finish(status), source: .gateway)
    }
    if let encoding = headers[first: "grpc-encoding"], encoding.lowercased() != "identity" {
      encodingName = encoding
    }
    state = .streaming
    var leading = Metadata()
    for entry in headers where entry.name.utf8.first != UInt8(ascii: ":") {
      leading.append(entry.name, entry.value)
    }
    return .forwardLeadingMetadata(leading)
  }

  /// Body bytes arrived.
  public mutating func receivedBody(_ bytes: UnsafeRawBufferPointer) throws(GRPCError)
    -> BodyAction
  {
    switch state {
    case .streaming:
      break
    case .awaitingHead:
      throw misuse("receivedBody before the response head")
    case .finished:
      return .none
    case .poisoned(let error):
      throw error
    }
    deframer.append(bytes)
    do {
      switch configuration.messageHandling {
      case .passThroughFrames:
        let frames = try deframer.nextFrames()
        return frames.isEmpty ? .none : .forwardFrames(frames)
      case .deframe:
        var messages: [[UInt8]] = []
        while let message = try deframer.next() {
          messages.append(try inflateIfNeeded(message))
        }
        return messages.isEmpty ? .none : .forwardMessages(messages)
      }
    } catch {
      return .finish(
        finish(GRPCStatus(code: error.statusCode, message: error.message)), source: .gateway)
    }
  }

  /// Body bytes arrived.
  public mutating func receivedBody(_ bytes: [UInt8]) throws(GRPCError) -> BodyAction {
    try bytes.withUnsafeBytes { raw in Result { () throws(GRPCError) in try receivedBody(raw) } }
      .get()
  }

  /// The trailers arrived (the HEADERS block after the body).
  public mutating func receivedTrailers(_ trailers: Metadata) throws(GRPCError) -> TrailersAction {
    switch state {
    case .streaming:
      break
    case .awaitingHead:
      throw misuse("receivedTrailers before the response head")
    case .finished:
      return .none
    case .poisoned(let error):
      throw error
    }
    let status = Self.statusFromTrailers(trailers)
    if status.code == .ok, deframer.bufferedByteCount > 0 {
      let cut = GRPCStatus(
        code: .internal,
        message: "the agent ended the call inside a message (\(deframer.bufferedByteCount) bytes)",
        metadata: status.metadata)
      return .finish(finish(cut), source: .gateway)
    }
    return .finish(finish(status), source: .agent)
  }

  /// The transfer is over: cleanly (`transportError` nil) or with a transport failure.
  public mutating func transferEnded(transportError: TransportError?) throws(GRPCError)
    -> EndAction
  {
    if transferDidEnd, case .poisoned(let error) = state { throw error }
    if transferDidEnd { throw misuse("transferEnded twice") }
    transferDidEnd = true
    switch state {
    case .finished:
      return .none
    case .poisoned(let error):
      throw error
    case .awaitingHead, .streaming:
      break
    }
    let status: GRPCStatus
    if let transportError, transportError.kind == .metadataTooLarge {
      // Which block it was follows from where the call is: the trailers once a head came.
      let block = headReceived ? "trailers" : "response headers"
      status = GRPCStatus(
        code: transportError.statusCode,
        message: "the agent's \(block) exceeded libcurl's HTTP/2 limits (64 KiB an entry, "
          + "128 KiB in all), and the agent connection was closed")
    } else if let transportError, transportError.kind == .timedOut {
      // A deadline is not a transport problem; the message says which deadline it was.
      status = GRPCStatus(
        code: .deadlineExceeded,
        message: transportError.message.isEmpty ? "the call's deadline passed" : transportError.message)
    } else if let transportError {
      let detail = transportError.message.isEmpty ? "" : ": \(transportError.message)"
      status = GRPCStatus(
        code: transportError.statusCode, message: "transport error talking to the agent\(detail)")
    } else if headReceived {
      status = GRPCStatus(
        code: .internal, message: "the agent closed the stream without sending trailers")
    } else {
      status = GRPCStatus(
        code: .internal, message: "the agent closed the stream without a response")
    }
    return .finish(finish(status), source: .gateway)
  }

  // MARK: Helpers

  /// gRPC's mapping of an HTTP status (other than 200) to a status code, from
  /// `doc/http-grpc-status-mapping.md`.
  public static func statusCode(forHTTPStatus httpStatus: Int) -> GRPCStatusCode {
    switch httpStatus {
    case 400: .internal
    case 401: .unauthenticated
    case 403: .permissionDenied
    case 404: .unimplemented
    case 429, 502, 503, 504: .unavailable
    default: .unknown
    }
  }

  /// Whether `contentType` is `application/grpc`, optionally `+subtype` or `;params`.
  public static func isGRPCContentType(_ contentType: String?) -> Bool {
    guard let contentType else { return false }
    let prefix = "application/grpc"
    let utf8 = contentType.utf8
    guard utf8.count >= prefix.utf8.count,
      utf8.prefix(prefix.utf8.count).elementsEqual(prefix.utf8, by: { lowerASCII($0) == $1 })
    else { return false }
    let rest = utf8.dropFirst(prefix.utf8.count)
    guard let next = rest.first else { return true }
    return next == UInt8(ascii: "+") || next == UInt8(ascii: ";") || next == UInt8(ascii: " ")
  }

  /// The status in a trailers block (or trailers-only head): `grpc-status`, `grpc-message` and
  /// the rest as metadata (pseudo-headers and `content-type` left out). A missing or invalid
  /// `grpc-status` is UNKNOWN.
  static func statusFromTrailers(_ trailers: Metadata) -> GRPCStatus {
    var code: GRPCStatusCode?
    var encodedMessage = ""
    var metadata = Metadata()
    for entry in trailers {
      switch entry.name {
      case "grpc-status": if code == nil { code = parseStatusCode(entry.value) ?? .unknown }
      case "grpc-message": encodedMessage = entry.value
      case "content-type", "content-length": continue
      default:
        if entry.name.utf8.first != UInt8(ascii: ":") { metadata.append(entry.name, entry.value) }
      }
    }
    guard let code else {
      return GRPCStatus(
        code: .unknown, message: "the agent sent trailers without grpc-status", metadata: metadata)
    }
    return GRPCStatus(code: code, encodedMessage: encodedMessage, metadata: metadata)
  }

  private static func parseStatusCode(_ value: String) -> GRPCStatusCode? {
    guard !value.isEmpty, value.utf8.count <= 9,
      value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
      let number = Int(value)
    else { return nil }
    return GRPCStatusCode(rawValue: number)
  }

  private static func lowerASCII(_ byte: UInt8) -> UInt8 {
    byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
  }

  private func inflateIfNeeded(_ message: GRPCMessageDeframer.Message) throws(GRPCError)
    -> [UInt8]
  {
    guard message.compressed else { return message.payload }
    guard let encodingName else {
      throw GRPCError(
        code: .decompressionFailed, message: "compressed message without grpc-encoding")
    }
    guard let compression = GRPCCompression(headerValue: encodingName) else {
      throw GRPCError(
        code: .unsupportedEncoding,
        message: "unsupported grpc-encoding \(GRPCStatus.percentEncode(encodingName))")
    }
    return try message.payload.withUnsafeBytes { raw in
      Result { () throws(GRPCError) in
        try compression.decompress(raw, limit: configuration.maxDecompressedLength)
      }
    }.get()
  }

  private mutating func finish(_ status: GRPCStatus) -> GRPCStatus {
    state = .finished(status)
    return status
  }

  private mutating func misuse(_ what: String) -> GRPCError {
    let error = GRPCError(code: .invalidState, message: "GRPCCallStateMachine: \(what)")
    if configuration.assertOnMisuse { assertionFailure(error.message) }
    state = .poisoned(error)
    return error
  }
}
