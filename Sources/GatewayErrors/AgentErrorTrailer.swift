public import GatewayCore

/// The agent's `error` trailer: a Polykey error as JSON, in either of its shapes.
///
/// - new: `{"type": "ErrorX", "data": {"message", "description", "exitCode", ...}}` (also what
///   a non-Polykey error looks like, with only `message` and `stack` in `data`);
/// - old: `{"name": "ErrorX", "description", "message", "exitCode", ...}`.
///
/// The JSON is kept whole (`json`) for the error body's `data`.
public struct AgentErrorTrailer: Sendable, Equatable {
  /// The error's class name (`type`, or `name` in the old shape).
  public var type: String
  public var message: String?
  public var description: String?
  /// The sysexits code the agent chose; absent for errors that are not Polykey's.
  public var exitCode: Int?
  /// The trailer as sent, checked to be one JSON object.
  public var json: [UInt8]

  /// Parses the trailer; nil when it is not a JSON object naming an error.
  public init?(json text: String) {
    let bytes = Array(text.utf8)
    guard let value = JSONValue.parse(bytes), case .object = value else { return nil }
    let fields: JSONValue
    if let type = value["type"]?.stringValue, !type.isEmpty {
      self.type = type
      // New shape: details under `data`; tolerate them at the top level too.
      if let data = value["data"], case .object = data { fields = data } else { fields = value }
    } else if let name = value["name"]?.stringValue, !name.isEmpty {
      self.type = name
      fields = value
    } else {
      return nil
    }
    message = fields["message"]?.stringValue ?? value["message"]?.stringValue
    description = fields["description"]?.stringValue ?? value["description"]?.stringValue
    exitCode = (fields["exitCode"] ?? value["exitCode"])?.intValue
    json = bytes
  }

  /// The agent's message, or its description when the message is empty.
  public var displayMessage: String? {
    if let message, !message.isEmpty { return message }
    if let description, !description.isEmpty { return description }
    return nil
  }
}

/// How the agent refused a call at authentication, whichever generation of names it uses.
public enum AuthRejection: Sendable, Equatable {
  /// No credentials (`ErrorClientJWTTokenNotProvided`, `ErrorClientAuthMissing`).
  case missing
  /// Credentials refused (`ErrorSessionTokenInvalid`, `ErrorClientAuthDenied`).
  case denied
  /// Credentials malformed (`ErrorClientAuthFormat`).
  case malformed
  /// A bare `UNAUTHENTICATED` status without an `error` trailer.
  case unauthenticated

  /// Recognises an authentication rejection from a final status and its trailers.
  ///
  /// - Parameters:
  ///   - code: the gRPC status the agent sent.
  ///   - metadata: the trailers (or trailers-only headers) holding the `error` trailer.
  public static func classify(code: GRPCStatusCode, metadata: Metadata) -> AuthRejection? {
    if let text = metadata[first: "error"], let trailer = AgentErrorTrailer(json: text) {
      return classify(type: trailer.type)
    }
    return code == .unauthenticated ? .unauthenticated : nil
  }

  /// The rejection an error class name stands for.
  public static func classify(type: String) -> AuthRejection? {
    switch type {
    case "ErrorClientJWTTokenNotProvided", "ErrorClientAuthMissing": .missing
    case "ErrorSessionTokenInvalid", "ErrorClientAuthDenied": .denied
    case "ErrorClientAuthFormat": .malformed
    default: nil
    }
  }
}
