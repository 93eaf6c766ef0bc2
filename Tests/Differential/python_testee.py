#!/usr/bin/env python3
"""A conformance testee around Python protobuf (upb) and json_format: the oracle the
differential driver and the conformance runner are validated against.

    python_testee.py [TESTEE_PATH] [--descriptor-set FILE]... [--mutate NAME]...

Speaks the conformance protocol on stdin/stdout (4-byte little-endian length, then a
ConformanceRequest; one ConformanceResponse back per request). Knows the proto3 conformance
messages (Tests/Conformance/conformance-proto3.pb) plus every message of the given sets. A first
argument that is not an option (the runner repeats the testee's path) is ignored.

--mutate breaks it on purpose, to show the harnesses catch a disagreement:
  json-nan         writes NaN as 0 in JSON output
  trailing-comma   accepts a trailing comma before } in JSON input
  drop-unicode     drops astral-plane characters from JSON output strings
  int64-lossy      writes 64-bit integers through a double in JSON output
  sint64-trunc     keeps only the low 32 bits of top-level sint64 fields in binary output
"""

import argparse
import json
import os
import re
import sys

try:
    import google.protobuf  # noqa: F401
except ImportError:
    # Started directly (as the conformance runner does) by a Python without protobuf: re-run
    # under the project's venv (SESSION_GATEWAY_VENV, default <repo>/.venv).
    _repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    _venv = os.environ.get("SESSION_GATEWAY_VENV", os.path.join(_repo, ".venv"))
    _python = os.path.join(_venv, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(_venv) or not os.path.exists(_python):
        raise
    os.execv(_python, [_python, os.path.abspath(__file__)] + sys.argv[1:])

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import protoutil  # noqa: E402
from google.protobuf import json_format  # noqa: E402
from protoutil import ConformanceRequest, ConformanceResponse  # noqa: E402

MUTATIONS = {"json-nan", "trailing-comma", "drop-unicode", "int64-lossy", "sint64-trunc"}


def parse_request(request):
    """The message json_format/upb reads from a request's payload (raises when it cannot)."""
    msg = protoutil.message_class(request.message_type)()
    if request.WhichOneof("payload") == "protobuf_payload":
        msg.ParseFromString(request.protobuf_payload)
    else:
        json_format.Parse(request.json_payload, msg,
                          ignore_unknown_fields=request.test_category == protoutil.JSON_IGNORE_UNKNOWN_PARSING_TEST)
    return msg


def run_one(request, mutations):
    response = ConformanceResponse()
    if request.message_type == "conformance.FailureSet":
        response.protobuf_payload = b""
        return response
    try:
        cls = protoutil.message_class(request.message_type)
    except KeyError:
        response.skipped = f"unknown message type {request.message_type}"
        return response
    payload = request.WhichOneof("payload")
    msg = cls()
    if payload == "protobuf_payload":
        try:
            msg.ParseFromString(request.protobuf_payload)
        except Exception as e:  # noqa: BLE001
            response.parse_error = str(e) or type(e).__name__
            return response
    elif payload == "json_payload":
        text = request.json_payload
        if "trailing-comma" in mutations:
            text = re.sub(r",\s*}", "}", text)
        try:
            json_format.Parse(
                text, msg, ignore_unknown_fields=request.test_category == protoutil.JSON_IGNORE_UNKNOWN_PARSING_TEST)
        except Exception as e:  # noqa: BLE001
            response.parse_error = str(e) or type(e).__name__
            return response
    else:
        response.skipped = f"payload {payload} not supported"
        return response

    fmt = request.requested_output_format
    if fmt == protoutil.PROTOBUF:
        try:
            data = msg.SerializeToString()
        except Exception as e:  # noqa: BLE001
            response.serialize_error = str(e)
            return response
        if "sint64-trunc" in mutations:
            data = truncate_sint64(msg)
        response.protobuf_payload = data
    elif fmt == protoutil.JSON:
        try:
            text = json_format.MessageToJson(msg, indent=None)
        except Exception as e:  # noqa: BLE001
            response.serialize_error = str(e)
            return response
        if "json-nan" in mutations:
            text = text.replace('"NaN"', "0")
        if "drop-unicode" in mutations:
            text = re.sub(r"\\ud[89ab][0-9a-f]{2}\\ud[c-f][0-9a-f]{2}", "", text)
        if "int64-lossy" in mutations:
            text = re.sub(r'"(-?\d{17,})"', lambda m: json.dumps(int(float(m.group(1)))), text)
        response.json_payload = text
    else:
        response.skipped = f"output format {fmt} not supported"
    return response


def truncate_sint64(msg):
    """Serializes a copy whose top-level sint64 values keep only their low 32 bits (as a
    32-bit zigzag bug would)."""
    from google.protobuf.descriptor import FieldDescriptor
    copy = type(msg)()
    copy.CopyFrom(msg)
    cut = lambda v: ((v & 0xFFFFFFFF) ^ 0x80000000) - 0x80000000  # noqa: E731
    for field, value in copy.ListFields():
        if field.type == FieldDescriptor.TYPE_SINT64:
            if field.is_repeated:
                value[:] = [cut(v) for v in value]
            else:
                setattr(copy, field.name, cut(value))
    return copy.SerializeToString()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--descriptor-set", action="append", default=[])
    parser.add_argument("--mutate", action="append", default=[], choices=sorted(MUTATIONS))
    args, _ = parser.parse_known_args()
    proto2 = os.path.join(protoutil.REPO, "Tests", "Conformance", "conformance-proto2.pb")
    if os.path.exists(proto2):
        protoutil.load_descriptor_set(proto2)
    for path in args.descriptor_set:
        protoutil.load_descriptor_set(path)
    mutations = set(args.mutate)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        body = protoutil.read_frame(stdin)
        if body is None:
            return 0
        request = ConformanceRequest()
        request.ParseFromString(body)
        try:
            response = run_one(request, mutations)
        except Exception as e:  # noqa: BLE001
            response = ConformanceResponse()
            response.runtime_error = f"{type(e).__name__}: {e}"
        stdout.write(protoutil.frame(response.SerializeToString()))
        stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
