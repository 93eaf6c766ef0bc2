# Calls the gateway aborts inside a curl callback (response message over the limit), mixed with
# ordinary calls arriving in the same loop turn. Suspected: AgentTransfer.cancel() schedules
# client.remove(self) for later; if curl completes the transfer first, its easy handle is
# released to the pool, a new call takes it, and the deferred remove() then removes the *new*
# call from curl and releases the old transfer twice (errorBuffer double free).
import sys, os, threading; sys.path.insert(0, os.path.dirname(__file__))
from gwlib import *
e = Env(gw_args=sys.argv[1:])
P = "/polykey.v1.TestService/Control"
big = frame(control(message_count=1, payload_size=int(os.environ.get("BIG", "100"))))  # over the limit: aborted
small = frame(control(message_count=0))                       # no message, status only
res = []; lock = threading.Lock()
def worker(n, body, tag):
    for _ in range(n):
        try:
            r = e.grpcweb(P, body, timeout=10)
            st = re.findall(rb"grpc-status: ?(\d+)", r)
            v = st[0].decode() if st else ("TIMEOUT" if b"TIMEOUT" in r else "noanswer")
            if v not in ("0", "8"): v += " " + b"".join(re.findall(rb"grpc-message: ?([^\r]*)", r))[:100].decode(errors="replace")
        except Exception as ex:
            v = type(ex).__name__
        with lock: res.append((tag, v))
        if not e.alive(): return
try:
    print("one aborted call:", e.grpcweb(P, big)[-90:])
    ts_ = [threading.Thread(target=worker, args=(int(os.environ.get("N", "150")), big if i % 2 else small, "big" if i % 2 else "small")) for i in range(16)]
    for t in ts_: t.start()
    for t in ts_: t.join()
    from collections import Counter
    print(Counter(res))
    print("alive:", e.alive(), "exit:", e.gw.poll())
finally:
    e.stop()
    log = e.log().decode(errors="replace")
    i = log.find("***")
    print(log[i:i+1500] if i >= 0 else "no crash in log")
