import Foundation

/// Where things are: the repository, the built gateway, the reference agent's Python.
enum TestPaths {
  static let repository: URL = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url.deleteLastPathComponent() }
    return url
  }()

  static var gatewayBinary: String {
    if let path = ProcessInfo.processInfo.environment["SESSION_GATEWAY_BINARY"] { return path }
    for configuration in ["debug", "release"] {
      let path = repository.appendingPathComponent(".build/\(configuration)/session-gateway").path
      if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return repository.appendingPathComponent(".build/debug/session-gateway").path
  }

  static var python: String {
    let venv = ProcessInfo.processInfo.environment["SESSION_GATEWAY_VENV"]
      ?? repository.appendingPathComponent(".venv").path
    return venv + "/bin/python"
  }

  static var agentScript: String {
    repository.appendingPathComponent("Tests/ReferenceAgent/agent.py").path
  }
}

/// A private temporary directory (0700), removed when the test is done.
final class TemporaryDirectory {
  let path: String

  init() throws {
    let template = "/tmp/sgw-test-XXXXXX"
    var bytes = Array(template.utf8CString)
    guard let made = mkdtemp(&bytes) else { throw TestFailure("mkdtemp failed") }
    path = String(cString: made)
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }

  func file(_ name: String) -> String { path + "/" + name }
}

struct TestFailure: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// A child process with its output in files, stopped with SIGTERM when released.
final class ChildProcess {
  let process = Process()
  let stdoutPath: String
  let stderrPath: String

  init(_ executable: String, _ arguments: [String], directory: TemporaryDirectory, name: String,
       environment: [String: String]? = nil) throws {
    stdoutPath = directory.file("\(name).out")
    stderrPath = directory.file("\(name).err")
    _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
    _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = try Self.closeOnExecHandle(stdoutPath)
    process.standardError = try Self.closeOnExecHandle(stderrPath)
    process.standardInput = FileHandle.nullDevice
    if let environment { process.environment = environment }
    try process.run()
  }

  deinit { stop() }

  private static func closeOnExecHandle(_ path: String) throws -> FileHandle {
    let fd = open(path, O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { throw TestFailure("cannot open \(path)") }
    return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
  }

  /// SIGTERM, then SIGKILL if it has not exited within 5 s.
  func stop() {
    guard process.isRunning else { return }
    process.terminate()
    for _ in 0..<500 where process.isRunning { usleep(10_000) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
  }

  var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
  var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

  /// Waits until `condition` holds, failing after `timeout` seconds or if the process died.
  func wait(for what: String, timeout: Double = 20, _ condition: () -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
      if condition() { return }
      if !process.isRunning {
        throw TestFailure("process exited while waiting for \(what): \(stderr)")
      }
      usleep(20_000)
    }
    throw TestFailure("timed out waiting for \(what): \(stderr)")
  }
}
