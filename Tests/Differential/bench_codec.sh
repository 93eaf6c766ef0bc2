#!/usr/bin/env bash
# The codec benchmark side by side: `GatewayBenchmarks codec` (release build) writes its fixtures
# and figures, then bench_python.py times json_format (upb) on the same fixtures and prints both
# with the Swift/Python ratio. Arguments go to both (e.g. --runs 5).
#   bash Tests/Differential/bench_codec.sh [--runs N]
# deploy/benchmark.sh can run this after its own build (SKIP_BUILD=1 reuses .build/release).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
[ -x /opt/swift/usr/bin/swift ] && export PATH=/opt/swift/usr/bin:$PATH
py="${SESSION_GATEWAY_VENV:-$root/.venv}/bin/python"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  swift build -c release --product GatewayBenchmarks >&2
fi
bin=$(swift build -c release --show-bin-path)
dir=$(mktemp -d /tmp/codec-fixtures-XXXXXX)
trap 'rm -rf "$dir"' EXIT
"$bin/GatewayBenchmarks" "$@" --write-fixtures "$dir" codec | tee "$dir/swift.txt"
"$py" "$root/Tests/Differential/bench_python.py" --fixtures "$dir" --compare "$dir/swift.txt" "$@"
