#!/usr/bin/env bash
# Installs what session-gateway needs to build, test and benchmark on a fresh Debian machine:
# Debian packages (libcurl, zlib, the C++ gRPC stack for the benchmark agent) and the Python
# reference agent's pinned PyPI packages in a virtualenv. Idempotent and quick when done before.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

packages=(libcurl4-openssl-dev zlib1g-dev pkg-config curl util-linux openssl jq
          libgrpc++-dev libprotobuf-dev protobuf-compiler-grpc g++)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
  export PATH=/opt/swift/usr/bin:$PATH
fi
command -v swift >/dev/null || { echo "setup: swift 6 is needed on PATH" >&2; exit 1; }

bash "$root/Tests/ReferenceAgent/setup.sh" >/dev/null   # prints the descriptor set's path
# The differential test's kitchen-sink descriptor set (needs the venv made just above).
bash "$root/Tests/Differential/setup.sh" >/dev/null
