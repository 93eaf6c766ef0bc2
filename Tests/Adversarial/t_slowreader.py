# A caller that reads a large server stream slowly (and one that never reads): gateway memory must stay bounded.
import sys, os, threading; sys.path.insert(0, os.path.dirname(__file__))
from gwlib import *
mode = sys.argv[1] if len(sys.argv) > 1 else "binary"
e = Env()
P = "/polykey.v1.TestService/Control"
ct = "application/grpc-web-text" if mode == "text" else "application/grpc-web"
try:
    e.health()
    print("start VmRSS", e.status("VmRSS"), "VmHWM", e.status("VmHWM"))
    b = frame(control(message_count=400, payload_size=1024*1024))   # 400 MiB stream
    if mode == "text":
        import base64; b = base64.b64encode(b)
    socks = []
    for i in range(4):
        s = e.connect(timeout=60)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(f"POST {P} HTTP/1.1\r\nHost: x\r\nContent-Type: {ct}\r\nContent-Length: {len(b)}\r\n\r\n".encode() + b)
        socks.append(s)
    got = 0
    for t in range(20):
        for s in socks[:2]:     # two slow readers; two never read at all
            got += len(s.recv(65536))
        time.sleep(0.5)
        if t % 5 == 4: print(f"t={t/2:.1f}s read={got} VmRSS", e.status("VmRSS"), "VmHWM", e.status("VmHWM"))
    print("health while stalled:", e.health())
    for s in socks: s.close()
    time.sleep(2)
    print("after close: VmRSS", e.status("VmRSS"), "VmHWM", e.status("VmHWM"), "fds", e.fds(), "alive", e.alive())
finally:
    e.stop()
