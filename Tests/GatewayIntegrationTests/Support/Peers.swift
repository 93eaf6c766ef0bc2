import Foundation

/// The Python reference agent (a real grpcio server) on a private Unix socket.
final class ReferenceAgent {
  let directory: TemporaryDirectory
  let socketPath: String
  let child: ChildProcess
  var address: String { "unix:" + socketPath }

  init(directory: TemporaryDirectory, arguments: [String] = []) throws {
    self.directory = directory
    socketPath = directory.file("agent.sock")
    child = try ChildProcess(
      TestPaths.python,
      [TestPaths.agentScript, "--listen", "unix:" + socketPath, "--password", "secret-password"]
        + arguments,
      directory: directory, name: "agent")
    try child.wait(for: "the agent's READY line") { child.stdout.contains("READY") }
  }
}

/// The built gateway binary on a private Unix socket.
final class Gateway {
  let directory: TemporaryDirectory
  let socketPath: String
  let tokenFile: String
  let child: ChildProcess

  init(agent: String, directory: TemporaryDirectory, arguments: [String] = [],
       tokenFile: String? = nil, socketPath: String? = nil) throws {
    self.directory = directory
    let socketPath = socketPath ?? directory.file("gateway.sock")
    self.socketPath = socketPath
    self.tokenFile = tokenFile ?? directory.file("node/token")
    child = try ChildProcess(
      TestPaths.gatewayBinary,
      ["--agent", agent, "--listen", socketPath, "--token-file", self.tokenFile,
       "--log-level", "debug"] + arguments,
      directory: directory, name: "gateway")
    try child.wait(for: "the gateway's socket") {
      FileManager.default.fileExists(atPath: socketPath)
    }
  }

  /// The token now in the token file, trimmed.
  var storedToken: String? {
    guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else { return nil }
    let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
    return token.isEmpty ? nil : token
  }

  /// Everything the gateway logged so far.
  var log: String { child.stderr }
}

/// A curl run's outcome.
struct CurlResult {
  let exitCode: Int32
  let status: Int
  let headers: [(String, String)]
  let body: [UInt8]

  func header(_ name: String) -> String? {
    headers.first { $0.0.lowercased() == name.lowercased() }?.1
  }

  var text: String { String(decoding: body, as: UTF8.self) }
}

/// Runs the real curl binary against the gateway's Unix socket.
enum Curl {
  static func run(
    socket: String, path: String, method: String = "POST", headers: [String] = [],
    body: [UInt8]? = nil, extra: [String] = [], user: String? = nil,
    directory: TemporaryDirectory
  ) throws -> CurlResult {
    let id = UUID().uuidString
    let headerFile = directory.file("curl-\(id).headers")
    let bodyFile = directory.file("curl-\(id).body")
    var arguments = ["-sS", "--unix-socket", socket, "-X", method, "-D", headerFile, "-o", bodyFile]
    for header in headers { arguments += ["-H", header] }
    if let body {
      let requestFile = directory.file("curl-\(id).request")
      FileManager.default.createFile(atPath: requestFile, contents: Data(body))
      arguments += ["--data-binary", "@" + requestFile]
    }
    arguments += extra
    arguments.append("http://localhost" + path)
    let process = Process()
    if let user {
      // Run as another user: the files it writes must be in a place that user can write.
      process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
      process.arguments = ["--reuid=\(user)", "--regid=\(user)", "--clear-groups", "/usr/bin/curl"]
        + arguments
    } else {
      process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
      process.arguments = arguments
    }
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    let headerText = (try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? ""
    var status = 0
    var parsed: [(String, String)] = []
    for line in headerText.components(separatedBy: "\r\n") {
      if line.hasPrefix("HTTP/") {
        let parts = line.split(separator: " ")
        if parts.count > 1, let code = Int(parts[1]), code >= 200 { status = code; parsed = [] }
      } else if let colon = line.firstIndex(of: ":") {
        parsed.append((String(line[..<colon]),
                       line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
      }
    }
    let bytes = (try? Data(contentsOf: URL(fileURLWithPath: bodyFile))).map { [UInt8]($0) } ?? []
    return CurlResult(exitCode: process.terminationStatus, status: status, headers: parsed, body: bytes)
  }
}
