import GatewayCore
import GatewayErrors
import GatewayGRPC
import GatewayHTTP1

/// Chooses the handler for a request: the gateway's own `/-/` endpoints, or a gRPC method path
/// in gRPC-Web or JSON form.
///
/// Requests answered at once (health, errors) are answered here and get no handler; their
/// unread body is drained or the connection closed by the HTTP state machine.
struct Router {
  unowned let server: Server

  func handler(for head: HTTPRequestHead, connection: Connection) -> (any RequestHandler)? {
    let path = head.target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
    // HEAD is GET without the body (RFC 9110 9.3.2), for the endpoints a GET can read.
    connection.omitsResponseBody = head.method == "HEAD"
    if path.hasPrefix("/-/session") {
      if SessionEndpoint.Kind(rawValue: path) != nil {
        return SessionEndpoint.handler(for: path, head: head, server: server, connection: connection)
      }
    }
    if path.hasPrefix("/-/") {
      ownEndpoint(path, head: head, connection: connection)
      return nil
    }
    guard let method = GRPCMethodPath(path) else {
      connection.sendError(.notFound(path))
      return nil
    }
    // The method check comes before the method lookup, as the contract says.
    guard head.method == "POST" else {
      connection.sendError(
        .methodNotAllowed("\(head.method) is not allowed on a gRPC method; use POST", allow: "POST"))
      return nil
    }
    if let contentType = head.headers["content-type"],
      let web = GRPCWebContentType(headerValue: contentType)
    {
      return GRPCWebHandler.start(
        server: server, connection: connection, head: head, method: method, contentType: web)
    }
    guard JSONCallHandler.accepts(contentType: head.headers["content-type"]) else {
      connection.sendError(
        GatewayError.gateway(
          "UnsupportedMediaType", .invalidArgument,
          "send JSON (application/json), NDJSON (application/x-ndjson) or gRPC-Web",
          httpStatus: 415
        ).withExitCode(SysExits.usage))
      return nil
    }
    return JSONCallHandler.start(server: server, connection: connection, head: head, path: method.path)
  }

  private func ownEndpoint(_ path: String, head: HTTPRequestHead, connection: Connection) {
    let endpoint = OwnEndpoint(rawValue: path)
    guard let endpoint else {
      connection.sendError(.notFound(path))
      return
    }
    guard endpoint.allowedMethods.contains(head.method.readingMethod) else {
      connection.sendError(
        .methodNotAllowed(
          "\(head.method) is not allowed on \(path)",
          allow: endpoint.allowedMethods.withHEAD.joined(separator: ", ")))
      return
    }
    switch endpoint {
    case .health:
      connection.sendJSON(status: 200, body: Array("{\"status\":\"serving\"}\n".utf8))
    case .methods:
      server.schemas.refreshedIfFailing { [server] in
        connection.sendJSON(status: 200, body: MethodsListing.json(server.schemas))
      }
    case .metrics:
      let body = Array(server.metricsText().utf8)
      var headers = HTTPHeaders()
      headers.add(name: "Content-Type", value: "text/plain; version=0.0.4")
      connection.sendHead(
        HTTPResponseHead(status: 200, headers: headers, framing: .contentLength(body.count)))
      connection.sendBody(body)
      connection.endResponse(chunked: false)
    }
  }
}

/// The gateway's own endpoints under the reserved `/-/` prefix.
enum OwnEndpoint: String {
  case health = "/-/health"
  case metrics = "/-/metrics"
  case methods = "/-/methods"

  var allowedMethods: [String] {
    switch self {
    case .health, .metrics, .methods: ["GET"]
    }
  }
}

extension String {
  /// The method an endpoint answers for this one: HEAD is answered as GET (without the body).
  var readingMethod: String { self == "HEAD" ? "GET" : self }
}

extension [String] {
  /// An `Allow` list: HEAD goes wherever GET does.
  var withHEAD: [String] {
    guard let get = firstIndex(of: "GET") else { return self }
    var methods = self
    methods.insert("HEAD", at: get + 1)
    return methods
  }
}

/// `/<package>.<Service>/<Method>`: two non-empty segments, nothing else.
struct GRPCMethodPath {
  let path: String
  let service: Substring
  let method: Substring

  init?(_ path: String) {
    let parts = path.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0].isEmpty, !parts[1].isEmpty, !parts[2].isEmpty else {
      return nil
    }
    // Protobuf names are ASCII letters, digits, `_` and `.`; checked as bytes.
    func allowed(_ byte: UInt8) -> Bool {
      switch byte {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."):
        true
      default: false
      }
    }
    guard parts[1].utf8.allSatisfy(allowed), parts[2].utf8.allSatisfy(allowed) else { return nil }
    // `pkg.Service`: dot-separated names, none empty; a method name has no dot.
    guard !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !parts[1].contains(".."),
      !parts[2].contains(".")
    else { return nil }
    self.path = path
    service = parts[1]
    method = parts[2]
  }
}

extension GatewayError {
  func withExitCode(_ exitCode: Int) -> GatewayError {
    var copy = self
    copy.exitCode = exitCode
    return copy
  }

  /// 404 for a path that is neither a gateway endpoint nor a gRPC method (exit 64: a usage error).
  static func notFound(_ path: String) -> GatewayError {
    GatewayError.gateway("NotFound", .unimplemented, "no such endpoint: \(path)", httpStatus: 404)
      .withExitCode(SysExits.usage)
  }

  /// 405 with the `Allow` header (exit 64).
  static func methodNotAllowed(_ message: String, allow: String) -> GatewayError {
    var error = GatewayError.gateway("MethodNotAllowed", .unimplemented, message, httpStatus: 405)
    error.headers.append(("Allow", allow))
    return error.withExitCode(SysExits.usage)
  }
}
