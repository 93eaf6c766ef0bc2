# gRPC-Web body oddities from the caller, a second gateway on the same socket, and loop stalls on the token lock.
import sys, os, threading, base64, fcntl, subprocess; sys.path.insert(0, os.path.dirname(__file__))
from gwlib import *
e = Env()
P = "/polykey.v1.TestService/Control"
good = frame(control(message_count=1, payload_size=3))
def show(name, r):
    st = re.findall(rb"grpc-status: ?(\d+)", r); m = re.findall(rb"grpc-message: ?([^\r]*)", r)
    first = r.split(b"\r\n", 1)[0][:30]
    print(f"{name:34s} {first!r} status={st} msg={m[:1]} {'TIMEOUT' if b'TIMEOUT' in r else ''}")
try:
    T = "application/grpc-web-text"
    show("text: bad base64", e.grpcweb(P, b"!!!!" + base64.b64encode(good), ctype=T))
    show("text: truncated group", e.grpcweb(P, base64.b64encode(good)[:-1], ctype=T))
    show("text: whitespace", e.grpcweb(P, base64.b64encode(good)[:4] + b"\n" + base64.b64encode(good)[4:], ctype=T))
    show("text: per-frame padding", e.grpcweb(P, base64.b64encode(good[:2]) + base64.b64encode(good[2:]), ctype=T))
    show("binary: truncated frame", e.grpcweb(P, good[:-2]))
    show("binary: huge declared length", e.grpcweb(P, b"\x00\xff\xff\xff\xff" + b"x" * 10))
    show("binary: trailer-flag frame", e.grpcweb(P, good + frame(b"grpc-status:0\r\n", flag=0x80)))
    show("binary: compressed, no encoding", e.grpcweb(P, frame(control(message_count=1), flag=1)))
    show("binary: two messages (unary)", e.grpcweb(P, good + good))
    show("binary: empty body", e.grpcweb(P, b""))
    show("text: empty body", e.grpcweb(P, b"", ctype=T))
    print("alive", e.alive(), "health", e.health())
    # A second gateway started on the same --listen path while the first one runs
    g2 = subprocess.Popen([GW, "--agent", "unix:" + e.agent_sock, "--listen", e.gw_sock, "--token-file", e.token_file],
                          stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    time.sleep(1.5)
    print("second gateway on the same socket: running =", g2.poll() is None, "stderr:", g2.stderr.read1(300) if g2.poll() is not None else b"")
    if g2.poll() is None:
        g2.kill(); g2.wait()
    print("first gateway still reachable through the path:", e.health(), "socket exists:", os.path.exists(e.gw_sock))
finally:
    e.stop()
