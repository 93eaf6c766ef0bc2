#!/usr/bin/env python3
"""A Polykey-like reference gRPC agent for session-gateway's tests.

Run Tests/ReferenceAgent/setup.sh first, then `<venv>/bin/python agent.py
--listen unix:/tmp/agent.sock`. See README.md for the flags and services.
"""

import argparse
import base64
import datetime
import hashlib
import hmac
import json
import math
import os
import secrets as _secrets
import signal
import sys
import threading
import time
import traceback
import uuid
from concurrent import futures

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "gen"))

import grpc  # noqa: E402
from google.protobuf import descriptor_pb2, descriptor_pool, empty_pb2  # noqa: E402
from grpc_reflection.v1alpha import reflection  # noqa: E402
from grpc_reflection.v1alpha import reflection_pb2 as reflection_v1alpha_pb2  # noqa: E402

try:
    from polykey.v1 import (  # noqa: E402
        agent_pb2,
        client_service_pb2,
        client_service_pb2_grpc,
        secrets_pb2,
        sessions_pb2,
        test_service_pb2,
        test_service_pb2_grpc,
        vaults_pb2,
    )
except ImportError as e:  # pragma: no cover
    sys.stderr.write("reference agent: generated code missing (%s); run Tests/ReferenceAgent/setup.sh\n" % e)
    sys.exit(70)

VERSION = "0.1.0-reference"
CLIENT_SERVICE = "polykey.v1.ClientService"
TEST_SERVICE = "polykey.v1.TestService"
REFLECTION_V1 = "grpc.reflection.v1.ServerReflection"

# ---------------------------------------------------------------------------
# Errors


class PolykeyError(Exception):
    """A Polykey error: sent as `code` (UNKNOWN by default) plus an `error`
    trailer holding its JSON."""

    def __init__(self, name, description, exit_code, message="", code=grpc.StatusCode.UNKNOWN):
        super().__init__(message or description)
        self.name = name
        self.description = description
        self.exit_code = exit_code
        self.message = message
        self.code = code


def _timestamp():
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000)


def error_json(name, description, message, exit_code, shape):
    stack = "%s: %s\n    at reference-agent (agent.py)" % (name, message or description)
    if shape == "old":
        body = {
            "name": name,
            "description": description,
            "message": message,
            "exitCode": exit_code,
            "timestamp": _timestamp(),
            "data": {},
            "stack": stack,
        }
    elif shape == "plain":
        body = {"type": name or "Error", "data": {"message": message, "stack": stack}}
    else:
        body = {
            "type": name,
            "data": {
                "message": message,
                "description": description,
                "exitCode": exit_code,
                "timestamp": _timestamp(),
                "data": {},
                "stack": stack,
            },
        }
    # ensure_ascii: metadata values must be printable ASCII.
    return json.dumps(body, ensure_ascii=True, separators=(",", ":"))


# ---------------------------------------------------------------------------
# Sessions: HS256 JWTs signed with an in-memory key


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionManager:
    def __init__(self, ttl, token_format="jwt"):
        self.ttl = ttl
        self.token_format = token_format
        self.lock = threading.Lock()
        self.key = _secrets.token_bytes(32)
        self.generation = 0

    def _sign(self, signing_input):
        with self.lock:
            key = self.key
        return hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest()

    def create_token(self):
        now = time.time()
        claims = {
            "iat": int(now),
            # At least `ttl` seconds of life: exp is rounded up.
            "exp": int(math.ceil(now + self.ttl)),
            "jti": _b64url(_secrets.token_bytes(12)),
        }
        if self.token_format == "general-jws":
            # The JSON General JWS serialization newer Polykey agents issue, with a
            # fractional `iat` (never a whole second, so the fraction is visible).
            iat = round(now, 3)
            if iat == int(iat):
                iat += 0.001
            claims["iat"] = iat
            protected = _b64url(json.dumps({"alg": "HS256"}, separators=(",", ":")).encode())
            payload_b64 = _b64url(json.dumps(claims, separators=(",", ":")).encode())
            sig = self._sign(protected + "." + payload_b64)
            return json.dumps(
                {"payload": payload_b64, "signatures": [{"protected": protected, "signature": _b64url(sig)}]},
                separators=(",", ":"))
        header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
        payload_b64 = _b64url(json.dumps(claims, separators=(",", ":")).encode())
        sig = self._sign(header + "." + payload_b64)
        return header + "." + payload_b64 + "." + _b64url(sig)

    def verify_token(self, token):
        """Either form is accepted, whatever --token-format says."""
        try:
            if token.startswith("{"):
                jws = json.loads(token)
                signature = jws["signatures"][0]
                header_b64, payload_b64, sig_b64 = signature["protected"], jws["payload"], signature["signature"]
            else:
                header_b64, payload_b64, sig_b64 = token.split(".")
            header = json.loads(_b64url_decode(header_b64))
            if header.get("alg") != "HS256":
                return False
            expected = self._sign(header_b64 + "." + payload_b64)
            if not hmac.compare_digest(expected, _b64url_decode(sig_b64)):
                return False
            claims = json.loads(_b64url_decode(payload_b64))
            exp = claims.get("exp")
            if not isinstance(exp, (int, float)) or time.time() >= exp:
                return False
            return True
        except Exception:
            return False

    def reset_key(self):
        with self.lock:
            self.key = _secrets.token_bytes(32)
            self.generation += 1


class Auth:
    """Polykey's authenticate(): checks the `authorization` metadata and, when
    it is good, hands out a fresh token."""

    def __init__(self, sessions, password, names, shape, code):
        self.sessions = sessions
        self.password = password
        self.names = names
        self.shape = shape
        self.code = code

    def _err(self, which):
        v2 = self.names == "v2"
        if which == "missing":
            name = "ErrorClientAuthMissing" if v2 else "ErrorClientJWTTokenNotProvided"
            return PolykeyError(name, "JWT Token not provided in metadata" if not v2 else "Authorization metadata is required", 77, code=self.code)
        if which == "invalid":
            name = "ErrorClientAuthDenied" if v2 else "ErrorSessionTokenInvalid"
            return PolykeyError(name, "Invalid JWT Token, please reauthenticate." if not v2 else "Authorization denied", 65, code=self.code)
        if which == "password":
            return PolykeyError("ErrorClientAuthDenied", "Incorrect password", 65, code=self.code)
        return PolykeyError("ErrorClientAuthFormat", "Authorization metadata has invalid format", 64, code=self.code)

    def classify(self, metadata, fallback_password=None):
        """Returns (outcome, error or None). outcome is a test_service AuthOutcome."""
        auths = [v for k, v in metadata if k == "authorization"]
        T = test_service_pb2
        if not auths:
            if fallback_password is not None and fallback_password != "":
                if hmac.compare_digest(fallback_password.encode(), self.password.encode()):
                    return T.AUTH_OUTCOME_BASIC_VALID, None
                return T.AUTH_OUTCOME_BASIC_INVALID, self._err("password")
            return T.AUTH_OUTCOME_NONE, self._err("missing")
        auth = auths[0]
        if isinstance(auth, bytes):
            auth = auth.decode("latin-1")
        if auth.startswith("Bearer "):
            if self.sessions.verify_token(auth[len("Bearer "):].strip()):
                return T.AUTH_OUTCOME_BEARER_VALID, None
            return T.AUTH_OUTCOME_BEARER_INVALID, self._err("invalid")
        if auth.startswith("Basic "):
            try:
                decoded = base64.b64decode(auth[len("Basic "):].strip(), validate=True).decode("utf-8")
            except Exception:
                return T.AUTH_OUTCOME_MALFORMED, self._err("format")
            if ":" not in decoded:
                return T.AUTH_OUTCOME_MALFORMED, self._err("format")
            password = decoded.split(":", 1)[1]
            if hmac.compare_digest(password.encode(), self.password.encode()):
                return T.AUTH_OUTCOME_BASIC_VALID, None
            return T.AUTH_OUTCOME_BASIC_INVALID, self._err("password")
        return T.AUTH_OUTCOME_MALFORMED, self._err("format")

    def authenticate(self, context, fallback_password=None):
        """Raises PolykeyError, or returns the leading metadata to send:
        [("authorization", "Bearer <new>")]."""
        _, err = self.classify(context.invocation_metadata(), fallback_password)
        if err is not None:
            raise err
        return [("authorization", "Bearer " + self.sessions.create_token())]


def send_error(context, err, shape):
    context.set_trailing_metadata([("error", error_json(err.name, err.description, err.message, err.exit_code, shape))])
    context.abort(err.code, err.message)


def handles_errors(fn):
    """Turns a PolykeyError raised by a handler into status + `error` trailer."""

    def wrapper(self, request, context):
        try:
            result = fn(self, request, context)
            if hasattr(result, "__next__"):
                return _stream_errors(self, result, context)
            return result
        except PolykeyError as err:
            send_error(context, err, self.shape)

    def _stream_errors(self, gen, context):
        try:
            yield from gen
        except PolykeyError as err:
            send_error(context, err, self.shape)

    wrapper.__name__ = fn.__name__
    return wrapper


def handles_stream_errors(fn):
    def wrapper(self, request, context):
        try:
            yield from fn(self, request, context)
        except PolykeyError as err:
            send_error(context, err, self.shape)

    wrapper.__name__ = fn.__name__
    return wrapper


# ---------------------------------------------------------------------------
# ClientService


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.vaults = []  # [(id, name)]
        self.secrets = {}  # (vault_id, name) -> bytes

    def find_vault(self, ref):
        with self.lock:
            for vid, name in self.vaults:
                if ref == vid or ref == name:
                    return vid
        return None


class ClientService(client_service_pb2_grpc.ClientServiceServicer):
    def __init__(self, auth, state, shape, info):
        self.auth = auth
        self.state = state
        self.shape = shape
        self.info = info

    @handles_errors
    def SessionsUnlock(self, request, context):
        md = self.auth.authenticate(context, fallback_password=request.password)
        context.send_initial_metadata(md)
        return sessions_pb2.Token(token=md[0][1][len("Bearer "):])

    @handles_errors
    def SessionsRefresh(self, request, context):
        md = self.auth.authenticate(context)
        context.send_initial_metadata(md)
        return sessions_pb2.Token(token=md[0][1][len("Bearer "):])

    @handles_errors
    def SessionsLockAll(self, request, context):
        # As Polykey does: the fresh token goes out first, then the key is
        # replaced, so that token is invalid too.
        md = self.auth.authenticate(context)
        context.send_initial_metadata(md)
        self.auth.sessions.reset_key()
        return empty_pb2.Empty()

    @handles_errors
    def AgentStatus(self, request, context):
        context.send_initial_metadata(self.auth.authenticate(context))
        return agent_pb2.Status(
            node_id=self.info["node_id"],
            version=VERSION,
            pid=os.getpid(),
            uptime_ms=int((time.time() - self.info["started"]) * 1000),
            listen_addresses=self.info["addresses"],
            session_key_generation=self.auth.sessions.generation,
        )

    @handles_errors
    def VaultsCreate(self, request, context):
        md = self.auth.authenticate(context)
        if request.vault_name == "":
            context.send_initial_metadata(md)
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "vault_name must not be empty")
        with self.state.lock:
            if any(name == request.vault_name for _, name in self.state.vaults):
                raise PolykeyError("ErrorVaultsVaultDefined", "Vault already exists", 64,
                                   message="vault %r already exists" % request.vault_name)
            vid = "v" + uuid.uuid4().hex[:16]
            self.state.vaults.append((vid, request.vault_name))
        context.send_initial_metadata(md)
        return vaults_pb2.VaultId(vault_id=vid)

    @handles_stream_errors
    def VaultsList(self, request, context):
        context.send_initial_metadata(self.auth.authenticate(context))
        with self.state.lock:
            vaults = list(self.state.vaults)
        for vid, name in vaults:
            yield vaults_pb2.Vault(vault_id=vid, vault_name=name)

    @handles_errors
    def SecretsSet(self, request, context):
        md = self.auth.authenticate(context)
        vid = self.state.find_vault(request.vault)
        if vid is None:
            raise PolykeyError("ErrorVaultsVaultUndefined", "Vault does not exist", 67,
                               message="vault %r does not exist" % request.vault)
        with self.state.lock:
            self.state.secrets[(vid, request.name)] = bytes(request.contents)
        context.send_initial_metadata(md)
        return empty_pb2.Empty()

    @handles_errors
    def SecretsGet(self, request, context):
        md = self.auth.authenticate(context)
        vid = self.state.find_vault(request.vault)
        if vid is None:
            raise PolykeyError("ErrorVaultsVaultUndefined", "Vault does not exist", 67,
                               message="vault %r does not exist" % request.vault)
        with self.state.lock:
            contents = self.state.secrets.get((vid, request.name))
        if contents is None:
            raise PolykeyError("ErrorSecretsSecretUndefined", "Secret does not exist", 66,
                               message="secret %r does not exist" % request.name)
        context.send_initial_metadata(md)
        return secrets_pb2.Secret(vault=request.vault, name=request.name, contents=contents)


# ---------------------------------------------------------------------------
# TestService

_RESERVED = ("authorization", "user-agent", "te", "content-type")


def custom_metadata(context):
    out = []
    for k, v in context.invocation_metadata():
        if k in _RESERVED or k.startswith("grpc-") or k.startswith(":"):
            continue
        out.append((k, v))
    return out


def scripted_metadata(entries):
    out = []
    for e in entries:
        key = e.key.lower()
        out.append((key, bytes(e.binary_value) if key.endswith("-bin") else e.value))
    return out


def payload(size):
    return bytes(j % 256 for j in range(size)) if size < 4096 else (bytes(range(256)) * (size // 256 + 1))[:size]


def sleep_while_active(context, ms):
    deadline = time.monotonic() + ms / 1000.0
    while context.is_active():
        left = deadline - time.monotonic()
        if left <= 0:
            return True
        time.sleep(min(left, 0.01))
    return False


class TestService(test_service_pb2_grpc.TestServiceServicer):
    def __init__(self, auth, shape):
        self.auth = auth
        self.shape = shape

    def _plan(self, request, context):
        """Returns (leading, trailing, error_trailer) for a control call; raises
        PolykeyError when authentication was required and failed."""
        leading = []
        if request.require_auth:
            leading += self.auth.authenticate(context)
        if request.echo_metadata_in_headers:
            leading += custom_metadata(context)
        leading += scripted_metadata(request.leading_metadata)
        trailing = []
        if request.echo_metadata_in_trailers:
            trailing += custom_metadata(context)
        trailing += scripted_metadata(request.trailing_metadata)
        if request.error_trailer_json:
            trailing.append(("error", request.error_trailer_json))
        elif request.HasField("polykey_error"):
            pe = request.polykey_error
            trailing.append(("error", error_json(pe.type, pe.description, pe.message, pe.exit_code, pe.shape or "new")))
        return leading, trailing

    def _start(self, request, context):
        # The time left when the call arrived (its grpc-timeout), before any delay.
        remaining = context.time_remaining()
        if request.delay_ms and not sleep_while_active(context, request.delay_ms):
            return None
        if request.gzip_response:
            context.set_compression(grpc.Compression.Gzip)
        leading, trailing = self._plan(request, context)
        if request.echo_metadata_in_trailers and remaining is not None and remaining < 1e6:
            trailing.append(("x-time-remaining-ms", str(int(remaining * 1000))))
        if request.trailers_only:
            trailing = leading + trailing
        else:
            # Always send headers on their own, so the answer is never a
            # trailers-only one (grpc core elides empty initial metadata).
            context.send_initial_metadata(leading or [("x-reference-agent", "1")])
        return trailing

    def _finish(self, request, context, trailing):
        context.set_trailing_metadata(trailing)
        if request.status_code != 0:
            context.abort(_status_code_from_int(request.status_code), request.status_message)
        context.set_code(grpc.StatusCode.OK)
        if request.status_message:
            context.set_details(request.status_message)

    @handles_stream_errors
    def Control(self, request, context):
        trailing = self._start(request, context)
        if trailing is None:
            return
        body = payload(request.payload_size)
        for i in range(request.message_count):
            if i and request.interval_ms and not sleep_while_active(context, request.interval_ms):
                return
            yield test_service_pb2.ControlReply(index=i, payload=body)
        self._finish(request, context, trailing)

    @handles_errors
    def ControlUnary(self, request, context):
        trailing = self._start(request, context)
        if trailing is None:
            context.abort(grpc.StatusCode.CANCELLED, "cancelled")
        self._finish(request, context, trailing)
        return test_service_pb2.ControlReply(index=0, payload=payload(request.payload_size))

    def _echo_reply(self, context, data):
        md = context.invocation_metadata()
        reply = test_service_pb2.EchoReply(payload=data)
        auths = []
        for k, v in md:
            reply.metadata_keys.append(k)
            if k == "authorization":
                auths.append(v if isinstance(v, str) else v.decode("latin-1"))
            elif not k.endswith("-bin"):
                reply.metadata[k] = v
        reply.authorization_count = len(auths)
        if auths:
            a = auths[0]
            scheme, _, cred = a.partition(" ")
            reply.authorization_scheme = scheme
            reply.authorization_sha256 = hashlib.sha256(a.encode("latin-1")).hexdigest()
            reply.authorization_credential_sha256 = hashlib.sha256(cred.encode("latin-1")).hexdigest()
        outcome, _ = self.auth.classify(md)
        reply.auth_outcome = outcome
        return reply

    def _echo_trailers(self, reply):
        return [
            ("x-echo-authorization-count", str(reply.authorization_count)),
            ("x-echo-authorization-scheme", reply.authorization_scheme),
            ("x-echo-authorization-sha256", reply.authorization_sha256),
            ("x-echo-auth-outcome", test_service_pb2.AuthOutcome.Name(reply.auth_outcome)),
        ]

    def _echo_leading(self, context, require_auth):
        """The rotated token when the caller authenticated (or must)."""
        if require_auth:
            return self.auth.authenticate(context)
        _, err = self.auth.classify(context.invocation_metadata())
        if err is None:
            return [("authorization", "Bearer " + self.auth.sessions.create_token())]
        return []

    @handles_errors
    def Echo(self, request, context):
        leading = self._echo_leading(context, request.require_auth)
        reply = self._echo_reply(context, request.payload)
        context.send_initial_metadata(leading or [("x-reference-agent", "1")])
        context.set_trailing_metadata(self._echo_trailers(reply))
        return reply

    @handles_errors
    def EchoCollect(self, request_iterator, context):
        parts = []
        require = False
        for req in request_iterator:
            parts.append(bytes(req.payload))
            require = require or req.require_auth
        leading = self._echo_leading(context, require)
        reply = self._echo_reply(context, b"".join(parts))
        context.send_initial_metadata(leading or [("x-reference-agent", "1")])
        context.set_trailing_metadata(self._echo_trailers(reply))
        return reply

    @handles_stream_errors
    def EchoStream(self, request_iterator, context):
        sent = False
        for req in request_iterator:
            if not sent:
                leading = self._echo_leading(context, req.require_auth)
                context.send_initial_metadata(leading or [("x-reference-agent", "1")])
                sent = True
            yield self._echo_reply(context, req.payload)


def _status_code_from_int(n):
    for c in grpc.StatusCode:
        if c.value[0] == n:
            return c
    return grpc.StatusCode.UNKNOWN


# ---------------------------------------------------------------------------
# Reflection (v1alpha from grpcio-reflection; v1 served by the same servicer,
# its messages being wire-identical) and the descriptor set


def add_reflection_v1_descriptor():
    """Registers grpc/reflection/v1/reflection.proto in the default pool (a
    renamed copy of v1alpha's), so reflection can describe itself under v1."""
    pool = descriptor_pool.Default()
    try:
        pool.FindServiceByName(REFLECTION_V1)
        return
    except KeyError:
        pass
    fdp = descriptor_pb2.FileDescriptorProto.FromString(reflection_v1alpha_pb2.DESCRIPTOR.serialized_pb)
    fdp.name = "grpc/reflection/v1/reflection.proto"
    fdp.package = "grpc.reflection.v1"
    for msg in fdp.message_type:
        for field in msg.field:
            if field.type_name.startswith(".grpc.reflection.v1alpha."):
                field.type_name = ".grpc.reflection.v1." + field.type_name[len(".grpc.reflection.v1alpha."):]
    for svc in fdp.service:
        for m in svc.method:
            m.input_type = m.input_type.replace(".v1alpha.", ".v1.")
            m.output_type = m.output_type.replace(".v1alpha.", ".v1.")
    fdp.options.Clear()
    pool.Add(fdp)


def enable_reflection(server, service_names):
    names = list(service_names) + [reflection.SERVICE_NAME, REFLECTION_V1]
    servicer = reflection.ReflectionServicer(names)
    server.add_generic_rpc_handlers((
        grpc.method_handlers_generic_handler(reflection.SERVICE_NAME, {
            "ServerReflectionInfo": grpc.stream_stream_rpc_method_handler(
                servicer.ServerReflectionInfo,
                request_deserializer=reflection_v1alpha_pb2.ServerReflectionRequest.FromString,
                response_serializer=reflection_v1alpha_pb2.ServerReflectionResponse.SerializeToString),
        }),
        grpc.method_handlers_generic_handler(REFLECTION_V1, {
            "ServerReflectionInfo": grpc.stream_stream_rpc_method_handler(
                servicer.ServerReflectionInfo,
                request_deserializer=reflection_v1alpha_pb2.ServerReflectionRequest.FromString,
                response_serializer=reflection_v1alpha_pb2.ServerReflectionResponse.SerializeToString),
        }),
    ))


def descriptor_set_bytes():
    fds = descriptor_pb2.FileDescriptorSet()
    seen = set()

    def add(fd):
        if fd.name in seen:
            return
        seen.add(fd.name)
        for dep in fd.dependencies:
            add(dep)
        fds.file.append(descriptor_pb2.FileDescriptorProto.FromString(fd.serialized_pb))

    add(client_service_pb2.DESCRIPTOR)
    add(test_service_pb2.DESCRIPTOR)
    return fds.SerializeToString()


# ---------------------------------------------------------------------------
# Request logging (off unless --log)


class LogInterceptor(grpc.ServerInterceptor):
    def intercept_service(self, continuation, handler_call_details):
        keys = [k for k, _ in handler_call_details.invocation_metadata]
        sys.stderr.write("reference agent: %s metadata=%s\n" % (handler_call_details.method, keys))
        sys.stderr.flush()
        return continuation(handler_call_details)


# ---------------------------------------------------------------------------
# main


def parse_args(argv):
    p = argparse.ArgumentParser(description="Polykey-like reference gRPC agent for session-gateway tests.")
    p.add_argument("--listen", action="append", default=None,
                   help="unix:/path or HOST:PORT (port 0 picks one); repeatable. Default 127.0.0.1:0")
    p.add_argument("--tls-cert", help="PEM certificate chain: serve TLS (h2 via ALPN) on TCP listeners")
    p.add_argument("--tls-key", help="PEM private key for --tls-cert")
    p.add_argument("--password", default=None, help="the agent password (default: password)")
    p.add_argument("--password-file", default=None, help="read the password from FILE (trimmed)")
    p.add_argument("--token-ttl", type=float, default=3600.0, help="token lifetime in seconds (default 3600)")
    p.add_argument("--token-format", choices=("jwt", "general-jws"), default="jwt",
                   help='tokens issued: jwt (compact) or general-jws ({"payload", "signatures": [...]}, fractional iat); both are accepted')
    p.add_argument("--error-shape", choices=("new", "old"), default="new",
                   help='error trailer JSON: new {"type","data":{...}} or old flat {"name",...}')
    p.add_argument("--auth-error-names", choices=("v1", "v2"), default="v1",
                   help="v1: ErrorClientJWTTokenNotProvided/ErrorSessionTokenInvalid; v2: ErrorClientAuthMissing/ErrorClientAuthDenied")
    p.add_argument("--auth-error-code", type=int, default=2,
                   help="gRPC status code of authentication errors (default 2, UNKNOWN, as Polykey)")
    p.add_argument("--compress-responses", action="store_true",
                   help="gzip-compress responses (to callers that accept gzip)")
    p.add_argument("--descriptor-set-out", help="write a FileDescriptorSet (with imports) of the served protos")
    p.add_argument("--no-reflection", action="store_true", help="do not serve gRPC server reflection")
    p.add_argument("--without-test-service", action="store_true",
                   help="serve (and list) only ClientService: an 'older agent' for schema re-fetch tests")
    p.add_argument("--max-receive-message-length", type=int, default=4 * 1024 * 1024)
    p.add_argument("--workers", type=int, default=32, help="handler threads (default 32)")
    p.add_argument("--log", action="store_true", help="log each call to stderr")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    if args.password_file:
        with open(args.password_file, encoding="utf-8") as f:
            password = f.read().strip()
    elif args.password is not None:
        password = args.password
    else:
        password = "password"
    if bool(args.tls_cert) != bool(args.tls_key):
        sys.stderr.write("reference agent: --tls-cert and --tls-key go together\n")
        return 64

    if args.descriptor_set_out:
        with open(args.descriptor_set_out, "wb") as f:
            f.write(descriptor_set_bytes())

    shape = args.error_shape
    sessions = SessionManager(args.token_ttl, args.token_format)
    auth = Auth(sessions, password, args.auth_error_names, shape, _status_code_from_int(args.auth_error_code))
    info = {"node_id": "node-" + uuid.uuid4().hex[:12], "started": time.time(), "addresses": []}

    options = [
        ("grpc.max_receive_message_length", args.max_receive_message_length),
        ("grpc.max_send_message_length", -1),
        ("grpc.so_reuseport", 0),
    ]
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=args.workers),
        options=options,
        interceptors=[LogInterceptor()] if args.log else None,
        compression=grpc.Compression.Gzip if args.compress_responses else None,
    )
    client_service_pb2_grpc.add_ClientServiceServicer_to_server(ClientService(auth, State(), shape, info), server)
    if not args.without_test_service:
        test_service_pb2_grpc.add_TestServiceServicer_to_server(TestService(auth, shape), server)
    if not args.no_reflection:
        add_reflection_v1_descriptor()
        enable_reflection(server, [CLIENT_SERVICE] + ([] if args.without_test_service else [TEST_SERVICE]))

    creds = None
    if args.tls_cert:
        with open(args.tls_key, "rb") as f:
            key = f.read()
        with open(args.tls_cert, "rb") as f:
            cert = f.read()
        creds = grpc.ssl_server_credentials([(key, cert)])

    unix_paths = []
    for listen in args.listen or ["127.0.0.1:0"]:
        if listen.startswith("unix:"):
            path = listen[len("unix:"):]
            if os.path.exists(path):
                os.unlink(path)
            if server.add_insecure_port(listen) == 0:
                sys.stderr.write("reference agent: cannot listen on %s\n" % listen)
                return 69
            unix_paths.append(path)
            info["addresses"].append(listen)
        else:
            host, _, port = listen.rpartition(":")
            bound = server.add_secure_port(listen, creds) if creds else server.add_insecure_port(listen)
            if bound == 0:
                sys.stderr.write("reference agent: cannot listen on %s\n" % listen)
                return 69
            info["addresses"].append("%s:%d" % (host, bound))

    stop = threading.Event()
    # A parent may start us with these blocked (Swift's Foundation.Process does).
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    server.start()
    sys.stdout.write("READY %s\n" % " ".join(info["addresses"]))
    sys.stdout.flush()
    while not stop.wait(0.5):
        pass
    server.stop(grace=0.5).wait()
    for path in unix_paths:
        try:
            os.unlink(path)
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
    except Exception:
        traceback.print_exc()
        sys.exit(70)
