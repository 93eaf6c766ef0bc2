#!/usr/bin/env bash
# The main job: build the gateway, start the reference agent and the gateway on private Unix
# sockets, unlock a session, and make calls with curl over the gateway's socket.
# Leaves both running when given --keep; otherwise stops them at the end.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -x /opt/swift/usr/bin/swift ] && export PATH=/opt/swift/usr/bin:$PATH
bash deploy/setup.sh
swift build -c release --product session-gateway 2>&1 | tail -1

work=$(mktemp -d /tmp/session-gateway-demo-XXXXXX)
chmod 700 "$work"
venv=${SESSION_GATEWAY_VENV:-$root/.venv}
cleanup() {
  [ -n "${gateway_pid:-}" ] && kill "$gateway_pid" 2>/dev/null || true
  [ -n "${agent_pid:-}" ] && kill "$agent_pid" 2>/dev/null || true
  wait 2>/dev/null || true
}
[ "${1:-}" = "--keep" ] || trap cleanup EXIT

echo "demo: starting the reference agent on unix:$work/agent.sock"
"$venv/bin/python" Tests/ReferenceAgent/agent.py --listen "unix:$work/agent.sock" \
  --password demo-password > "$work/agent.out" 2> "$work/agent.log" &
agent_pid=$!
for _ in $(seq 100); do grep -q READY "$work/agent.out" 2>/dev/null && break; sleep 0.1; done

echo "demo: starting session-gateway on $work/gateway.sock"
.build/release/session-gateway --agent "unix:$work/agent.sock" --listen "$work/gateway.sock" \
  --token-file "$work/node/token" 2> "$work/gateway.log" &
gateway_pid=$!
for _ in $(seq 100); do [ -S "$work/gateway.sock" ] && break; sleep 0.05; done

py="$venv/bin/python"
web() { "$py" "$root/Tests/ReferenceAgent/grpcweb.py" "$@"; }
sock="$work/gateway.sock"

echo; echo "\$ curl --unix-socket $sock http://localhost/-/health"
curl -sS --unix-socket "$sock" http://localhost/-/health

echo; echo "# Unlock: the caller's own Basic credentials pass through; the gateway stores the token."
web encode polykey.v1.Password '{"password": "demo-password"}' \
  | curl -sS --unix-socket "$sock" -H 'Content-Type: application/grpc-web+proto' \
      -H "Authorization: Basic $(printf ':demo-password' | base64)" --data-binary @- \
      http://localhost/polykey.v1.ClientService/SessionsUnlock -o /dev/null -w 'HTTP %{http_code}\n'
for _ in $(seq 50); do [ -s "$work/node/token" ] && break; sleep 0.02; done
ls -l "$work/node/token"

echo; echo "# An authenticated call with no credentials: the gateway attaches the session."
web encode google.protobuf.Empty \
  | curl -sS --unix-socket "$sock" -H 'Content-Type: application/grpc-web+proto' --data-binary @- \
      http://localhost/polykey.v1.ClientService/AgentStatus \
  | web decode polykey.v1.Status

echo; echo "# A server stream: every vault, then the status in the trailer frame."
for name in alpha beta; do
  web encode polykey.v1.VaultName "{\"vaultName\": \"$name\"}" \
    | curl -sS --unix-socket "$sock" -H 'Content-Type: application/grpc-web+proto' --data-binary @- \
        http://localhost/polykey.v1.ClientService/VaultsCreate -o /dev/null
done
web encode google.protobuf.Empty \
  | curl -sS --unix-socket "$sock" -H 'Content-Type: application/grpc-web+proto' --data-binary @- \
      http://localhost/polykey.v1.ClientService/VaultsList \
  | web decode polykey.v1.Vault

echo; echo "# Metrics"
curl -sS --unix-socket "$sock" http://localhost/-/metrics | grep -E '^session_gateway_(agent|tokens)'
echo "demo: done (logs in $work)"
