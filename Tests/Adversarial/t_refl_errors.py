# Broken reflection answers (hostile_agent.py --refl MODE) and what a JSON call gets. With every
# file lookup answered by an error (`error`) or by nothing (`empty`), calls were 404 "unknown
# method" although the agent had listed the service; now 503 "schemas unavailable" naming it.
# A service the agent did not list stays 404. The other modes are printed for reference.
# Exit 0: fixed; 1: still broken.
import sys, os; sys.path.insert(0, os.path.dirname(__file__))
from gwlib import *

class HostileEnv(Env):
    def __init__(self, mode):
        self.mode = mode
        super().__init__()
    def start_agent(self):
        self.agent = subprocess.Popen([PY, os.path.join(os.path.dirname(__file__), "hostile_agent.py"),
            "--listen", "unix:" + self.agent_sock, "--refl", self.mode],
            stdout=subprocess.PIPE, stderr=open(self.dir + "/agent.log", "a"))
        assert self.agent.stdout.readline().startswith(b"READY")

def call(e, path):
    r = e.raw(f"POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{{}}".encode(), timeout=30)
    return r.split(b"\r\n")[0].decode(), r.partition(b"\r\n\r\n")[2][:200].decode(errors="replace").strip()

ok = True
for mode in sys.argv[1:] or ["error", "empty", "garbage", "wrongfile", "missing"]:
    e = HostileEnv(mode)
    try:
        time.sleep(0.5)  # the first reflection fetch
        status, body = call(e, "/polykey.v1.TestService/Echo")
        unlisted, _ = call(e, "/no.such.Service/Echo")
        print(f"--refl {mode}: {status} {body}\n  unlisted service: {unlisted}")
        if mode in ("error", "empty"):
            ok = ok and status.endswith("503 Service Unavailable") and "schemas are unavailable" in body \
                and unlisted.endswith("404 Not Found")
        ok = ok and e.alive()
    finally:
        e.stop()
print("FIXED" if ok else "BROKEN")
sys.exit(0 if ok else 1)
