import Foundation
import Testing

/// The agent's three transports (h2c on a Unix socket is every other test's) and systemd
/// socket activation.
@Suite("Agent transports", .serialized)
struct AgentTransportTests {
  /// A reference agent on 127.0.0.1 with an OS-chosen port; returns it and its `host:port`.
  private func tcpAgent(_ directory: TemporaryDirectory, _ extra: [String] = []) throws -> (ChildProcess, String) {
    let child = try ChildProcess(
      TestPaths.python,
      [TestPaths.agentScript, "--listen", "127.0.0.1:0", "--password", "secret-password"] + extra,
      directory: directory, name: "tcp-agent")
    try child.wait(for: "the agent's READY line") { child.stdout.contains("READY") }
    let address = try #require(child.stdout.split(separator: " ").last)
      .trimmingCharacters(in: .whitespacesAndNewlines)
    return (child, address)
  }

  private func echo(_ gateway: Gateway) throws -> GRPCWeb.Response? {
    let result = try Curl.run(
      socket: gateway.socketPath, path: "/polykey.v1.TestService/Echo",
      headers: ["Content-Type: application/grpc-web+proto"],
      body: GRPCWeb.frame(echoRequest(requireAuth: false)))
    return GRPCWeb.parse(result.body)
  }

  @Test func cleartextHTTP2OverTCP() throws {
    let directory = try TemporaryDirectory()
    let (agent, address) = try tcpAgent(directory)
    defer { agent.stop() }
    let gateway = try Gateway(agent: "http://" + address, directory: directory)
    for _ in 0..<3 {
      #expect(try echo(gateway)?.trailers["grpc-status"] == "0")
    }
  }

  @Test func tlsWithALPNAndACAFile() throws {
    let directory = try TemporaryDirectory()
    let key = directory.file("agent.key")
    let certificate = directory.file("agent.pem")
    let (code, _, errors) = try runProcess(
      "/usr/bin/openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
       "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
    try #require(code == 0, "\(errors)")
    let (agent, address) = try tcpAgent(directory, ["--tls-cert", certificate, "--tls-key", key])
    defer { agent.stop() }
    let port = try #require(address.split(separator: ":").last)

    let trusted = try Gateway(
      agent: "https://localhost:\(port)", directory: directory,
      arguments: ["--agent-ca-file", certificate])
    #expect(try echo(trusted)?.trailers["grpc-status"] == "0")
    #expect(try echo(trusted)?.trailers["grpc-status"] == "0")

    // Without the CA the certificate is not trusted: UNAVAILABLE, and still serving.
    let untrusting = try Gateway(
      agent: "https://localhost:\(port)", directory: directory,
      tokenFile: directory.file("other/token"), socketPath: directory.file("untrusting.sock"))
    let refused = try Curl.run(
      socket: untrusting.socketPath, path: "/polykey.v1.TestService/Echo",
      headers: ["Content-Type: application/grpc-web+proto"], body: GRPCWeb.frame(echoRequest()))
    #expect(refused.header("grpc-status") == "14")
  }

  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-socket-activate")))
  func systemdSocketActivation() throws {
    let fixture = try Fixture()
    let socket = fixture.directory.file("activated.sock")
    let child = try SpawnedProcess(
      "/usr/bin/systemd-socket-activate",
      ["-l", socket, TestPaths.gatewayBinary, "--agent", fixture.agent.address,
       "--listen", socket, "--token-file", fixture.directory.file("activated/token")],
      output: fixture.directory.file("activated.log"))
    defer { child.stop() }
    for _ in 0..<500 where !FileManager.default.fileExists(atPath: socket) { usleep(10_000) }
    let health = try Curl.run(socket: socket, path: "/-/health", method: "GET")
    #expect(health.status == 200)
    let call = try Curl.run(
      socket: socket, path: "/polykey.v1.TestService/Echo",
      headers: ["Content-Type: application/grpc-web+proto"],
      body: GRPCWeb.frame(echoRequest(requireAuth: false)))
    #expect(GRPCWeb.parse(call.body)?.trailers["grpc-status"] == "0")
  }
}
