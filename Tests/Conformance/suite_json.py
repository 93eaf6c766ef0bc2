"""JSON tests of the conformance suite (RunJsonTests and what it calls), in the C++ order."""

from suite import (RECOMMENDED, REQUIRED, double_bits, float_bits, new_message)

R, C = REQUIRED, RECOMMENDED


def is_str(v, want=None):
    return isinstance(v, str) and (want is None or v == want)


def field_names(b):
    b.valid_json("FieldNameInSnakeCase", R, '{"fieldname1": 1, "fieldName2": 2, "FieldName3": 3, "fieldName4": 4}',
                 "fieldname1: 1 field_name2: 2 _field_name3: 3 field__name4_: 4")
    b.valid_json("FieldNameWithNumbers", R, '{"field0name5": 5, "field0Name6": 6}',
                 "field0name5: 5 field_0_name6: 6")
    b.valid_json("FieldNameWithMixedCases", R,
                 '{"fieldName7": 7, "FieldName8": 8, "fieldName9": 9, "FieldName10": 10, "FIELDNAME11": 11, '
                 '"FIELDName12": 12}',
                 "fieldName7: 7 FieldName8: 8 field_Name9: 9 Field_Name10: 10 FIELD_NAME11: 11 FIELD_name12: 12")
    b.valid_json("FieldNameWithDoubleUnderscores", C,
                 '{"FieldName13": 13, "FieldName14": 14, "fieldName15": 15, "fieldName16": 16, "fieldName17": 17, '
                 '"FieldName18": 18}',
                 "__field_name13: 13 __Field_name14: 14 field__name15: 15 field__Name16: 16 field_name17__: 17 "
                 "Field_name18__: 18")
    names = ["fieldname1", "field_name2", "_field_name3", "field__name4_", "field0name5", "field_0_name6",
             "fieldName7", "FieldName8", "field_Name9", "Field_Name10", "FIELD_NAME11", "FIELD_name12",
             "__field_name13", "__Field_name14", "field__name15", "field__Name16", "field_name17__",
             "Field_name18__"]
    b.valid_json("OriginalProtoFieldName", R,
                 "{" + ", ".join(f'"{n}": {i + 1}' for i, n in enumerate(names)) + "}",
                 " ".join(f"{n}: {i + 1}" for i, n in enumerate(names)))
    b.valid_json("FieldNameEscaped", R, '{"fieldn\\u0061me1": 1}', "fieldname1: 1")
    b.parse_failure_json("StringEndsWithEscapeChar", C, '{"optionalString": "abc\\')
    b.parse_failure_json("FieldNameNotQuoted", C, "{fieldname1: 1}")
    b.parse_failure_json("TrailingCommaInAnObject", C, '{"fieldname1":1,}')
    b.parse_failure_json("TrailingCommaInAnObjectWithSpace", C, '{"fieldname1":1 ,}')
    b.parse_failure_json("TrailingCommaInAnObjectWithSpaceCommaSpace", C, '{"fieldname1":1 , }')
    b.parse_failure_json("TrailingCommaInAnObjectWithNewlines", C, '{\n        "fieldname1":1,\n      }')
    b.parse_failure_json("JsonWithComments", C, '{\n        // This is a comment.\n        "fieldname1": 1\n      }')
    two = "optional_int32: 1 optional_int64: 2"
    b.valid_json("OneLineNoSpaces", C, '{"optionalInt32":1,"optionalInt64":2}', two)
    b.valid_json("OneLineWithSpaces", C, '{ "optionalInt32" : 1 , "optionalInt64" : 2 }', two)
    b.valid_json("MultilineNoSpaces", C, '{\n"optionalInt32"\n:\n1\n,\n"optionalInt64"\n:\n2\n}', two)
    b.valid_json("MultilineWithSpaces", C, '{\n  "optionalInt32"  :  1\n  ,\n  "optionalInt64"  :  2\n}\n', two)
    b.parse_failure_json("MissingCommaOneLine", C, '{ "optionalInt32": 1 "optionalInt64": 2 }')
    b.parse_failure_json("MissingCommaMultiline", C, '{\n  "optionalInt32": 1\n  "optionalInt64": 2\n}')
    b.parse_failure_json("FieldNameDuplicate", C,
                         '{\n        "optionalNestedMessage": {a: 1},\n        "optionalNestedMessage": {}\n      }')
    b.parse_failure_json("FieldNameDuplicateDifferentCasing1", C,
                         '{\n        "optional_nested_message": {a: 1},\n        "optionalNestedMessage": {}\n      }')
    b.parse_failure_json("FieldNameDuplicateDifferentCasing2", C,
                         '{\n        "optionalNestedMessage": {a: 1},\n        "optional_nested_message": {}\n      }')
    b.validator("FieldNameInLowerCamelCase", R,
                '{"fieldname1": 1, "fieldName2": 2, "FieldName3": 3, "fieldName4": 4}',
                lambda v: all(k in v for k in ("fieldname1", "fieldName2", "FieldName3", "fieldName4")))
    b.validator("FieldNameWithNumbers", R, '{"field0name5": 5, "field0Name6": 6}',
                lambda v: "field0name5" in v and "field0Name6" in v)
    b.validator("FieldNameWithMixedCases", R,
                '{"fieldName7": 7, "FieldName8": 8, "fieldName9": 9, "FieldName10": 10, "FIELDNAME11": 11, '
                '"FIELDName12": 12}',
                lambda v: all(k in v for k in ("fieldName7", "FieldName8", "fieldName9", "FieldName10",
                                               "FIELDNAME11", "FIELDName12")))
    b.validator("FieldNameWithDoubleUnderscores", C,
                '{"FieldName13": 13, "FieldName14": 14, "fieldName15": 15, "fieldName16": 16, "fieldName17": 17, '
                '"FieldName18": 18}',
                lambda v: all(k in v for k in ("FieldName13", "FieldName14", "fieldName15", "fieldName16",
                                               "fieldName17", "FieldName18")))
    # Not in the older suite file that was ported; in v21.12 (matches the README's counts).
    b.validator("StoresDefaultPrimitive", R, '{"FieldName13": 0}', lambda v: "FieldName13" in v, is_proto3=False)
    b.validator("SkipsDefaultPrimitive", R, '{"FieldName13": 0}', lambda v: "FieldName13" not in v)
    b.validator("FieldNameExtension", C, '{"[protobuf_test_messages.proto2.extension_int32]": 1}',
                lambda v: "[protobuf_test_messages.proto2.extension_int32]" in v, is_proto3=False)


def one_of_message(b, is_proto3):
    """TestOneofMessage: one message, changed step by step, sent as binary."""
    if not is_proto3 and not b.proto2:
        return
    m = new_message(is_proto3)
    steps = [("OneofZeroUint32", lambda: setattr(m, "oneof_uint32", 0)),
             ("OneofZeroMessage", lambda: setattr(m.oneof_nested_message, "a", 0)),
             ("OneofZeroMessageSetTwice", lambda: setattr(m.oneof_nested_message, "a", 1)),
             ("OneofZeroString", lambda: setattr(m, "oneof_string", "")),
             ("OneofZeroBytes", lambda: setattr(m, "oneof_bytes", b"")),
             ("OneofZeroBool", lambda: setattr(m, "oneof_bool", False)),
             ("OneofZeroUint64", lambda: setattr(m, "oneof_uint64", 0)),
             ("OneofZeroFloat", lambda: setattr(m, "oneof_float", 0.0)),
             ("OneofZeroDouble", lambda: setattr(m, "oneof_double", 0.0)),
             ("OneofZeroEnum", lambda: setattr(m, "oneof_enum", 0))]
    for name, step in steps:
        step()
        expected = type(m)()
        expected.CopyFrom(m)
        b.valid_protobuf(name, C, m.SerializeToString(), expected, is_proto3)


def non_repeated(b):
    v = b.valid_json
    f = b.parse_failure_json
    v("Int32FieldMaxValue", R, '{"optionalInt32": 2147483647}', "optional_int32: 2147483647")
    v("Int32FieldMinValue", R, '{"optionalInt32": -2147483648}', "optional_int32: -2147483648")
    v("Uint32FieldMaxValue", R, '{"optionalUint32": 4294967295}', "optional_uint32: 4294967295")
    v("Int64FieldMaxValue", R, '{"optionalInt64": "9223372036854775807"}', "optional_int64: 9223372036854775807")
    v("Int64FieldMinValue", R, '{"optionalInt64": "-9223372036854775808"}', "optional_int64: -9223372036854775808")
    v("Uint64FieldMaxValue", R, '{"optionalUint64": "18446744073709551615"}',
      "optional_uint64: 18446744073709551615")
    v("Int64FieldMaxValueNotQuoted", R, '{"optionalInt64": 9223372036854774784}',
      "optional_int64: 9223372036854774784")
    v("Int64FieldMinValueNotQuoted", R, '{"optionalInt64": -9223372036854775808}',
      "optional_int64: -9223372036854775808")
    v("Uint64FieldMaxValueNotQuoted", R, '{"optionalUint64": 18446744073709549568}',
      "optional_uint64: 18446744073709549568")
    v("Int32FieldStringValue", R, '{"optionalInt32": "2147483647"}', "optional_int32: 2147483647")
    v("Int32FieldStringValueEscaped", R, '{"optionalInt32": "2\\u003147483647"}', "optional_int32: 2147483647")
    f("Int32FieldTooLarge", R, '{"optionalInt32": 2147483648}')
    f("Int32FieldTooSmall", R, '{"optionalInt32": -2147483649}')
    f("Uint32FieldTooLarge", R, '{"optionalUint32": 4294967296}')
    f("Int64FieldTooLarge", R, '{"optionalInt64": "9223372036854775808"}')
    f("Int64FieldTooSmall", R, '{"optionalInt64": "-9223372036854775809"}')
    f("Uint64FieldTooLarge", R, '{"optionalUint64": "18446744073709551616"}')
    f("Int32FieldNotInteger", R, '{"optionalInt32": 0.5}')
    f("Uint32FieldNotInteger", R, '{"optionalUint32": 0.5}')
    f("Int64FieldNotInteger", R, '{"optionalInt64": "0.5"}')
    f("Uint64FieldNotInteger", R, '{"optionalUint64": "0.5"}')
    v("Int32FieldFloatTrailingZero", R, '{"optionalInt32": 100000.000}', "optional_int32: 100000")
    v("Int32FieldExponentialFormat", R, '{"optionalInt32": 1e5}', "optional_int32: 100000")
    v("Int32FieldMaxFloatValue", R, '{"optionalInt32": 2.147483647e9}', "optional_int32: 2147483647")
    v("Int32FieldMinFloatValue", R, '{"optionalInt32": -2.147483648e9}', "optional_int32: -2147483648")
    v("Uint32FieldMaxFloatValue", R, '{"optionalUint32": 4.294967295e9}', "optional_uint32: 4294967295")
    for name in ("Int32", "Uint32", "Int64", "Uint64"):
        f(f"{name}FieldNotNumber", R, '{"optional%s": "3x3"}' % name)
    f("Int32FieldPlusSign", R, '{"optionalInt32": +1}')
    f("Int32FieldLeadingZero", R, '{"optionalInt32": 01}')
    f("Int32FieldNegativeWithLeadingZero", R, '{"optionalInt32": -01}')
    f("Int32FieldLeadingSpace", R, '{"optionalInt32": " 1"}')
    f("Int32FieldTrailingSpace", R, '{"optionalInt32": "1 "}')
    b.validator("Int64FieldBeString", C, '{"optionalInt64": 1}', lambda j: is_str(j.get("optionalInt64"), "1"))
    b.validator("Uint64FieldBeString", C, '{"optionalUint64": 1}', lambda j: is_str(j.get("optionalUint64"), "1"))
    v("BoolFieldTrue", R, '{"optionalBool":true}', "optional_bool: true")
    v("BoolFieldFalse", R, '{"optionalBool":false}', "optional_bool: false")
    for name, text in [("IntegerZero", "0"), ("IntegerOne", "1"), ("CamelCaseTrue", "True"),
                       ("CamelCaseFalse", "False"), ("AllCapitalTrue", "TRUE"), ("AllCapitalFalse", "FALSE"),
                       ("DoubleQuotedTrue", '"true"'), ("DoubleQuotedFalse", '"false"')]:
        f(f"BoolField{name}", C, '{"optionalBool":%s}' % text)

    v("FloatFieldMinPositiveValue", R, '{"optionalFloat": 1.175494e-38}', "optional_float: 1.175494e-38")
    v("FloatFieldMaxNegativeValue", R, '{"optionalFloat": -1.175494e-38}', "optional_float: -1.175494e-38")
    v("FloatFieldMaxPositiveValue", R, '{"optionalFloat": 3.402823e+38}', "optional_float: 3.402823e+38")
    v("FloatFieldMinNegativeValue", R, '{"optionalFloat": 3.402823e+38}', "optional_float: 3.402823e+38")
    v("FloatFieldQuotedValue", R, '{"optionalFloat": "1"}', "optional_float: 1")
    v("FloatFieldNan", R, '{"optionalFloat": "NaN"}', "optional_float: nan")
    v("FloatFieldInfinity", R, '{"optionalFloat": "Infinity"}', "optional_float: inf")
    v("FloatFieldNegativeInfinity", R, '{"optionalFloat": "-Infinity"}', "optional_float: -inf")
    m = new_message(1)
    m.optional_float = float_bits(0x7FA12345)
    b.valid_json_with_protobuf_input("FloatFieldNormalizeQuietNan", R, m, "optional_float: nan")
    m.optional_float = float_bits(0xFFB54321)
    b.valid_json_with_protobuf_input("FloatFieldNormalizeSignalingNan", R, m, "optional_float: nan")
    f("FloatFieldNanNotQuoted", C, '{"optionalFloat": NaN}')
    f("FloatFieldInfinityNotQuoted", C, '{"optionalFloat": Infinity}')
    f("FloatFieldNegativeInfinityNotQuoted", C, '{"optionalFloat": -Infinity}')
    f("FloatFieldTooSmall", R, '{"optionalFloat": -3.502823e+38}')
    f("FloatFieldTooLarge", R, '{"optionalFloat": 3.502823e+38}')

    v("DoubleFieldMinPositiveValue", R, '{"optionalDouble": 2.22507e-308}', "optional_double: 2.22507e-308")
    v("DoubleFieldMaxNegativeValue", R, '{"optionalDouble": -2.22507e-308}', "optional_double: -2.22507e-308")
    v("DoubleFieldMaxPositiveValue", R, '{"optionalDouble": 1.79769e+308}', "optional_double: 1.79769e+308")
    v("DoubleFieldMinNegativeValue", R, '{"optionalDouble": -1.79769e+308}', "optional_double: -1.79769e+308")
    v("DoubleFieldQuotedValue", R, '{"optionalDouble": "1"}', "optional_double: 1")
    v("DoubleFieldNan", R, '{"optionalDouble": "NaN"}', "optional_double: nan")
    v("DoubleFieldInfinity", R, '{"optionalDouble": "Infinity"}', "optional_double: inf")
    v("DoubleFieldNegativeInfinity", R, '{"optionalDouble": "-Infinity"}', "optional_double: -inf")
    m = new_message(1)
    m.optional_double = double_bits(0x7FFA123456789ABC)
    b.valid_json_with_protobuf_input("DoubleFieldNormalizeQuietNan", R, m, "optional_double: nan")
    m.optional_double = double_bits(0xFFFBCBA987654321)
    b.valid_json_with_protobuf_input("DoubleFieldNormalizeSignalingNan", R, m, "optional_double: nan")
    f("DoubleFieldNanNotQuoted", C, '{"optionalDouble": NaN}')
    f("DoubleFieldInfinityNotQuoted", C, '{"optionalDouble": Infinity}')
    f("DoubleFieldNegativeInfinityNotQuoted", C, '{"optionalDouble": -Infinity}')
    f("DoubleFieldTooSmall", R, '{"optionalDouble": -1.89769e+308}')
    f("DoubleFieldTooLarge", R, '{"optionalDouble": +1.89769e+308}')

    v("EnumField", R, '{"optionalNestedEnum": "FOO"}', "optional_nested_enum: FOO")
    v("EnumFieldWithAlias", R, '{"optionalAliasedEnum": "ALIAS_BAZ"}', "optional_aliased_enum: ALIAS_BAZ")
    v("EnumFieldWithAliasUseAlias", R, '{"optionalAliasedEnum": "MOO"}', "optional_aliased_enum: ALIAS_BAZ")
    v("EnumFieldWithAliasLowerCase", R, '{"optionalAliasedEnum": "moo"}', "optional_aliased_enum: ALIAS_BAZ")
    v("EnumFieldWithAliasDifferentCase", R, '{"optionalAliasedEnum": "bAz"}', "optional_aliased_enum: ALIAS_BAZ")
    f("EnumFieldNotQuoted", R, '{"optionalNestedEnum": FOO}')
    v("EnumFieldNumericValueZero", R, '{"optionalNestedEnum": 0}', "optional_nested_enum: FOO")
    v("EnumFieldNumericValueNonZero", R, '{"optionalNestedEnum": 1}', "optional_nested_enum: BAR")
    b.validator("EnumFieldUnknownValue", R, '{"optionalNestedEnum": 123}',
                lambda j: type(j.get("optionalNestedEnum")) is int and j["optionalNestedEnum"] == 123)

    v("StringField", R, '{"optionalString": "Hello world!"}', 'optional_string: "Hello world!"')
    v("StringFieldUnicode", R, '{"optionalString": "谷歌"}', 'optional_string: "谷歌"')
    v("StringFieldEscape", R, '{"optionalString": "\\"\\\\\\/\\b\\f\\n\\r\\t"}',
      'optional_string: "\\"\\\\/\\b\\f\\n\\r\\t"')
    v("StringFieldUnicodeEscape", R, '{"optionalString": "\\u8C37\\u6B4C"}', 'optional_string: "谷歌"')
    v("StringFieldUnicodeEscapeWithLowercaseHexLetters", R, '{"optionalString": "\\u8c37\\u6b4c"}',
      'optional_string: "谷歌"')
    v("StringFieldSurrogatePair", R, '{"optionalString": "\\uD83D\\uDE01"}',
      'optional_string: "\\xF0\\x9F\\x98\\x81"')
    f("StringFieldUppercaseEscapeLetter", C, '{"optionalString": "\\U8C37\\U6b4C"}')
    f("StringFieldInvalidEscape", C, '{"optionalString": "\\uXXXX\\u6B4C"}')
    f("StringFieldUnterminatedEscape", C, '{"optionalString": "\\u8C3"}')
    f("StringFieldUnpairedHighSurrogate", C, '{"optionalString": "\\uD800"}')
    f("StringFieldUnpairedLowSurrogate", C, '{"optionalString": "\\uDC00"}')
    f("StringFieldSurrogateInWrongOrder", C, '{"optionalString": "\\uDE01\\uD83D"}')
    f("StringFieldNotAString", R, '{"optionalString": 12345}')

    v("BytesField", R, '{"optionalBytes": "AQI="}', 'optional_bytes: "\\x01\\x02"')
    v("BytesFieldBase64Url", C, '{"optionalBytes": "-_"}', 'optional_bytes: "\\xfb"')
    v("MessageField", R, '{"optionalNestedMessage": {"a": 1234}}', "optional_nested_message: {a: 1234}")
    f("OneofFieldDuplicate", R, '{"oneofUint32": 1, "oneofString": "test"}')
    v("OneofFieldNullFirst", R, '{"oneofUint32": null, "oneofString": "test"}', 'oneof_string: "test"')
    v("OneofFieldNullSecond", R, '{"oneofString": "test", "oneofUint32": null}', 'oneof_string: "test"')
    one_of_message(b, 1)
    one_of_message(b, 0)
    v("OneofZeroUint32", C, '{"oneofUint32": 0}', "oneof_uint32: 0")
    v("OneofZeroMessage", C, '{"oneofNestedMessage": {}}', "oneof_nested_message: {}")
    v("OneofZeroString", C, '{"oneofString": ""}', 'oneof_string: ""')
    v("OneofZeroBytes", C, '{"oneofBytes": ""}', 'oneof_bytes: ""')
    v("OneofZeroBool", C, '{"oneofBool": false}', "oneof_bool: false")
    v("OneofZeroUint64", C, '{"oneofUint64": 0}', "oneof_uint64: 0")
    v("OneofZeroFloat", C, '{"oneofFloat": 0.0}', "oneof_float: 0")
    v("OneofZeroDouble", C, '{"oneofDouble": 0.0}', "oneof_double: 0")
    v("OneofZeroEnum", C, '{"oneofEnum":"FOO"}', "oneof_enum: FOO")

    for kind, field in [("Int32", "Int32Int32"), ("Uint32", "Uint32Uint32"), ("Int64", "Int64Int64"),
                        ("Uint64", "Uint64Uint64")]:
        snake = "map_" + field[:len(kind)].lower() + "_" + field[len(kind):].lower()
        v(f"{kind}MapField", R, '{"map%s": {"1": 2, "3": 4}}' % field,
          f"{snake}: {{key: 1 value: 2}} {snake}: {{key: 3 value: 4}}")
        f(f"{kind}MapFieldKeyNotQuoted", C, '{"map%s": {1: 2, 3: 4}}' % field)
    v("BoolMapField", R, '{"mapBoolBool": {"true": true, "false": false}}',
      "map_bool_bool: {key: true value: true} map_bool_bool: {key: false value: false}")
    f("BoolMapFieldKeyNotQuoted", C, '{"mapBoolBool": {true: true, false: false}}')
    v("MessageMapField", R, '{"mapStringNestedMessage": {"hello": {"a": 1234}, "world": {"a": 5678}}}',
      'map_string_nested_message: {key: "hello" value: {a: 1234}} '
      'map_string_nested_message: {key: "world" value: {a: 5678}}')
    v("Int32MapEscapedKey", R, '{"mapInt32Int32": {"\\u0031": 2}}', "map_int32_int32: {key: 1 value: 2}")
    v("Int64MapEscapedKey", R, '{"mapInt64Int64": {"\\u0031": 2}}', "map_int64_int64: {key: 1 value: 2}")
    v("BoolMapEscapedKey", R, '{"mapBoolBool": {"tr\\u0075e": true}}', "map_bool_bool: {key: true value: true}")
    f("StringFieldSingleQuoteKey", C, "{'optionalString': \"Hello world!\"}")
    f("StringFieldSingleQuoteValue", C, "{\"optionalString\": 'Hello world!'}")
    f("StringFieldSingleQuoteBoth", C, "{'optionalString': 'Hello world!'}")


def repeated(b):
    v, f = b.valid_json, b.parse_failure_json
    v("PrimitiveRepeatedField", R, '{"repeatedInt32": [1, 2, 3, 4]}', "repeated_int32: [1, 2, 3, 4]")
    v("EnumRepeatedField", R, '{"repeatedNestedEnum": ["FOO", "BAR", "BAZ"]}', "repeated_nested_enum: [FOO, BAR, BAZ]")
    v("StringRepeatedField", R, '{"repeatedString": ["Hello", "world"]}', 'repeated_string: ["Hello", "world"]')
    v("BytesRepeatedField", R, '{"repeatedBytes": ["AAEC", "AQI="]}',
      'repeated_bytes: ["\\x00\\x01\\x02", "\\x01\\x02"]')
    v("MessageRepeatedField", R, '{"repeatedNestedMessage": [{"a": 1234}, {"a": 5678}]}',
      "repeated_nested_message: {a: 1234} repeated_nested_message: {a: 5678}")
    for name, text in [("ExpectingIntegersGotBool", '{"repeatedInt32": [1, false, 3, 4]}'),
                       ("ExpectingIntegersGotString", '{"repeatedInt32": [1, 2, "name", 4]}'),
                       ("ExpectingIntegersGotMessage", '{"repeatedInt32": [1, 2, 3, {"a": 4}]}'),
                       ("ExpectingStringsGotInt", '{"repeatedString": ["1", 2, "3", "4"]}'),
                       ("ExpectingStringsGotBool", '{"repeatedString": ["1", "2", false, "4"]}'),
                       ("ExpectingStringsGotMessage", '{"repeatedString": ["1", 2, "3", {"a": 4}]}'),
                       ("ExpectingMessagesGotInt", '{"repeatedNestedMessage": [{"a": 1}, 2]}'),
                       ("ExpectingMessagesGotBool", '{"repeatedNestedMessage": [{"a": 1}, false]}'),
                       ("ExpectingMessagesGotString", '{"repeatedNestedMessage": [{"a": 1}, "2"]}')]:
        f("RepeatedFieldWrongElementType" + name, R, text)
    f("RepeatedFieldTrailingComma", C, '{"repeatedInt32": [1, 2, 3, 4,]}')
    f("RepeatedFieldTrailingCommaWithSpace", C, '{"repeatedInt32": [1, 2, 3, 4 ,]}')
    f("RepeatedFieldTrailingCommaWithSpaceCommaSpace", C, '{"repeatedInt32": [1, 2, 3, 4 , ]}')
    f("RepeatedFieldTrailingCommaWithNewlines", C, '{"repeatedInt32": [\n  1,\n  2,\n  3,\n  4,\n]}')


def nulls(b):
    fields = ["optionalInt32", "optionalInt64", "optionalUint32", "optionalUint64", "optionalSint32",
              "optionalSint64", "optionalFixed32", "optionalFixed64", "optionalSfixed32", "optionalSfixed64",
              "optionalFloat", "optionalDouble", "optionalBool", "optionalString", "optionalBytes",
              "optionalNestedEnum", "optionalNestedMessage", "repeatedInt32", "repeatedInt64", "repeatedUint32",
              "repeatedUint64", "repeatedSint32", "repeatedSint64", "repeatedFixed32", "repeatedFixed64",
              "repeatedSfixed32", "repeatedSfixed64", "repeatedFloat", "repeatedDouble", "repeatedBool",
              "repeatedString", "repeatedBytes", "repeatedNestedEnum", "repeatedNestedMessage", "mapInt32Int32",
              "mapBoolBool", "mapStringNestedMessage"]
    b.valid_json("AllFieldAcceptNull", R, "{" + ", ".join(f'"{n}": null' for n in fields) + "}", "")
    b.parse_failure_json("RepeatedFieldPrimitiveElementIsNull", C, '{"repeatedInt32": [1, null, 2]}')
    b.parse_failure_json("RepeatedFieldMessageElementIsNull", C, '{"repeatedNestedMessage": [{"a":1}, null, {"a":2}]}')
    b.parse_failure_json("MapFieldKeyIsNull", C, '{"mapInt32Int32": {null: 1}}')
    b.parse_failure_json("MapFieldValueIsNull", C, '{"mapInt32Int32": {"0": null}}')


def wrappers(b):
    v, f = b.valid_json, b.parse_failure_json
    for kind, json_value, text_value in [("Bool", "false", "false"), ("Int32", "0", "0"), ("Uint32", "0", "0"),
                                         ("Int64", "0", "0"), ("Uint64", "0", "0"), ("Float", "0", "0"),
                                         ("Double", "0", "0"), ("String", '""', '""'), ("Bytes", '""', '""')]:
        v(f"Optional{kind}Wrapper", R, '{"optional%sWrapper": %s}' % (kind, json_value),
          f"optional_{kind.lower()}_wrapper: {{value: {text_value}}}")
    v("OptionalWrapperTypesWithNonDefaultValue", R,
      '{"optionalBoolWrapper": true, "optionalInt32Wrapper": 1, "optionalUint32Wrapper": 1, '
      '"optionalInt64Wrapper": "1", "optionalUint64Wrapper": "1", "optionalFloatWrapper": 1, '
      '"optionalDoubleWrapper": 1, "optionalStringWrapper": "1", "optionalBytesWrapper": "AQI="}',
      'optional_bool_wrapper: {value: true} optional_int32_wrapper: {value: 1} '
      'optional_uint32_wrapper: {value: 1} optional_int64_wrapper: {value: 1} optional_uint64_wrapper: {value: 1} '
      'optional_float_wrapper: {value: 1} optional_double_wrapper: {value: 1} '
      'optional_string_wrapper: {value: "1"} optional_bytes_wrapper: {value: "\\x01\\x02"}')
    for kind, json_value, texts in [("Bool", "[true, false]", ["true", "false"]), ("Int32", "[0, 1]", ["0", "1"]),
                                    ("Uint32", "[0, 1]", ["0", "1"]), ("Int64", "[0, 1]", ["0", "1"]),
                                    ("Uint64", "[0, 1]", ["0", "1"]), ("Float", "[0, 1]", ["0", "1"]),
                                    ("Double", "[0, 1]", ["0", "1"]),
                                    ("String", '["", "AQI="]', ['""', '"AQI="']),
                                    ("Bytes", '["", "AQI="]', ['""', '"\\x01\\x02"'])]:
        v(f"Repeated{kind}Wrapper", R, '{"repeated%sWrapper": %s}' % (kind, json_value),
          " ".join(f"repeated_{kind.lower()}_wrapper: {{value: {t}}}" for t in texts))
    kinds = ["Bool", "Int32", "Uint32", "Int64", "Uint64", "Float", "Double", "String", "Bytes"]
    v("WrapperTypesWithNullValue", R,
      "{" + ", ".join([f'"optional{k}Wrapper": null' for k in kinds] + [f'"repeated{k}Wrapper": null' for k in kinds])
      + "}", "")

    v("DurationMinValue", R, '{"optionalDuration": "-315576000000.999999999s"}',
      "optional_duration: {seconds: -315576000000 nanos: -999999999}")
    v("DurationMaxValue", R, '{"optionalDuration": "315576000000.999999999s"}',
      "optional_duration: {seconds: 315576000000 nanos: 999999999}")
    v("DurationRepeatedValue", R, '{"repeatedDuration": ["1.5s", "-1.5s"]}',
      "repeated_duration: {seconds: 1 nanos: 500000000} repeated_duration: {seconds: -1 nanos: -500000000}")
    v("DurationNull", R, '{"optionalDuration": null}', "")
    f("DurationMissingS", R, '{"optionalDuration": "1"}')
    f("DurationJsonInputTooSmall", R, '{"optionalDuration": "-315576000001.000000000s"}')
    f("DurationJsonInputTooLarge", R, '{"optionalDuration": "315576000001.000000000s"}')
    b.serialize_failure_json("DurationProtoInputTooSmall", R, "optional_duration: {seconds: -315576000001 nanos: 0}")
    b.serialize_failure_json("DurationProtoInputTooLarge", R, "optional_duration: {seconds: 315576000001 nanos: 0}")
    for name, inp, out in [("HasZeroFractionalDigit", "1.000000000s", "1s"),
                           ("Has3FractionalDigits", "1.010000000s", "1.010s"),
                           ("Has6FractionalDigits", "1.000010000s", "1.000010s"),
                           ("Has9FractionalDigits", "1.000000010s", "1.000000010s")]:
        b.validator("Duration" + name, C, '{"optionalDuration": "%s"}' % inp,
                    lambda j, out=out: j.get("optionalDuration") == out)

    v("TimestampMinValue", R, '{"optionalTimestamp": "0001-01-01T00:00:00Z"}',
      "optional_timestamp: {seconds: -62135596800}")
    v("TimestampMaxValue", R, '{"optionalTimestamp": "9999-12-31T23:59:59.999999999Z"}',
      "optional_timestamp: {seconds: 253402300799 nanos: 999999999}")
    v("TimestampRepeatedValue", R,
      '{"repeatedTimestamp": ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z"]}',
      "repeated_timestamp: {seconds: -62135596800} repeated_timestamp: {seconds: 253402300799 nanos: 999999999}")
    v("TimestampLeap", R, '{"optionalTimestamp": "1993-02-10T00:00:00.000Z"}', "optional_timestamp: {seconds: 729302400}")
    v("TimestampWithPositiveOffset", R, '{"optionalTimestamp": "1970-01-01T08:00:01+08:00"}',
      "optional_timestamp: {seconds: 1}")
    v("TimestampWithNegativeOffset", R, '{"optionalTimestamp": "1969-12-31T16:00:01-08:00"}',
      "optional_timestamp: {seconds: 1}")
    v("TimestampNull", R, '{"optionalTimestamp": null}', "")
    f("TimestampJsonInputTooSmall", R, '{"optionalTimestamp": "0000-01-01T00:00:00Z"}')
    f("TimestampJsonInputTooLarge", R, '{"optionalTimestamp": "10000-01-01T00:00:00Z"}')
    f("TimestampJsonInputMissingZ", R, '{"optionalTimestamp": "0001-01-01T00:00:00"}')
    f("TimestampJsonInputMissingT", R, '{"optionalTimestamp": "0001-01-01 00:00:00Z"}')
    f("TimestampJsonInputLowercaseZ", R, '{"optionalTimestamp": "0001-01-01T00:00:00z"}')
    f("TimestampJsonInputLowercaseT", R, '{"optionalTimestamp": "0001-01-01t00:00:00Z"}')
    b.serialize_failure_json("TimestampProtoInputTooSmall", R, "optional_timestamp: {seconds: -62135596801}")
    b.serialize_failure_json("TimestampProtoInputTooLarge", R, "optional_timestamp: {seconds: 253402300800}")
    for name, inp, out in [("ZeroNormalized", "1969-12-31T16:00:00-08:00", "1970-01-01T00:00:00Z"),
                           ("HasZeroFractionalDigit", "1970-01-01T00:00:00.000000000Z", "1970-01-01T00:00:00Z"),
                           ("Has3FractionalDigits", "1970-01-01T00:00:00.010000000Z", "1970-01-01T00:00:00.010Z"),
                           ("Has6FractionalDigits", "1970-01-01T00:00:00.000010000Z", "1970-01-01T00:00:00.000010Z"),
                           ("Has9FractionalDigits", "1970-01-01T00:00:00.000000010Z",
                            "1970-01-01T00:00:00.000000010Z")]:
        b.validator("Timestamp" + name, C, '{"optionalTimestamp": "%s"}' % inp,
                    lambda j, out=out: j.get("optionalTimestamp") == out)


def field_mask(b):
    b.valid_json("FieldMask", R, '{"optionalFieldMask": "foo,barBaz"}',
                 'optional_field_mask: {paths: "foo" paths: "bar_baz"}')
    b.valid_json("EmptyFieldMask", R, '{"optionalFieldMask": ""}', "optional_field_mask: {}")
    b.parse_failure_json("FieldMaskInvalidCharacter", C, '{"optionalFieldMask": "foo,bar_bar"}')
    b.serialize_failure_json("FieldMaskPathsDontRoundTrip", C, 'optional_field_mask: {paths: "fooBar"}')
    b.serialize_failure_json("FieldMaskNumbersDontRoundTrip", C, 'optional_field_mask: {paths: "foo_3_bar"}')
    b.serialize_failure_json("FieldMaskTooManyUnderscore", C, 'optional_field_mask: {paths: "foo__bar"}')


def struct_value_any(b):
    v = b.valid_json
    v("Struct", R,
      '{"optionalStruct": {"nullValue": null, "intValue": 1234, "boolValue": true, "doubleValue": 1234.5678, '
      '"stringValue": "Hello world!", "listValue": [1234, "5678"], "objectValue": {"value": 0}}}',
      'optional_struct: { fields: { key: "nullValue" value: {null_value: NULL_VALUE} } '
      'fields: { key: "intValue" value: {number_value: 1234} } fields: { key: "boolValue" value: {bool_value: true} } '
      'fields: { key: "doubleValue" value: {number_value: 1234.5678} } '
      'fields: { key: "stringValue" value: {string_value: "Hello world!"} } '
      'fields: { key: "listValue" value: { list_value: { values: { number_value: 1234 } '
      'values: { string_value: "5678" } } } } '
      'fields: { key: "objectValue" value: { struct_value: { fields: { key: "value" value: { number_value: 0 } } } } } }')
    v("StructWithEmptyListValue", R, '{"optionalStruct": {"listValue": []}}',
      'optional_struct: { fields: { key: "listValue" value: { list_value: { } } } }')
    v("ValueAcceptInteger", R, '{"optionalValue": 1}', "optional_value: { number_value: 1}")
    v("ValueAcceptFloat", R, '{"optionalValue": 1.5}', "optional_value: { number_value: 1.5}")
    v("ValueAcceptBool", R, '{"optionalValue": false}', "optional_value: { bool_value: false}")
    v("ValueAcceptNull", R, '{"optionalValue": null}', "optional_value: { null_value: NULL_VALUE}")
    v("ValueAcceptString", R, '{"optionalValue": "hello"}', 'optional_value: { string_value: "hello"}')
    v("ValueAcceptList", R, '{"optionalValue": [0, "hello"]}',
      'optional_value: { list_value: { values: { number_value: 0 } values: { string_value: "hello" } } }')
    v("ValueAcceptObject", R, '{"optionalValue": {"value": 1}}',
      'optional_value: { struct_value: { fields: { key: "value" value: { number_value: 1 } } } }')
    v("RepeatedValue", R, '{"repeatedValue": [["a"]]}',
      'repeated_value: [ { list_value: { values: [ { string_value: "a"} ] } } ]')
    v("RepeatedListValue", R, '{"repeatedListValue": [["a"]]}',
      'repeated_list_value: [ { values: [ { string_value: "a"} ] } ]')

    b.validator("NullValueInOtherOneofOldFormat", C, '{"oneofNullValue": "NULL_VALUE"}',
                lambda j: "oneofNullValue" in j and j["oneofNullValue"] is None)
    b.validator("NullValueInOtherOneofNewFormat", C, '{"oneofNullValue": null}',
                lambda j: "oneofNullValue" in j and j["oneofNullValue"] is None)
    b.validator("NullValueInNormalMessage", C, '{"optionalNullValue": null}', lambda j: not j)

    t3 = "type.googleapis.com/protobuf_test_messages.proto3.TestAllTypesProto3"
    v("Any", R, '{"optionalAny": {"@type": "%s", "optionalInt32": 12345}}' % t3,
      "optional_any: { [%s] { optional_int32: 12345 } }" % t3)
    v("AnyNested", R,
      '{"optionalAny": {"@type": "type.googleapis.com/google.protobuf.Any", "value": {"@type": "%s", '
      '"optionalInt32": 12345}}}' % t3,
      "optional_any: { [type.googleapis.com/google.protobuf.Any] { [%s] { optional_int32: 12345 } } }" % t3)
    v("AnyUnorderedTypeTag", R, '{"optionalAny": {"optionalInt32": 12345, "@type": "%s"}}' % t3,
      "optional_any: { [%s] { optional_int32: 12345 } }" % t3)
    wkt = "type.googleapis.com/google.protobuf."
    for name, kind, json_value, text in [
            ("AnyWithInt32ValueWrapper", "Int32Value", "12345", "value: 12345"),
            ("AnyWithDuration", "Duration", '"1.5s"', "seconds: 1 nanos: 500000000"),
            ("AnyWithTimestamp", "Timestamp", '"1970-01-01T00:00:00Z"', "seconds: 0 nanos: 0"),
            ("AnyWithFieldMask", "FieldMask", '"foo,barBaz"', 'paths: ["foo", "bar_baz"]'),
            ("AnyWithStruct", "Struct", '{"foo": 1}', 'fields: { key: "foo" value: { number_value: 1 } }'),
            ("AnyWithValueForJsonObject", "Value", '{"foo": 1}',
             'struct_value: { fields: { key: "foo" value: { number_value: 1 } } }'),
            ("AnyWithValueForInteger", "Value", "1", "number_value: 1")]:
        v(name, R, '{"optionalAny": {"@type": "%s%s", "value": %s}}' % (wkt, kind, json_value),
          "optional_any: { [%s%s] { %s } }" % (wkt, kind, text))


def add_all(b):
    b.valid_json("HelloWorld", R, '{"optionalString":"Hello, World!"}', "optional_string: 'Hello, World!'")
    field_names(b)
    non_repeated(b)
    repeated(b)
    nulls(b)
    wrappers(b)
    field_mask(b)
    struct_value_any(b)
    for name, value in [("Number", "1"), ("String", '"a"'), ("True", "true"), ("False", "false"),
                        ("Null", "null"), ("Object", '{"a": 1}')]:
        b.valid_json_ignore_unknown("IgnoreUnknownJson" + name, R, '{\n        "unknown": %s\n      }' % value, "")
    b.parse_failure_json("RejectTopLevelNull", R, "null")
