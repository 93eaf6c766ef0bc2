# PUT /-/session with {"token": ""} must be a 400, not a stored empty token that makes the
# gateway send "authorization: Bearer " with nothing after it and report the session "present".
# Exit 0: fixed; 1: still broken.
import sys, os, json; sys.path.insert(0, os.path.dirname(__file__))
from gwlib import *

def request(e, method, path, body=b""):
    return e.raw(f"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                 f"Content-Length: {len(body)}\r\n\r\n".encode() + body)

e = Env()
ok = True
try:
    r = request(e, "PUT", "/-/session", b'{"token": ""}')
    print("PUT empty token:", r.split(b"\r\n")[0], r.partition(b"\r\n\r\n")[2][:160])
    ok = r.startswith(b"HTTP/1.1 400")
    state = json.loads(request(e, "GET", "/-/session").partition(b"\r\n\r\n")[2])["state"]
    echo = json.loads(request(e, "POST", "/polykey.v1.TestService/Echo", b"{}").partition(b"\r\n\r\n")[2])
    print("state:", state, "authorization headers the agent saw:", echo["authorizationCount"])
    ok = ok and state == "absent" and echo["authorizationCount"] == 0
finally:
    e.stop()
print("FIXED" if ok else "BROKEN")
sys.exit(0 if ok else 1)
