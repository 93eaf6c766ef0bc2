# Agent faults: killed mid-stream, down, restarted; deadlines; huge metadata/trailers from the agent.
import sys, os, threading, signal; sys.path.insert(0, os.path.dirname(__file__))
from gwlib import *
e = Env()
P = "/polykey.v1.TestService/Control"
def call(req, headers=(), timeout=15):
    t = time.time(); r = e.grpcweb(P, frame(req), headers=headers, timeout=timeout)
    st = re.findall(rb"grpc-status: ?(\d+)", r); msg = re.findall(rb"grpc-message: ?([^\r]*)", r)
    return (st, msg[:1], round(time.time() - t, 2), b"TIMEOUT" in r, len(r))
try:
    print("ok call:", call(control(message_count=1)))
    # killed mid-stream
    res = []
    th = threading.Thread(target=lambda: res.append(call(control(message_count=100, payload_size=10, interval_ms=50))))
    th.start(); time.sleep(1); e.agent.kill(); e.agent.wait(); th.join()
    print("agent SIGKILLed mid-stream:", res)
    print("agent down:", call(control(message_count=1)))
    e.start_agent()
    print("agent restarted, 1st:", call(control(message_count=1)))
    print("agent restarted, 2nd:", call(control(message_count=1)))
    # deadline
    print("deadline 500m vs delay 3000:", call(control(message_count=1, delay_ms=3000), headers=[("Grpc-Timeout", "500m")]))
    # agent stopped (SIGSTOP) -> connection hangs; with a deadline
    os.kill(e.agent.pid, signal.SIGSTOP)
    print("agent frozen, deadline 1S:", call(control(message_count=1), headers=[("Grpc-Timeout", "1S")]))
    print("agent frozen, no deadline:", call(control(message_count=1), timeout=8))
    print("health while agent frozen:", e.health())
    os.kill(e.agent.pid, signal.SIGCONT)
    time.sleep(0.5)
    print("agent thawed:", call(control(message_count=1)))
    # huge / many metadata from the agent
    print("60KB leading md:", call(control(message_count=1, leading_metadata=[("x-big", "a"*60000)])))
    print("500 trailers:", call(control(message_count=1, trailing_metadata=[(f"x-t{i}", "v"*100) for i in range(500)])))
    print("md with CRLF-ish:", call(control(message_count=1, leading_metadata=[("x-a", "a\tb")])))
    print("unicode status msg:", call(control(message_count=0, status_code=3, status_message="bad\r\nX-Injected: 1 ünï")))
    print("status 99:", call(control(message_count=0, status_code=99)))
    print("status -1:", call(control(message_count=0, status_code=-1)))
    print("after: alive", e.alive(), "health", e.health())
finally:
    e.stop()
    print(e.log().decode(errors="replace")[-800:])
