# Another process holds the token file's flock (as the Polykey CLI does while writing).
# Expect: other callers are not stalled; the token is used again once the lock is released.
import sys, os, threading, fcntl; sys.path.insert(0, os.path.dirname(__file__))
from gwlib import *
e = Env(token="tok-A")
P = "/polykey.v1.TestService/Echo"
def echo():
    r = e.grpcweb(P, frame(ts.EchoRequest(payload=b"hi").SerializeToString()))
    return dict(re.findall(rb"(x-echo-authorization-count|grpc-status): ?([^\r]*)", r))
try:
    print("before:", echo())
    fd = os.open(e.token_file, os.O_RDWR); fcntl.flock(fd, fcntl.LOCK_EX)
    with open(e.token_file, "w") as f: f.write("tok-B\n")    # the file changed, so the gateway re-reads it
    th = threading.Thread(target=lambda: print("echo while locked:", echo())); th.start()
    time.sleep(0.1); t = time.time(); h = e.health()
    print(f"GET /-/health from another caller took {time.time()-t:.2f}s (loop blocked by usleep retries)")
    th.join()
    fcntl.flock(fd, fcntl.LOCK_UN); os.close(fd)
    time.sleep(0.2)
    print("after the lock is released (file unchanged since):", echo(), "<- count 0: token forgotten until the file changes again")
finally:
    e.stop()
