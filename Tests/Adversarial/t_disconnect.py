# Callers that go away mid-call / mid-stream / mid-body: fds must return to baseline, gateway keeps serving.
import sys, os, threading; sys.path.insert(0, os.path.dirname(__file__))
from gwlib import *
e = Env(agent_args=["--log"])
P = "/polykey.v1.TestService/Control"
try:
    e.health(); time.sleep(0.3)
    base = e.fds(); print("baseline fds", base, "threads", e.status("Threads"))
    def hdr(body_len, extra=""):
        return f"POST {P} HTTP/1.1\r\nHost: x\r\nContent-Type: application/grpc-web\r\nContent-Length: {body_len}\r\n{extra}\r\n".encode()
    # 1: close while the agent delays (mid-call, before head)
    for i in range(30):
        b = frame(control(message_count=1, delay_ms=3000)); s = e.connect(); s.sendall(hdr(len(b)) + b); time.sleep(0.02); s.close()
    # 2: close mid-stream (endless-ish stream)
    for i in range(30):
        b = frame(control(message_count=100000, payload_size=1000, interval_ms=1)); s = e.connect(); s.sendall(hdr(len(b)) + b); s.recv(1000); s.close()
    # 3: close mid request body (declared 1000 bytes, sent 10)
    for i in range(30):
        s = e.connect(); s.sendall(hdr(1000) + b"\x00\x00\x00\x03\xe3" + b"x" * 5); time.sleep(0.02); s.close()
    # 4: half-close after the request (shutdown WR), then read the answer
    b = frame(control(message_count=2, payload_size=3)); s = e.connect(); s.sendall(hdr(len(b)) + b); s.shutdown(socket.SHUT_WR)
    out = b""
    while True:
        x = s.recv(65536)
        if not x: break
        out += x
    print("half-close answer complete:", out.endswith(b"0\r\n\r\n"), out.count(b"grpc-status"))
    # 5: half-close in the middle of the body
    s = e.connect(); s.sendall(hdr(1000) + b"\x00\x00"); s.shutdown(socket.SHUT_WR)
    try: print("half-close mid-body answer:", s.recv(65536)[:200])
    except Exception as ex: print("half-close mid-body:", ex)
    s.close()
    time.sleep(4)
    print("after: fds", e.fds(), "alive", e.alive(), "health", e.health())
    time.sleep(1)
    print("after +1s: fds", e.fds())
    print("metrics:", [l for l in e.raw(b"GET /-/metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").decode().splitlines() if not l.startswith("#")][-12:])
finally:
    e.stop()
    log = open(e.dir + "/agent.log").read()
    print("agent log lines:", len(log.splitlines()), log[-600:])
