"""Shared helpers for the differential driver, the Python testee, the conformance runner and
the Python codec benchmark: descriptor loading, the conformance framing, a pipelined testee
client, and NaN-aware message comparison that looks inside Any."""

import math
import os
import struct
import subprocess
import threading

# Import every well-known type first, so the default pool has the library's own copies and the
# descriptor sets' older copies of the same files are skipped.
from google.protobuf import (any_pb2, descriptor_pb2, descriptor_pool, duration_pb2, empty_pb2,  # noqa: F401
                             field_mask_pb2, message_factory, struct_pb2, timestamp_pb2,
                             wrappers_pb2)
from google.protobuf import unknown_fields
from google.protobuf.descriptor import FieldDescriptor

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CONFORMANCE_SET = os.path.join(REPO, "Tests", "Conformance", "conformance-proto3.pb")
KITCHEN_SET = os.path.join(HERE, "gen", "kitchen.binpb")
KITCHEN = "differential.kitchen.Kitchen"
TEST_ALL_TYPES = "protobuf_test_messages.proto3.TestAllTypesProto3"

POOL = descriptor_pool.Default()

# A fix to json_format (upb, 7.36.2): it rejects a float-field number above FLT_MAX as a double,
# so its own output for FLT_MAX, "3.4028235e+38", does not parse back ("Float value too large").
# Accept what rounds to a finite float32, as protobuf's C++ parser and the conformance suite do
# (3.402823e+38 parses, 3.4028236e+38 does not). Everything here, oracle included, uses this.
from google.protobuf.internal import type_checkers  # noqa: E402

type_checkers._FLOAT_MAX = float.fromhex("0x1.fffffefffffffp+127")
type_checkers._FLOAT_MIN = -type_checkers._FLOAT_MAX
_loaded = set()


def load_descriptor_set(path):
    """Adds every file of a FileDescriptorSet to the default pool (files already there are kept)."""
    path = os.path.abspath(path)
    if path in _loaded:
        return
    fds = descriptor_pb2.FileDescriptorSet()
    with open(path, "rb") as f:
        fds.ParseFromString(f.read())
    for file in fds.file:
        try:
            POOL.FindFileByName(file.name)
        except KeyError:
            POOL.Add(file)
    _loaded.add(path)


def message_class(full_name):
    return message_factory.GetMessageClass(POOL.FindMessageTypeByName(full_name))


load_descriptor_set(CONFORMANCE_SET)
ConformanceRequest = message_class("conformance.ConformanceRequest")
ConformanceResponse = message_class("conformance.ConformanceResponse")
FailureSet = message_class("conformance.FailureSet")
PROTOBUF, JSON = 1, 2
BINARY_TEST, JSON_TEST, JSON_IGNORE_UNKNOWN_PARSING_TEST = 1, 2, 3


def read_exactly(stream, count):
    """`count` bytes, or fewer only at end of file: an unbuffered pipe returns what has
    arrived, so a large frame takes several reads."""
    parts = []
    remaining = count
    while remaining > 0:
        part = stream.read(remaining)
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)


def read_frame(stream):
    """One length-prefixed frame, or None at a clean end of file."""
    head = read_exactly(stream, 4)
    if not head:
        return None
    if len(head) < 4:
        raise EOFError("truncated frame length")
    (length,) = struct.unpack("<I", head)
    body = read_exactly(stream, length)
    if len(body) < length:
        raise EOFError("truncated frame")
    return body


def frame(data):
    return struct.pack("<I", len(data)) + data


class TesteeDied(Exception):
    pass


class Testee:
    """A long-lived testee process; `call_many` pipelines requests (a writer thread feeds stdin
    while responses are read), so a batch costs one round of context switches, not one each."""

    def __init__(self, argv, stderr=None):
        self.argv = list(argv)
        self.stderr = stderr
        self.proc = None
        self.start()

    def start(self):
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, bufsize=0)

    def call_many(self, requests):
        """Sends requests (messages or serialized), returns ConformanceResponse messages in order.
        If the testee dies, the missing answers are runtime errors and the testee is restarted."""
        return self.submit(requests)()

    def submit(self, requests):
        """Starts sending and reading in background threads; returns a function that waits for
        and returns the responses, so the caller can work meanwhile."""
        data = [r if isinstance(r, bytes) else r.SerializeToString() for r in requests]
        proc = self.proc
        out, failure = [], []

        def writer():
            try:
                chunk, size = [], 0
                for d in data:
                    chunk.append(frame(d))
                    size += len(d) + 4
                    if size > 1 << 16:
                        proc.stdin.write(b"".join(chunk))
                        chunk, size = [], 0
                if chunk:
                    proc.stdin.write(b"".join(chunk))
                proc.stdin.flush()
            except (BrokenPipeError, OSError):
                pass

        def reader():
            try:
                for _ in data:
                    body = read_frame(proc.stdout)
                    if body is None:
                        raise TesteeDied("testee closed stdout")
                    out.append(body)
            except (TesteeDied, EOFError, OSError) as e:
                failure.append(e)

        threads = [threading.Thread(target=writer, daemon=True), threading.Thread(target=reader, daemon=True)]
        for t in threads:
            t.start()

        def wait():
            threads[1].join()
            responses = []
            for body in out:
                response = ConformanceResponse()
                response.ParseFromString(body)
                responses.append(response)
            if failure:
                self.close(kill=True)
                threads[0].join(timeout=5)
                code = proc.returncode
                while len(responses) < len(data):
                    response = ConformanceResponse()
                    response.runtime_error = f"testee died ({failure[0]}, exit {code})"
                    responses.append(response)
                self.start()
            else:
                threads[0].join()
            return responses

        return wait

    def call(self, request):
        return self.call_many([request])[0]

    def close(self, kill=False):
        if self.proc is None:
            return
        try:
            if kill:
                self.proc.kill()
            else:
                self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except Exception:  # noqa: BLE001
                pass


# --- comparison -------------------------------------------------------------------------------

def _float_key(value, single):
    if math.isnan(value):
        return "nan"
    return struct.pack("<f" if single else "<d", value)


def canon(msg):
    """A comparable nested tuple form of a message: floats by bit pattern (any NaN equal to any
    NaN, -0.0 distinct from 0.0), maps as sorted pairs, Any by its unpacked contents when the
    type is known, unknown fields as raw bytes."""
    desc = msg.DESCRIPTOR
    if desc.full_name == "google.protobuf.Any" and msg.type_url:
        name = msg.type_url.rsplit("/", 1)[-1]
        try:
            inner = message_class(name)()
            inner.ParseFromString(msg.value)
            return ("Any", msg.type_url, canon(inner))
        except Exception:  # noqa: BLE001
            pass
    items = []
    for field, value in msg.ListFields():
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            kf = field.message_type.fields_by_name["key"]
            vf = field.message_type.fields_by_name["value"]
            pairs = sorted((_scalar(kf, k), _value(vf, v)) for k, v in value.items())
            items.append((field.name, tuple(pairs)))
        elif field.is_repeated:
            items.append((field.name, tuple(_value(field, v) for v in value)))
        else:
            items.append((field.name, _value(field, value)))
    if len(unknown_fields.UnknownFieldSet(msg)):
        items.append(("?unknown", msg.SerializePartialToString(deterministic=True)))
    return tuple(items)


def _scalar(field, value):
    if field.type == FieldDescriptor.TYPE_DOUBLE:
        return _float_key(value, False)
    if field.type == FieldDescriptor.TYPE_FLOAT:
        return _float_key(value, True)
    return value


def _value(field, value):
    if field.type in (FieldDescriptor.TYPE_MESSAGE, FieldDescriptor.TYPE_GROUP):
        return canon(value)
    return _scalar(field, value)


def equal(a, b):
    return canon(a) == canon(b)


def first_difference(a, b, path=""):
    """A short human description of where two canonical forms differ."""
    ca = canon(a) if hasattr(a, "DESCRIPTOR") else a
    cb = canon(b) if hasattr(b, "DESCRIPTOR") else b
    da, db = dict(ca) if _is_items(ca) else None, dict(cb) if _is_items(cb) else None
    if da is not None and db is not None:
        for key in sorted(set(da) | set(db), key=str):
            if da.get(key) != db.get(key):
                if key not in da:
                    return f"{path}{key}: missing in testee's, expected {_short(db[key])}"[:400]
                if key not in db:
                    return f"{path}{key}: unexpected {_short(da[key])}"[:400]
                return first_difference(da[key], db[key], f"{path}{key}.")
    return f"{path.rstrip('.')}: got {_short(ca)}, expected {_short(cb)}"[:400]


def _is_items(value):
    return isinstance(value, tuple) and all(isinstance(x, tuple) and len(x) == 2 and isinstance(x[0], str) for x in value)


def _short(value):
    text = repr(value)
    return text if len(text) < 160 else text[:160] + "..."
