#!/usr/bin/env bash
# One request with `Grpc-Timeout: 99999999H` kills the gateway (arithmetic overflow trap in
# CallMetadata.timeoutMilliseconds: nanoseconds clamped to Int64.max, then + 999_999).
# No agent is needed: the crash happens before the call starts.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d /tmp/gwbrk-XXXXXX); chmod 700 "$dir"
"$root/.build/debug/session-gateway" --agent "unix:$dir/agent.sock" --listen "$dir/gw.sock" \
  --token-file "$dir/token" 2>"$dir/gw.log" & pid=$!
for _ in $(seq 50); do [ -S "$dir/gw.sock" ] && break; sleep 0.1; done
printf '\0\0\0\0\0' | curl -sS --unix-socket "$dir/gw.sock" -H 'Content-Type: application/grpc-web' \
  -H 'Grpc-Timeout: 99999999H' --data-binary @- http://x/a.B/C -o /dev/null -w 'http %{http_code}\n'
sleep 0.5
if kill -0 $pid 2>/dev/null; then echo "gateway alive (not reproduced)"; kill $pid; else
  wait $pid; echo "gateway died, exit status $?"; grep -m2 -E 'runtime failure|timeoutMilliseconds' "$dir/gw.log"; fi
