# Agent answers with a message over the 4 MiB limit; the gateway aborts the call inside a curl callback.
import sys, os, threading; sys.path.insert(0, os.path.dirname(__file__))
from gwlib import *
e = Env()
try:
    r = e.grpcweb("/polykey.v1.TestService/Control", frame(control(message_count=1, payload_size=5*1024*1024)))
    print("big:", r[:400])
    print("alive", e.alive(), "health", e.health())
    # concurrent: aborting calls interleaved with normal ones
    results = []
    def big():
        results.append(("big", e.grpcweb("/polykey.v1.TestService/Control", frame(control(message_count=1, payload_size=5*1024*1024)), timeout=20)[-60:]))
    def small():
        results.append(("small", e.grpcweb("/polykey.v1.TestService/Control", frame(control(message_count=1, payload_size=10)), timeout=20)[-40:]))
    ts_ = []
    for i in range(40):
        ts_.append(threading.Thread(target=big if i % 2 else small))
    for t in ts_: t.start()
    for t in ts_: t.join()
    print("timeouts:", sum(1 for k, r in results if b"TIMEOUT" in r), "of", len(results))
    for k, r in results[:6]: print(k, r)
    print("alive", e.alive(), e.gw.poll())
finally:
    e.stop()
    print(e.log()[-1500:].decode(errors="replace"))
