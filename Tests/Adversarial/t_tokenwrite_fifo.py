# A FIFO (or other non-regular file) in place of the token file must not wedge token writes:
# PUT /-/session answers with an error at once, and once the FIFO is gone writes work again.
# Exit 0: fixed; 1: still broken (PUT hangs; the writer thread is stuck in open(2) for good).
import sys, os; sys.path.insert(0, os.path.dirname(__file__))
from gwlib import *

def put(e, token, timeout=5):
    body = ('{"token":"%s"}' % token).encode()
    return e.raw(b"PUT /-/session HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                 b"Content-Length: %d\r\n\r\n" % len(body) + body, timeout=timeout)

e = Env()
ok = True
try:
    os.mkfifo(e.token_file, 0o600)
    r = put(e, "tok-A")
    print("PUT onto a FIFO:", r[:120])
    if not r.startswith(b"HTTP/1.1 500"):
        ok = False
    os.unlink(e.token_file)
    r = put(e, "tok-B")
    print("PUT after the FIFO is gone:", r[:120])
    if not r.startswith(b"HTTP/1.1 200") or e.token() != "tok-B":
        ok = False
    print("alive", e.alive(), "health", e.health())
    ok = ok and e.alive()
finally:
    e.stop()
print("FIXED" if ok else "BROKEN")
sys.exit(0 if ok else 1)
