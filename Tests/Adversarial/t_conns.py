# Many simultaneous connections: (a) --max-connections 50 with 300 callers; (b) fd exhaustion (ulimit -n 64).
import sys, os, threading, resource; sys.path.insert(0, os.path.dirname(__file__))
from gwlib import *
P = "/polykey.v1.TestService/Control"
def run(e, n, delay):
    res = []; lock = threading.Lock()
    b = frame(control(message_count=1, payload_size=8, delay_ms=delay))
    def one():
        try:
            r = e.grpcweb(P, b, timeout=30)
            st = re.findall(rb"grpc-status: ?(\d+)", r)
            with lock: res.append(st[0].decode() if st else ("timeout" if b"TIMEOUT" in r else r[:30]))
        except Exception as ex:
            with lock: res.append(type(ex).__name__)
    ts_ = [threading.Thread(target=one) for _ in range(n)]
    t = time.time()
    for x in ts_: x.start()
    for x in ts_: x.join()
    from collections import Counter
    return Counter(res), round(time.time() - t, 1)
mode = sys.argv[1] if len(sys.argv) > 1 else "max"
if mode == "max":
    e = Env(gw_args=["--max-connections", "50"])
    try:
        print("300 callers, max 50, delay 300ms:", run(e, 300, 300))
        print("alive", e.alive(), "health", e.health(), "fds", e.fds())
    finally: e.stop()
else:
    # gateway under a low fd limit: accept fails with EMFILE
    old = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, old[1]))  # inherited by the gateway (and agent)
    e = Env()
    resource.setrlimit(resource.RLIMIT_NOFILE, old)
    try:
        socks = []
        for i in range(100):
            try: socks.append(e.connect(timeout=3))
            except Exception as ex: print("connect", i, ex); break
        time.sleep(2)
        cpu = lambda: sum(int(x) for x in open(f"/proc/{e.gw.pid}/stat").read().split(")")[1].split()[11:13])
        c0 = cpu(); time.sleep(3); c1 = cpu()
        print("gateway CPU ticks in 3 s while at EMFILE:", c1 - c0, "(300 = one core busy)")
        print("log lines:", len(e.log().splitlines()), e.log().splitlines()[-1][:200])
        for s in socks: s.close()
        time.sleep(1)
        print("after closing: health", e.health(), "alive", e.alive())
    finally: e.stop()
