#!/usr/bin/env python3
"""Self-check of the reference agent with a real grpc Python client.

Run with the venv's python after setup.sh:  <venv>/bin/python selfcheck.py
Exits 0 when every check passes; prints 'N passed, N failed' last.
"""

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "gen"))

import grpc  # noqa: E402
from google.protobuf import descriptor_pb2, empty_pb2  # noqa: E402
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc  # noqa: E402
from polykey.v1 import (  # noqa: E402
    client_service_pb2_grpc,
    secrets_pb2,
    sessions_pb2,
    test_service_pb2 as T,
    test_service_pb2_grpc,
    vaults_pb2,
)

EMPTY = empty_pb2.Empty()
PASSED = []
FAILED = []


class Agent:
    def __init__(self, tmp, *flags, name="agent.sock", tcp=False):
        self.listen = "127.0.0.1:0" if tcp else "unix:" + os.path.join(tmp, name)
        cmd = [sys.executable, os.path.join(HERE, "agent.py"), "--listen", self.listen] + list(flags)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("READY "):
            self.proc.kill()
            raise RuntimeError("agent did not start: %r" % line)
        self.address = line.split()[1]

    def channel(self, target=None, creds=None, options=None):
        target = target or self.address
        if creds:
            return grpc.secure_channel(target, creds, options=options or [])
        return grpc.insecure_channel(target, options=options or [])

    def stop(self):
        self.proc.terminate()
        rc = self.proc.wait(10)
        if rc != 0:
            raise RuntimeError("agent exited %d on SIGTERM" % rc)


def check(name):
    def deco(fn):
        try:
            fn()
            PASSED.append(name)
            print("ok   %s" % name)
        except Exception:
            FAILED.append(name)
            print("FAIL %s" % name)
            traceback.print_exc()
        return fn

    return deco


def basic(password):
    return "Basic " + base64.b64encode((":" + password).encode()).decode()


def leading_token(call):
    for k, v in call.initial_metadata():
        if k == "authorization":
            assert v.startswith("Bearer "), v
            return v[len("Bearer "):]
    raise AssertionError("no authorization in leading metadata: %r" % (call.initial_metadata(),))


def error_trailer(err):
    for k, v in err.trailing_metadata() or ():
        if k == "error":
            return json.loads(v)
    raise AssertionError("no error trailer: %r / %s" % (err.trailing_metadata(), err.details()))


def expect_error(fn, code=grpc.StatusCode.UNKNOWN):
    try:
        fn()
    except grpc.RpcError as err:
        assert err.code() == code, (err.code(), err.details())
        return err
    raise AssertionError("call succeeded, expected %s" % code)


def main():
    tmp = tempfile.mkdtemp(prefix="refagent-")
    agents = []
    try:
        a = Agent(tmp, "--descriptor-set-out", os.path.join(tmp, "set.binpb"))
        agents.append(a)
        ch = a.channel()
        cs = client_service_pb2_grpc.ClientServiceStub(ch)
        ts = test_service_pb2_grpc.TestServiceStub(ch)
        state = {}

        @check("no token -> ErrorClientJWTTokenNotProvided (UNKNOWN, exit 77)")
        def _():
            err = expect_error(lambda: cs.AgentStatus(EMPTY))
            e = error_trailer(err)
            assert e["type"] == "ErrorClientJWTTokenNotProvided", e
            assert e["data"]["description"] == "JWT Token not provided in metadata"
            assert e["data"]["exitCode"] == 77 and e["data"]["message"] == ""

        @check("wrong password -> ErrorClientAuthDenied (exit 65)")
        def _():
            err = expect_error(lambda: cs.SessionsUnlock(sessions_pb2.Password(), metadata=[("authorization", basic("nope"))]))
            e = error_trailer(err)
            assert e["type"] == "ErrorClientAuthDenied" and e["data"]["exitCode"] == 65, e

        @check("unlock with Basic metadata -> token in reply and leading metadata")
        def _():
            reply, call = cs.SessionsUnlock.with_call(sessions_pb2.Password(), metadata=[("authorization", basic("password"))])
            tok = leading_token(call)
            assert reply.token == tok and tok.count(".") == 2
            claims = json.loads(base64.urlsafe_b64decode(tok.split(".")[1] + "=="))
            assert claims["exp"] - claims["iat"] >= 3600, claims
            state["token"] = tok

        @check("unlock with the password field only")
        def _():
            reply, call = cs.SessionsUnlock.with_call(sessions_pb2.Password(password="password"))
            assert reply.token == leading_token(call)
            expect_error(lambda: cs.SessionsUnlock(sessions_pb2.Password(password="bad")))

        @check("bearer call rotates the token; old token stays valid")
        def _():
            old = state["token"]
            status, call = cs.AgentStatus.with_call(EMPTY, metadata=[("authorization", "Bearer " + old)])
            new = leading_token(call)
            assert new != old and status.version
            cs.AgentStatus(EMPTY, metadata=[("authorization", "Bearer " + old)])
            _, call = cs.SessionsRefresh.with_call(EMPTY, metadata=[("authorization", "Bearer " + new)])
            state["token"] = leading_token(call)

        @check("garbage bearer -> ErrorSessionTokenInvalid (exit 65)")
        def _():
            err = expect_error(lambda: cs.AgentStatus(EMPTY, metadata=[("authorization", "Bearer a.b.c")]))
            e = error_trailer(err)
            assert e["type"] == "ErrorSessionTokenInvalid", e
            assert e["data"]["description"] == "Invalid JWT Token, please reauthenticate."
            assert e["data"]["exitCode"] == 65

        @check("malformed authorization -> ErrorClientAuthFormat (exit 64)")
        def _():
            err = expect_error(lambda: cs.AgentStatus(EMPTY, metadata=[("authorization", "Token x")]))
            assert error_trailer(err)["type"] == "ErrorClientAuthFormat"

        @check("vaults create/list (server streaming), secrets set/get")
        def _():
            md = [("authorization", "Bearer " + state["token"])]
            ids = [cs.VaultsCreate(vaults_pb2.VaultName(vault_name="v%d" % i), metadata=md).vault_id for i in range(3)]
            call = cs.VaultsList(EMPTY, metadata=md)
            got = [(v.vault_id, v.vault_name) for v in call]
            assert got == [(ids[i], "v%d" % i) for i in range(3)], got
            assert leading_token(call)
            err = expect_error(lambda: cs.VaultsCreate(vaults_pb2.VaultName(vault_name="v0"), metadata=md))
            assert error_trailer(err)["type"] == "ErrorVaultsVaultDefined"
            expect_error(lambda: cs.VaultsCreate(vaults_pb2.VaultName(), metadata=md), grpc.StatusCode.INVALID_ARGUMENT)
            blob = bytes(range(256)) * 3
            cs.SecretsSet(secrets_pb2.Secret(vault="v1", name="s", contents=blob), metadata=md)
            assert cs.SecretsGet(secrets_pb2.SecretRef(vault=ids[1], name="s"), metadata=md).contents == blob
            err = expect_error(lambda: cs.SecretsGet(secrets_pb2.SecretRef(vault="v1", name="nope"), metadata=md))
            assert error_trailer(err)["data"]["exitCode"] == 66
            err = expect_error(lambda: cs.SecretsSet(secrets_pb2.Secret(vault="zz", name="s"), metadata=md))
            assert error_trailer(err)["data"]["exitCode"] == 67

        @check("lockall invalidates every earlier token, including its own")
        def _():
            md = [("authorization", "Bearer " + state["token"])]
            _, call = cs.SessionsLockAll.with_call(EMPTY, metadata=md)
            own = leading_token(call)
            for tok in (state["token"], own):
                err = expect_error(lambda: cs.AgentStatus(EMPTY, metadata=[("authorization", "Bearer " + tok)]))
                assert error_trailer(err)["type"] == "ErrorSessionTokenInvalid"
            reply = cs.SessionsUnlock(sessions_pb2.Password(password="password"))
            st = cs.AgentStatus(EMPTY, metadata=[("authorization", "Bearer " + reply.token)])
            assert st.session_key_generation == 1

        @check("control: streaming messages, sizes, OK status, echoed metadata")
        def _():
            req = T.ControlRequest(message_count=5, payload_size=300, echo_metadata_in_headers=True,
                                   echo_metadata_in_trailers=True,
                                   leading_metadata=[T.MetadataEntry(key="x-lead", value="L")],
                                   trailing_metadata=[T.MetadataEntry(key="x-trail-bin", binary_value=b"\x00\xff")])
            call = ts.Control(req, metadata=[("x-custom", "hello"), ("authorization", "Bearer zzz")])
            replies = list(call)
            assert [r.index for r in replies] == list(range(5))
            assert all(r.payload == bytes(j % 256 for j in range(300)) for r in replies)
            lead = dict(call.initial_metadata())
            trail = dict(call.trailing_metadata())
            assert lead["x-custom"] == "hello" and lead["x-lead"] == "L" and "authorization" not in lead, lead
            assert trail["x-custom"] == "hello" and trail["x-trail-bin"] == b"\x00\xff", trail
            assert call.code() == grpc.StatusCode.OK

        @check("control: error after messages, non-ASCII message, error trailer")
        def _():
            msg = "déjà vu ✓ 100% {ok}"
            pe = T.PolykeyError(type="ErrorVaultsVaultUndefined", description="Vault does not exist",
                                message="nope", exit_code=67, shape="old")
            call = ts.Control(T.ControlRequest(message_count=2, status_code=5, status_message=msg, polykey_error=pe))
            got = []
            try:
                for r in call:
                    got.append(r)
                raise AssertionError("no error")
            except grpc.RpcError as err:
                assert err.code() == grpc.StatusCode.NOT_FOUND and err.details() == msg, (err.code(), err.details())
                e = error_trailer(err)
                assert e["name"] == "ErrorVaultsVaultUndefined" and e["exitCode"] == 67 and e["message"] == "nope", e
            assert len(got) == 2
            err = expect_error(lambda: ts.ControlUnary(T.ControlRequest(status_code=2, error_trailer_json='{"type":"Error","data":{"message":"x"}}')))
            assert error_trailer(err) == {"type": "Error", "data": {"message": "x"}}

        @check("control: trailers-only carries leading metadata in trailers")
        def _():
            req = T.ControlRequest(status_code=7, status_message="denied", trailers_only=True,
                                   leading_metadata=[T.MetadataEntry(key="x-lead", value="L")])
            err = expect_error(lambda: ts.ControlUnary(req), grpc.StatusCode.PERMISSION_DENIED)
            assert dict(err.trailing_metadata())["x-lead"] == "L"

        @check("control: delay_ms vs deadline -> DEADLINE_EXCEEDED")
        def _():
            t0 = time.monotonic()
            expect_error(lambda: ts.ControlUnary(T.ControlRequest(delay_ms=2000), timeout=0.3), grpc.StatusCode.DEADLINE_EXCEEDED)
            assert time.monotonic() - t0 < 1.5
            reply = ts.ControlUnary(T.ControlRequest(delay_ms=100, payload_size=3), timeout=5)
            assert reply.payload == b"\x00\x01\x02"

        @check("control: require_auth")
        def _():
            err = expect_error(lambda: ts.ControlUnary(T.ControlRequest(require_auth=True)))
            assert error_trailer(err)["type"] == "ErrorClientJWTTokenNotProvided"
            _, call = ts.ControlUnary.with_call(T.ControlRequest(require_auth=True), metadata=[("authorization", basic("password"))])
            assert leading_token(call)
            err = expect_error(lambda: ts.ControlUnary(T.ControlRequest(require_auth=True, trailers_only=True, status_code=5),
                                                       metadata=[("authorization", basic("password"))]), grpc.StatusCode.NOT_FOUND)
            assert dict(err.trailing_metadata())["authorization"].startswith("Bearer ")

        @check("echo: reports the authorization that arrived (scheme, hashes, count)")
        def _():
            auth = basic("password")
            reply, call = ts.Echo.with_call(T.EchoRequest(payload=b"hi"), metadata=[("authorization", auth), ("x-a", "1")])
            assert reply.payload == b"hi" and reply.authorization_count == 1
            assert reply.authorization_scheme == "Basic"
            assert reply.authorization_sha256 == hashlib.sha256(auth.encode()).hexdigest()
            assert reply.authorization_credential_sha256 == hashlib.sha256(auth[6:].encode()).hexdigest()
            assert reply.auth_outcome == T.AUTH_OUTCOME_BASIC_VALID and reply.metadata["x-a"] == "1"
            assert "x-a" in reply.metadata_keys and "authorization" not in reply.metadata
            assert leading_token(call)
            trail = dict(call.trailing_metadata())
            assert trail["x-echo-authorization-sha256"] == reply.authorization_sha256
            reply = ts.Echo(T.EchoRequest(payload=b""))
            assert reply.authorization_count == 0 and reply.auth_outcome == T.AUTH_OUTCOME_NONE
            err = expect_error(lambda: ts.Echo(T.EchoRequest(require_auth=True), metadata=[("authorization", "Bearer x.y.z")]))
            assert error_trailer(err)["type"] == "ErrorSessionTokenInvalid"

        @check("echo: client streaming and bidi")
        def _():
            reply = ts.EchoCollect(iter([T.EchoRequest(payload=b"ab"), T.EchoRequest(payload=b"cd")]))
            assert reply.payload == b"abcd"
            out = [r.payload for r in ts.EchoStream(iter([T.EchoRequest(payload=b"1"), T.EchoRequest(payload=b"2")]))]
            assert out == [b"1", b"2"]

        @check("reflection v1alpha and v1, descriptor set out")
        def _():
            for svc in ("grpc.reflection.v1alpha.ServerReflection", "grpc.reflection.v1.ServerReflection"):
                info = ch.stream_stream("/%s/ServerReflectionInfo" % svc,
                                        request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
                                        response_deserializer=reflection_pb2.ServerReflectionResponse.FromString)
                reqs = [reflection_pb2.ServerReflectionRequest(list_services=""),
                        reflection_pb2.ServerReflectionRequest(file_containing_symbol="polykey.v1.ClientService"),
                        reflection_pb2.ServerReflectionRequest(file_containing_symbol=svc)]
                res = list(info(iter(reqs)))
                names = {s.name for s in res[0].list_services_response.service}
                assert {"polykey.v1.ClientService", "polykey.v1.TestService", svc} <= names, names
                files = [descriptor_pb2.FileDescriptorProto.FromString(b).name
                         for b in res[1].file_descriptor_response.file_descriptor_proto]
                assert "polykey/v1/client_service.proto" in files, files
                assert res[2].WhichOneof("message_response") == "file_descriptor_response", res[2]
            fds = descriptor_pb2.FileDescriptorSet.FromString(open(os.path.join(tmp, "set.binpb"), "rb").read())
            names = [f.name for f in fds.file]
            assert "google/protobuf/empty.proto" in names and "polykey/v1/test_service.proto" in names, names
            fds = descriptor_pb2.FileDescriptorSet.FromString(open(os.path.join(HERE, "gen", "polykey.binpb"), "rb").read())
            assert "google/protobuf/empty.proto" in [f.name for f in fds.file]

        ch.close()

        # A second agent: short TTL, old error shape, v2 names, gzip, password file.
        pwfile = os.path.join(tmp, "pw")
        with open(pwfile, "w") as f:
            f.write("  s3cret\n")
        b = Agent(tmp, "--token-ttl", "1", "--error-shape", "old", "--auth-error-names", "v2",
                  "--compress-responses", "--password-file", pwfile, tcp=True)
        agents.append(b)
        chb = b.channel()
        csb = client_service_pb2_grpc.ClientServiceStub(chb)

        @check("TCP port 0, password file, v2 names, old shape")
        def _():
            assert b.address.startswith("127.0.0.1:") and not b.address.endswith(":0")
            err = expect_error(lambda: csb.AgentStatus(EMPTY))
            e = error_trailer(err)
            assert e["name"] == "ErrorClientAuthMissing" and e["exitCode"] == 77, e
            err = expect_error(lambda: csb.AgentStatus(EMPTY, metadata=[("authorization", "Bearer a.b.c")]))
            assert error_trailer(err)["name"] == "ErrorClientAuthDenied"
            state["b"] = csb.SessionsUnlock(sessions_pb2.Password(password="s3cret")).token

        @check("expiry: a token dies after --token-ttl")
        def _():
            md = [("authorization", "Bearer " + state["b"])]
            csb.AgentStatus(EMPTY, metadata=md)
            time.sleep(2.1)
            err = expect_error(lambda: csb.AgentStatus(EMPTY, metadata=md))
            assert error_trailer(err)["name"] == "ErrorClientAuthDenied"

        @check("gzip responses decode")
        def _():
            gz = b.channel(options=[("grpc.default_compression_algorithm", 2)])
            r = test_service_pb2_grpc.TestServiceStub(gz).ControlUnary(T.ControlRequest(payload_size=10000, gzip_response=True))
            assert len(r.payload) == 10000
            gz.close()

        chb.close()

        openssl = shutil.which("openssl")
        if openssl:
            @check("TLS (h2 via ALPN)")
            def _():
                key, crt = os.path.join(tmp, "k.pem"), os.path.join(tmp, "c.pem")
                subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", crt,
                                "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                               check=True, capture_output=True)
                c = Agent(tmp, "--tls-cert", crt, "--tls-key", key, tcp=True)
                agents.append(c)
                creds = grpc.ssl_channel_credentials(open(crt, "rb").read())
                chc = c.channel(creds=creds)
                reply = test_service_pb2_grpc.TestServiceStub(chc).Echo(T.EchoRequest(payload=b"tls"), timeout=10)
                assert reply.payload == b"tls"
                chc.close()
        else:
            print("skip TLS (no openssl)")

        @check("agents exit 0 on SIGTERM and remove their socket")
        def _():
            for ag in agents:
                ag.stop()
            agents.clear()
            assert not os.path.exists(os.path.join(tmp, "agent.sock"))
    finally:
        for ag in agents:
            ag.proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)

    print("%d passed, %d failed" % (len(PASSED), len(FAILED)))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
