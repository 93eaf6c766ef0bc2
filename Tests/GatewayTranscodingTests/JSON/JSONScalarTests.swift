import Testing

@testable import GatewayTranscoding

@Suite struct JSONIntegerTests {
  @Test(arguments: [
    (#"{"i32": 2147483647}"#, #"{"i32":2147483647}"#),
    (#"{"i32": -2147483648}"#, #"{"i32":-2147483648}"#),
    (#"{"i32": "2147483647"}"#, #"{"i32":2147483647}"#),
    (#"{"i32": "2\u003147483647"}"#, #"{"i32":2147483647}"#),  // Int32FieldStringValueEscaped
    (#"{"i32": 1e5}"#, #"{"i32":100000}"#),  // Int32FieldExponentialFormat
    (#"{"i32": 100000.000}"#, #"{"i32":100000}"#),  // Int32FieldFloatTrailingZero
    (#"{"i32": 2.147483647e9}"#, #"{"i32":2147483647}"#),  // Int32FieldMaxFloatValue
    (#"{"i32": -2.147483648e9}"#, #"{"i32":-2147483648}"#),  // Int32FieldMinFloatValue
    (#"{"i32": 1.5e1}"#, #"{"i32":15}"#),
    (#"{"i32": -0}"#, "{}"),
    (#"{"i32": 0e999999999999}"#, "{}"),
    (#"{"u32": 4294967295}"#, #"{"u32":4294967295}"#),
    (#"{"u32": 4.294967295e9}"#, #"{"u32":4294967295}"#),  // Uint32FieldMaxFloatValue
    (#"{"i64": "9223372036854775807"}"#, #"{"i64":"9223372036854775807"}"#),
    (#"{"i64": 9223372036854775807}"#, #"{"i64":"9223372036854775807"}"#),  // ...NotQuoted
    (#"{"i64": -9223372036854775808}"#, #"{"i64":"-9223372036854775808"}"#),
    (#"{"i64": "-9223372036854775808"}"#, #"{"i64":"-9223372036854775808"}"#),
    (#"{"i64": 1e18}"#, #"{"i64":"1000000000000000000"}"#),
    (#"{"i64": "1e18"}"#, #"{"i64":"1000000000000000000"}"#),
    (#"{"i64": 9.2233720368547748e18}"#, #"{"i64":"9223372036854774784"}"#),
    (#"{"u64": 18446744073709551615}"#, #"{"u64":"18446744073709551615"}"#),
    (#"{"u64": "18446744073709551615"}"#, #"{"u64":"18446744073709551615"}"#),
    (#"{"s32": -5, "s64": "-6", "f32": 7, "f64": "8", "sf32": -9, "sf64": -10}"#,
      #"{"s32":-5,"s64":"-6","f32":7,"f64":"8","sf32":-9,"sf64":"-10"}"#),
  ])
  func accepted(input: String, output: String) {
    assertRoundTrip(input, output)
  }

  @Test(arguments: [
    #"{"i32": 2147483648}"#,  // Int32FieldTooLarge
    #"{"i32": -2147483649}"#,  // Int32FieldTooSmall
    #"{"u32": 4294967296}"#,  // Uint32FieldTooLarge
    #"{"u32": -1}"#,
    #"{"i64": "9223372036854775808"}"#,  // Int64FieldTooLarge
    #"{"i64": "-9223372036854775809"}"#,  // Int64FieldTooSmall
    #"{"u64": "18446744073709551616"}"#,  // Uint64FieldTooLarge
    #"{"u64": 184467440737095516160}"#,
    #"{"i32": 0.5}"#,  // Int32FieldNotInteger
    #"{"u32": 0.5}"#,  // Uint32FieldNotInteger
    #"{"i64": "0.5"}"#,  // Int64FieldNotInteger
    #"{"u64": 0.5}"#,  // Uint64FieldNotInteger
    #"{"i32": 1e-1}"#,
    #"{"i32": 1e10}"#,
    #"{"i32": " 1"}"#,  // Int32FieldLeadingSpace
    #"{"i32": "1 "}"#,  // Int32FieldTrailingSpace
    #"{"i32": "3x3"}"#,  // Int32FieldNotNumber
    #"{"i64": "-"}"#,
    #"{"i32": true}"#,
    #"{"i32": {}}"#,
    #"{"i32": ""}"#,
  ])
  func rejected(input: String) {
    assertDecodeFails(input, .invalidValue)
  }

  @Test(arguments: [
    #"{"i32": 01}"#,  // Int32FieldLeadingZero
    #"{"i32": -01}"#,  // Int32FieldNegativeWithLeadingZero
    #"{"i32": +1}"#,
    #"{"i32": 1.}"#,
    #"{"i32": .5}"#,
    #"{"i32": 1e}"#,
    #"{"i32": 0x10}"#,
  ])
  func syntaxErrors(input: String) {
    assertDecodeFails(input, .malformedJSON)
  }

  @Test func sixtyFourBitIntegersAreWrittenAsStringsAndThirtyTwoBitAsNumbers() throws {
    let message = try decode(#"{"i64": 1, "u64": 2, "s64": 3, "f64": 4, "sf64": 5, "i32": 6, "u32": 7}"#)
    #expect(try encode(message) == #"{"i32":6,"i64":"1","u32":7,"u64":"2","s64":"3","f64":"4","sf64":"5"}"#)
  }
}

@Suite struct JSONFloatingPointTests {
  @Test(arguments: [
    (#"{"dbl": 1.5}"#, #"{"dbl":1.5}"#),
    (#"{"dbl": "1.5"}"#, #"{"dbl":1.5}"#),
    (#"{"dbl": 1E2}"#, #"{"dbl":100}"#),  // uppercase exponent
    (#"{"dbl": "NaN"}"#, #"{"dbl":"NaN"}"#),
    (#"{"dbl": "Infinity"}"#, #"{"dbl":"Infinity"}"#),
    (#"{"dbl": "-Infinity"}"#, #"{"dbl":"-Infinity"}"#),
    (#"{"dbl": -0.0}"#, #"{"dbl":-0.0}"#),
    (#"{"dbl": 1.7976931348623157e308}"#, #"{"dbl":1.7976931348623157e+308}"#),
    (#"{"dbl": -2.2250738585072014e-308}"#, #"{"dbl":-2.2250738585072014e-308}"#),
    (#"{"dbl": 5e-324}"#, #"{"dbl":5e-324}"#),
    (#"{"dbl": 1e-400}"#, "{}"),
    (#"{"dbl": 0.1}"#, #"{"dbl":0.1}"#),
    (#"{"dbl": 123456789012345678901234567890}"#, #"{"dbl":1.2345678901234568e+29}"#),
    (#"{"dbl": 9007199254740993}"#, #"{"dbl":9007199254740992}"#),
    (#"{"flt": 3.402823e+38}"#, #"{"flt":3.402823e+38}"#),  // FloatFieldMaxPositiveValue
    (#"{"flt": -3.402823e+38}"#, #"{"flt":-3.402823e+38}"#),
    (#"{"flt": 3.4028235e38}"#, #"{"flt":3.4028235e+38}"#),
    (#"{"flt": 1.175494e-38}"#, #"{"flt":1.175494e-38}"#),
    (#"{"flt": 0.1}"#, #"{"flt":0.1}"#),
    (#"{"flt": "NaN"}"#, #"{"flt":"NaN"}"#),
    (#"{"flt": "-Infinity"}"#, #"{"flt":"-Infinity"}"#),
    (#"{"flt": 16777217}"#, #"{"flt":16777216}"#),
  ])
  func accepted(input: String, output: String) {
    assertRoundTrip(input, output)
  }

  @Test(arguments: [
    #"{"dbl": 1.89769e+308}"#,  // DoubleFieldTooLarge
    #"{"dbl": -1.89769e+308}"#,  // DoubleFieldTooSmall
    #"{"dbl": "1e400"}"#,  // quoted and out of range
    #"{"flt": 3.502823e+38}"#,  // FloatFieldTooLarge
    #"{"flt": -3.502823e+38}"#,  // FloatFieldTooSmall
    #"{"flt": "3.502823e+38"}"#,
    #"{"dbl": "nan"}"#,  // DoubleFieldNanNotQuoted is a syntax error; lowercase is invalid
    #"{"dbl": "infinity"}"#,
    #"{"dbl": "-inf"}"#,
    #"{"dbl": " 1"}"#,
    #"{"dbl": true}"#,
  ])
  func rejected(input: String) {
    assertDecodeFails(input, .invalidValue)
  }

  @Test(arguments: [#"{"dbl": NaN}"#, #"{"dbl": Infinity}"#, #"{"dbl": -Infinity}"#])
  func unquotedSpecialValuesAreNotJSON(input: String) {
    assertDecodeFails(input, .malformedJSON)
  }

  @Test func fastPathAgreesWithTheSlowPath() throws {
    // Clinger's fast path against Double(String) on numbers on both sides of its limits.
    let samples = [
      "1", "0.3", "123.456", "9007199254740992", "9007199254740993", "1e22", "1e23", "4.35e-15",
      "0.000001", "8.98846567431158e307", "2.2250738585072011e-308", "7.0e-10", "1.1e21",
      "12345678901234567.89", "-0.1e-5", "3.141592653589793238462643383279",
    ]
    for sample in samples {
      let bytes = Array(sample.utf8)
      let parsed = bytes.withUnsafeBytes { raw -> (Double, Float) in
        guard case .success(let token) = JSONNumberToken.scan(raw, from: 0, to: raw.count) else {
          return (.nan, .nan)
        }
        return (token.double(in: raw), token.float(in: raw))
      }
      #expect(parsed.0 == Double(sample)!, "\(sample)")
      #expect(parsed.1 == Float(sample)!, "\(sample)")
    }
  }
}

@Suite struct JSONBoolStringBytesTests {
  @Test func boolIsOnlyTheLiterals() throws {
    assertRoundTrip(#"{"flag": true}"#, #"{"flag":true}"#)
    assertRoundTrip(#"{"flag": false}"#, "{}")
    assertDecodeFails(#"{"flag": "true"}"#)  // quoted, as Python rejects
    assertDecodeFails(#"{"flag": 1}"#)  // BoolFieldIntegerOne
    assertDecodeFails(#"{"flag": 0}"#)  // BoolFieldIntegerZero
    assertDecodeFails(#"{"flag": True}"#, .malformedJSON)  // BoolFieldAllCapitalFalse
  }

  @Test(arguments: [
    (#"{"text": "a\"b\\c\/d\b\f\n\r\t"}"#, #"{"text":"a\"b\\c/d\b\f\n\r\t"}"#),
    (#"{"text": "\u0000\u001f\u007f"}"#, "{\"text\":\"\\u0000\\u001f\u{7f}\"}"),
    (#"{"text": "\u00e9\u4e2d"}"#, #"{"text":"é中"}"#),
    (#"{"text": "\uD83D\uDE00"}"#, #"{"text":"😀"}"#),  // surrogate pair
    (#"{"text": "\ud83d\ude00"}"#, #"{"text":"😀"}"#),
    (#"{"text": "é中😀"}"#, #"{"text":"é中😀"}"#),
  ])
  func strings(input: String, output: String) {
    assertRoundTrip(input, output)
  }

  @Test(arguments: [
    #"{"text": "\uD83D"}"#,  // StringFieldUnpairedHighSurrogate
    #"{"text": "\uDE00"}"#,  // StringFieldUnpairedLowSurrogate
    #"{"text": "\uD83D\u0041"}"#,
    #"{"text": "\uD83Dx"}"#,
    #"{"text": "\U0041"}"#,  // StringFieldUppercaseEscapeLetter
    #"{"text": "\x41"}"#,  // StringFieldInvalidEscape
    #"{"text": "\'"}"#,
    #"{"text": "\u12"}"#,
    #"{"text": "\u12G4"}"#,
    "{\"text\": \"tab\there\"}",  // raw control character
    #"{'text': "x"}"#,  // FieldNameInSingleQuote
    #"{text: "x"}"#,  // FieldNameNotQuoted
    #"{"text": 'x'}"#,  // StringFieldSingleQuote...
    #"{"text": "x",}"#,  // TrailingCommaInAnObject
    #"{"text": "x" , }"#,
    #"{,"text": "x"}"#,
    #"{"numbers": [1,]}"#,  // TrailingCommaInAnArray? (a syntax error here)
    #"{"numbers": [1 2]}"#,
    #"{"text" "x"}"#,
    #"{"text": "x"} x"#,
    #"{"text": "x"}}"#,
    #""#,
    #"   "#,
    #"// comment"#,
  ])
  func syntaxErrors(input: String) {
    assertDecodeFails(input, .malformedJSON)
  }

  @Test(arguments: [
    [0xFF], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
    [0xF5, 0x80, 0x80, 0x80], [0x80], [0xC3, 0x28], [0xE2, 0x82], [0xF0, 0x9F, 0x98],
  ] as [[UInt8]])
  func invalidUTF8InStringsIsRejected(bad: [UInt8]) {
    let bytes = Array(#"{"text": "a"#.utf8) + bad + Array(#"b"}"#.utf8)
    do {
      _ = try withRawBytes(bytes) { (raw) throws(TranscodingError) in
        try DynamicMessage(json: raw, type: TestSchema.item, pool: TestSchema.pool)
      }
      Issue.record("accepted \(bad)")
    } catch {
      #expect(error.kind == .malformedJSON)
      #expect(error.message.hasPrefix("invalid UTF-8"), "\(error)")
    }
  }

  @Test func bytesTakeStandardOrURLSafeBase64PaddedOrNot() throws {
    // "\xfb\xff\xbf" is +/+/ in standard and -_-_ in URL-safe base64.
    for input in ["+/+/", "-_-_", "+/-_", "AQI=", "AQI", "AQ==", "AQ", ""] {
      let message = try decode(#"{"data": "\#(input)"}"#)
      let output = try encode(message)
      let expected: String
      switch input {
      case "AQI=", "AQI": expected = #"{"data":"AQI="}"#
      case "AQ==", "AQ": expected = #"{"data":"AQ=="}"#
      case "": expected = "{}"
      default: expected = #"{"data":"+/+/"}"#
      }
      #expect(output == expected, "\(input)")
    }
    assertDecodeFails(#"{"data": "A"}"#, containing: "base64")
    assertDecodeFails(#"{"data": "AQ="}"#, containing: "base64")
    assertDecodeFails(#"{"data": "AQ==="}"#, containing: "base64")
    assertDecodeFails(#"{"data": "A Q=="}"#, containing: "base64")
    assertDecodeFails(#"{"data": "=AQ="}"#, containing: "base64")
    assertDecodeFails(#"{"data": "AQ==AQ=="}"#, containing: "base64")
  }
}

@Suite struct JSONEnumTests {
  @Test func namesAndNumbers() {
    assertRoundTrip(#"{"color": "GREEN"}"#, #"{"color":"GREEN"}"#)
    assertRoundTrip(#"{"color": 2}"#, #"{"color":"GREEN"}"#)
    assertRoundTrip(#"{"color": "CRIMSON"}"#, #"{"color":"RED"}"#)  // alias: first name wins
    assertRoundTrip(#"{"color": 42}"#, #"{"color":42}"#)  // open enum, no name
    assertRoundTrip(#"{"color": -7}"#, #"{"color":-7}"#)
    assertRoundTrip(#"{"colors": ["RED", 5, "GREEN"]}"#, #"{"colors":["RED",5,"GREEN"]}"#)
    assertRoundTrip(#"{"color": "COLOR_UNSPECIFIED"}"#, "{}")
  }

  @Test func unknownNamesAreErrorsUnlessIgnored() throws {
    assertDecodeFails(#"{"color": "BLUE"}"#, path: "color", containing: "BLUE")
    assertDecodeFails(#"{"colors": ["RED", "BLUE"]}"#, path: "colors[1]")
    assertDecodeFails(#"{"color": 2147483648}"#, path: "color")
    assertDecodeFails(#"{"color": 1.5}"#, path: "color")
    let ignoring = JSONDecodingOptions(ignoreUnknownFields: true)
    let message = try decode(
      #"{"color": "BLUE", "colors": ["RED", "BLUE", "GREEN"], "colorsByName": {"a": "BLUE", "b": "RED"}}"#,
      options: ignoring)
    #expect(try encode(message) == #"{"colors":["RED","GREEN"],"colorsByName":{"b":"RED"}}"#)
  }

  @Test func nullValueIsNull() throws {
    let message = try decode(#"{"null": null}"#)
    guard case .enumNumber(0)? = field(message, "null") else {
      Issue.record("null not set")
      return
    }
    #expect(try encode(message, options: .init(emitDefaultValues: true)).contains(#""null":null"#))
    assertRoundTrip(#"{"null": "NULL_VALUE"}"#, "{}")
  }
}
