# The session token must never appear in a response, error, metric or log line.
import sys, os, threading, base64; sys.path.insert(0, os.path.dirname(__file__))
from gwlib import *
sys.path.insert(0, os.path.join(ROOT, "Tests/ReferenceAgent/gen"))
from polykey.v1 import client_service_pb2_grpc, sessions_pb2  # noqa
e = Env()
P = "/polykey.v1.TestService/Control"
seen_tokens = set(); responses = []
def grab():
    t = e.token()
    if t: seen_tokens.add(t)
try:
    # unlock with Basic through the gateway -> the agent hands back a token in metadata
    r = e.grpcweb("/polykey.v1.ClientService/SessionsUnlock", frame(b""), headers=[("Authorization", "Basic " + base64.b64encode(b":pw").decode())])
    responses.append(r); time.sleep(0.2); grab()
    print("token stored after unlock:", bool(e.token()))
    for req in [control(message_count=1, require_auth=True),
                control(message_count=0, require_auth=True, trailers_only=True),
                control(message_count=0, require_auth=True, status_code=16, trailers_only=True),
                control(message_count=2, require_auth=True, echo_metadata_in_headers=True, echo_metadata_in_trailers=True),
                control(message_count=0, require_auth=True, status_code=13, status_message="boom")]:
        for ct in ("application/grpc-web", "application/grpc-web-text"):
            b = frame(req)
            if "text" in ct: b = base64.b64encode(b)
            r = e.grpcweb(P, b, ctype=ct, headers=[("X-Custom", "1")]); responses.append(r); time.sleep(0.1); grab()
    # text-mode responses: decode the base64 body too
    for r in list(responses):
        if b"grpc-web-text" in r.split(b"\r\n\r\n", 1)[0]:
            body = r.split(b"\r\n\r\n", 1)[1]
            chunks = re.findall(rb"\r\n([A-Za-z0-9+/=]+)\r\n", b"\r\n" + body)
            for c in chunks:
                try: responses.append(base64.b64decode(c))
                except Exception: pass
    responses.append(e.raw(b"GET /-/metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
    print("distinct tokens seen in the file:", len(seen_tokens))
    leaks = [(i, t) for t in seen_tokens for i, r in enumerate(responses) if t.encode() in r]
    print("leaking response indexes (0 = SessionsUnlock, whose reply message carries the token by design):", [i for i, _ in leaks])
    print("tokens found in responses:", len(leaks))
    log = e.log()
    print("tokens in gateway log:", sum(1 for t in seen_tokens if t.encode() in log))
    # parts of the token (JWT payload segment) anywhere?
    print("jwt segments in responses:", sum(1 for t in seen_tokens for seg in t.split(".")[1:2] for r in responses if seg.encode() in r))
    print("authorization header in responses:", sum(1 for r in responses if b"authorization" in r.lower().split(b"\r\n\r\n")[0]))
finally:
    e.stop()
