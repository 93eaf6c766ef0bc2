import Foundation
import GatewayTranscoding
import Testing

/// Fixture files and the pools loaded from them, shared by the suites.
enum Fixtures {
  /// The repository root (this file is `Tests/GatewayTranscodingTests/Support.swift`).
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  /// `../shared/conformance/…` beside the repository when there is one (the suite's own copy),
  /// else the copy kept in `Tests/Conformance/` so a clean clone anywhere runs these tests.
  static func conformanceSet(_ name: String) -> [UInt8]? {
    let candidates = [
      repository.deletingLastPathComponent().appendingPathComponent("shared/conformance/\(name)"),
      repository.appendingPathComponent("Tests/Conformance/\(name)"),
    ]
    for url in candidates {
      if let data = try? Data(contentsOf: url) { return [UInt8](data) }
    }
    return nil
  }

  /// `Tests/ReferenceAgent/gen/polykey.binpb`, made by `Tests/ReferenceAgent/setup.sh`.
  static let polykeySet: [UInt8]? =
    (try? Data(
      contentsOf: repository.appendingPathComponent("Tests/ReferenceAgent/gen/polykey.binpb"))).map
  { [UInt8]($0) }

  static let proto3Set = conformanceSet("conformance-proto3.pb")

  static let proto3Pool: Result<SchemaPool, SchemaError>? = proto3Set.map { bytes in
    Result { () throws(SchemaError) in try SchemaPool(fileDescriptorSets: [bytes]) }
  }

  /// The conformance proto3 pool, or a recorded issue.
  static func pool(sourceLocation: SourceLocation = #_sourceLocation) throws -> SchemaPool {
    let loaded = try #require(
      proto3Pool, "conformance-proto3.pb is missing", sourceLocation: sourceLocation)
    return try loaded.get()
  }

  static let allTypes = "protobuf_test_messages.proto3.TestAllTypesProto3"
}

/// Field access by proto name, for building messages in tests.
extension DynamicMessage {
  init(_ typeName: String, pool: SchemaPool) throws {
    let type = try #require(pool.message(named: typeName))
    self.init(type: type, fieldCount: pool.messages[type].fields.count)
  }

  mutating func set(_ name: String, _ value: ProtoValue, pool: SchemaPool) throws {
    let index = try #require(pool.messages[type].fieldIndexByJSONKey[name], "no field \(name)")
    values[index] = value
  }

  func get(_ name: String, pool: SchemaPool) throws -> ProtoValue? {
    let index = try #require(pool.messages[type].fieldIndexByJSONKey[name], "no field \(name)")
    return values[index]
  }

  /// Only the fields that are set, by proto name.
  func setFieldNames(pool: SchemaPool) -> [String] {
    pool.messages[type].fields.indices.filter { values[$0] != nil }.map {
      pool.messages[type].fields[$0].name
    }
  }
}

/// Decodes `bytes` as `type`.
func decode(_ bytes: [UInt8], _ type: Int, _ pool: SchemaPool) throws(TranscodingError)
  -> DynamicMessage
{
  for options in TranscoderCheck.encodingOptions {
    TranscoderCheck.binaryToJSON(bytes, type: type, pool: pool, options: options)
  }
  let result: Result<DynamicMessage, TranscodingError> = bytes.withUnsafeBytes { raw in
    Result { () throws(TranscodingError) in try DynamicMessage(binary: raw, type: type, pool: pool)
    }
  }
  return try result.get()
}

/// Decode then encode: what a BINARY_TEST with protobuf output answers.
func reencode(
  _ bytes: [UInt8], _ typeName: String = Fixtures.allTypes, pool: SchemaPool
) throws -> [UInt8] {
  let type = try #require(pool.message(named: typeName))
  return try decode(bytes, type, pool).binary(pool: pool)
}

/// A small deterministic generator (SplitMix64), so fuzz cases repeat run to run.
struct SeededGenerator: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// Hand-written wire bytes.
enum Wire {
  static func varint(_ value: UInt64) -> [UInt8] {
    var writer = WireWriter()
    writer.writeVarint(value)
    return writer.bytes
  }

  static func tag(_ number: Int32, _ type: WireType) -> [UInt8] {
    var writer = WireWriter()
    writer.writeTag(fieldNumber: number, wireType: type)
    return writer.bytes
  }

  static func delimited(_ number: Int32, _ payload: [UInt8]) -> [UInt8] {
    tag(number, .lengthDelimited) + varint(UInt64(payload.count)) + payload
  }

  static func string(_ number: Int32, _ value: String) -> [UInt8] {
    delimited(number, Array(value.utf8))
  }

  static func varintField(_ number: Int32, _ value: UInt64) -> [UInt8] {
    tag(number, .varint) + varint(value)
  }
}
