# Broken --descriptor-set files: the gateway exits 78 at once with a message naming the path
# (truncated, random bytes, a 1 GiB sparse file, a directory); none hangs or crashes. An empty
# file is a valid, empty set: the gateway starts, warning that it holds no services.
# Exit 0: fixed; 1: still broken (a message says "descriptor set 1" instead of the path, or the
# empty set starts without a warning).
import sys, os, subprocess, tempfile; sys.path.insert(0, os.path.dirname(__file__))
from gwlib import GW, ROOT

d = tempfile.mkdtemp(prefix="gwdesc-")
real = open(os.path.join(ROOT, "Tests/ReferenceAgent/gen/polykey.binpb"), "rb").read()
cases = {"trunc.pb": real[:1000], "random.pb": os.urandom(5000)}
for name, data in cases.items():
    open(os.path.join(d, name), "wb").write(data)
with open(os.path.join(d, "sparse.pb"), "wb") as f: f.truncate(1 << 30)
os.mkdir(os.path.join(d, "dir.pb"))
ok = True
for name in ["trunc.pb", "random.pb", "sparse.pb", "dir.pb"]:
    path = os.path.join(d, name)
    try:
        p = subprocess.run([GW, "--agent", "unix:" + d + "/none.sock", "--listen", d + "/gw.sock",
                            "--token-file", d + "/token", "--descriptor-set", path],
                           capture_output=True, timeout=20)
        err = p.stderr.decode(errors="replace").strip()
        print(f"{name}: exit {p.returncode}: {err[:160]}")
        ok = ok and p.returncode == 78 and path in err
    except subprocess.TimeoutExpired:
        print(f"{name}: HANG"); ok = False
os.unlink(os.path.join(d, "sparse.pb"))
empty = os.path.join(d, "empty.pb")
open(empty, "wb").close()
g = subprocess.Popen([GW, "--agent", "unix:" + d + "/none.sock", "--listen", d + "/gw.sock",
                      "--token-file", d + "/token", "--descriptor-set", empty],
                     stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
try:
    g.wait(1.5); print(f"empty.pb: exited {g.returncode}"); ok = False
except subprocess.TimeoutExpired:
    g.terminate(); g.wait(5)
    err = g.stderr.read().decode(errors="replace")
    warned = [l for l in err.splitlines() if "no services" in l]
    print("empty.pb: started;", " / ".join(warned) or "no warning")
    ok = ok and any(empty in l for l in warned)
print("FIXED" if ok else "BROKEN")
sys.exit(0 if ok else 1)
