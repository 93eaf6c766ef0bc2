# An unlock password too long for metadata: POST /-/session/unlock answered 503 from the agent
# connection (nghttp2 sends no header block over 64 KiB) or the agent's 429; now 400/65 from the
# gateway, which does not call the agent. A password file that long stops the gateway (exit 78).
# Exit 0: fixed; 1: still broken.
import sys, os, json; sys.path.insert(0, os.path.dirname(__file__))
from gwlib import *

e = Env()
ok = True
try:
    for n in (12287, 12288, 47000, 60000):
        body = json.dumps({"password": "p" * n}).encode()
        r = e.raw(b"POST /-/session/unlock HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body) + body)
        print(n, r.split(b"\r\n")[0].decode(), r.partition(b"\r\n\r\n")[2][:200].decode().strip())
        if n > 12287: ok = ok and r.startswith(b"HTTP/1.1 400")
    path = e.dir + "/long-password"
    open(path, "w").write("p" * 13000)
    p = subprocess.run([GW, "--agent", "unix:" + e.agent_sock, "--listen", e.dir + "/gw2.sock",
                        "--token-file", e.token_file, "--password-file", path],
                       capture_output=True, timeout=10)
    print("password file of 13000 bytes: exit", p.returncode, p.stderr.decode().strip())
    ok = ok and p.returncode == 78
finally:
    e.stop()
print("FIXED" if ok else "BROKEN")
sys.exit(0 if ok else 1)
