import Foundation
import Testing

/// The codec against protobuf's reference implementation: the differential driver
/// (Tests/Differential/differential.py: 10,000 seeded kitchen-sink messages in both directions,
/// the hand-written JSON cases, every saved regression) and the conformance runner
/// (Tests/Conformance/runner.py: the v21.12 binary+JSON suite), both against the built
/// `ConformanceTestee`. Needs the venv (deploy/setup.sh) and Tests/Differential/setup.sh's
/// descriptor set.
@Suite("Differential and conformance", .serialized)
struct DifferentialTests {
  /// The built testee: `SESSION_GATEWAY_TESTEE`, else `.build/{debug,release}/ConformanceTestee`.
  static var testee: String {
    if let path = ProcessInfo.processInfo.environment["SESSION_GATEWAY_TESTEE"] { return path }
    for configuration in ["debug", "release"] {
      let path = TestPaths.repository.appendingPathComponent(".build/\(configuration)/ConformanceTestee").path
      if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return TestPaths.repository.appendingPathComponent(".build/debug/ConformanceTestee").path
  }

  static func script(_ relative: String) -> String {
    TestPaths.repository.appendingPathComponent(relative).path
  }

  /// Fails with a clear message when the testee, the venv or the kitchen descriptor set is missing.
  static func requirePrerequisites() throws {
    guard FileManager.default.isExecutableFile(atPath: testee) else {
      throw TestFailure(
        "ConformanceTestee not built at \(testee): run `swift build --build-tests` (deploy/test.sh does)")
    }
    guard FileManager.default.isExecutableFile(atPath: TestPaths.python) else {
      throw TestFailure("no venv python at \(TestPaths.python): run deploy/setup.sh")
    }
    let kitchen = script("Tests/Differential/gen/kitchen.binpb")
    guard FileManager.default.fileExists(atPath: kitchen) else {
      throw TestFailure("\(kitchen) missing: run Tests/Differential/setup.sh (deploy/setup.sh does)")
    }
  }

  /// The last `limit` characters of a tool's output, for the failure message.
  static func tail(_ text: String, _ limit: Int = 6000) -> String {
    text.count > limit ? "…" + String(text.suffix(limit)) : text
  }

  @Test("10,000 generated messages, the JSON cases and the regressions agree with json_format/upb")
  func differential() throws {
    try Self.requirePrerequisites()
    let (code, output, errors) = try runProcess(
      TestPaths.python,
      [Self.script("Tests/Differential/differential.py"), "--seed", "1", "--count", "10000", "--no-record",
       "--", Self.testee])
    let text = String(decoding: output, as: UTF8.self)
    #expect(code == 0, "differential.py exited \(code):\n\(Self.tail(text))\n\(Self.tail(errors, 2000))")
    #expect(text.contains("differential: no disagreements"))
  }

  @Test("the conformance suite (v21.12 binary+JSON, proto3) passes with no unexpected failure")
  func conformance() throws {
    try Self.requirePrerequisites()
    var arguments = [Self.script("Tests/Conformance/runner.py"), "--enforce_recommended"]
    let failureList = Self.script("Tests/Conformance/failure_list.txt")
    if FileManager.default.fileExists(atPath: failureList) { arguments += ["--failure_list", failureList] }
    let (code, output, errors) = try runProcess(TestPaths.python, arguments + [Self.testee])
    let text = String(decoding: output, as: UTF8.self)
    let summary = text.split(separator: "\n").last { $0.hasPrefix("CONFORMANCE SUITE") }.map(String.init)
    #expect(code == 0, "runner.py exited \(code): \(summary ?? "no summary")\n\(Self.tail(text))\n\(Self.tail(errors, 2000))")
    #expect(summary?.hasPrefix("CONFORMANCE SUITE PASSED") == true)
  }
}
