# Token-file faults. Echo reports what authorization arrived at the agent (x-echo-* trailers).
import sys, os, threading, fcntl, hashlib, stat; sys.path.insert(0, os.path.dirname(__file__))
from gwlib import *
e = Env()
P = "/polykey.v1.TestService/Echo"
def echo(timeout=10):
    t = time.time()
    r = e.grpcweb(P, frame(ts.EchoRequest(payload=b"hi").SerializeToString()), timeout=timeout)
    d = dict(re.findall(rb"(x-echo-[a-z-]+|grpc-status): ?([^\r]*)", r))
    return {k.decode(): v.decode()[:16] for k, v in d.items() if k != b"x-echo-authorization-sha256"} | {"secs": round(time.time()-t, 2), "timeout": b"TIMEOUT" in r}
def setfile(content: bytes):
    if os.path.isdir(e.token_file): os.rmdir(e.token_file)
    elif os.path.lexists(e.token_file): os.unlink(e.token_file)
    with open(e.token_file, "wb") as f: f.write(content)
try:
    setfile(b"  tok-A\n"); print("plain token:", echo())
    os.unlink(e.token_file); print("deleted:", echo())
    os.mkdir(e.token_file); print("directory:", echo())
    setfile(b"tok-B"); os.chmod(e.token_file, 0); print("mode 000:", echo()); os.chmod(e.token_file, 0o600)
    setfile(b"tok\xff\xfe\x01C"); print("binary garbage:", echo())
    setfile(b"tok with spaces"); print("spaces:", echo())
    setfile(b"a" * 70000); print("70 KB:", echo())
    setfile(b"line1\nline2\n"); print("two lines:", echo())
    setfile(b"tok-D")
    # another process holds the flock (a Polykey CLI mid-write): the event loop must not stall
    fd = os.open(e.token_file, os.O_RDWR); fcntl.flock(fd, fcntl.LOCK_EX)
    os.utime(e.token_file, None)  # make it look changed
    t = time.time(); h = e.health(); print("flock held: health took", round(time.time()-t, 2), "s; echo:", echo())
    t = time.time(); h = e.health(); print("flock held, 2nd health:", round(time.time()-t, 2), "s")
    fcntl.flock(fd, fcntl.LOCK_UN); os.close(fd)
    print("flock released:", echo())
    # FIFO in place of the token file
    os.unlink(e.token_file); os.mkfifo(e.token_file, 0o600)
    res = []
    th = threading.Thread(target=lambda: res.append(echo(timeout=5))); th.start(); th.join()
    print("FIFO:", res, "health:", e.health())
    os.unlink(e.token_file)  # unblock? open() blocks until a writer appears
    try:
        w = os.open(e.dir + "/node/token_dummy", os.O_CREAT | os.O_WRONLY)
    except Exception: pass
    print("after removing the FIFO, health:", e.health())
    print("alive", e.alive())
finally:
    e.stop()
