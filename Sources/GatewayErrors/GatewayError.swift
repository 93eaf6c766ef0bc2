public import GatewayCore

/// The one error object that crosses targets and becomes the JSON error body.
///
/// `type`, `code`, `message` and `exitCode` are always present in the body; `grpcStatus` only
/// when the agent sent a status; `data` holds the agent's parsed `error` trailer, as JSON text.
public struct GatewayError: Error, Sendable, CustomStringConvertible {
  public var type: String
  public var code: GRPCStatusCode
  public var httpStatus: Int
  public var message: String
  public var description: String { message }
  public var agentDescription: String?
  public var exitCode: Int
  public var grpcStatus: Int?
  /// The agent's `error` trailer JSON, kept whole.
  public var data: [UInt8]?
  /// Extra response headers (`WWW-Authenticate`, `Retry-After`).
  public var headers: [(String, String)] = []
  /// The `google.rpc.Status` details the agent sent (`grpc-status-details-bin`), each one JSON
  /// value (the `Any` in proto3 JSON, or `{"@type", "value"}` with base64 when its type is not
  /// known); written as `details`.
  public var details: [[UInt8]]?

  public init(
    type: String, code: GRPCStatusCode, httpStatus: Int, message: String,
    exitCode: Int? = nil, grpcStatus: Int? = nil
  ) {
    self.type = type
    self.code = code
    self.httpStatus = httpStatus
    self.message = message
    self.exitCode = exitCode ?? StatusMapping.exitCode(forHTTPStatus: httpStatus)
    self.grpcStatus = grpcStatus
  }

  /// An error the gateway makes itself (`ErrorGateway…`), mapped from its gRPC code.
  public static func gateway(
    _ name: String, _ code: GRPCStatusCode, _ message: String, httpStatus: Int? = nil
  ) -> GatewayError {
    GatewayError(
      type: "ErrorGateway" + name, code: code,
      httpStatus: httpStatus ?? StatusMapping.httpStatus(for: code), message: message)
  }

  /// The contract's error body: `{"error": {...}}`.
  public var jsonBody: [UInt8] {
    var writer = JSONWriter()
    writer.beginObject()
    writer.key("error")
    writer.beginObject()
    writer.key("type")
    writer.string(type)
    writer.key("code")
    writer.string(code.name)
    if let grpcStatus {
      writer.key("grpcStatus")
      writer.int(grpcStatus)
    }
    writer.key("message")
    writer.string(message)
    if let agentDescription {
      writer.key("description")
      writer.string(agentDescription)
    }
    writer.key("exitCode")
    writer.int(exitCode)
    if let data {
      writer.key("data")
      writer.raw(json: data)
    }
    if let details {
      writer.key("details")
      writer.beginArray()
      for detail in details { writer.raw(json: detail) }
      writer.endArray()
    }
    writer.endObject()
    writer.endObject()
    return writer.bytes + [0x0A]
  }
}

/// A target's own error says how it becomes the wire error, so `GatewayErrors` never imports up.
public protocol GatewayErrorConvertible: Error {
  var gatewayError: GatewayError { get }
}
