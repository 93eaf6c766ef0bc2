"""Helpers for adversarial tests of session-gateway: start agent+gateway, raw HTTP over Unix socket."""
import os, socket, struct, subprocess, sys, time, tempfile, re
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "Tests/ReferenceAgent/gen"))
from polykey.v1 import test_service_pb2 as ts  # noqa

PY = os.path.join(ROOT, ".venv/bin/python")
GW = os.path.join(ROOT, ".build/debug/session-gateway")

def frame(msg: bytes, flag=0) -> bytes:
    return bytes([flag]) + struct.pack(">I", len(msg)) + msg

def control(**kw) -> bytes:
    meta_l = kw.pop("leading_metadata", [])
    meta_t = kw.pop("trailing_metadata", [])
    r = ts.ControlRequest(**kw)
    for k, v in meta_l: r.leading_metadata.add(key=k, value=v)
    for k, v in meta_t: r.trailing_metadata.add(key=k, value=v)
    return r.SerializeToString()

class Env:
    def __init__(self, gw_args=(), agent_args=(), token=None):
        self.dir = tempfile.mkdtemp(prefix="gwbrk-")
        os.chmod(self.dir, 0o700)
        os.makedirs(self.dir + "/node", mode=0o700)
        self.agent_sock = self.dir + "/agent.sock"
        self.gw_sock = self.dir + "/gw.sock"
        self.token_file = self.dir + "/node/token"
        self.agent_args = list(agent_args)
        self.gw_args = list(gw_args)
        self.agent = None
        self.gw = None
        self.start_agent()
        if token: open(self.token_file, "w").write(token)
        self.start_gw()

    def start_agent(self):
        self.agent = subprocess.Popen([PY, os.path.join(ROOT, "Tests/ReferenceAgent/agent.py"),
            "--listen", "unix:" + self.agent_sock, "--password", "pw", *self.agent_args],
            stdout=subprocess.PIPE, stderr=open(self.dir + "/agent.log", "a"))
        line = self.agent.stdout.readline()
        assert line.startswith(b"READY"), line

    def start_gw(self):
        self.gw_log = self.dir + "/gw.log"
        self.gw = subprocess.Popen([GW, "--agent", "unix:" + self.agent_sock, "--listen", self.gw_sock,
            "--token-file", self.token_file, "--log-level", "debug", *self.gw_args],
            stderr=open(self.gw_log, "a"), stdout=subprocess.DEVNULL)
        for _ in range(100):
            if os.path.exists(self.gw_sock): return
            time.sleep(0.05)
        raise RuntimeError("gateway did not start")

    def stop(self):
        for p in (self.gw, self.agent):
            if p and p.poll() is None:
                p.terminate()
                try: p.wait(5)
                except subprocess.TimeoutExpired: p.kill()

    def alive(self):
        return self.gw.poll() is None

    def fds(self):
        return len(os.listdir(f"/proc/{self.gw.pid}/fd"))

    def status(self, key):
        for l in open(f"/proc/{self.gw.pid}/status"):
            if l.startswith(key): return l.split(":", 1)[1].strip()

    def connect(self, timeout=10):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(self.gw_sock)
        return s

    def raw(self, data: bytes, timeout=10, shut=False):
        s = self.connect(timeout)
        s.sendall(data)
        if shut: s.shutdown(socket.SHUT_WR)
        out = b""
        try:
            while True:
                b = s.recv(65536)
                if not b: break
                out += b
        except socket.timeout:
            out += b"<<TIMEOUT>>"
        except ConnectionResetError:
            out += b"<<RESET>>"
        s.close()
        return out

    def grpcweb(self, path, body: bytes, headers=(), ctype="application/grpc-web+proto", timeout=10, close=True):
        h = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
        for k, v in headers: h += f"{k}: {v}\r\n"
        if close: h += "Connection: close\r\n"
        return self.raw(h.encode() + b"\r\n" + body, timeout=timeout)

    def health(self):
        r = self.raw(b"GET /-/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout=5)
        return r.startswith(b"HTTP/1.1 200")

    def log(self):
        return open(self.gw_log, "rb").read()

    def token(self):
        try: return open(self.token_file).read().strip()
        except Exception: return None
