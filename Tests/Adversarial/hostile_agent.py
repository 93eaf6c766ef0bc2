# A hostile/broken gRPC agent for adversarial checks: the reference schemas by reflection (or broken
# ones: --refl garbage|error|empty|huge|dup|cycle|selfdep|chain|missing|wrongfile|services10k|nameless),
# and TestService Echo/ControlUnary/Control whose answers each call picks with x-mode request metadata
# (garbage, truncated, badutf8, bigmsg, groups, details-*, err-*, err-token, auth-*, lead-*, fast, ...).
import sys, os, argparse, random, time, json
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ReferenceAgent", "gen"))
from concurrent import futures
import grpc
from grpc_reflection.v1alpha import reflection_pb2 as R
from google.protobuf import descriptor_pb2 as D
from polykey.v1 import test_service_pb2 as ts
p = argparse.ArgumentParser(); p.add_argument("--listen"); p.add_argument("--refl", default="ok"); a = p.parse_args()
fds = D.FileDescriptorSet(); fds.ParseFromString(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ReferenceAgent", "gen", "polykey.binpb"), "rb").read())
FILES = {f.name: f.SerializeToString() for f in fds.file}
SERVICES = ["polykey.v1.TestService", "polykey.v1.ClientService"]
def file_for_symbol(sym):
    return "polykey/v1/test_service.proto" if "TestService" in sym else "polykey/v1/client_service.proto"
def files_resp(names_or_bytes):
    return R.ServerReflectionResponse(file_descriptor_response=R.FileDescriptorResponse(file_descriptor_proto=names_or_bytes))
def refl(req_iter, ctx):
    mode = a.refl
    for req in req_iter:
        kind = req.WhichOneof("message_request")
        if kind == "list_services":
            names = SERVICES
            if mode == "services10k": names = SERVICES + [f"x.S{i}" for i in range(10000)]
            if mode == "nameless": names = ["", "..", "a" * 100000]
            yield R.ServerReflectionResponse(list_services_response=R.ListServiceResponse(service=[R.ServiceResponse(name=n) for n in names]))
        elif kind == "file_containing_symbol":
            sym = req.file_containing_symbol
            if mode == "garbage": yield files_resp([os.urandom(200), b"\x0a\xff\xff\xff\xff\x0f"]); continue
            if mode == "error": yield R.ServerReflectionResponse(error_response=R.ErrorResponse(error_code=5, error_message="nope")); continue
            if mode == "empty": yield R.ServerReflectionResponse(); continue
            if mode == "huge":
                f = D.FileDescriptorProto(name="huge.proto", package="huge")
                for i in range(60000): f.message_type.add(name=f"M{i}").field.add(name="a", number=1, type=9, label=1)
                yield files_resp([f.SerializeToString()] + [FILES[n] for n in FILES]); continue
            if mode == "dup":
                alt = D.FileDescriptorProto(); alt.ParseFromString(FILES["polykey/v1/test_service.proto"])
                alt.message_type[0].field.add(name="zz", number=77, type=5, label=1)
                yield files_resp([FILES[file_for_symbol(sym)], alt.SerializeToString(), FILES[file_for_symbol(sym)]]); continue
            if mode == "cycle":
                x = D.FileDescriptorProto(name="a.proto", dependency=["b.proto"]); y = D.FileDescriptorProto(name="b.proto", dependency=["a.proto"])
                t = D.FileDescriptorProto(); t.ParseFromString(FILES[file_for_symbol(sym)]); t.dependency.append("a.proto")
                yield files_resp([t.SerializeToString(), x.SerializeToString(), y.SerializeToString()]); continue
            if mode == "selfdep":
                t = D.FileDescriptorProto(); t.ParseFromString(FILES[file_for_symbol(sym)]); t.dependency.append(t.name)
                yield files_resp([t.SerializeToString()]); continue
            if mode == "chain":
                t = D.FileDescriptorProto(); t.ParseFromString(FILES[file_for_symbol(sym)]); t.dependency.append("chain0.proto")
                yield files_resp([t.SerializeToString()]); continue
            if mode == "missing":
                t = D.FileDescriptorProto(); t.ParseFromString(FILES[file_for_symbol(sym)]); t.dependency.append("nowhere.proto")
                yield files_resp([t.SerializeToString()]); continue
            if mode == "wrongfile":
                yield files_resp([FILES["polykey/v1/agent.proto"]]); continue
            yield files_resp([FILES[file_for_symbol(sym)]])
        elif kind == "file_by_filename":
            n = req.file_by_filename
            if mode == "chain" and n.startswith("chain"):
                i = int(n[5:-6]); yield files_resp([D.FileDescriptorProto(name=n, dependency=[f"chain{i+1}.proto", f"chain{i+1000000}.proto"]).SerializeToString()]); continue
            if mode == "cycle" and n in ("a.proto", "b.proto"):
                yield files_resp([D.FileDescriptorProto(name=n, dependency=["b.proto" if n == "a.proto" else "a.proto"]).SerializeToString()]); continue
            if mode == "missing" and n == "nowhere.proto":
                yield R.ServerReflectionResponse(error_response=R.ErrorResponse(error_code=5, error_message="not found")); continue
            if n in FILES: yield files_resp([FILES[n]])
            else: yield R.ServerReflectionResponse(error_response=R.ErrorResponse(error_code=5, error_message="not found"))
        else:
            yield R.ServerReflectionResponse(error_response=R.ErrorResponse(error_code=12, error_message="unimplemented"))

def mode_of(ctx):
    return dict(ctx.invocation_metadata()).get("x-mode", "ok")
def answer(mode, ctx):
    """Returns the raw response bytes for one message, or raises via ctx."""
    if mode == "garbage": return os.urandom(64)
    if mode == "truncated": return b"\x0a\x10abc"
    if mode == "badutf8": return b"\x2a\x02\xff\xfe"                   # EchoReply.authorization_scheme (5)? field 5 string -> invalid utf8
    if mode == "badutf8map": return b"\x1a\x08\x0a\x02\xff\xfe\x12\x02ok"  # metadata map key invalid utf8
    if mode == "bigmsg": return b"\x0a" + b"\x80\x80\x80\x02" + b"A" * (4 << 20)  # payload 4 MiB exactly (varint of 4194304)
    if mode == "bigmsg-1": return b"\x0a" + b"\xf6\xff\xff\x01" + b"A" * ((4 << 20) - 10)
    if mode == "deep": return (b"\x0a\x02\x08\x01") * 1  # harmless
    if mode == "groups": return b"\x0b" * 200000 + b"\x0c" * 200000      # start group on field 1 200k deep
    if mode == "unknownbig": return b"\xfa\xff\xff\xff\x0f\x00"            # field 2^29-1 len 0
    if mode == "enum": return b"\x40\xff\xff\xff\xff\x0f"                  # auth_outcome = huge enum number
    if mode == "negenum": return b"\x40\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"
    if mode == "packed": return b"\x20\x05\xff\xff\xff\xff\xff"          # authorization_count (uint32, field 4) as len-delimited garbage
    if mode == "wiretype": return b"\x0d\x01\x02\x03\x04"                  # payload (bytes) as fixed32
    return ts.EchoReply(payload=b"hi").SerializeToString()

def trailers(mode, ctx):
    t = []
    if mode == "details-garbage": t = [("grpc-status-details-bin", os.urandom(300))]
    if mode == "details-deep":
        # google.rpc.Status{details: Any{type_url, value}} with Any nested in Any 10000 deep
        inner = b""
        for _ in range(3000):
            any_ = b"\x0a\x29type.googleapis.com/google.protobuf.Any" + b"\x12" + _varint(len(inner)) + inner
            inner = any_
        st = b"\x08\x03" + b"\x1a" + _varint(len(inner)) + inner
        t = [("grpc-status-details-bin", st)]
    if mode == "details-wkt":
        val = b"\x0a\x05\xff\xfe\xfd\xfc\xfb"  # Duration? with garbage
        any_ = b"\x0a\x2ctype.googleapis.com/google.protobuf.Timestamp\x12" + _varint(len(val)) + val
        t = [("grpc-status-details-bin", b"\x08\x03\x1a" + _varint(len(any_)) + any_)]
    if mode == "details-struct":
        any_ = b"\x0a\x29type.googleapis.com/google.protobuf.Struct\x12\x04\x0a\x02\x0a\x00"
        t = [("grpc-status-details-bin", b"\x08\x03\x1a" + _varint(len(any_)) + any_)]
    if mode == "details-huge": t = [("grpc-status-details-bin", b"\x08\x03\x12\x80\x80\x04" + b"a" * 65536)]
    if mode == "err-deep": t = [("error", "[" * 100000 + "]" * 100000)]
    if mode == "err-deepobj": t = [("error", '{"type":"ErrorX","data":' * 60 + "{}" + "}" * 60)]
    if mode == "err-huge": t = [("error", json.dumps({"type": "ErrorX", "description": "d" * 15000, "exitCode": 64}))]
    if mode == "err-invalid": t = [("error", '{"type": "ErrorX", "exitCode": 1e999, "data": {"a": "\\ud800"}}')]
    if mode == "err-exit": t = [("error", json.dumps({"type": "ErrorX", "exitCode": 2**63}))]
    if mode == "err-exit-neg": t = [("error", json.dumps({"type": "ErrorX", "exitCode": -1}))]
    if mode == "err-exit-frac": t = [("error", json.dumps({"type": "ErrorX", "exitCode": 64.5}))]
    if mode == "err-types": t = [("error", json.dumps({"type": 5, "name": ["x"], "description": {"a": 1}, "message": None, "exitCode": "64"}))]
    if mode == "err-token": t = [("error", json.dumps({"type": "ErrorX", "description": "Bearer " + ctx_token(ctx)}))]
    if mode == "auth-weird": t = [("authorization", "Bearer a b c")]
    if mode == "auth-many": t = [("authorization", f"Bearer tok{i}") for i in range(50)]
    if mode == "auth-long": t = [("authorization", "Bearer " + "t" * 20000)]
    if mode == "msg-huge": return t, "m" * 16000
    if mode == "msg-pct": return t, "%zz%%%FF%00%E9"
    return t, None
def ctx_token(ctx):
    auth = dict(ctx.invocation_metadata()).get("authorization", "")
    return auth.split(" ", 1)[-1]
def _varint(n):
    out = b""
    while n >= 0x80: out += bytes([n & 0x7f | 0x80]); n >>= 7
    return out + bytes([n])
STATUS = {"ok": grpc.StatusCode.OK}
def unary(req, ctx):
    mode = mode_of(ctx)
    lead = []
    if mode == "lead-bin": lead = [("x-lead-bin", b"\x00\r\n\xff")]
    if mode == "lead-authz": lead = [("authorization", "Bearer newtoken-from-lead")]
    if mode == "lead-many": lead = [(f"x-m{i}", "v" * 100) for i in range(300)]
    if mode == "lead-grpc": lead = [("grpc-status", "0"), ("grpc-message", "x"), ("content-type", "text/html")]
    if lead: ctx.send_initial_metadata(lead)
    t, msg = trailers(mode, ctx)
    if mode.startswith("details") or mode.startswith("err") or mode.startswith("msg"):
        ctx.set_trailing_metadata(t); ctx.set_code(grpc.StatusCode.INVALID_ARGUMENT); ctx.set_details(msg or "bad"); return b""
    if t: ctx.set_trailing_metadata(t)
    if mode == "noresp": ctx.set_code(grpc.StatusCode.OK); return None
    return answer(mode, ctx)
def stream(req, ctx):
    mode = mode_of(ctx)
    if mode == "fast":
        blob = ts.ControlReply(index=1, payload=b"x" * 100000).SerializeToString()
        for i in range(2000): yield blob
        return
    for i in range(3): yield answer(mode, ctx)
    t, msg = trailers(mode, ctx)
    if t: ctx.set_trailing_metadata(t)
    if msg: ctx.set_code(grpc.StatusCode.INVALID_ARGUMENT); ctx.set_details(msg)
ident = lambda b: b
handlers = {
    "Echo": grpc.unary_unary_rpc_method_handler(unary, request_deserializer=ident, response_serializer=ident),
    "ControlUnary": grpc.unary_unary_rpc_method_handler(unary, request_deserializer=ident, response_serializer=ident),
    "Control": grpc.unary_stream_rpc_method_handler(stream, request_deserializer=ident, response_serializer=ident),
}
server = grpc.server(futures.ThreadPoolExecutor(max_workers=8), options=[("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", 64 << 20)])
server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("polykey.v1.TestService", handlers),))
for svc in ("grpc.reflection.v1alpha.ServerReflection", "grpc.reflection.v1.ServerReflection"):
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(svc, {"ServerReflectionInfo": grpc.stream_stream_rpc_method_handler(
        refl, request_deserializer=R.ServerReflectionRequest.FromString, response_serializer=R.ServerReflectionResponse.SerializeToString)}),))
server.add_insecure_port(a.listen); server.start(); print("READY", flush=True); server.wait_for_termination()
