import Foundation

/// A reference agent and a gateway in front of it, in one private directory.
final class Fixture {
  let directory: TemporaryDirectory
  let agent: ReferenceAgent
  let gateway: Gateway

  init(agentArguments: [String] = [], gatewayArguments: [String] = []) throws {
    let directory = try TemporaryDirectory()
    self.directory = directory
    agent = try ReferenceAgent(directory: directory, arguments: agentArguments)
    // Placeholders for password files: the right password, and a wrong one.
    let arguments = try gatewayArguments.map { argument in
      if argument == "PASSWORD_FIFO" { return try Self.passwordPipe(in: directory) }
      guard argument == "PASSWORD_FILE" || argument == "WRONG_PASSWORD_FILE" else { return argument }
      let path = directory.file(argument.lowercased())
      let password = argument == "PASSWORD_FILE" ? "secret-password" : "wrong-password"
      try "  \(password)\n".write(toFile: path, atomically: false, encoding: .utf8)
      return path
    }
    gateway = try Gateway(agent: agent.address, directory: directory, arguments: arguments)
  }

  /// A FIFO the right password is written to once, as `--password-file <(pass show agent)`
  /// would give it: the gateway must read it to its end, not refuse it as not a regular file.
  static func passwordPipe(in directory: TemporaryDirectory) throws -> String {
    let path = directory.file("password-fifo")
    guard mkfifo(path, 0o600) == 0 else { throw TestFailure("mkfifo failed") }
    Thread {
      let fd = open(path, O_WRONLY)  // waits for the gateway to open it
      guard fd >= 0 else { return }
      let bytes = Array("secret-password\n".utf8)
      _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      close(fd)
    }.start()
    return path
  }

  /// A gRPC-Web call through the gateway with curl.
  func web(
    _ path: String, _ message: [UInt8] = [], headers: [String] = [],
    contentType: String = "application/grpc-web+proto"
  ) throws -> (CurlResult, GRPCWeb.Response?) {
    let result = try Curl.run(
      socket: gateway.socketPath, path: path,
      headers: ["Content-Type: \(contentType)"] + headers, body: GRPCWeb.frame(message))
    return (result, GRPCWeb.parse(result.body))
  }

  /// Unlocks the session through the gateway with the caller's Basic credentials.
  func unlock() throws {
    let before = gateway.storedToken
    var password = ProtoWriter()
    password.string(1, "secret-password")
    let (result, response) = try web(
      "/polykey.v1.ClientService/SessionsUnlock", password.bytes,
      headers: ["Authorization: Basic " + Data(":secret-password".utf8).base64EncodedString()])
    guard result.status == 200, response?.trailers["grpc-status"] == "0" else {
      throw TestFailure("unlock failed: \(result.status) \(result.text)")
    }
    _ = try gateway.waitForToken(differentFrom: before)
  }
}

/// The SHA-256 of `text` in hex (the reference agent reports credential hashes).
func sha256Hex(_ text: String) throws -> String {
  let (_, output, _) = try runProcess("/usr/bin/sha256sum", [], input: Array(text.utf8))
  return String(decoding: output, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
}

/// An `EchoRequest`.
func echoRequest(payload: [UInt8] = Array("hello".utf8), requireAuth: Bool = true) -> [UInt8] {
  var writer = ProtoWriter()
  writer.bytes(1, payload)
  writer.bool(2, requireAuth)
  return writer.bytes
}
