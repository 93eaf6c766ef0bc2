#!/usr/bin/env bash
# The test command: set up, build, run every test (unit and integration, against the real
# reference agent, driven by curl over the Unix socket).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -x /opt/swift/usr/bin/swift ] && export PATH=/opt/swift/usr/bin:$PATH
bash deploy/setup.sh
swift build --build-tests 2>&1 | grep -E "warning:|error:|Compiling|Build" | grep -v "^\[" || true
swift test --skip-build --parallel --num-workers 2 "$@"
