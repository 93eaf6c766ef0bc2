import Foundation
import Testing

/// One agent and gateway for a whole suite, for rows that do not disturb each other: started
/// before the suite's first test, stopped after its last (a suite-level `TestScoping` trait).
/// Tests read it with `SharedFixture.current`.
struct SharedFixture: SuiteTrait, TestScoping {
  let agentArguments: [String]
  let gatewayArguments: [String]

  /// Once around the suite, not around each test.
  var isRecursive: Bool { false }

  /// A fixture shared across a suite's tests, which run one at a time (`.serialized`).
  final class Box: @unchecked Sendable {
    let fixture: Fixture
    init(_ fixture: Fixture) { self.fixture = fixture }
  }

  @TaskLocal static var box: Box?

  /// The suite's fixture.
  static var current: Fixture {
    get throws {
      guard let box else { throw TestFailure("no shared fixture: add .sharedFixture() to the suite") }
      return box.fixture
    }
  }

  func provideScope(
    for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
  ) async throws {
    let box = Box(try Fixture(agentArguments: agentArguments, gatewayArguments: gatewayArguments))
    try await Self.$box.withValue(box) { try await function() }
  }
}

extension Trait where Self == SharedFixture {
  /// One reference agent and gateway for the whole suite.
  static func sharedFixture(agent: [String] = [], gateway: [String] = []) -> Self {
    SharedFixture(agentArguments: agent, gatewayArguments: gateway)
  }
}
