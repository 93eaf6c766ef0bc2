#!/usr/bin/env bash
# Runs the session-gateway benchmark: installs what is missing (deploy/setup.sh), builds the
# gateway and the benchmark in release mode and the C++ bench echo agent, then runs
# .build/release/GatewayBenchmarks with their paths. Arguments go to the benchmark, e.g.
#   deploy/benchmark.sh                 # everything (about 1.5 minutes)
#   deploy/benchmark.sh e2e --runs 5    # the plain end-to-end benchmark only
#   deploy/benchmark.sh micro           # the micro benchmarks only
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

exec "$bin/GatewayBenchmarks" --gateway "$bin/session-gateway" --agent "$agent" "$@"
