#!/usr/bin/env bash
# Compiles the differential test's kitchen-sink schema (protos/kitchen.proto) into
# gen/kitchen.binpb, a FileDescriptorSet with imports, using the reference agent's venv (run
# Tests/ReferenceAgent/setup.sh first; deploy/setup.sh runs both). Idempotent; prints the path.
#   SESSION_GATEWAY_VENV  the venv (default <repo>/.venv)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
vpy="${SESSION_GATEWAY_VENV:-$repo/.venv}/bin/python"
out="$here/gen/kitchen.binpb"
if [ ! -f "$out" ] || [ -n "$(find "$here/protos" "$here/setup.sh" -newer "$out" -print -quit)" ]; then
  mkdir -p "$here/gen"
  (cd "$here/protos" && "$vpy" -m grpc_tools.protoc -I. --include_imports \
      --descriptor_set_out="$out.tmp" kitchen.proto)
  mv "$out.tmp" "$out"
fi
echo "$out"
