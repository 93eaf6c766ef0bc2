#!/usr/bin/env bash
# Sets up the reference agent: a venv with the pinned requirements, Python code
# generated from protos/ into gen/, and gen/polykey.binpb (a FileDescriptorSet
# with imports). Idempotent and fast when already done.
#   SESSION_GATEWAY_VENV  the venv (default <repo>/.venv)
#   PYTHON                the interpreter that creates it (default python3)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="${SESSION_GATEWAY_VENV:-$repo/.venv}"
python="${PYTHON:-python3}"
req="$here/requirements.txt"
gen="$here/gen"

if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
vpy="$venv/bin/python"

# Skip pip when every pin is already installed at its version.
if ! "$vpy" - "$req" <<'PY'
import sys
from importlib import metadata
ok = True
for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    name, _, want = line.partition("==")
    try:
        have = metadata.version(name.strip())
    except metadata.PackageNotFoundError:
        have = None
    if have != want.strip():
        ok = False
sys.exit(0 if ok else 1)
PY
then
  "$vpy" -m pip install --disable-pip-version-check -q -r "$req"
fi

# Regenerate when a proto (or this script) is newer than the stamp.
stamp="$gen/.stamp"
need=0
if [ ! -f "$stamp" ] || [ ! -f "$gen/polykey.binpb" ]; then
  need=1
elif [ -n "$(find "$here/protos" "$here/setup.sh" "$req" -newer "$stamp" -print -quit)" ]; then
  need=1
fi
if [ "$need" = 1 ]; then
  rm -rf "$gen"
  mkdir -p "$gen"
  protos=()
  while IFS= read -r f; do protos+=("$f"); done < <(cd "$here/protos" && find . -name '*.proto' | sed 's|^\./||' | sort)
  (cd "$here/protos" && "$vpy" -m grpc_tools.protoc -I. \
      --python_out="$gen" --pyi_out="$gen" --grpc_python_out="$gen" \
      --include_imports --descriptor_set_out="$gen/polykey.binpb" \
      "${protos[@]}")
  # Make the generated tree importable as top-level packages (polykey.v1...).
  find "$gen" -type d -exec touch {}/__init__.py \;
  touch "$stamp"
fi
echo "$gen/polykey.binpb"
