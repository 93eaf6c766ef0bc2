"""Equivalent spellings of json_format's output, all valid proto3 JSON: proto field names,
enums as numbers, 64-bit integers as numbers, 32-bit integers and floats as strings,
URL-safe and unpadded base64, timestamps with UTC offsets, ASCII-escaped output, other
whitespace. `variant(msg, options)` is deterministic, so a failing case can be minimized."""

import datetime
import json
import random

from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor as FD

import protoutil

INT64_TYPES = {FD.TYPE_INT64, FD.TYPE_UINT64, FD.TYPE_SINT64, FD.TYPE_FIXED64, FD.TYPE_SFIXED64}
INT32_TYPES = {FD.TYPE_INT32, FD.TYPE_UINT32, FD.TYPE_SINT32, FD.TYPE_FIXED32, FD.TYPE_SFIXED32}
FLOAT_TYPES = {FD.TYPE_FLOAT, FD.TYPE_DOUBLE}
SPECIAL = {"google.protobuf.Duration", "google.protobuf.FieldMask", "google.protobuf.Struct",
           "google.protobuf.Value", "google.protobuf.ListValue", "google.protobuf.Empty",
           "google.protobuf.Timestamp"}
WRAPPER_PREFIX = ("google.protobuf.DoubleValue", "google.protobuf.FloatValue", "google.protobuf.Int64Value",
                  "google.protobuf.UInt64Value", "google.protobuf.Int32Value", "google.protobuf.UInt32Value",
                  "google.protobuf.BoolValue", "google.protobuf.StringValue", "google.protobuf.BytesValue")

OPTIONS = ["proto_names", "enum_numbers", "int64_numbers", "int32_strings", "float_strings",
           "urlsafe", "unpadded", "offsets", "ascii", "indent", "mixed_names", "defaults"]


def random_options(rng):
    """A random subset of the variant options (sometimes none: the plain output)."""
    if rng.random() < 0.25:
        return {}
    return {name: True for name in OPTIONS if rng.random() < 0.3}


def variant(msg, options):
    """json_format's JSON for msg, respelled per options."""
    text = json_format.MessageToJson(
        msg, preserving_proto_field_name=bool(options.get("proto_names")),
        use_integers_for_enums=bool(options.get("enum_numbers")),
        always_print_fields_with_no_presence=bool(options.get("defaults")), indent=None)
    if not (set(options) - {"proto_names", "enum_numbers", "defaults"}):
        return text
    obj = json.loads(text)
    rng = random.Random(repr(sorted(options)) + text[:64])
    obj = _message(obj, msg.DESCRIPTOR, options, rng)
    indent = 2 if options.get("indent") else None
    separators = (",", ":") if not indent and rng.random() < 0.5 else None
    return json.dumps(obj, ensure_ascii=bool(options.get("ascii")), indent=indent, separators=separators)


def _message(obj, desc, o, rng):
    name = desc.full_name
    if name == "google.protobuf.Timestamp":
        return _timestamp(obj, rng) if o.get("offsets") and isinstance(obj, str) else obj
    if name in SPECIAL:
        return obj
    if name in WRAPPER_PREFIX:
        return _scalar(obj, desc.fields_by_name["value"], o, rng)
    if name == "google.protobuf.Any":
        if not isinstance(obj, dict) or "@type" not in obj:
            return obj
        inner = protoutil.POOL.FindMessageTypeByName(obj["@type"].rsplit("/", 1)[-1])
        if inner.full_name in SPECIAL or inner.full_name in WRAPPER_PREFIX or inner.full_name == "google.protobuf.Any":
            out = dict(obj)
            out["value"] = _message(obj["value"], inner, o, rng)
            return out
        rest = {k: v for k, v in obj.items() if k != "@type"}
        out = _message(rest, inner, o, rng)
        return {"@type": obj["@type"], **out}
    if not isinstance(obj, dict):
        return obj
    by_key = {}
    for f in desc.fields:
        by_key[f.json_name] = f
        by_key[f.name] = f
    out = {}
    for key, value in obj.items():
        field = by_key[key]
        if o.get("mixed_names") and rng.random() < 0.5:
            key = field.name if key == field.json_name else field.json_name
        out[key] = _field(value, field, o, rng)
    return out


def _field(value, field, o, rng):
    if value is None:
        return None
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        vf = field.message_type.fields_by_name["value"]
        return {k: _single(v, vf, o, rng) for k, v in value.items()}
    if field.is_repeated:
        return [_single(v, field, o, rng) for v in value]
    return _single(value, field, o, rng)


def _single(value, field, o, rng):
    if field.message_type is not None:
        return _message(value, field.message_type, o, rng)
    return _scalar(value, field, o, rng)


def _scalar(value, field, o, rng):
    t = field.type
    if t in INT64_TYPES and o.get("int64_numbers") and isinstance(value, str):
        return int(value)
    if t in INT32_TYPES and o.get("int32_strings") and isinstance(value, int):
        return str(value)
    if t in FLOAT_TYPES and o.get("float_strings") and isinstance(value, (int, float)):
        return repr(float(value)) if rng.random() < 0.5 else json.dumps(value)
    if t == FD.TYPE_BYTES and isinstance(value, str):
        if o.get("urlsafe"):
            value = value.replace("+", "-").replace("/", "_")
        if o.get("unpadded"):
            value = value.rstrip("=")
    return value


def _timestamp(text, rng):
    head, _, frac = text[:-1].partition(".")
    moment = datetime.datetime.strptime(head, "%Y-%m-%dT%H:%M:%S")
    minutes = rng.choice([-(23 * 60 + 59), -300, -60, 0, 30, 60, 330, 23 * 60 + 59])
    try:
        local = moment + datetime.timedelta(minutes=minutes)
    except OverflowError:
        return text
    if not 1 <= local.year <= 9999:
        return text
    sign = "+" if minutes >= 0 else "-"
    offset = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return (f"{local.year:04d}-{local.month:02d}-{local.day:02d}T"
            f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}") + ("." + frac if frac else "") + offset
