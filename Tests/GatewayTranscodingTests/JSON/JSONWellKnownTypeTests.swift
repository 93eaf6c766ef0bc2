import Testing

@testable import GatewayTranscoding

@Suite struct JSONTimestampTests {
  @Test(arguments: [
    ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"),  // TimestampMinValue
    ("9999-12-31T23:59:59.999999999Z", "9999-12-31T23:59:59.999999999Z"),  // TimestampMaxValue
    ("1970-01-01T08:00:01+08:00", "1970-01-01T00:00:01Z"),  // TimestampWithPositiveOffset
    ("1969-12-31T16:00:01-08:00", "1970-01-01T00:00:01Z"),  // TimestampWithNegativeOffset
    ("1969-12-31T16:00:00-08:00", "1970-01-01T00:00:00Z"),  // TimestampZeroNormalized
    ("1970-01-01T00:00:00.010Z", "1970-01-01T00:00:00.010Z"),  // TimestampHas3FractionalDigits
    ("1970-01-01T00:00:00.000010Z", "1970-01-01T00:00:00.000010Z"),  // ...6FractionalDigits
    ("1970-01-01T00:00:00.000000010Z", "1970-01-01T00:00:00.000000010Z"),  // ...9FractionalDigits
    ("1970-01-01T00:00:00.1Z", "1970-01-01T00:00:00.100Z"),
    ("1970-01-01T00:00:00.1234Z", "1970-01-01T00:00:00.123400Z"),
    ("1969-12-31T23:59:59.5Z", "1969-12-31T23:59:59.500Z"),
    ("2000-02-29T00:00:00Z", "2000-02-29T00:00:00Z"),
    ("1600-03-01T00:00:00Z", "1600-03-01T00:00:00Z"),
    ("0001-01-01T08:00:00+08:00", "0001-01-01T00:00:00Z"),
    ("9999-12-31T15:59:59-08:00", "9999-12-31T23:59:59Z"),
  ])
  func accepted(input: String, output: String) {
    assertRoundTrip(#"{"createdAt": "\#(input)"}"#, #"{"createdAt":"\#(output)"}"#)
  }

  @Test(arguments: [
    "0000-01-01T00:00:00Z",  // TimestampJsonInputTooSmall
    "10000-01-01T00:00:00Z",  // TimestampJsonInputTooLarge
    "0001-01-01T00:00:00",  // TimestampJsonInputMissingZ
    "0001-01-01 00:00:00Z",  // TimestampJsonInputMissingT
    "0001-01-01T00:00:00z",  // TimestampJsonInputLowercaseZ
    "0001-01-01t00:00:00Z",  // TimestampJsonInputLowercaseT
    "0001-01-01T00:00:00+01:00",  // before the minimum once the offset is applied
    "9999-12-31T23:59:59-01:00",
    "1970-01-01T00:00:00.Z", "1970-01-01T00:00:00.0000000001Z", "1970-02-30T00:00:00Z",
    "1970-13-01T00:00:00Z", "1970-01-01T24:00:00Z", "1970-01-01T00:60:00Z",
    "1970-01-01T00:00:60Z", "2001-02-29T00:00:00Z", "1970-01-01T00:00:00+0100",
    "1970-01-01T00:00:00+24:00", "1970-1-01T00:00:00Z", "", "1970-01-01T00:00:00Z ",
  ])
  func rejected(input: String) {
    assertDecodeFails(#"{"createdAt": "\#(input)"}"#, path: "createdAt")
  }

  @Test func outOfRangeValuesCannotBeWritten() throws {
    // TimestampProtoInputTooSmall / TooLarge are serialize errors.
    for (seconds, nanos) in [(Int64(-62_135_596_801), Int32(0)), (253_402_300_800, 0), (0, -1), (0, 1_000_000_000)] {
      let stamp = timestamp(seconds, nanos)
      #expect(throws: TranscodingError.self) { try stamp.json(pool: TestSchema.pool) }
      do {
        _ = try stamp.json(pool: TestSchema.pool)
      } catch {
        #expect(error.kind == .unencodable)
      }
    }
  }

  @Test func everyDayRoundTrips() throws {
    // Civil date conversion against a day-by-day walk over four centuries and the edges.
    var (year, month, day) = (1600, 1, 1)
    for days in TimestampJSON.daysFromCivil(year: 1600, month: 1, day: 1)...TimestampJSON.daysFromCivil(year: 2400, month: 12, day: 31) {
      #expect(TimestampJSON.daysFromCivil(year: year, month: month, day: day) == days)
      let civil = TimestampJSON.civilFromDays(days)
      #expect(civil.year == year && civil.month == month && civil.day == day)
      day += 1
      if day > TimestampJSON.daysIn(month: month, year: year) {
        day = 1
        month += 1
        if month > 12 {
          month = 1
          year += 1
        }
      }
    }
    #expect(TimestampJSON.daysFromCivil(year: 1, month: 1, day: 1) * 86_400 == TimestampJSON.minSeconds)
  }

  func timestamp(_ seconds: Int64, _ nanos: Int32) -> DynamicMessage {
    let type = TestSchema.pool.message(named: "google.protobuf.Timestamp")!
    var message = DynamicMessage(type: type, fieldCount: 2)
    message.values = [.int64(seconds), .int32(nanos)]
    return message
  }
}

@Suite struct JSONDurationTests {
  @Test(arguments: [
    ("-315576000000.999999999s", "-315576000000.999999999s"),  // DurationMinValue
    ("315576000000.999999999s", "315576000000.999999999s"),  // DurationMaxValue
    ("1.000000000s", "1s"),  // DurationHasZeroFractionalDigit
    ("1.010000000s", "1.010s"),  // DurationHas3FractionalDigits
    ("1.000010000s", "1.000010s"),  // DurationHas6FractionalDigits
    ("1.000000010s", "1.000000010s"),  // DurationHas9FractionalDigits
    ("-0.5s", "-0.500s"),
    ("0.000000001s", "0.000000001s"),
    ("-1.5s", "-1.500s"),
    ("0s", "0s"),
    ("12s", "12s"),
  ])
  func accepted(input: String, output: String) {
    assertRoundTrip(#"{"ttl": "\#(input)"}"#, #"{"ttl":"\#(output)"}"#)
  }

  @Test(arguments: [
    "1",  // DurationMissingS
    "-315576000001.000000000s",  // DurationJsonInputTooSmall
    "315576000001.000000000s",  // DurationJsonInputTooLarge
    "1.0000000001s", "1.s", ".5s", "1S", "s", "--1s", "1 s", "1e3s", "0x1s", "",
  ])
  func rejected(input: String) {
    assertDecodeFails(#"{"ttl": "\#(input)"}"#, path: "ttl", containing: "duration")
  }

  @Test func outOfRangeOrMixedSignsCannotBeWritten() {
    // DurationProtoInputTooLarge / TooSmall.
    let type = TestSchema.pool.message(named: "google.protobuf.Duration")!
    for (seconds, nanos) in [(Int64(315_576_000_001), Int32(0)), (-315_576_000_001, 0), (1, -1), (-1, 1), (0, 1_000_000_000)] {
      var message = DynamicMessage(type: type, fieldCount: 2)
      message.values = [.int64(seconds), .int32(nanos)]
      #expect(throws: TranscodingError.self) { try message.json(pool: TestSchema.pool) }
    }
  }
}

@Suite struct JSONFieldMaskTests {
  @Test func pathsAreCamelCaseJoinedByCommas() {
    assertRoundTrip(#"{"mask": "fooBar,baz.quxQuux,a"}"#, #"{"mask":"fooBar,baz.quxQuux,a"}"#)
    assertRoundTrip(#"{"mask": ""}"#, #"{"mask":""}"#)
    assertRoundTrip(#"{"mask": "Foo"}"#, #"{"mask":"Foo"}"#)  // "_foo" round-trips, as in Python
  }

  @Test func underscoresAreRejectedOnInput() {
    assertDecodeFails(#"{"mask": "foo,bar_bar"}"#, path: "mask")  // FieldMaskInvalidCharacter
  }

  @Test(arguments: ["fooBar", "foo__bar", "foo_3_bar", "foo_"])
  func pathsThatDoNotRoundTripCannotBeWritten(path: String) {
    // FieldMaskPathsDontRoundTrip, FieldMaskTooManyUnderscore, FieldMaskNumbersDontRoundTrip.
    let type = TestSchema.pool.message(named: "google.protobuf.FieldMask")!
    var message = DynamicMessage(type: type, fieldCount: 1)
    message.values = [.list([.string("ok_path"), .string(path)])]
    do {
      let json = try message.json(pool: TestSchema.pool)
      Issue.record("wrote \(String(decoding: json, as: UTF8.self))")
    } catch {
      #expect(error.kind == .unencodable)
    }
  }
}

@Suite struct JSONStructValueTests {
  @Test func arbitraryJSON() {
    assertRoundTrip(
      #"{"meta": {"s": "x", "n": -1.5, "i": 3, "t": true, "f": false, "z": null, "o": {"a": [1, [2, {}], []]}, "e": {}}}"#,
      #"{"meta":{"s":"x","n":-1.5,"i":3,"t":true,"f":false,"z":null,"o":{"a":[1,[2,{}],[]]},"e":{}}}"#)
    assertRoundTrip(#"{"anyValue": {"a": 1}}"#, #"{"anyValue":{"a":1}}"#)
    assertRoundTrip(#"{"anyValue": "text"}"#, #"{"anyValue":"text"}"#)
    assertRoundTrip(#"{"anyValue": 1e300}"#, #"{"anyValue":1e+300}"#)
    assertRoundTrip(#"{"list": [1, "a", null]}"#, #"{"list":[1,"a",null]}"#)
    assertRoundTrip(#"{"list": []}"#, #"{"list":[]}"#)
    assertRoundTrip(#"{"meta": {}}"#, #"{"meta":{}}"#)
  }

  @Test func wrongShapesAndNumbersOutOfRangeAreRejected() {
    assertDecodeFails(#"{"meta": []}"#, path: "meta")
    assertDecodeFails(#"{"list": {}}"#, path: "list")
    assertDecodeFails(#"{"anyValue": 1e400}"#, path: "anyValue")
    assertDecodeFails(#"{"meta": {"a": {"b": [1e999]}}}"#, path: #"meta["a"]["b"][0]"#)
  }

  @Test func aValueWithoutKindIsNullAndNonFiniteNumbersCannotBeWritten() throws {
    let valueType = TestSchema.pool.message(named: "google.protobuf.Value")!
    let empty = DynamicMessage(type: valueType, fieldCount: 6)
    #expect(String(decoding: try empty.json(pool: TestSchema.pool), as: UTF8.self) == "null")
    var infinite = empty
    infinite.values[1] = .double(.infinity)
    #expect(throws: TranscodingError.self) { try infinite.json(pool: TestSchema.pool) }
  }
}

@Suite struct JSONWrapperTests {
  @Test func wrappersAreTheirValuesJSON() {
    assertRoundTrip(
      #"{"wDouble": 1.5, "wFloat": "NaN", "wInt64": 5, "wUint64": "6", "wInt32": "7", "wUint32": 8, "wBool": true, "wString": "s", "wBytes": "AQ=="}"#,
      #"{"wDouble":1.5,"wFloat":"NaN","wInt64":"5","wUint64":"6","wInt32":7,"wUint32":8,"wBool":true,"wString":"s","wBytes":"AQ=="}"#
    )
    // Set to the default, a wrapper is still present and written.
    assertRoundTrip(
      #"{"wDouble": 0, "wInt64": "0", "wBool": false, "wString": "", "wBytes": ""}"#,
      #"{"wDouble":0,"wInt64":"0","wBool":false,"wString":"","wBytes":""}"#)
    assertRoundTrip(#"{"wInt32": null}"#, "{}")
    assertDecodeFails(#"{"wInt32": {"value": 1}}"#, path: "wInt32")
    assertDecodeFails(#"{"wBool": "true"}"#, path: "wBool")
  }

  @Test func topLevelWellKnownTypes() throws {
    let pool = TestSchema.pool
    for (name, json) in [
      ("Int32Value", "5"), ("StringValue", #""x""#), ("Timestamp", #""1970-01-01T00:00:00Z""#),
      ("Duration", #""1s""#), ("Value", "[1,null]"), ("Struct", #"{"a":{}}"#), ("Empty", "{}"),
      ("FieldMask", #""a.b""#), ("ListValue", "[]"), ("Value", "null"),
    ] {
      assertRoundTrip(json, json, type: pool.message(named: "google.protobuf." + name)!)
    }
    assertDecodeFails(#"{"a": 1}"#, path: "a", type: pool.message(named: "google.protobuf.Empty")!)
  }
}
