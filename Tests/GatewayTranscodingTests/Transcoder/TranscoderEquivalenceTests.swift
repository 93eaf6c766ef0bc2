import Testing

@testable import GatewayTranscoding

/// Seeded random `TestAllTypesProto3` messages (every field kind, maps, oneofs, well-known
/// types, unknown enum numbers, odd floats and strings) written as binary and JSON, then
/// transcoded by `ProtoTranscoder` and by the `DynamicMessage` path; outputs compared as
/// messages (`TranscoderCheck`). Binary input also comes concatenated with a second message
/// (merges, repeated singular fields: the fallback) and with its fields shuffled.
@Suite struct TranscoderEquivalenceTests {
  static let count = 200

  @Test(arguments: [1, 2, 3] as [UInt64])
  func randomMessages(seed: UInt64) throws {
    let pool = try Fixtures.pool()
    let type = try #require(pool.message(named: Fixtures.allTypes))
    var generator = RandomMessages(pool: pool, seed: seed)
    for _ in 0..<Self.count {
      let message = generator.message(type, depth: 0)
      let binary = message.binary(pool: pool)
      let other = generator.message(type, depth: 0).binary(pool: pool)
      let shuffled = generator.shuffledFields(message)
      for options in TranscoderCheck.encodingOptions {
        TranscoderCheck.binaryToJSON(binary, type: type, pool: pool, options: options)
        TranscoderCheck.binaryToJSON(binary + other, type: type, pool: pool, options: options)
        TranscoderCheck.binaryToJSON(shuffled, type: type, pool: pool, options: options)
        guard let json = try? message.json(pool: pool, options: options) else { continue }
        TranscoderCheck.jsonToBinary(json, type: type, pool: pool)
        // An unknown member first, ignored.
        let unknown = Array(#"{"notAField":{"a":[1,{"b":null}]},"#.utf8) + json.dropFirst()
        TranscoderCheck.jsonToBinary(
          json.count > 2 ? unknown : json, type: type, pool: pool,
          options: JSONDecodingOptions(ignoreUnknownFields: true))
      }
    }
  }
}

/// Builds random messages of any type in a pool.
struct RandomMessages {
  let pool: SchemaPool
  var random: SeededGenerator

  init(pool: SchemaPool, seed: UInt64) {
    self.pool = pool
    random = SeededGenerator(seed: seed)
  }

  mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }

  mutating func pick<T>(_ values: [T]) -> T {
    values[Int.random(in: 0..<values.count, using: &random)]
  }

  mutating func message(_ type: Int, depth: Int) -> DynamicMessage {
    let descriptor = pool.messages[type]
    var message = DynamicMessage(type: type, fieldCount: descriptor.fields.count)
    if let wellKnown = descriptor.wellKnownType {
      wellKnownValue(wellKnown, &message, depth: depth)
      return message
    }
    var oneofs = Set<Int>()
    let percent = depth == 0 ? 35 : 20
    for (index, field) in descriptor.fields.enumerated() where chance(percent) {
      if let oneof = field.oneofIndex {
        if oneofs.contains(oneof) { continue }
        oneofs.insert(oneof)
      }
      if field.isMap {
        guard let entry = field.messageType else { continue }
        var map = ProtoMap()
        for _ in 0..<Int.random(in: 0...3, using: &random) {
          let key = mapKey(pool.messages[entry].mapKeyField.type)
          if let value = value(pool.messages[entry].mapValueField, depth: depth) {
            map.set(key, value)
          }
        }
        message.values[index] = .map(map)
      } else if field.isRepeated {
        var list: [ProtoValue] = []
        for _ in 0..<Int.random(in: 0...4, using: &random) {
          if let value = value(field, depth: depth) { list.append(value) }
        }
        message.values[index] = .list(list)
      } else {
        message.values[index] = value(field, depth: depth)
      }
    }
    return message
  }

  mutating func value(_ field: FieldDescriptor, depth: Int) -> ProtoValue? {
    switch field.type {
    case .message, .group:
      guard let type = field.messageType, depth < 3 else { return nil }
      return .message(message(type, depth: depth + 1))
    case .enum:
      guard let type = field.enumType else { return nil }
      let values = pool.enums[type].values.map(\.number)
      return .enumNumber(chance(85) ? pick(values) : pick([7, -5, 1000]))
    default:
      return scalar(field.type)
    }
  }

  mutating func scalar(_ type: FieldType) -> ProtoValue {
    let any = random.next()
    switch type {
    case .int32, .sint32, .sfixed32:
      return .int32(pick([0, 1, -1, .min, .max, Int32(truncatingIfNeeded: any)]))
    case .int64, .sint64, .sfixed64:
      return .int64(pick([0, 1, -1, .min, .max, Int64(bitPattern: any)]))
    case .uint32, .fixed32: return .uint32(pick([0, 1, .max, UInt32(truncatingIfNeeded: any)]))
    case .uint64, .fixed64: return .uint64(pick([0, 1, .max, any]))
    case .float:
      return .float(
        pick([
          0, -0.0, 1.5, .nan, .infinity, -.infinity, .greatestFiniteMagnitude,
          Float.leastNonzeroMagnitude, Float(any % 1000) / 7,
        ]))
    case .double:
      return .double(
        pick([
          0, -0.0, 0.1, .nan, .infinity, -.infinity, 1e300, Double.leastNonzeroMagnitude,
          Double(any % 100_000) / 3,
        ]))
    case .bool: return .bool(any & 1 == 0)
    case .string: return .string(string())
    case .bytes:
      return .bytes((0..<Int(any % 20)).map { _ in UInt8.random(in: 0...255, using: &random) })
    case .enum: return .enumNumber(0)
    case .message, .group: return .bytes([])
    }
  }

  mutating func string() -> String {
    pick([
      "", "a", "héllo", "\"quote\"", "back\\slash", "line\nbreak\ttab", "\u{1}\u{1F}", "😀 emoji",
      "日本語", "FOO", "with/slash", String(repeating: "long ", count: 40),
    ])
  }

  mutating func mapKey(_ type: FieldType) -> MapKey {
    switch type {
    case .int32, .sint32, .sfixed32: .int64(Int64(pick([0, 1, -1, Int32.min, Int32.max, 42])))
    case .int64, .sint64, .sfixed64: .int64(pick([0, 1, -1, Int64.min, Int64.max, 42]))
    case .uint32, .fixed32: .uint64(UInt64(pick([0, 1, UInt32.max, 42])))
    case .uint64, .fixed64: .uint64(pick([0, 1, UInt64.max, 42]))
    case .bool: .bool(chance(50))
    default: .string(string())
    }
  }

  private mutating func set(_ message: inout DynamicMessage, _ number: Int32, _ value: ProtoValue) {
    if let index = pool.messages[message.type].indexOfField(number) {
      message.values[index] = value
    }
  }

  mutating func wellKnownValue(_ kind: WellKnownType, _ message: inout DynamicMessage, depth: Int) {
    switch kind {
    case .timestamp:
      set(
        &message, 1,
        .int64(
          Int64.random(in: TimestampJSON.minSeconds...TimestampJSON.maxSeconds, using: &random)))
      set(
        &message, 2,
        .int32(
          pick([0, 1_000_000, 123_456_000, Int32.random(in: 0...999_999_999, using: &random)])))
    case .duration:
      let seconds = Int64.random(
        in: -DurationJSON.maxSeconds...DurationJSON.maxSeconds, using: &random)
      let nanos = pick([0, 500_000_000, Int32.random(in: 0...999_999_999, using: &random)])
      set(&message, 1, .int64(seconds))
      set(&message, 2, .int32(seconds < 0 ? -nanos : nanos))
    case .fieldMask:
      set(
        &message, 1,
        .list(
          (0..<Int.random(in: 0...3, using: &random)).map { _ in
            .string(pick(["a", "foo_bar", "foo.bar_baz", "x1"]))
          }))
    case .struct:
      guard depth < 3, let entry = pool.messages[message.type].fields.first?.messageType else {
        return
      }
      var map = ProtoMap()
      for _ in 0..<Int.random(in: 0...3, using: &random) {
        map.set(
          .string(string()),
          .message(self.message(pool.messages[entry].mapValueField.messageType!, depth: depth + 1)))
      }
      set(&message, 1, .map(map))
    case .value:
      let kind =
        depth < 3 ? Int.random(in: 1...6, using: &random) : Int.random(in: 1...4, using: &random)
      switch kind {
      case 1: set(&message, 1, .enumNumber(0))
      case 2: set(&message, 2, .double(pick([0, -1.5, 1e10, 3])))
      case 3: set(&message, 3, .string(string()))
      case 4: set(&message, 4, .bool(chance(50)))
      case 5:
        if let type = pool.message(named: "google.protobuf.Struct") {
          set(&message, 5, .message(self.message(type, depth: depth + 1)))
        }
      default:
        if let type = pool.message(named: "google.protobuf.ListValue") {
          set(&message, 6, .message(self.message(type, depth: depth + 1)))
        }
      }
    case .listValue:
      guard depth < 3, let type = pool.message(named: "google.protobuf.Value") else { return }
      set(
        &message, 1,
        .list(
          (0..<Int.random(in: 0...3, using: &random)).map { _ in
            .message(self.message(type, depth: depth + 1))
          }))
    case .any:
      guard depth < 2, chance(70), let type = pool.message(named: "google.protobuf.Timestamp")
      else { return }
      let inner = self.message(type, depth: depth + 1)
      set(&message, 1, .string("type.googleapis.com/google.protobuf.Timestamp"))
      set(&message, 2, .bytes(inner.binary(pool: pool)))
    case .empty: return
    default:
      if let index = pool.messages[message.type].indexOfField(1) {
        message.values[index] = scalar(pool.messages[message.type].fields[index].type)
      }
    }
  }

  /// The message's fields each encoded alone, in random order (the same message).
  mutating func shuffledFields(_ message: DynamicMessage) -> [UInt8] {
    var chunks: [[UInt8]] = []
    for index in message.values.indices where message.values[index] != nil {
      var single = DynamicMessage(type: message.type, fieldCount: message.values.count)
      single.values[index] = message.values[index]
      chunks.append(single.binary(pool: pool))
    }
    chunks.shuffle(using: &random)
    return chunks.flatMap { $0 }
  }
}
