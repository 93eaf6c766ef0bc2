#!/usr/bin/env bash
# Runs the session-gateway benchmark: installs what is missing (deploy/setup.sh), builds the
# gateway and the benchmark in release mode and the C++ bench echo agent, then runs
# .build/release/GatewayBenchmarks with their paths. Arguments go to the benchmark, e.g.
#   deploy/benchmark.sh                 # everything (about 1.5 minutes)
#   deploy/benchmark.sh e2e --runs 5    # the plain end-to-end benchmark only
#   deploy/benchmark.sh micro           # the micro benchmarks only
#   deploy/benchmark.sh codec           # proto3 JSON <-> binary MB/s, next to Python's json_format
#   deploy/benchmark.sh e2e-json        # JSON calls against gRPC-Web calls (what transcoding adds)
# Set SKIP_SETUP=1 to skip deploy/setup.sh (it is idempotent but needs the network the first time).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
  export PATH=/opt/swift/usr/bin:$PATH
fi

if [ "${SKIP_SETUP:-0}" != 1 ]; then
  bash deploy/setup.sh >&2
fi

swift build -c release --product session-gateway >&2
swift build -c release --product GatewayBenchmarks >&2
bin=$(swift build -c release --show-bin-path)
agent=$(bash Tests/BenchAgent/build.sh | tail -n 1)

# `codec` runs through Tests/Differential/bench_codec.sh, next to Python's json_format on the
# same fixtures; every other name (and every option) goes to GatewayBenchmarks as it is.
codec=0; rest=(); names=0
for argument in "$@"; do
  case "$argument" in
    codec) codec=1 ;;
    -*|[0-9]*) rest+=("$argument") ;;
    *) rest+=("$argument"); names=1 ;;
  esac
done
if [ "$#" -eq 0 ]; then codec=1; names=1; rest=(e2e e2e-token e2e-json micro); fi
if [ "$names" = 1 ] || [ "$codec" = 0 ]; then
  "$bin/GatewayBenchmarks" --gateway "$bin/session-gateway" --agent "$agent" ${rest[@]+"${rest[@]}"}
fi
if [ "$codec" = 1 ]; then
  runs=()
  for ((i = 1; i <= $#; i++)); do [ "${!i}" = --runs ] && { j=$((i + 1)); runs=(--runs "${!j}"); }; done
  SKIP_BUILD=1 bash Tests/Differential/bench_codec.sh ${runs[@]+"${runs[@]}"}
fi
