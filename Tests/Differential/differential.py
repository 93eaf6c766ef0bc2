#!/usr/bin/env python3
"""Differential test of a protobuf binary + proto3 JSON codec against Python protobuf (upb).

    differential.py [--seed N] [--count N] [options] [-- TESTEE [ARGS...]]

Starts one testee process (default: python_testee.py, the oracle itself) that speaks the
conformance protocol, passing it its own path as first argument (as the v21.12 runner does)
and `--descriptor-set gen/kitchen.binpb`. Then:

1. replays every case in regressions/*.jsonl;
2. sends the hand-written JSON inputs of json_cases.py: json_format's rejections must be
   rejected, its acceptances accepted with an equal message;
3. generates --count random differential.kitchen.Kitchen messages (message i of seed S is
   reproducible alone: --seed S --index I) and checks, per message, binary->JSON (always),
   JSON->binary with a random respelling of json_format's output (always), binary->binary
   (even i) and JSON->JSON (i % 3 == 0).

Each answer is graded against what json_format/upb does with the same request (in process):
both must fail the same way, or both succeed with outputs that parse (binary with
ParseFromString, JSON with json_format.Parse) to equal messages (NaN equals NaN, -0.0 is not
0.0, Any compared unpacked). Failing generated cases are minimized (fields dropped while it
still fails) and appended to regressions/found.jsonl unless --no-record. Exit status 1 on any
disagreement, 2 on a harness error.
"""

import argparse
import base64
import glob
import json
import os
import shlex
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import protoutil  # noqa: E402
from google.protobuf import json_format  # noqa: E402
from protoutil import ConformanceRequest, ConformanceResponse  # noqa: E402

import generator  # noqa: E402
import json_cases  # noqa: E402
import python_testee  # noqa: E402
import variants  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REGRESSIONS = os.path.join(HERE, "regressions")
DIRECTIONS = {  # name: (input, output format, category)
    "bin2json": ("binary", protoutil.JSON, protoutil.BINARY_TEST),
    "bin2bin": ("binary", protoutil.PROTOBUF, protoutil.BINARY_TEST),
    "json2bin": ("json", protoutil.PROTOBUF, protoutil.JSON_TEST),
    "json2json": ("json", protoutil.JSON, protoutil.JSON_TEST),
}


class Case:
    """One request: a direction, a message type and the input payload (bytes or str)."""

    def __init__(self, direction, payload, message_type=protoutil.KITCHEN, origin="", expect=None):
        self.direction, self.payload, self.message_type = direction, payload, message_type
        self.origin, self.expect = origin, expect  # expect: None (oracle decides), "reject", "info"

    def request(self):
        kind, fmt, category = DIRECTIONS[self.direction]
        r = ConformanceRequest(message_type=self.message_type, requested_output_format=fmt,
                               test_category=category)
        if kind == "binary":
            r.protobuf_payload = self.payload
        else:
            r.json_payload = self.payload
        return r

    def record(self):
        kind = DIRECTIONS[self.direction][0]
        payload = base64.b64encode(self.payload).decode() if kind == "binary" else self.payload
        return {"direction": self.direction, "message_type": self.message_type, "payload": payload,
                "origin": self.origin}

    @staticmethod
    def from_record(r):
        payload = r["payload"]
        if DIRECTIONS[r["direction"]][0] == "binary":
            payload = base64.b64decode(payload)
        return Case(r["direction"], payload, r.get("message_type", protoutil.KITCHEN), r.get("origin", ""))


def parse_output(result, payload, message_type):
    """Reads a successful output (binary with ParseFromString, JSON with json_format)."""
    msg = protoutil.message_class(message_type)()
    if result == "protobuf_payload":
        msg.ParseFromString(payload)
    else:
        json_format.Parse(payload, msg)
    return msg


def grade(case, response, oracle=None):
    """None when the testee agrees with the oracle, else a description of the disagreement.
    A generated case carries `expected` (the canonical form of its message, which the oracle
    was checked to round-trip), so the oracle need not run again."""
    if getattr(case, "expected", None) is not None:
        t = response.WhichOneof("result")
        want = "json_payload" if DIRECTIONS[case.direction][1] == protoutil.JSON else "protobuf_payload"
        if t != want:
            return f"expected {want}, testee answered {t}: {_short(response, t)}"
        try:
            got = protoutil.canon(parse_output(t, getattr(response, t), case.message_type))
        except Exception as e:  # noqa: BLE001
            return f"testee's output does not parse ({e}): {_short(response, t)}"
        if got != case.expected:
            return f"{protoutil.first_difference(got, case.expected)}; testee output: {_short(response, t)}"
        return None
    request = case.request()
    if oracle is None:
        oracle = python_testee.run_one(request, set())
    o, t = oracle.WhichOneof("result"), response.WhichOneof("result")
    if o in ("skipped", "runtime_error", None):
        return f"oracle could not run this case ({o}: {getattr(oracle, o) if o else ''})"
    if o in ("parse_error", "serialize_error"):
        if t == o:
            return None
        what = "rejects" if o == "parse_error" else "cannot serialize"
        return f"json_format {what} it ({getattr(oracle, o)[:120]}), testee answered {t}: {_short(response, t)}"
    if t != o:
        return f"expected {o}, testee answered {t}: {_short(response, t)}"
    expected = python_testee.parse_request(request)
    if o == "json_payload":
        expected.DiscardUnknownFields()
    try:
        got = parse_output(t, getattr(response, t), case.message_type)
    except Exception as e:  # noqa: BLE001
        return f"testee's output does not parse ({e}): {_short(response, t)}"
    if not protoutil.equal(got, expected):
        return f"{protoutil.first_difference(got, expected)}; testee output: {_short(response, t)}"
    return None


def _short(response, field):
    if field is None:
        return "(empty response)"
    value = getattr(response, field)
    text = repr(value)
    return text if len(text) < 300 else text[:300] + "..."


def generated_cases(seed, index, msg=None, options=None):
    """The cases for message `index` of `seed` (or for a given message, when minimizing)."""
    gen = generator.Generator(seed * 1_000_003 + index)
    if msg is None:
        msg = gen.message(protoutil.KITCHEN)
    if options is None:
        options = variants.random_options(gen.rng)
    binary = msg.SerializeToString()
    text = variants.variant(msg, options)
    origin = f"seed {seed} index {index}"
    cases = [Case("bin2json", binary, origin=origin), Case("json2bin", text, origin=origin)]
    if index % 2 == 0:
        cases.append(Case("bin2bin", binary, origin=origin))
    if index % 3 == 0:
        cases.append(Case("json2json", text, origin=origin))
    return msg, options, cases


class Driver:
    def __init__(self, args, testee):
        self.args, self.testee = args, testee
        self.counts = {}  # (group, outcome) -> n
        self.failures = []
        self.notes = []
        self.known = set()

    def count(self, group, outcome):
        self.counts[(group, outcome)] = self.counts.get((group, outcome), 0) + 1

    def run_cases(self, cases, group_of):
        responses = self.testee.call_many([c.request() for c in cases])
        results = []
        for case, response in zip(cases, responses):
            problem = grade(case, response)
            results.append(problem)
            group = group_of(case)
            self.count(group, "failed" if problem else "ok")
        return results, responses

    def replay_regressions(self):
        cases = []
        for path in sorted(glob.glob(os.path.join(REGRESSIONS, "*.jsonl"))):
            with open(path, encoding="utf-8") as f:
                for line in f:
                    if line.strip():
                        record = json.loads(line)
                        self.known.add(json.dumps(record, sort_keys=True))
                        cases.append(Case.from_record(record))
        if not cases:
            return
        results, _ = self.run_cases(cases, lambda c: "regressions")
        for case, problem in zip(cases, results):
            if problem:
                self.failures.append((case, problem, None))

    def json_cases(self):
        cls = protoutil.message_class(protoutil.KITCHEN)

        def python_accepts(text):
            try:
                json_format.Parse(text, cls())
                return True
            except Exception:  # noqa: BLE001
                return False

        bad = [t for t in json_cases.INVALID if python_accepts(t)] + \
              [t for t in json_cases.VALID if not python_accepts(t)]
        if bad:
            raise SystemExit(f"harness error: json_format no longer agrees with json_cases.py on {bad!r}")
        graded = [Case("json2bin", t, origin="json_cases.INVALID") for t in json_cases.INVALID]
        graded += [Case("json2bin", t, origin="json_cases.VALID") for t in json_cases.VALID]
        graded += [Case("json2json", t, origin="json_cases.VALID") for t in json_cases.VALID]
        info = []
        for t in json_cases.TRICKY:
            if python_accepts(t):
                info.append(Case("json2bin", t, origin="json_cases.TRICKY (json_format accepts)"))
            else:
                graded.append(Case("json2bin", t, origin="json_cases.TRICKY (json_format rejects)"))
        info += [Case("json2bin", t, origin="json_cases.PYTHON_LENIENT") for t in json_cases.PYTHON_LENIENT]
        info += [Case("json2bin", t, origin="json_cases.PYTHON_STRICT") for t in json_cases.PYTHON_STRICT]
        results, _ = self.run_cases(graded, lambda c: "json " + c.origin.split(".")[1].split(" ")[0].lower())
        for case, problem in zip(graded, results):
            if problem:
                self.failures.append((case, problem, None))
                self.record(case)
        responses = self.testee.call_many([c.request() for c in info])
        for case, response in zip(info, responses):
            t = response.WhichOneof("result")
            oracle = "accepts" if python_accepts(case.payload) else "rejects"
            verdict = "rejects" if t == "parse_error" else "accepts" if t == "protobuf_payload" else t
            self.count("json info (not graded)", f"testee {verdict}, json_format {oracle}")
            if self.args.verbose:
                self.notes.append(f"{case.origin}: {case.payload!r}: json_format {oracle}, testee {verdict}")

    def generated(self, seed, count, start=0):
        """Generates, sanity-checks and sends batches; the testee works on batch k while batch
        k+1 is generated (two cores: the driver and a Python testee both need one)."""
        batch = self.args.batch
        pending = None
        for first in list(range(start, start + count, batch)) + [None]:
            items = []
            if first is not None:
                for index in range(first, min(first + batch, start + count)):
                    items += self.prepare(seed, index)
            if pending is not None:
                self.finish(seed, *pending)
                pending = None
            if items:
                pending = (items, self.testee.submit([c.request() for _, _, _, c in items]))

    def prepare(self, seed, index):
        """The cases of one message, each with its expectation, or none when the oracle itself
        cannot round-trip the message (counted as an oracle quirk)."""
        msg, options, cases = generated_cases(seed, index)
        expected = protoutil.canon(msg)
        try:
            again = parse_output("json_payload", json_format.MessageToJson(msg, indent=None), protoutil.KITCHEN)
            problem = None if protoutil.canon(again) == expected else "JSON output reads back different"
            if problem is None:
                again = parse_output("json_payload", cases[1].payload, protoutil.KITCHEN)
                problem = None if protoutil.canon(again) == expected else "JSON variant reads back different"
        except Exception as e:  # noqa: BLE001
            problem = str(e)
        if problem:
            self.count("oracle quirks (skipped)", "messages")
            self.notes.append(f"oracle quirk, skipped: seed {seed} index {index}: {problem[:200]}")
            return []
        for c in cases:
            c.expected = expected
        return [(index, msg, options, c) for c in cases]

    def finish(self, seed, items, future):
        responses = future()
        for (index, msg, options, case), response in zip(items, responses):
            problem = grade(case, response)
            self.count(case.direction, "failed" if problem else "ok")
            if problem:
                if len(self.failures) >= self.args.max_failures:
                    self.failures.append((case, problem, None))
                    continue
                small = self.minimize(seed, index, msg, options, case.direction)
                self.failures.append((case, problem, small))
                self.record(small[1] if small else case)

    def minimize(self, seed, index, msg, options, direction):
        """Drops fields (then shortens repeated ones, then recurses into submessages) while the
        case still fails; returns (message, case, problem) for the smallest failing message."""
        budget = [400]

        def case_for(m):
            _, _, cases = generated_cases(seed, index, msg=m, options=options)
            for c in cases:
                if c.direction == direction:
                    return c
            return Case(direction, m.SerializeToString() if DIRECTIONS[direction][0] == "binary"
                        else variants.variant(m, options), origin=f"seed {seed} index {index}")

        def fails(m):
            if budget[0] <= 0:
                return None
            budget[0] -= 1
            c = case_for(m)
            try:
                problem = grade(c, self.testee.call(c.request()))
            except Exception as e:  # noqa: BLE001
                problem = f"harness: {e}"
            return problem

        best = type(msg)()
        best.CopyFrom(msg)
        problem = fails(best)
        if problem is None:
            return None

        def shrink(root, sub):
            nonlocal problem
            changed = True
            while changed and budget[0] > 0:
                changed = False
                for field, value in list(sub.ListFields()):
                    saved = type(sub)()
                    saved.CopyFrom(sub)
                    sub.ClearField(field.name)
                    p = fails(root)
                    if p is not None:
                        problem, changed = p, True
                        continue
                    sub.CopyFrom(saved)
                    is_map = field.message_type is not None and field.message_type.GetOptions().map_entry
                    if field.is_repeated and len(value) > 1:
                        keys = list(value.keys()) if is_map else list(range(len(value)))
                        for keep in keys[:8]:
                            if is_map:
                                entries = [(k, value[k]) for k in keys if k != keep]
                                for k, _ in entries:
                                    del getattr(sub, field.name)[k]
                            else:
                                items = list(getattr(sub, field.name))
                                del getattr(sub, field.name)[:]
                                getattr(sub, field.name).extend([items[keep]]) if field.message_type is None \
                                    else getattr(sub, field.name).add().CopyFrom(items[keep])
                            p = fails(root)
                            if p is not None:
                                problem, changed = p, True
                                break
                            sub.CopyFrom(saved)
                        if changed:
                            break
            for field, value in list(sub.ListFields()):
                if field.message_type is None or field.message_type.full_name == "google.protobuf.Any":
                    continue
                is_map = field.message_type.GetOptions().map_entry
                if is_map:
                    vf = field.message_type.fields_by_name["value"]
                    if vf.message_type is not None:
                        for k in list(value.keys()):
                            shrink(root, value[k])
                elif field.is_repeated:
                    for item in value:
                        shrink(root, item)
                else:
                    shrink(root, value)

        shrink(best, best)
        return best, case_for(best), problem

    def record(self, case):
        if self.args.no_record:
            return
        record = case.record()
        key = json.dumps(record, sort_keys=True)
        if key in self.known:
            return
        self.known.add(key)
        os.makedirs(REGRESSIONS, exist_ok=True)
        with open(os.path.join(REGRESSIONS, "found.jsonl"), "a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--index", type=int, help="run only message INDEX of the seed")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--max-failures", type=int, default=20, help="stop minimizing after this many")
    parser.add_argument("--no-record", action="store_true", help="do not append failures to regressions/")
    parser.add_argument("--no-regressions", action="store_true", help="skip the replay of regressions/")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("testee", nargs=argparse.REMAINDER, help="-- TESTEE [ARGS...] (default: python_testee.py)")
    args = parser.parse_args()
    argv = [a for a in args.testee if a != "--"] if args.testee else []
    if not argv:
        argv = [sys.executable, os.path.join(HERE, "python_testee.py")]
    if not os.path.exists(protoutil.KITCHEN_SET):
        raise SystemExit(f"harness error: {protoutil.KITCHEN_SET} missing; run Tests/Differential/setup.sh")
    protoutil.load_descriptor_set(protoutil.KITCHEN_SET)
    # The v21.12 runner repeats the testee's path as its first argument; do the same.
    prefix = argv[:2] if os.path.basename(argv[0]).startswith("python") else argv[:1]
    program = prefix[-1]
    if not os.path.exists(program):
        print(f"differential: testee {program} does not exist (build it first)", file=sys.stderr)
        return 2
    full_argv = prefix + [program] + argv[len(prefix):] + ["--descriptor-set", protoutil.KITCHEN_SET]
    started = time.monotonic()
    testee = protoutil.Testee(full_argv)
    driver = Driver(args, testee)
    try:
        if not args.no_regressions:
            driver.replay_regressions()
        if args.index is not None:
            driver.generated(args.seed, 1, start=args.index)
        else:
            driver.json_cases()
            driver.generated(args.seed, args.count)
    finally:
        testee.close()
    elapsed = time.monotonic() - started

    print(f"differential: seed {args.seed}, {args.count if args.index is None else 1} messages, "
          f"testee {shlex.join(argv)}, {elapsed:.1f} s")
    groups = sorted({g for g, _ in driver.counts})
    for group in groups:
        outcomes = ", ".join(f"{n} {o}" for (g, o), n in sorted(driver.counts.items()) if g == group)
        print(f"  {group:<28} {outcomes}")
    for note in driver.notes[:50]:
        print(f"  note: {note}")
    if driver.failures:
        print(f"DISAGREEMENTS: {len(driver.failures)} (first {args.max_failures} minimized)")
        for case, problem, small in driver.failures[:args.max_failures]:
            print(f"- {case.direction} [{case.origin}] {problem}")
            shown = small[1] if small else case
            payload = shown.payload if isinstance(shown.payload, str) else \
                "base64 " + base64.b64encode(shown.payload).decode()
            print(f"    input: {payload[:600]}")
            if small:
                print(f"    minimized message: {json_format.MessageToJson(small[0], indent=None)[:600]}")
                print(f"    minimized problem: {small[2]}")
        return 1
    print("differential: no disagreements")
    return 0


if __name__ == "__main__":
    sys.exit(main())
