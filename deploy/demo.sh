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

set -x
curl -sS --unix-socket "$work/gateway.sock" http://localhost/-/health
echo
# Unlock with the password (gRPC-Web, Basic credentials passed through); the gateway stores
# the token the agent hands back.
python3 "$root/Tests/ReferenceAgent/grpcweb.py" encode polykey.v1.Password password=demo-password \
  | curl -sS --unix-socket "$work/gateway.sock" -H 'Content-Type: application/grpc-web+proto' \
      -H "Authorization: Basic $(printf ':demo-password' | base64)" \
      --data-binary @- http://localhost/polykey.v1.ClientService/SessionsUnlock -o /dev/null -w '%{http_code}\n'
ls -l "$work/node/token"
# An authenticated call with no credentials from the caller: the gateway attaches the session.
python3 "$root/Tests/ReferenceAgent/grpcweb.py" encode polykey.v1.Empty \
  | curl -sS --unix-socket "$work/gateway.sock" -H 'Content-Type: application/grpc-web+proto' \
      --data-binary @- http://localhost/polykey.v1.ClientService/AgentStatus \
  | python3 "$root/Tests/ReferenceAgent/grpcweb.py" decode polykey.v1.StatusMessage
set +x
echo "demo: done (logs in $work)"
