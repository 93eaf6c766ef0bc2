# Authorization plus Grpc-Metadata-Authorization (JSON), or two Authorization headers (gRPC-Web),
# must not reach the agent as two authorization values: the call is refused with 400 /
# grpc-status 3. Exit 0: fixed; 1: still broken (the agent saw authorizationCount 2).
import sys, os, json; sys.path.insert(0, os.path.dirname(__file__))
from gwlib import *

e = Env()
ok = True
try:
    body = b'{"requireAuth": false}'
    r = e.raw(b"POST /polykey.v1.TestService/Echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
              b"Authorization: Basic Og==\r\nGrpc-Metadata-Authorization: Bearer evil\r\n"
              b"Content-Length: %d\r\n\r\n" % len(body) + body)
    print("JSON:", r.split(b"\r\n")[0], r.partition(b"\r\n\r\n")[2][:200])
    ok = r.startswith(b"HTTP/1.1 400")
    r = e.grpcweb("/polykey.v1.TestService/Echo", frame(ts.EchoRequest(payload=b"x").SerializeToString()),
                  headers=[("Authorization", "Basic Og=="), ("Authorization", "Bearer evil")])
    status = re.search(rb"grpc-status: ?(\d+)", r)
    count = re.search(rb"x-echo-authorization-count: ?(\d+)", r)
    print("gRPC-Web: grpc-status", status and status.group(1), "authorization count at the agent", count and count.group(1))
    ok = ok and status is not None and status.group(1) == b"3"
finally:
    e.stop()
print("FIXED" if ok else "BROKEN")
sys.exit(0 if ok else 1)
