# An agent that echoes the session token in its error (message, `error` trailer) must not get the
# gateway to hand it to the caller: the JSON error body has it redacted. Uses hostile_agent.py.
# Exit 0: fixed; 1: still broken (the token is in the response).
import sys, os; sys.path.insert(0, os.path.dirname(__file__))
from gwlib import *

class HostileEnv(Env):
    def start_agent(self):
        self.agent = subprocess.Popen([PY, os.path.join(os.path.dirname(__file__), "hostile_agent.py"),
            "--listen", "unix:" + self.agent_sock], stdout=subprocess.PIPE, stderr=open(self.dir + "/agent.log", "a"))
        assert self.agent.stdout.readline().startswith(b"READY")

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJnYXRld2F5In0.SECRET-SIGNATURE"
e = HostileEnv(token=TOKEN)
ok = True
try:
    time.sleep(0.5)  # the first reflection fetch
    for path in ("/polykey.v1.TestService/Echo", "/polykey.v1.TestService/ControlUnary"):
        r = e.raw(f"POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                  "Grpc-Metadata-X-Mode: err-token\r\nContent-Length: 2\r\n\r\n{}".encode())
        print(path, r.split(b"\r\n")[0], r.partition(b"\r\n\r\n")[2][:240])
        ok = ok and b"SECRET-SIGNATURE" not in r and r.startswith(b"HTTP/1.1 400")
    ok = ok and b"SECRET-SIGNATURE" not in e.log() and e.alive()
finally:
    e.stop()
print("FIXED" if ok else "BROKEN")
sys.exit(0 if ok else 1)
