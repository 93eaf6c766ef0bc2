import GatewayTranscoding
import Testing

/// The reflection fetch's exact request sequence, with hand-made responses and no IO.
@Suite struct ReflectionFetchTests {
  // Tiny protobuf writers for the few messages involved.
  private func varint(_ value: Int) -> [UInt8] {
    var value = UInt64(value)
    var bytes: [UInt8] = []
    while value >= 0x80 {
      bytes.append(UInt8(value & 0x7F) | 0x80)
      value >>= 7
    }
    return bytes + [UInt8(value)]
  }
  private func field(_ number: Int, _ bytes: [UInt8]) -> [UInt8] {
    varint(number << 3 | 2) + varint(bytes.count) + bytes
  }
  private func string(_ number: Int, _ text: String) -> [UInt8] { field(number, Array(text.utf8)) }

  private func file(_ name: String, dependencies: [String] = []) -> [UInt8] {
    string(1, name) + dependencies.flatMap { string(3, $0) }
  }
  private func listResponse(_ services: [String]) -> [UInt8] {
    field(6, services.flatMap { field(1, string(1, $0)) })
  }
  private func filesResponse(_ files: [[UInt8]]) -> [UInt8] {
    field(4, files.flatMap { field(1, $0) })
  }

  @Test func listsServicesThenFetchesTheirFilesThenMissingDependencies() throws {
    var fetch = ReflectionFetch()
    #expect(fetch.start() == .send([string(7, "*")]))

    let services = ["pkg.A", "grpc.reflection.v1.ServerReflection", "pkg.B"]
    let afterList = try fetch.received([listResponse(services)])
    #expect(afterList == .send([string(4, "pkg.A"), string(4, "pkg.B")]))

    let a = file("a.proto", dependencies: ["common.proto", "google/protobuf/empty.proto"])
    let b = file("b.proto", dependencies: ["common.proto"])
    let afterFiles = try fetch.received([filesResponse([a]), filesResponse([b])])
    #expect(
      afterFiles == .send([string(3, "common.proto"), string(3, "google/protobuf/empty.proto")]))

    let common = file("common.proto", dependencies: ["a.proto"])  // a cycle is not refetched
    let empty = file("google/protobuf/empty.proto")
    let done = try fetch.received([filesResponse([common, empty])])
    #expect(
      done
        == .done(.init(files: [a, b, common, empty], services: ["pkg.A", "pkg.B"], errors: [:])))
  }

  @Test func aServerWithOnlyReflectionHasNoFiles() throws {
    var fetch = ReflectionFetch()
    _ = fetch.start()
    #expect(
      try fetch.received([listResponse(["grpc.reflection.v1alpha.ServerReflection"])])
        == .done(.init(files: [], services: [], errors: [:])))
  }

  @Test func anErrorResponseToListingFailsAndGarbageThrows() {
    var fetch = ReflectionFetch()
    _ = fetch.start()
    let error = field(7, varint(1 << 3 | 0) + varint(5) + string(2, "nope"))
    #expect(throws: ReflectionFetch.Failure.self) { try fetch.received([error]) }

    var garbage = ReflectionFetch()
    _ = garbage.start()
    #expect(throws: ReflectionFetch.Failure.self) { try garbage.received([[0x0A, 0x05, 0x01]]) }
  }

  /// A listed service whose file the agent will not give (an error response, or none) is
  /// reported with why, so its methods count as unknown, not missing.
  @Test func servicesWhoseFileLookupFailsAreReportedWithTheError() throws {
    var fetch = ReflectionFetch()
    _ = fetch.start()
    _ = try fetch.received([listResponse(["pkg.A", "pkg.B", "pkg.C"])])
    let a = file("a.proto")
    let error = field(7, varint(1 << 3 | 0) + varint(5) + string(2, "nope"))
    // B errs, C gets an empty response.
    let done = try fetch.received([filesResponse([a]), error, []])
    #expect(
      done
        == .done(
          .init(
            files: [a], services: ["pkg.A", "pkg.B", "pkg.C"],
            errors: ["pkg.B": "nope", "pkg.C": "no file in the answer"])))
  }

  @Test func everyLookupFailingLeavesNoFilesAndEveryServiceWithItsError() throws {
    var fetch = ReflectionFetch()
    _ = fetch.start()
    _ = try fetch.received([listResponse(["pkg.A", "pkg.B"])])
    let error = field(7, varint(1 << 3 | 0) + varint(5) + string(2, "nope"))
    let done = try fetch.received([error])
    #expect(
      done
        == .done(
          .init(
            files: [], services: ["pkg.A", "pkg.B"],
            errors: ["pkg.A": "nope", "pkg.B": "no answer"])))
  }

  @Test func responsesBeforeStartAreRejected() {
    var fetch = ReflectionFetch()
    #expect(throws: ReflectionFetch.Failure.self) { try fetch.received([]) }
  }
}
