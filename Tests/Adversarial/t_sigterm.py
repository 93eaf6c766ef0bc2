# SIGTERM (idle gateway, and with a call in flight): expect exit 0 and the socket file removed.
import sys, os, signal, threading; sys.path.insert(0, os.path.dirname(__file__))
from gwlib import *
for inflight in (False, True):
    e = Env()
    try:
        if inflight:
            s = e.connect()
            body = frame(control(message_count=1, delay_ms=5000))
            s.sendall(f"POST /polykey.v1.TestService/Control HTTP/1.1\r\nHost: x\r\nContent-Type: application/grpc-web\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
            time.sleep(0.5)
        e.gw.send_signal(signal.SIGTERM)
        rc = e.gw.wait(10)
        print(f"inflight={inflight}: exit code {rc} (negative = killed by signal), socket file still there: {os.path.exists(e.gw_sock)}")
        log = e.log().decode(errors="replace")
        print("  crashed:", "Program crashed" in log, [l for l in log.splitlines() if "crashed" in l][:1])
    finally:
        e.stop()
