#!/usr/bin/env bash
# Generates the Python message classes and gRPC stubs of the protocol into <folder>/protocol/,
# beside the plugin: protoc from Debian's protobuf-compiler, the gRPC plugin from
# protobuf-compiler-grpc, google/protobuf/*.proto from libprotobuf-dev.
#   proto/examples/python/generate.sh [<folder>]   (default: this folder)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
proto="$(cd "$here/../.." && pwd)"
out="${1:-$here}"
for tool in protoc grpc_python_plugin; do
  command -v "$tool" >/dev/null || {
    echo "$tool is missing: apt-get install protobuf-compiler protobuf-compiler-grpc libprotobuf-dev python3-grpcio python3-protobuf" >&2
    exit 1
  }
done
mkdir -p "$out"
protoc -I "$proto" -I /usr/include \
  --python_out="$out" \
  --plugin=protoc-gen-grpc_python="$(command -v grpc_python_plugin)" \
  --grpc_python_out="$out" \
  protocol/domain.proto protocol/atsstore.proto
# A regular package, so `from protocol import ...` finds it beside the program.
touch "$out/protocol/__init__.py"
