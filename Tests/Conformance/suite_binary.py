"""Binary-input tests of the conformance suite (RunSuiteImpl before RunJsonTests): premature end
of input per type, illegal tags, valid data per type, maps, oneofs, unknown fields."""

from google.protobuf.descriptor import FieldDescriptor as FD

from suite import (INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN, PACKABLE, RECOMMENDED, REQUIRED,
                   TYPE_NAMES, UINT32_MAX, UINT64_MAX, UNKNOWN_FIELD, WIRE_TYPES, WT_DELIMITED,
                   WT_START_GROUP, WT_VARINT, dbl, default_value, delim, field_for_map_type,
                   field_for_oneof_type, field_for_type, flt, from_text, from_wire, is_proto3_default,
                   longvarint, new_message, non_default_value, tag, u32, u64, varint, zz32, zz64)

INCOMPLETE = {0: b"\x80", 1: b"abcdefg", 2: b"\x80", 3: b"", 4: b"", 5: b"abc"}


def type_name(t):
    return "." + TYPE_NAMES[t].upper()


def premature_eof(b, t):
    field = field_for_type(t, False, True)
    rep = field_for_type(t, True, True)
    wt = WIRE_TYPES[t]
    inc = INCOMPLETE[wt]
    n = type_name(t)
    b.parse_failure_proto(tag(field.number, wt), "PrematureEofBeforeKnownNonRepeatedValue" + n, REQUIRED)
    b.parse_failure_proto(tag(rep.number, wt), "PrematureEofBeforeKnownRepeatedValue" + n, REQUIRED)
    b.parse_failure_proto(tag(UNKNOWN_FIELD, wt), "PrematureEofBeforeUnknownValue" + n, REQUIRED)
    b.parse_failure_proto(tag(field.number, wt) + inc, "PrematureEofInsideKnownNonRepeatedValue" + n, REQUIRED)
    b.parse_failure_proto(tag(rep.number, wt) + inc, "PrematureEofInsideKnownRepeatedValue" + n, REQUIRED)
    b.parse_failure_proto(tag(UNKNOWN_FIELD, wt) + inc, "PrematureEofInsideUnknownValue" + n, REQUIRED)
    if wt == WT_DELIMITED:
        b.parse_failure_proto(tag(field.number, wt) + varint(1),
                              "PrematureEofInDelimitedDataForKnownNonRepeatedValue" + n, REQUIRED)
        b.parse_failure_proto(tag(rep.number, wt) + varint(1),
                              "PrematureEofInDelimitedDataForKnownRepeatedValue" + n, REQUIRED)
        b.parse_failure_proto(tag(UNKNOWN_FIELD, wt) + varint(1),
                              "PrematureEofInDelimitedDataForUnknownValue" + n, REQUIRED)
        if t == FD.TYPE_MESSAGE:
            sub = tag(5, WT_VARINT) + INCOMPLETE[WT_VARINT]
            b.parse_failure_proto(tag(field.number, WT_DELIMITED) + varint(len(sub)) + sub,
                                  "PrematureEofInSubmessageValue" + n, REQUIRED)
    elif t != FD.TYPE_GROUP:
        b.parse_failure_proto(tag(rep.number, WT_DELIMITED) + varint(len(inc)) + inc,
                              "PrematureEofInPackedFieldValue" + n, REQUIRED)
        b.parse_failure_proto(tag(rep.number, WT_DELIMITED) + varint(1), "PrematureEofInPackedField" + n, REQUIRED)


def valid_data_for_type(b, t, values):
    n = type_name(t)
    wt = WIRE_TYPES[t]
    for is_proto3 in b.versions():
        field = field_for_type(t, False, is_proto3)
        rep = field_for_type(t, True, is_proto3)
        for i, (inp, exp) in enumerate(values):
            proto = tag(field.number, wt) + inp
            expected = b"" if is_proto3 and is_proto3_default(field.type, exp) else tag(field.number, wt) + exp
            b.valid_protobuf(f"ValidDataScalar{n}[{i}]", REQUIRED, proto, from_wire(expected, is_proto3), is_proto3)
            b.valid_binary_protobuf(f"ValidDataScalarBinary{n}[{i}]", RECOMMENDED, proto, expected, is_proto3)
        if t != FD.TYPE_MESSAGE:
            proto = b"".join(tag(field.number, wt) + inp for inp, _ in values)
            expected = tag(field.number, wt) + values[-1][1]
            b.valid_protobuf("RepeatedScalarSelectsLast" + n, REQUIRED, proto, from_wire(expected, is_proto3),
                             is_proto3)
        if t in PACKABLE:
            packed = field_for_type(t, True, is_proto3, packed=True)
            unpacked = field_for_type(t, True, is_proto3, packed=False)
            d_unpacked = b"".join(tag(rep.number, wt) + i for i, _ in values)
            d_unpacked_exp = b"".join(tag(rep.number, wt) + e for _, e in values)
            d_packed = tag(rep.number, WT_DELIMITED) + delim(b"".join(i for i, _ in values))
            d_packed_exp = tag(rep.number, WT_DELIMITED) + delim(b"".join(e for _, e in values))
            p_unpacked = b"".join(tag(packed.number, wt) + i for i, _ in values)
            p_packed = tag(packed.number, WT_DELIMITED) + delim(b"".join(i for i, _ in values))
            p_exp = tag(packed.number, WT_DELIMITED) + delim(b"".join(e for _, e in values))
            u_unpacked = b"".join(tag(unpacked.number, wt) + i for i, _ in values)
            u_packed = tag(unpacked.number, WT_DELIMITED) + delim(b"".join(i for i, _ in values))
            u_exp = b"".join(tag(unpacked.number, wt) + e for _, e in values)
            expected_msg = from_wire(d_packed_exp, is_proto3)
            b.valid_protobuf(f"ValidDataRepeated{n}.UnpackedInput", REQUIRED, d_unpacked, expected_msg, is_proto3)
            b.valid_protobuf(f"ValidDataRepeated{n}.PackedInput", REQUIRED, d_packed, expected_msg, is_proto3)
            default_exp = d_packed_exp if rep.is_packed else d_unpacked_exp
            for name, data, exp in [("UnpackedInput.DefaultOutput", d_unpacked, default_exp),
                                    ("PackedInput.DefaultOutput", d_packed, default_exp),
                                    ("UnpackedInput.PackedOutput", p_unpacked, p_exp),
                                    ("PackedInput.PackedOutput", p_packed, p_exp),
                                    ("UnpackedInput.UnpackedOutput", u_unpacked, u_exp),
                                    ("PackedInput.UnpackedOutput", u_packed, u_exp)]:
                b.valid_binary_protobuf(f"ValidDataRepeated{n}.{name}", RECOMMENDED, data, exp, is_proto3)
        else:
            proto = b"".join(tag(rep.number, wt) + i for i, _ in values)
            expected = b"".join(tag(rep.number, wt) + e for _, e in values)
            b.valid_protobuf(f"ValidDataRepeated{n}", REQUIRED, proto, from_wire(expected, is_proto3), is_proto3)


def repeated_scalar_message(b):
    values = [
        delim(tag(2, WT_DELIMITED) + delim(tag(1, WT_VARINT) + varint(1234) + tag(2, WT_VARINT) + varint(1234)
                                           + tag(31, WT_VARINT) + varint(1234))),
        delim(tag(2, WT_DELIMITED) + delim(tag(1, WT_VARINT) + varint(4321) + tag(3, WT_VARINT) + varint(4321)
                                           + tag(31, WT_VARINT) + varint(4321))),
    ]
    expected = ("{ corecursive: { optional_int32: 4321, optional_int64: 1234, optional_uint32: 4321, "
                "repeated_int32: [1234, 4321] } }")
    for is_proto3 in b.versions():
        field = field_for_type(FD.TYPE_MESSAGE, False, is_proto3)
        proto = b"".join(tag(field.number, WT_DELIMITED) + v for v in values)
        b.valid_protobuf("RepeatedScalarMessageMerge", REQUIRED, proto,
                         from_text(field.name + ": " + expected, is_proto3), is_proto3)


def valid_data_for_map(b, kt, vt):
    kn, vn = type_name(kt), type_name(vt)
    kw, vw = WIRE_TYPES[kt], WIRE_TYPES[vt]
    key1 = tag(1, kw) + default_value(kt)
    value1 = tag(2, vw) + default_value(vt)
    key2 = tag(1, kw) + non_default_value(kt)
    value2 = tag(2, vw) + non_default_value(vt)
    for is_proto3 in b.versions():
        f = field_for_map_type(kt, vt, is_proto3)

        def entry(body):
            return tag(f.number, WT_DELIMITED) + delim(body)

        cases = [("Default", entry(key1 + value1), None), ("MissingDefault", entry(b""), None),
                 ("NonDefault", entry(key2 + value2), None), ("Unordered", entry(value2 + key2), None),
                 ("DuplicateKey", entry(key2 + value1) + entry(key2 + value2), entry(key2 + value2)),
                 ("DuplicateKeyInMapEntry", entry(key1 + key2 + value2), None),
                 ("DuplicateValueInMapEntry", entry(key2 + value1 + value2), None)]
        for name, proto, expected in cases:
            b.valid_protobuf(f"ValidDataMap{kn}{vn}.{name}", REQUIRED, proto,
                             from_wire(expected if expected is not None else proto, is_proto3), is_proto3)


def overwrite_message_value_map(b):
    key = tag(1, WT_DELIMITED) + delim(b"")
    f1, f2, f31 = (tag(n, WT_VARINT) + varint(1) for n in (1, 2, 31))
    sub1, sub2 = delim(f1 + f31), delim(f2 + f31)
    value1 = tag(2, WT_DELIMITED) + delim(tag(2, WT_DELIMITED) + sub1)
    value2 = tag(2, WT_DELIMITED) + delim(tag(2, WT_DELIMITED) + sub2)
    for is_proto3 in b.versions():
        f = field_for_map_type(FD.TYPE_STRING, FD.TYPE_MESSAGE, is_proto3)
        p1 = tag(f.number, WT_DELIMITED) + delim(key + value1)
        p2 = tag(f.number, WT_DELIMITED) + delim(key + value2)
        b.valid_protobuf("ValidDataMap.STRING.MESSAGE.MergeValue", REQUIRED, p1 + p2, from_wire(p2, is_proto3),
                         is_proto3)


def valid_data_for_oneof(b, t):
    n = type_name(t)
    wt = WIRE_TYPES[t]
    for is_proto3 in b.versions():
        f = field_for_oneof_type(t, is_proto3)
        dv = tag(f.number, wt) + default_value(t)
        nv = tag(f.number, wt) + non_default_value(t)
        other = field_for_oneof_type(t, is_proto3, exclusive=True)
        ov = tag(other.number, WIRE_TYPES[other.type]) + default_value(other.type)
        for name, proto, expected in [("DefaultValue", dv, dv), ("NonDefaultValue", nv, nv),
                                      ("MultipleValuesForSameField", dv + nv, nv),
                                      ("MultipleValuesForDifferentField", ov + nv, nv)]:
            b.valid_protobuf(f"ValidDataOneof{n}.{name}", REQUIRED, proto, from_wire(expected, is_proto3), is_proto3)
            b.valid_binary_protobuf(f"ValidDataOneofBinary{n}.{name}", RECOMMENDED, proto, expected, is_proto3)


def merge_oneof_message(b):
    f1 = tag(1, WT_VARINT) + varint(1)
    f2 = tag(2, WT_VARINT) + varint(1)
    f89 = tag(89, WT_VARINT) + varint(1)
    sub1 = tag(2, WT_DELIMITED) + delim(f1 + f2 + f89)
    sub2 = tag(2, WT_DELIMITED) + delim(f2 + f89)
    merged = tag(2, WT_DELIMITED) + delim(f1 + f2 + f89 + f89)
    for is_proto3 in b.versions():
        f = field_for_oneof_type(FD.TYPE_MESSAGE, is_proto3)
        proto = tag(f.number, WT_DELIMITED) + delim(sub1) + tag(f.number, WT_DELIMITED) + delim(sub2)
        expected = tag(f.number, WT_DELIMITED) + delim(merged)
        b.valid_protobuf("ValidDataOneof.MESSAGE.Merge", REQUIRED, proto, from_wire(expected, is_proto3), is_proto3)
        b.valid_binary_protobuf("ValidDataOneofBinary.MESSAGE.Merge", RECOMMENDED, proto, expected, is_proto3)


def add_all(b):
    for t in range(1, 19):
        if t != FD.TYPE_GROUP:
            premature_eof(b, t)
    for i, data in enumerate([b"\x01DEADBEEF", b"\x02\x01\x01", b"\x03\x04", b"\x05DEAD"]):
        b.parse_failure_proto(data, f"IllegalZeroFieldNum_Case_{i}", REQUIRED)

    same = lambda *vs: [(v, v) for v in vs]  # noqa: E731
    valid_data_for_type(b, FD.TYPE_DOUBLE, same(dbl(0), dbl(0.1), dbl(1.7976931348623157e+308),
                                                dbl(2.22507385850720138309e-308)))
    valid_data_for_type(b, FD.TYPE_FLOAT, same(flt(0), flt(0.1), flt(1.00000075e-36), flt(3.402823e+38),
                                               flt(1.17549435e-38)))
    valid_data_for_type(b, FD.TYPE_INT64, same(varint(0), varint(12345), varint(INT64_MAX), varint(INT64_MIN)))
    valid_data_for_type(b, FD.TYPE_UINT64, same(varint(0), varint(12345), varint(UINT64_MAX)))
    valid_data_for_type(b, FD.TYPE_INT32, [
        (varint(0), varint(0)), (varint(12345), varint(12345)), (longvarint(12345, 2), varint(12345)),
        (longvarint(12345, 7), varint(12345)), (varint(INT32_MAX), varint(INT32_MAX)),
        (varint(INT32_MIN), varint(INT32_MIN)), (varint(1 << 33), varint(0)),
        (varint((1 << 33) - 1), varint(-1)), (varint(INT64_MAX), varint(-1)),
        (varint(INT64_MIN + 1), varint(1))])
    valid_data_for_type(b, FD.TYPE_UINT32, [
        (varint(0), varint(0)), (varint(12345), varint(12345)), (longvarint(12345, 2), varint(12345)),
        (longvarint(12345, 7), varint(12345)), (varint(UINT32_MAX), varint(UINT32_MAX)),
        (varint(1 << 33), varint(0)), (varint((1 << 33) + 1), varint(1)),
        (varint((1 << 33) - 1), varint((1 << 32) - 1)), (varint(INT64_MAX), varint((1 << 32) - 1)),
        (varint(INT64_MIN + 1), varint(1))])
    valid_data_for_type(b, FD.TYPE_FIXED64, same(u64(0), u64(12345), u64(UINT64_MAX)))
    valid_data_for_type(b, FD.TYPE_FIXED32, same(u32(0), u32(12345), u32(UINT32_MAX)))
    valid_data_for_type(b, FD.TYPE_SFIXED64, same(u64(0), u64(12345), u64(INT64_MAX), u64(INT64_MIN)))
    valid_data_for_type(b, FD.TYPE_SFIXED32, same(u32(0), u32(12345), u32(INT32_MAX), u32(INT32_MIN)))
    valid_data_for_type(b, FD.TYPE_BOOL, [
        (varint(0), varint(0)), (varint(1), varint(1)), (varint(-1), varint(1)),
        (varint(12345678), varint(1)), (varint(1 << 33), varint(1)), (varint(INT64_MAX), varint(1)),
        (varint(INT64_MIN), varint(1))])
    valid_data_for_type(b, FD.TYPE_SINT32, [
        (zz32(0), zz32(0)), (zz32(12345), zz32(12345)), (zz32(INT32_MAX), zz32(INT32_MAX)),
        (zz32(INT32_MIN), zz32(INT32_MIN)), (zz64(INT32_MAX + 2), zz32(1))])
    valid_data_for_type(b, FD.TYPE_SINT64, same(zz64(0), zz64(12345), zz64(INT64_MAX), zz64(INT64_MIN)))
    google = "谷歌".encode()
    valid_data_for_type(b, FD.TYPE_STRING, [
        (delim(b""), delim(b"")), (delim(b"Hello world!"), delim(b"Hello world!")),
        (delim(b"'\"?\\\a\b\f\n\r\t\v"), delim(b"'\"?\\\a\b\f\n\r\t\v")), (delim(google), delim(google)),
        (delim(google), delim(google)), (delim(google), delim(google)),
        (delim(b"\xF0\x9F\x98\x81"), delim(b"\xF0\x9F\x98\x81"))])
    valid_data_for_type(b, FD.TYPE_BYTES, same(delim(b""), delim(b"Hello world!"), delim(b"\x01\x02"),
                                               delim(b"\xfb")))
    valid_data_for_type(b, FD.TYPE_ENUM, [
        (varint(0), varint(0)), (varint(1), varint(1)), (varint(2), varint(2)), (varint(-1), varint(-1)),
        (varint(INT64_MAX), varint(-1)), (varint(INT64_MIN + 1), varint(1))])
    repeated_scalar_message(b)
    valid_data_for_type(b, FD.TYPE_MESSAGE, same(delim(b""), delim(tag(1, WT_VARINT) + varint(1234))))

    for kt, vt in [(FD.TYPE_INT32, FD.TYPE_INT32), (FD.TYPE_INT64, FD.TYPE_INT64),
                   (FD.TYPE_UINT32, FD.TYPE_UINT32), (FD.TYPE_UINT64, FD.TYPE_UINT64),
                   (FD.TYPE_SINT32, FD.TYPE_SINT32), (FD.TYPE_SINT64, FD.TYPE_SINT64),
                   (FD.TYPE_FIXED32, FD.TYPE_FIXED32), (FD.TYPE_FIXED64, FD.TYPE_FIXED64),
                   (FD.TYPE_SFIXED32, FD.TYPE_SFIXED32), (FD.TYPE_SFIXED64, FD.TYPE_SFIXED64),
                   (FD.TYPE_INT32, FD.TYPE_FLOAT), (FD.TYPE_INT32, FD.TYPE_DOUBLE),
                   (FD.TYPE_BOOL, FD.TYPE_BOOL), (FD.TYPE_STRING, FD.TYPE_STRING),
                   (FD.TYPE_STRING, FD.TYPE_BYTES), (FD.TYPE_STRING, FD.TYPE_ENUM),
                   (FD.TYPE_STRING, FD.TYPE_MESSAGE)]:
        valid_data_for_map(b, kt, vt)
    overwrite_message_value_map(b)

    for t in [FD.TYPE_UINT32, FD.TYPE_BOOL, FD.TYPE_UINT64, FD.TYPE_FLOAT, FD.TYPE_DOUBLE, FD.TYPE_STRING,
              FD.TYPE_BYTES, FD.TYPE_ENUM, FD.TYPE_MESSAGE]:
        valid_data_for_oneof(b, t)
    merge_oneof_message(b)

    for is_proto3 in (1, 0) if b.proto2 else (1,):
        m = new_message(is_proto3)
        m.ParseFromString(b"\xA8\x1F\x01")
        data = m.SerializeToString()
        b.valid_binary_protobuf("UnknownVarint", REQUIRED, data, data, is_proto3)


__all__ = ["add_all", "WT_START_GROUP"]
