# Agent metadata over libcurl's HTTP/2 limits (an entry over 64 KiB: nghttp2 ends the connection
# with COMPRESSION_ERROR; a block over 128 KiB: curl's header buffer). The gateway answered 500
# "the agent closed the stream without sending trailers" (or 503 "Empty reply from server");
# now RESOURCE_EXHAUSTED naming the block. Also shows what calls in flight on the same agent
# connection get when it is closed under them, and that later calls work.
# Exit 0: each oversize call is named; 1: not.
import sys, os, json, threading; sys.path.insert(0, os.path.dirname(__file__))
from gwlib import *

def call(e, body):
    body = json.dumps(body).encode()
    r = e.raw(b"POST /polykey.v1.TestService/ControlUnary HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
              b"Content-Length: %d\r\n\r\n" % len(body) + body, timeout=20)
    return r.split(b"\r\n")[0].decode(), r.partition(b"\r\n\r\n")[2][:220].decode(errors="replace").strip()

e = Env()
ok = True
try:
    for key, block in (("trailingMetadata", "trailers"), ("leadingMetadata", "response headers")):
        for n, size in ((1, 70000), (14, 10000)):
            status, body = call(e, {key: [{"key": f"x-b{i}", "value": "v" * size} for i in range(n)]})
            named = f"the agent's {block} exceeded" in body
            print(f"{key} {n}x{size}: {status} {body}")
            # A head entry over 64 KiB on a reused connection: curl retries, the gateway refuses.
            ok = ok and (named or (key == "leadingMetadata" and n == 1 and "not sent again" in body))
            ok = ok and call(e, {})[0].endswith("200 OK")
    # Calls in flight on the connection when it is closed under them.
    results = {}
    def slow(i): results[i] = call(e, {"delayMs": 400})
    threads = [threading.Thread(target=slow, args=(i,)) for i in range(4)]
    for t in threads: t.start()
    time.sleep(0.2)
    print("oversize among others:", call(e, {"trailingMetadata": [{"key": "x-big", "value": "v" * 70000}]}))
    for t in threads: t.join()
    for i, r in sorted(results.items()): print("  in flight", i, r)
    print("after:", call(e, {}))
finally:
    e.stop()
print("FIXED" if ok else "BROKEN")
sys.exit(0 if ok else 1)
