import Testing

@testable import GatewayTranscoding

@Suite struct JSONMessageShapeTests {
  @Test func protoNamesAndJSONNamesAreBothAccepted() {
    assertRoundTrip(#"{"created_at": "1970-01-01T00:00:00Z"}"#, #"{"createdAt":"1970-01-01T00:00:00Z"}"#)
    assertRoundTrip(#"{"optI32": 1}"#, #"{"optI32":1}"#)
    assertRoundTrip(#"{"opt_i32": 1}"#, #"{"optI32":1}"#)
    assertRoundTrip(#"{"customName": 3}"#, #"{"customName":3}"#)  // json_name
    assertRoundTrip(#"{"renamed": 3}"#, #"{"customName":3}"#)
    assertRoundTrip(#"{"opt\u005fi32": 1}"#, #"{"optI32":1}"#)  // escaped key
  }

  @Test func sameFieldTwiceIsAnError() {
    // The suite's duplicate-field cases: the same key twice, and JSON name plus proto name.
    assertDecodeFails(#"{"i32": 1, "i32": 2}"#, path: "i32", containing: "twice")
    assertDecodeFails(#"{"optI32": 1, "opt_i32": 2}"#, path: "optI32", containing: "twice")
    assertDecodeFails(#"{"createdAt": null, "created_at": null}"#, path: "createdAt")
    assertDecodeFails(#"{"labels": {"a": "1", "a": "2"}}"#, path: #"labels["a"]"#)
    assertDecodeFails(#"{"meta": {"a": 1, "a": 2}}"#, path: #"meta["a"]"#)
    assertDecodeFails(#"{"byI32": {"1": 1, "01": 2}}"#, path: #"byI32["01"]"#)
  }

  @Test func unknownFieldsAreRejectedUnlessIgnored() throws {
    assertDecodeFails(#"{"bogus": 1}"#, path: "bogus", containing: "unknown field")
    assertDecodeFails(#"{"inner": {"bogus": 1}}"#, path: "inner.bogus")
    let ignoring = JSONDecodingOptions(ignoreUnknownFields: true)
    // IgnoreUnknownJsonNumber/String/True/False/Null/Object (the suite's six).
    for value in ["1", #""x""#, "true", "false", "null", #"{"a": [1, {"b": null}]}"#] {
      let message = try decode(#"{"i32": 1, "unknown": \#(value), "text": "t"}"#, options: ignoring)
      #expect(try encode(message) == #"{"i32":1,"text":"t"}"#)
    }
    // Skipped values must still be JSON.
    assertDecodeFails(#"{"unknown": [1,}"#, .malformedJSON, options: ignoring)
    assertDecodeFails(#"{"unknown": 1, "unknown": 2}"#, containing: "twice", options: ignoring)
  }

  @Test func nullClearsAFieldAndIsAnErrorInListsAndMaps() throws {
    let message = try decode(
      #"{"i32": null, "text": null, "inner": null, "items": null, "labels": null, "createdAt": null, "wInt32": null, "optI32": null}"#
    )
    #expect(message.values.allSatisfy { $0 == nil })
    assertDecodeFails(#"{"numbers": [1, null]}"#, path: "numbers[1]", containing: "null")
    assertDecodeFails(#"{"items": [null]}"#, path: "items[0]", containing: "null")
    assertDecodeFails(#"{"labels": {"a": null}}"#, path: #"labels["a"]"#, containing: "null")
    assertDecodeFails(#"{"inners": {"a": null}}"#, path: #"inners["a"]"#)
    // Value is the exception: null is NullValue.
    assertRoundTrip(#"{"values": [null, 1]}"#, #"{"values":[null,1]}"#)
    assertRoundTrip(#"{"valueMap": {"a": null}}"#, #"{"valueMap":{"a":null}}"#)
    assertRoundTrip(#"{"anyValue": null}"#, #"{"anyValue":null}"#)
  }

  @Test func oneofTakesOneMember() {
    assertRoundTrip(#"{"choiceText": ""}"#, #"{"choiceText":""}"#)  // set to default: written
    assertRoundTrip(#"{"choiceNumber": 0}"#, #"{"choiceNumber":0}"#)
    assertRoundTrip(#"{"choiceText": null, "choiceNumber": 5}"#, #"{"choiceNumber":5}"#)
    assertRoundTrip(#"{"choiceInner": {}}"#, #"{"choiceInner":{}}"#)
    assertDecodeFails(#"{"choiceText": "a", "choiceNumber": 5}"#, path: "choiceNumber", containing: "oneof choice")
    assertDecodeFails(#"{"choiceInner": {}, "choice_text": "x"}"#, path: "choiceText")
  }

  @Test func optionalPresence() throws {
    assertRoundTrip(#"{"optI32": 0}"#, #"{"optI32":0}"#)
    let empty = try decode("{}")
    let withDefaults = try encode(empty, options: .init())
    #expect(!withDefaults.contains("optI32"))
    #expect(!withDefaults.contains("choice"))
    #expect(!withDefaults.contains(#""inner""#))
    #expect(!withDefaults.contains("createdAt"))
    #expect(withDefaults.contains(#""null":null"#))  // NullValue has no presence
  }

  @Test func defaultsAreWrittenOnlyWhenAsked() throws {
    let message = try decode(#"{"i32": 0, "text": "", "numbers": [], "labels": {}, "flag": false, "dbl": 0}"#)
    #expect(try encode(message) == "{}")
    let full = try encode(message, options: .init())
    #expect(full.hasPrefix(
      #"{"i32":0,"i64":"0","u32":0,"u64":"0","s32":0,"s64":"0","f32":0,"f64":"0","sf32":0,"sf64":"0","flt":0,"dbl":0,"flag":false,"text":"","data":"","color":"COLOR_UNSPECIFIED","items":[],"numbers":[],"colors":[],"customName":0,"null":null,"values":[],"stamps":[],"labels":{},"byI32":{}"#
    ), "\(full)")
    let protoNames = try encode(message, options: .init(useProtoNames: true, emitDefaultValues: true))
    #expect(protoNames.contains(#""by_i32":{}"#) && protoNames.contains(#""renamed":0"#))
    // -0.0 is not the default.
    assertRoundTrip(#"{"dbl": -0}"#, #"{"dbl":-0.0}"#)
  }

  @Test func nestedRepeatedAndMaps() {
    assertRoundTrip(
      #"{"inner": {"id": 1}, "items": [{"id": 2}, {}, {"createdAt": "2020-02-29T12:00:00.5Z"}]}"#,
      #"{"inner":{"id":1},"items":[{"id":2},{},{"createdAt":"2020-02-29T12:00:00.500Z"}]}"#)
    assertRoundTrip(#"{"numbers": [1, "2", 3e0]}"#, #"{"numbers":[1,2,3]}"#)
    assertRoundTrip(#"{"recursive": {"recursive": {"i32": 1}}}"#, #"{"recursive":{"recursive":{"i32":1}}}"#)
    assertRoundTrip(#"{"inners": {"x": {"id": 1}, "": {}}}"#, #"{"inners":{"x":{"id":1},"":{}}}"#)
    assertRoundTrip(#"{"labels": {"k\"\u00e9": "v"}}"#, #"{"labels":{"k\"é":"v"}}"#)
  }

  @Test func mapKeysOfEveryType() {
    assertRoundTrip(
      #"{"byI32": {"-2147483648": 1, "2147483647": 2}, "byI64": {"-9223372036854775808": "a"}, "byU32": {"4294967295": "b"}, "byU64": {"18446744073709551615": "c"}, "byS32": {"-1": "d"}, "byS64": {"-2": "e"}, "byF32": {"3": "f"}, "byF64": {"4": "g"}, "bySf32": {"-5": "h"}, "bySf64": {"-6": "i"}, "byBool": {"true": "j", "false": "k"}}"#,
      #"{"byI32":{"-2147483648":1,"2147483647":2},"byI64":{"-9223372036854775808":"a"},"byU32":{"4294967295":"b"},"byU64":{"18446744073709551615":"c"},"byS32":{"-1":"d"},"byS64":{"-2":"e"},"byF32":{"3":"f"},"byF64":{"4":"g"},"bySf32":{"-5":"h"},"bySf64":{"-6":"i"},"byBool":{"true":"j","false":"k"}}"#
    )
    assertDecodeFails(#"{"byI32": {"2147483648": 1}}"#, path: #"byI32["2147483648"]"#)
    assertDecodeFails(#"{"byU32": {"-1": "x"}}"#, path: #"byU32["-1"]"#)
    assertDecodeFails(#"{"byI32": {"1.0": 1}}"#, path: #"byI32["1.0"]"#)
    assertDecodeFails(#"{"byI32": {"x": 1}}"#, path: #"byI32["x"]"#)
    assertDecodeFails(#"{"byBool": {"True": "x"}}"#, path: #"byBool["True"]"#)
    assertDecodeFails(#"{"byBool": {"1": "x"}}"#)
  }

  @Test func typeMismatchesNameWhatWasFound() {
    assertDecodeFails(#"{"inner": 5}"#, path: "inner", containing: "expected an object, found a number")
    assertDecodeFails(#"{"items": {}}"#, path: "items", containing: "expected an array, found an object")
    assertDecodeFails(#"{"labels": []}"#, path: "labels", containing: "expected an object, found an array")
    assertDecodeFails(#"{"text": 5}"#, path: "text", containing: "expected a string")
    assertDecodeFails(#"[]"#, containing: "expected an object")
    assertDecodeFails(#""x""#, containing: "expected an object")
  }

  @Test func errorPathsNameTheField() {
    assertDecodeFails(#"{"items": [{}, {}, {"createdAt": "yesterday"}]}"#, path: "items[2].createdAt", containing: "timestamp")
    assertDecodeFails(#"{"inners": {"k": {"id": "x"}}}"#, path: #"inners["k"].id"#)
    assertDecodeFails(#"{"recursive": {"stamps": ["1970-01-01T00:00:00Z", 1]}}"#, path: "recursive.stamps[1]")
    assertDecodeFails(#"{"meta": {"a": {"b": [1, {"c": nul}]}}}"#, .malformedJSON)
    assertDecodeFails(#"{"value_map": {"a\"b": [tru]}}"#, .malformedJSON)
  }
}

@Suite struct JSONHostileInputTests {
  static let corpus = [
    #"{"i32": 1, "i64": "-2", "u64": 3e3, "flt": 1.5, "dbl": "NaN", "flag": true, "text": "h\u00e9\uD83D\uDE00\n", "data": "AQID", "color": "RED"}"#,
    #"{"inner": {"id": 1, "createdAt": "2020-01-01T00:00:00+01:00"}, "items": [{"id": 2}, {}], "numbers": [1, 2, 3]}"#,
    #"{"labels": {"a": "b"}, "byBool": {"true": "x"}, "byI64": {"-1": "y"}, "optI32": 0, "choiceText": "c"}"#,
    #"{"meta": {"a": [1, "x", null, true, {"b": {}}], "c": -1.5e-3}, "anyValue": [], "list": [{}], "values": [null]}"#,
    #"{"ttl": "-1.000000001s", "mask": "a.bC,d", "wInt64": "5", "wBytes": "", "wString": "s", "nothing": {}, "null": null}"#,
  ]

  /// Every prefix of valid input is invalid JSON (the top level is an object) and must throw.
  @Test(arguments: corpus)
  func everyTruncationThrows(json: String) throws {
    let bytes = Array(json.utf8)
    _ = try decode(json)
    for cut in 0..<bytes.count {
      let prefix = Array(bytes[..<cut])
      do {
        _ = try withRawBytes(prefix) { (raw) throws(TranscodingError) in
          try DynamicMessage(json: raw, type: TestSchema.item, pool: TestSchema.pool)
        }
        Issue.record("prefix of \(cut) bytes decoded")
      } catch {
        #expect(error.kind == .malformedJSON, "cut at \(cut): \(error)")
      }
    }
  }

  /// Every single-byte change must decode or throw, never trap.
  @Test(arguments: corpus)
  func byteMutationsNeverTrap(json: String) {
    let bytes = Array(json.utf8)
    let replacements: [UInt8] = [0, 0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x5D, 0x2C, 0x3A, 0x30, 0x2D, 0x65, 0x2E, 0x6E, 0xFF, 0xC3]
    for position in 0..<bytes.count {
      for replacement in replacements {
        var mutated = bytes
        mutated[position] = replacement
        _ = try? withRawBytes(mutated) { (raw) throws(TranscodingError) in
          let message = try DynamicMessage(json: raw, type: TestSchema.item, pool: TestSchema.pool)
          _ = try? message.json(pool: TestSchema.pool)
        }
      }
    }
  }

  @Test func nestingDeeperThanTheLimitIsRejected() throws {
    let depth100 = String(repeating: #"{"recursive":"#, count: 99) + "{}" + String(repeating: "}", count: 99)
    _ = try decode(depth100)
    let depth101 = String(repeating: #"{"recursive":"#, count: 100) + "{}" + String(repeating: "}", count: 100)
    assertDecodeFails(depth101, .malformedJSON, containing: "nested deeper than 100")
    let arrays = #"{"anyValue":"# + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "}"
    assertDecodeFails(arrays, .malformedJSON, containing: "nested deeper than 100")
    let skipped = #"{"x":"# + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "}"
    assertDecodeFails(skipped, .malformedJSON, containing: "nested deeper", options: .init(ignoreUnknownFields: true))
    assertDecodeFails(#"{"inner": {"id": 1}}"#, .malformedJSON, options: .init(maxDepth: 1))
    // Very deep input fails fast, without exhausting the stack.
    let huge = String(repeating: "[", count: 1_000_000)
    assertDecodeFails(#"{"anyValue":"# + huge, .malformedJSON)
  }

  @Test func anEmptyBufferIsUnexpectedEnd() {
    do {
      _ = try DynamicMessage(json: UnsafeRawBufferPointer(start: nil, count: 0), type: TestSchema.item, pool: TestSchema.pool)
      Issue.record("decoded")
    } catch {
      #expect(error.kind == .malformedJSON && error.message.hasPrefix("unexpected end of input"))
    }
  }

  @Test func badTypeIndexThrows() {
    assertDecodeFails("{}", type: 10_000)
    var message = DynamicMessage(type: TestSchema.item, fieldCount: 1)
    message.values[0] = .int32(1)
    #expect(throws: TranscodingError.self) { try message.json(pool: TestSchema.pool) }
    var wrong = DynamicMessage(type: TestSchema.item, fieldCount: TestSchema.pool.messages[TestSchema.item].fields.count)
    wrong.values[0] = .list([.string("x")])
    #expect(throws: TranscodingError.self) { try wrong.json(pool: TestSchema.pool) }
    wrong.values[0] = nil
    wrong.values[16] = .message(DynamicMessage(type: TestSchema.item, fieldCount: 0))  // inner of the wrong type
    #expect(throws: TranscodingError.self) { try wrong.json(pool: TestSchema.pool) }
  }
}

