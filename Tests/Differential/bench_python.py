#!/usr/bin/env python3
"""The Python counterpart of `GatewayBenchmarks codec`: json_format (upb) on the same fixtures.

    bench_python.py --fixtures DIR [--runs N] [--compare SWIFT_OUTPUT]

DIR is what `GatewayBenchmarks codec --write-fixtures DIR` writes (codec-schema.binpb,
codec-manifest.txt, codec-<name>.json/.binpb). JSON->binary is json_format.Parse then
SerializeToString; binary->JSON is ParseFromString then MessageToJson with default values
written and no indentation (the gateway's output options). Like the Swift benchmark: warm-up,
then N runs of about 100 ms, the median; MB/s = the fixture's JSON bytes / time (MB = 10^6
bytes) in both directions. Prints the same table and `BENCH python.codec.<name>.<direction>.mb_per_s`
lines. With --compare, reads the Swift run's output (its `BENCH codec....` lines) and prints
both side by side with the Swift/Python ratio.
"""

import argparse
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import protoutil  # noqa: E402
from google.protobuf import __version__ as protobuf_version, json_format  # noqa: E402


def measure(runs, body, run_seconds=0.1):
    iterations = 1
    while True:
        start = time.perf_counter()
        body(iterations)
        elapsed = time.perf_counter() - start
        if elapsed > run_seconds / 4 or iterations > 1 << 24:
            iterations = max(1, int(iterations * run_seconds / max(elapsed, 1e-9)))
            break
        iterations *= 4
    body(iterations)  # warm-up
    per_op = []
    for _ in range(runs):
        start = time.perf_counter()
        body(iterations)
        per_op.append((time.perf_counter() - start) / iterations)
    return statistics.median(per_op)


def load(directory):
    protoutil.load_descriptor_set(os.path.join(directory, "codec-schema.binpb"))
    cases = []
    with open(os.path.join(directory, "codec-manifest.txt")) as f:
        for line in f:
            parts = line.split()
            if len(parts) != 4:
                continue
            name, type_name, json_file, binary_file = parts
            with open(os.path.join(directory, json_file), "rb") as j, open(os.path.join(directory, binary_file), "rb") as b:
                cases.append((name, protoutil.message_class(type_name), j.read().decode("utf-8"), b.read()))
    return cases


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--compare", help="a file holding the Swift benchmark's output")
    args = parser.parse_args()
    cases = load(args.fixtures)

    def to_binary(cls, text):
        msg = cls()
        json_format.Parse(text, msg)
        return msg.SerializeToString()

    def to_json(cls, data):
        msg = cls()
        msg.ParseFromString(data)
        return json_format.MessageToJson(msg, always_print_fields_with_no_presence=True, indent=None)

    figures = {}
    print()
    print(f"codec (Python json_format, protobuf {protobuf_version}): "
          f"median of {args.runs} runs; MB/s = JSON bytes / time, both directions (MB = 10^6 bytes)")
    print(f"{'message':<8}{'JSON B':>10}{'binary B':>10}{'JSON->bin MB/s':>16}{'bin->JSON MB/s':>16}"
          f"{'us/op j->b':>12}{'us/op b->j':>12}")
    for name, cls, text, data in cases:
        # Both directions must reproduce the other fixture as a message before being timed.
        if not protoutil.equal(cls.FromString(to_binary(cls, text)), cls.FromString(data)):
            raise SystemExit(f"bench_python: {name}: JSON fixture does not parse to the binary fixture")
        size = len(text.encode("utf-8"))
        j2b = measure(args.runs, lambda n: [to_binary(cls, text) for _ in range(n)])
        b2j = measure(args.runs, lambda n: [to_json(cls, data) for _ in range(n)])
        figures[f"codec.{name}.json_to_binary.mb_per_s"] = size / j2b / 1e6
        figures[f"codec.{name}.binary_to_json.mb_per_s"] = size / b2j / 1e6
        print(f"{name:<8}{size:>10}{len(data):>10}{size / j2b / 1e6:>16.1f}{size / b2j / 1e6:>16.1f}"
              f"{j2b * 1e6:>12.2f}{b2j * 1e6:>12.2f}")
    for key, value in figures.items():
        print(f"BENCH python.{key} {value:.1f} MB/s")

    if args.compare:
        swift = {}
        with open(args.compare, errors="replace") as f:
            for line in f:
                m = re.match(r"BENCH (codec\.\S+) (\S+) MB/s", line)
                if m:
                    swift[m.group(1)] = float(m.group(2))
        print()
        print(f"{'codec figure':<40}{'Swift MB/s':>12}{'Python MB/s':>13}{'Swift/Python':>14}")
        for key, value in figures.items():
            s = swift.get(key)
            ratio = f"{s / value:>13.2f}x" if s and value else f"{'n/a':>14}"
            print(f"{key:<40}{(f'{s:.1f}' if s else 'n/a'):>12}{value:>13.1f}{ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
