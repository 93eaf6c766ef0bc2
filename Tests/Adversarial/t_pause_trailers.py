# A single large response read by a caller slower than the agent writes (so the gateway pauses the
# curl transfer for backpressure): does the final status survive? Expect grpc-status 0 every time.
import sys, os; sys.path.insert(0, os.path.dirname(__file__))
from gwlib import *
from collections import Counter
e = Env()
P = "/polykey.v1.TestService/Control"
res = Counter()
try:
    for slow in (False, True):
        for i in range(6):
            b = frame(control(message_count=int(os.environ.get("COUNT", "1")), payload_size=int(os.environ.get("SIZE", str(2*1024*1024)))))
            s = e.connect(timeout=30)
            s.sendall(f"POST {P} HTTP/1.1\r\nHost: x\r\nContent-Type: application/grpc-web\r\nContent-Length: {len(b)}\r\nConnection: close\r\n\r\n".encode() + b)
            out = b""
            while True:
                x = s.recv(65536)
                if not x: break
                out += x
                if slow: time.sleep(0.002)
            s.close()
            st = re.findall(rb"grpc-status: ?(\d+)", out); m = re.findall(rb"grpc-message: ?([^\r]*)", out)
            res[(("slow" if slow else "fast"), st[0] if st else None, m[0][:60] if m else b"")] += 1
    print(res)
finally:
    e.stop()
