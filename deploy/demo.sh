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

# Shows a command the way one would type it (JSON arguments quoted, the socket as $sock), runs it.
run() {
  local shown="\$" word
  for word in "$@"; do
    case "$word" in
      "$sock") shown+=' $sock' ;;
      *[\ \{\}\"]*) shown+=" '$word'" ;;
      *) shown+=" $word" ;;
    esac
  done
  echo; echo "$shown"; "$@"; echo
}
echo "sock=$sock"
run curl -sS --unix-socket "$sock" http://localhost/-/health

echo; echo "# What can be called (schemas from the agent's server reflection)"
curl -sS --unix-socket "$sock" http://localhost/-/methods \
  | jq -r '.services[].methods[] | "\(.kind)\t\(.path)"' | head -8

echo; echo "# A call that needs a session, before unlocking: 401 and a shell exit code"
curl -sS --unix-socket "$sock" -d '{}' -o "$work/err.json" -w 'HTTP %{http_code}, ' \
  http://localhost/polykey.v1.ClientService/AgentStatus
jq -c '.error | {type, exitCode}' "$work/err.json"

echo; echo "# Unlock once: the gateway sends the password, stores the token (0600), never shows it"
run curl -sS --unix-socket "$sock" -d '{"password": "demo-password"}' http://localhost/-/session/unlock
ls -l "$work/node/token"

echo; echo "# JSON calls with no credentials: the gateway attaches the session and keeps the rotated token"
run curl -sS --unix-socket "$sock" -d '{}' http://localhost/polykey.v1.ClientService/AgentStatus
for name in alpha beta; do
  curl -sS --unix-socket "$sock" -d "{\"vaultName\": \"$name\"}" \
    http://localhost/polykey.v1.ClientService/VaultsCreate -o /dev/null
done
echo "# A server stream as NDJSON, one {\"result\": ...} line per vault"
run curl -sS --unix-socket "$sock" -d '{}' http://localhost/polykey.v1.ClientService/VaultsList

echo "# The same AgentStatus call in gRPC-Web (frames pass through; status in the trailer frame)"
web encode google.protobuf.Empty \
  | curl -sS --unix-socket "$sock" -H 'Content-Type: application/grpc-web+proto' --data-binary @- \
      http://localhost/polykey.v1.ClientService/AgentStatus \
  | web decode polykey.v1.Status

echo; echo "# The session (claims decoded from the token, never the token)"
run curl -sS --unix-socket "$sock" http://localhost/-/session

echo "# Metrics"
curl -sS --unix-socket "$sock" http://localhost/-/metrics | grep -E '^session_gateway_(agent_calls|tokens|session)' | head -12
echo "demo: done (logs in $work)"
if [ "${1:-}" = "--keep" ]; then
  echo "demo: still running: sock=$sock"
  echo "demo: the agent's password: demo-password; the token file: $work/node/token; stop: kill $gateway_pid $agent_pid"
fi
