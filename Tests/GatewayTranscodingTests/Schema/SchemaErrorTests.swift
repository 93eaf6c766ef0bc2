import GatewayTranscoding
import Testing

/// The error loading `files` throws; fails the test when loading succeeds.
private func loadError(_ files: [[UInt8]], sourceLocation: SourceLocation = #_sourceLocation)
  -> SchemaError?
{
  do {
    _ = try SchemaPool(fileDescriptorProtos: files)
    Issue.record("loaded", sourceLocation: sourceLocation)
    return nil
  } catch {
    return error
  }
}

@Suite struct SchemaErrorTests {
  @Test func missingDependencyNamesBothFiles() throws {
    let file = Descriptor.file("polykey/v1/x.proto", dependencies: ["y.proto"])
    let error = try #require(loadError([file]))
    #expect(error.code == .missingDependency)
    #expect(
      error.description == "polykey/v1/x.proto imports y.proto, which is not in the descriptor set")
  }

  @Test func duplicateSymbolNamesBothFiles() throws {
    let a = Descriptor.file("a.proto", package: "pkg", messages: [Descriptor.message("M")])
    let b = Descriptor.file(
      "b.proto", package: "pkg", enums: [Descriptor.enumType("M", values: [("X", 0)])])
    let error = try #require(loadError([a, b]))
    #expect(error.code == .duplicateSymbol)
    #expect(error.symbol == "pkg.M")
    #expect(error.description == "pkg.M is defined in both a.proto and b.proto")
  }

  @Test func packageCannotShadowAMessage() throws {
    let a = Descriptor.file("a.proto", package: "pkg", messages: [Descriptor.message("M")])
    let b = Descriptor.file("b.proto", package: "pkg.M")
    #expect(try #require(loadError([a, b])).code == .duplicateSymbol)
  }

  @Test func unresolvedTypeNamesFieldAndType() throws {
    let file = Descriptor.file(
      "u.proto", package: "pkg",
      messages: [
        Descriptor.message(
          "M", fields: [.init(name: "x", number: 1, type: .message, typeName: ".pkg.Missing")])
      ])
    let error = try #require(loadError([file]))
    #expect(error.code == .unresolvedType)
    #expect(error.description.contains("u.proto"))
    #expect(error.description.contains("pkg.M.x"))
    #expect(error.description.contains(".pkg.Missing"))
  }

  @Test func unresolvedMethodType() throws {
    let file = Descriptor.file(
      "s.proto", package: "pkg",
      services: [
        Descriptor.service("S", methods: [("Call", ".pkg.Nope", ".pkg.Nope")])
      ])
    let error = try #require(loadError([file]))
    #expect(error.code == .unresolvedType)
    #expect(error.symbol == "pkg.S.Call")
  }

  @Test func sameFileWithDifferentContent() throws {
    let a = Descriptor.file("a.proto", messages: [Descriptor.message("M")])
    let b = Descriptor.file("a.proto", messages: [Descriptor.message("N")])
    let error = try #require(loadError([a, b]))
    #expect(error.code == .conflictingFile)
    #expect(error.file == "a.proto")
  }

  @Test(arguments: [
    ("number 0", [Descriptor.Field(name: "a", number: 0, type: .int32)]),
    (
      "duplicate number",
      [.init(name: "a", number: 1, type: .int32), .init(name: "b", number: 1, type: .int32)]
    ),
    (
      "duplicate name",
      [.init(name: "a", number: 1, type: .int32), .init(name: "a", number: 2, type: .int32)]
    ),
    ("bad name", [.init(name: "a-b", number: 1, type: .int32)]),
    ("enum type names a message", [.init(name: "a", number: 1, type: .enum, typeName: ".M")]),
    ("oneof out of range", [.init(name: "a", number: 1, type: .int32, oneofIndex: 3)]),
    ("number too big", [.init(name: "a", number: 1 << 29, type: .int32)]),
  ])
  func invalidDefinitions(_ why: String, fields: [Descriptor.Field]) throws {
    let file = Descriptor.file("i.proto", messages: [Descriptor.message("M", fields: fields)])
    let error = try #require(loadError([file]))
    #expect(error.code == .invalidDefinition, "\(why): \(error)")
    #expect(error.file == "i.proto")
  }

  @Test func mapEntryWithoutKeyIsRejected() throws {
    let file = Descriptor.file(
      "m.proto",
      messages: [
        Descriptor.message(
          "M",
          fields: [
            .init(name: "m", number: 1, type: .message, typeName: ".M.MEntry", repeated: true)
          ],
          nested: [
            Descriptor.message(
              "MEntry", fields: [.init(name: "value", number: 2, type: .int32)], mapEntry: true)
          ])
      ])
    #expect(try #require(loadError([file])).code == .invalidDefinition)
  }

  @Test func malformedBytes() throws {
    let error = try #require(loadError([[0x0A, 0x05, 0x61]]))
    #expect(error.code == .malformedDescriptor)
    // A known field with the wrong wire type.
    #expect(try #require(loadError([Wire.varintField(1, 3)])).code == .malformedDescriptor)
    // A file name that is not UTF-8.
    #expect(
      try #require(loadError([Wire.delimited(1, [0xC3, 0x28])])).code == .malformedDescriptor)
  }

  /// A set that is not a FileDescriptorSet is named by the path the caller gave.
  @Test func malformedSetIsNamedByItsPath() throws {
    let good = Descriptor.file("a.proto", messages: [Descriptor.message("A")])
    let set = Wire.delimited(1, good)
    let named = #expect(throws: SchemaError.self) {
      try SchemaPool(fileDescriptorSets: [set, [0x0A, 0x05, 0x61]], names: ["/x/good.pb", "/x/bad.pb"])
    }
    #expect(named?.description.hasPrefix("/x/bad.pb is not a valid FileDescriptorSet") == true)
    let unnamed = #expect(throws: SchemaError.self) {
      try SchemaPool(fileDescriptorSets: [set, [0x0A, 0x05, 0x61]])
    }
    #expect(unnamed?.description.hasPrefix("descriptor set 2 is not") == true)
  }

  @Test func nestingBeyondTheLimit() throws {
    var message = Descriptor.message("M")
    for _ in 0..<80 { message = Descriptor.message("M", nested: [message]) }
    let error = try #require(loadError([Descriptor.file("d.proto", messages: [message])]))
    #expect(error.code == .malformedDescriptor)
    #expect(error.description.contains("d.proto"))
  }

  /// Every truncation of a real set and many random mutations load or throw; none crashes.
  @Test func truncationsAndMutationsOfTheConformanceSet() throws {
    let bytes = try #require(Fixtures.proto3Set)
    for length in stride(from: 0, to: bytes.count, by: 13) {
      _ = try? SchemaPool(fileDescriptorSets: [Array(bytes[0..<length])])
    }
    var random = SeededGenerator(seed: 42)
    for _ in 0..<300 {
      var mutated = bytes
      for _ in 0..<Int.random(in: 1...4, using: &random) {
        mutated[Int.random(in: 0..<mutated.count, using: &random)] = UInt8.random(
          in: 0...255, using: &random)
      }
      _ = try? SchemaPool(fileDescriptorSets: [mutated])
    }
  }

  /// Random bytes as files and as sets: a value or a `SchemaError`, nothing else.
  @Test func randomBytes() {
    var random = SeededGenerator(seed: 5)
    var loaded = 0
    for _ in 0..<3000 {
      let count = Int.random(in: 0...64, using: &random)
      let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
      if (try? SchemaPool(fileDescriptorProtos: [bytes])) != nil { loaded += 1 }
      _ = try? SchemaPool(fileDescriptorSets: [bytes])
    }
    #expect(loaded < 3000)
  }

  /// Small valid files with a few bytes changed reach the builder's checks, not just the decoder.
  @Test func mutationsOfASmallFile() {
    let file = Descriptor.file(
      "m.proto", package: "pkg",
      messages: [
        Descriptor.message(
          "M",
          fields: [
            .init(name: "a", number: 1, type: .int32, oneofIndex: 0),
            .init(name: "m", number: 2, type: .message, typeName: "M.E", repeated: true),
            .init(name: "c", number: 3, type: .enum, typeName: "C"),
          ],
          nested: [
            Descriptor.message(
              "E",
              fields: [
                .init(name: "key", number: 1, type: .string),
                .init(name: "value", number: 2, type: .message, typeName: ".pkg.M"),
              ], mapEntry: true)
          ], oneofs: ["o"])
      ], enums: [Descriptor.enumType("C", values: [("C_ZERO", 0)])],
      services: [Descriptor.service("S", methods: [("Call", "M", ".pkg.M")])])
    #expect((try? SchemaPool(fileDescriptorProtos: [file])) != nil)
    var random = SeededGenerator(seed: 6)
    for _ in 0..<3000 {
      var mutated = file
      for _ in 0..<Int.random(in: 1...3, using: &random) {
        mutated[Int.random(in: 0..<mutated.count, using: &random)] = UInt8.random(
          in: 0...255, using: &random)
      }
      _ = try? SchemaPool(fileDescriptorProtos: [mutated])
    }
  }
}
