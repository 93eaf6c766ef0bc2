import Foundation
import Testing

/// What the gateway refuses at start, with the sysexits code a service manager can act on:
/// a typo is found before any caller meets it as a 503 on every call.
@Suite struct StartupValidationTests {
  @Test(arguments: [
    (["--agent", "http://127.0.0.1:99999"], "port '99999'"),
    (["--agent", "http://127.0.0.1:abc"], "port 'abc'"),
    (["--agent", "http://127.0.0.1"], "a port is required"),
    (["--agent", "https://agent.example:"], "port ''"),
    (["--agent", "http://::1:50051"], "in brackets"),
    (["--agent", "http://:50051"], "host is missing"),
    (["--agent", "unix:/tmp/a.sock", "--unlock-method", "nope"], "not a gRPC method path"),
    (["--agent", "unix:/tmp/a.sock", "--unlock-method", "/pkg.Service/"], "not a gRPC method path"),
    (["--agent", "unix:/tmp/a.sock", "--unlock-method", "/../C"], "not a gRPC method path"),
    (["--agent", "unix:agent.sock"], "must be absolute"),
    (["--agent", "http://h\u{01}:50"], "not a host name or address"),
    (["--agent", "unix:/tmp/a.sock", "--idle-timeout", "99999999999"], "from 1 to 31536000"),
    (["--agent", "unix:/tmp/a.sock", "--default-timeout", "99999999999999"], "from 0 to 2147483647"),
  ])
  func aBadCommandLineExits64(arguments: [String], expected: String) throws {
    let (code, _, errors) = try runProcess(TestPaths.gatewayBinary, arguments)
    #expect(code == 64, "\(errors)")
    #expect(errors.contains(expected), "\(errors)")
  }

  @Test func goodAgentAddressesAreAccepted() throws {
    // The gateway starts and listens (no agent needs to be there for that).
    for address in ["http://127.0.0.1:50051", "https://agent.example:443/", "http://[::1]:50051"] {
      let directory = try TemporaryDirectory()
      _ = try Gateway(agent: address, directory: directory)
    }
  }

  /// Flags win over the environment: a variable whose flag is given is not read, so a bad
  /// value there does not stop a service whose unit passes the flag.
  @Test func aFlagWinsOverABadEnvironmentValue() throws {
    let directory = try TemporaryDirectory()
    let gateway = try Gateway(
      agent: "unix:" + directory.file("agent.sock"), directory: directory,
      arguments: ["--max-body-bytes", "1000"],  // the helper passes --log-level too
      environment: ["SESSION_GATEWAY_LOG_LEVEL": "bogus", "SESSION_GATEWAY_MAX_BODY_BYTES": "abc"])
    #expect(try Curl.run(socket: gateway.socketPath, path: "/-/health", method: "GET").status == 200)
  }

  /// A bad environment value is named by its variable, not only by the flag it stands for.
  @Test func aBadEnvironmentValueNamesTheVariable() throws {
    let (code, _, errors) = try runProcess(
      "/usr/bin/env", ["SESSION_GATEWAY_LOG_LEVEL=loud", TestPaths.gatewayBinary, "--agent", "unix:/tmp/a.sock"])
    #expect(code == 64)
    #expect(errors.contains("SESSION_GATEWAY_LOG_LEVEL: unknown level 'loud'"), "\(errors)")
  }

  /// Files the configuration names are read at start: missing, empty or unreadable is exit 78
  /// (EX_CONFIG), naming the file, and no socket file is left behind.
  @Test(arguments: ["ca-missing", "ca-directory", "password-missing", "password-empty", "descriptor-broken"])
  func anUnusableFileExits78LeavingNoSocket(problem: String) throws {
    let directory = try TemporaryDirectory()
    let socket = directory.file("gw.sock")
    var arguments = ["--agent", "unix:" + directory.file("agent.sock"), "--listen", socket]
    let expected: String
    switch problem {
    case "ca-missing":
      arguments += ["--agent-ca-file", directory.file("nope.pem")]
      expected = "cannot read the agent CA file \(directory.file("nope.pem")): No such file or directory"
    case "ca-directory":
      arguments += ["--agent-ca-file", directory.path]
      expected = "not a regular file"
    case "password-missing":
      arguments += ["--password-file", directory.file("nope")]
      expected = "the password file \(directory.file("nope")) does not exist"
    case "password-empty":
      let empty = directory.file("password")
      #expect(FileManager.default.createFile(atPath: empty, contents: Data("\n".utf8)))
      arguments += ["--password-file", empty]
      expected = "the password file \(empty) is empty"
    default:
      let broken = directory.file("broken.binpb")
      #expect(FileManager.default.createFile(atPath: broken, contents: Data([0x0A, 0x05, 0x01])))
      arguments += ["--descriptor-set", broken]
      expected = "invalid descriptor set"
    }
    let (code, _, errors) = try runProcess(TestPaths.gatewayBinary, arguments)
    #expect(code == 78, "\(errors)")
    #expect(errors.contains(expected), "\(errors)")
    #expect(!FileManager.default.fileExists(atPath: socket), "a failed start left \(socket)")
  }
}
