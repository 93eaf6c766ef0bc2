#!/usr/bin/env bash
# Builds the benchmark echo agent: Tests/BenchAgent/build.sh [outdir]
# Needs Debian's libgrpc++-dev, libprotobuf-dev and pkg-config. Rebuilds only
# when the source or this script changed; prints the binary's path.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${1:-$repo/.build/bench-agent}"
mkdir -p "$out"
bin="$out/echo_server"
src="$here/echo_server.cc"
if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ] || [ "$here/build.sh" -nt "$bin" ]; then
  if ! pkg-config --exists grpc++; then
    echo "build.sh: grpc++ not found; apt-get install libgrpc++-dev libprotobuf-dev pkg-config" >&2
    exit 69
  fi
  # shellcheck disable=SC2046
  ${CXX:-g++} -std=c++17 -O2 -o "$bin.tmp" "$src" \
    $(pkg-config --cflags --libs grpc++ grpc protobuf) -lpthread
  mv "$bin.tmp" "$bin"
fi
# The schema for JSON mode (bench.Echo/Echo), when protoc is installed.
if command -v protoc >/dev/null 2>&1 && { [ ! -f "$out/bench.binpb" ] || [ "$here/bench.proto" -nt "$out/bench.binpb" ]; }; then
  protoc -I"$here" --include_imports --descriptor_set_out="$out/bench.binpb" bench.proto
fi
echo "$bin"
