#!/usr/bin/env python3
"""Checks the bench echo agent with a generic grpc Python client.

  <venv>/bin/python Tests/BenchAgent/check.py [path/to/echo_server]
Starts it on a Unix socket and TCP, echoes raw bytes on arbitrary method paths,
checks the rotating-token option, times a burst of calls, and stops it.
"""
import os
import subprocess
import sys
import tempfile
import time

import grpc

here = os.path.dirname(os.path.abspath(__file__))
binary = sys.argv[1] if len(sys.argv) > 1 else subprocess.run(
    [os.path.join(here, "build.sh")], check=True, capture_output=True, text=True).stdout.strip()
ident = lambda b: b  # noqa: E731
failed = 0
with tempfile.TemporaryDirectory() as tmp:
    sock = os.path.join(tmp, "bench.sock")
    proc = subprocess.Popen([binary, "--listen", "unix:" + sock, "--listen", "127.0.0.1:0", "--token-metadata"],
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().split()
        assert line[0] == "READY" and line[1] == "unix:" + sock and not line[2].endswith(":0"), line
        for target in line[1:]:
            with grpc.insecure_channel(target) as ch:
                for path in ("/bench.Echo/Echo", "/polykey.v1.TestService/Echo"):
                    call = ch.unary_unary(path, request_serializer=ident, response_deserializer=ident)
                    for body in (b"", b"hello", os.urandom(1 << 20)):
                        resp, c = call.with_call(body, timeout=10)
                        assert resp == body, (target, path, len(resp), len(body))
                    tok = dict(c.initial_metadata()).get("authorization", "")
                    assert tok.startswith("Bearer bench-"), tok
                call = ch.unary_unary("/bench.Echo/Echo", request_serializer=ident, response_deserializer=ident)
                n = 2000
                t0 = time.monotonic()
                for _ in range(n):
                    call(b"x" * 64)
                dt = time.monotonic() - t0
                print("ok   %s: %d sequential 64-byte calls in %.2fs (%.0f/s, python client)" % (target, n, dt, n / dt))
    except Exception as e:
        failed = 1
        print("FAIL", repr(e))
    finally:
        proc.terminate()
        rc = proc.wait(10)
        if rc != 0 or os.path.exists(sock):
            failed = 1
            print("FAIL exit code %d / socket left behind: %s" % (rc, os.path.exists(sock)))
print("%d passed, %d failed" % (1 - failed, failed))
sys.exit(failed)
