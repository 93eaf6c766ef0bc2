# A -bin request header whose value is not base64 was forwarded to the agent as is (JSON:
# Grpc-Metadata-X-Trace-Bin; gRPC-Web: X-Trace-Bin). Now JSON answers 400/65 naming the header
# and gRPC-Web a trailers-only grpc-status 3; padded and unpadded base64 still go through.
# Exit 0: fixed; 1: still broken.
import sys, os, json; sys.path.insert(0, os.path.dirname(__file__))
from gwlib import *

def json_call(e, header):
    body = b'{"echoMetadataInTrailers": true}'
    return e.raw(b"POST /polykey.v1.TestService/ControlUnary HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                 + header.encode() + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)

e = Env()
ok = True
try:
    # A comma-joined list is refused too: grpc-core fails it ("illegal base64 encoding").
    for value in ("not base64!", "AAE=x", "AAEC,AA==", "AAEC/w==", "AAEC/w"):
        r = json_call(e, "Grpc-Metadata-X-Trace-Bin: " + value)
        valid = value in ("AAEC/w==", "AAEC/w")
        print("JSON", repr(value), r.split(b"\r\n")[0].decode(), r.partition(b"\r\n\r\n")[2][:160].decode().strip())
        ok = ok and r.startswith(b"HTTP/1.1 200" if valid else b"HTTP/1.1 400")
        r = e.grpcweb("/polykey.v1.TestService/ControlUnary", frame(control(echo_metadata_in_trailers=True)),
                      headers=[("X-Trace-Bin", value)])
        status = re.search(rb"grpc-status: ?(\d+)", r)
        print("gRPC-Web", repr(value), "grpc-status", status and status.group(1).decode())
        ok = ok and status is not None and status.group(1) == (b"0" if valid else b"3")
finally:
    e.stop()
print("FIXED" if ok else "BROKEN")
sys.exit(0 if ok else 1)
