# Hostile HTTP/1.1 on the caller socket: each case prints the status line and whether the gateway still serves.
import sys, os; sys.path.insert(0, os.path.dirname(__file__))
from gwlib import *
e = Env()
P = "/polykey.v1.TestService/Control"
B = frame(control(message_count=1, payload_size=4))
def req(extra="", body=b"", method="POST", path=P, ver="HTTP/1.1", ct="application/grpc-web"):
    return f"{method} {path} {ver}\r\nHost: x\r\nContent-Type: {ct}\r\n{extra}\r\n".encode() + body
cases = {
 "cl+te smuggle": req(f"Content-Length: {len(B)}\r\nTransfer-Encoding: chunked\r\n", B),
 "two CL differ": req(f"Content-Length: {len(B)}\r\nContent-Length: 3\r\n", B),
 "two CL same": req(f"Content-Length: {len(B)}\r\nContent-Length: {len(B)}\r\nConnection: close\r\n", B),
 "CL list": req(f"Content-Length: {len(B)}, {len(B)}\r\nConnection: close\r\n", B),
 "CL negative": req("Content-Length: -1\r\n", B),
 "CL huge": req("Content-Length: 99999999999999999999999\r\n", B),
 "CL plus": req(f"Content-Length: +{len(B)}\r\n", B),
 "CL over limit": req("Content-Length: 4194305\r\n", b""),
 "TE gzip,chunked": req("Transfer-Encoding: gzip, chunked\r\n", b"0\r\n\r\n"),
 "TE chunked,gzip": req("Transfer-Encoding: chunked, gzip\r\n", b"0\r\n\r\n"),
 "TE identity": req("Transfer-Encoding: identity\r\nContent-Length: 0\r\n", b""),
 "bad chunk size": req("Transfer-Encoding: chunked\r\n", b"zz\r\nabc\r\n0\r\n\r\n"),
 "chunk size overflow": req("Transfer-Encoding: chunked\r\n", b"ffffffffffffffffffff\r\nabc\r\n0\r\n\r\n"),
 "chunk missing CRLF": req("Transfer-Encoding: chunked\r\n", b"3\r\nabcX0\r\n\r\n"),
 "chunk ext": req("Transfer-Encoding: chunked\r\nConnection: close\r\n", b"%x;foo=bar\r\n" % len(B) + B + b"\r\n0\r\n\r\n"),
 "chunked trailers": req("Transfer-Encoding: chunked\r\nConnection: close\r\n", b"%x\r\n" % len(B) + B + b"\r\n0\r\nX-T: 1\r\n\r\n"),
 "bare LF": f"POST {P} HTTP/1.1\nHost: x\nContent-Type: application/grpc-web\nContent-Length: {len(B)}\nConnection: close\n\n".encode() + B,
 "obs-fold": req(f"X-A: a\r\n b\r\nContent-Length: {len(B)}\r\n", B),
 "space before colon": req(f"X-A : a\r\nContent-Length: {len(B)}\r\n", B),
 "NUL in header value": req(f"X-A: a\x00b\r\nContent-Length: {len(B)}\r\nConnection: close\r\n", B),
 "CR in header value": req(f"X-A: a\rb\r\nContent-Length: {len(B)}\r\nConnection: close\r\n", B),
 "utf8 header value": req(f"X-A: caf\u00e9\r\nContent-Length: {len(B)}\r\nConnection: close\r\n".encode().decode('latin1'), B),
 "invalid utf8 path": b"POST /polykey.v1.TestService/Con\xff\xfetrol HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
 "invalid utf8 hdr": b"POST /-/health HTTP/1.1\r\nHost: x\r\nX-A: \xff\xfe\r\nConnection: close\r\n\r\n",
 "HTTP/1.0 health": b"GET /-/health HTTP/1.0\r\n\r\n",
 "HTTP/1.0 call": req(f"Content-Length: {len(B)}\r\n", B, ver="HTTP/1.0"),
 "HTTP/2 preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
 "HTTP/0.9": b"GET /-/health\r\n\r\n",
 "HTTP/9.9": b"GET /-/health HTTP/9.9\r\nHost: x\r\n\r\n",
 "absolute URI": b"GET http://x/-/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
 "asterisk": b"OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
 "no host": b"GET /-/health HTTP/1.1\r\nConnection: close\r\n\r\n",
 "huge request line": b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
 "huge header": b"GET /-/health HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 70000 + b"\r\n\r\n",
 "many headers": b"GET /-/health HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: a\r\n" % i for i in range(200)) + b"\r\n",
 "garbage": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(200),
 "lowercase method": b"get /-/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
 "GET on grpc": b"GET " + P.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
 "health w/ body then pipelined": b"GET /-/health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /-/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
 "expect 100 + body": req(f"Expect: 100-continue\r\nContent-Length: {len(B)}\r\nConnection: close\r\n", B),
 "expect weird": req(f"Expect: 200-ok\r\nContent-Length: {len(B)}\r\nConnection: close\r\n", B),
 "grpc-timeout garbage": req(f"Grpc-Timeout: 1x\r\nContent-Length: {len(B)}\r\nConnection: close\r\n", B),
 "grpc-timeout 0n": req(f"Grpc-Timeout: 0n\r\nContent-Length: {len(B)}\r\nConnection: close\r\n", B),
 "grpc-timeout 9 digits": req(f"Grpc-Timeout: 999999999S\r\nContent-Length: {len(B)}\r\nConnection: close\r\n", B),
# CRASHES, see t_timeout_crash.sh: "grpc-timeout max": req(f"Grpc-Timeout: 99999999H\r\nContent-Length: {len(B)}\r\nConnection: close\r\n", B),
 "bad md name": req(f"X_A$: v\r\nContent-Length: {len(B)}\r\nConnection: close\r\n", B),
 "metadata ':path'": req(f":path: /evil\r\nContent-Length: {len(B)}\r\nConnection: close\r\n", B),
 "grpc-encoding bogus": req(f"grpc-encoding: snappy\r\nContent-Length: {len(B)}\r\nConnection: close\r\n", B),
 "accept-enc bogus": req(f"grpc-accept-encoding: \x7f\r\nContent-Length: {len(B)}\r\nConnection: close\r\n", B),
 "pipelined 3 calls": (req(f"Content-Length: {len(B)}\r\n", B))*2 + req(f"Content-Length: {len(B)}\r\nConnection: close\r\n", B),
 "path with query": req(f"Content-Length: {len(B)}\r\nConnection: close\r\n", B, path=P + "?x=1"),
 "path traversal": req(f"Content-Length: {len(B)}\r\nConnection: close\r\n", B, path="/../-/health"),
 "path %2F": req(f"Content-Length: {len(B)}\r\nConnection: close\r\n", B, path="/polykey.v1.TestService%2FControl"),
 "path fragment": req(f"Content-Length: {len(B)}\r\nConnection: close\r\n", B, path=P + "#frag"),
 "-/ with junk": b"GET /-/health/../metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
 "empty line first": b"\r\n\r\nGET /-/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
}
try:
  for name, data in cases.items():
      r = e.raw(data, timeout=5, shut=False)
      first = r.split(b"\r\n", 1)[0][:60]
      n = r.count(b"HTTP/1.1 ")
      ok = e.health()
      extra = ""
      if b"grpc-status" in r:
          m = re.findall(rb"grpc-status: ?(\d+)", r); extra = b" grpc-status=" + b",".join(m)
          mm = re.findall(rb"grpc-message: ?([^\r]*)", r)
          if mm: extra += b" msg=" + mm[0][:80]
      if b'"message"' in r: extra = re.findall(rb'"message":"([^"]*)"', r)[0][:80]
      print(f"{name:28s} -> {first!r} x{n} {extra!r} {'RESET' if b'<<RESET>>' in r else ''}{'TIMEOUT' if b'<<TIMEOUT>>' in r else ''} {'' if ok else 'GATEWAY NOT SERVING'}")
      if not e.alive(): print("GATEWAY DIED"); break
finally:
    e.stop()
