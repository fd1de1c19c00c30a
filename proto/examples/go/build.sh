#!/usr/bin/env bash
# Builds qntx-gonotes-plugin into <folder> (default: this folder), offline, from Debian's
# packages: golang-go, golang-google-grpc-dev, golang-google-protobuf-dev, protoc-gen-go,
# protoc-gen-go-grpc, protobuf-compiler and libprotobuf-dev. The stubs are generated into a
# GOPATH workspace and Go builds in GOPATH mode against /usr/share/gocode (no module proxy).
#   proto/examples/go/build.sh [<folder>]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
proto="$(cd "$here/../.." && pwd)"
out="$(mkdir -p "${1:-$here}" && cd "${1:-$here}" && pwd)"
for tool in go protoc protoc-gen-go protoc-gen-go-grpc; do
  command -v "$tool" >/dev/null || {
    echo "$tool is missing: apt-get install golang-go golang-google-grpc-dev golang-google-protobuf-dev protoc-gen-go protoc-gen-go-grpc protobuf-compiler libprotobuf-dev" >&2
    exit 1
  }
done
[ -d /usr/share/gocode/src/google.golang.org/grpc ] || {
  echo "gRPC for Go is missing: apt-get install golang-google-grpc-dev golang-google-protobuf-dev" >&2
  exit 1
}
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/gonotes"
cp "$here/main.go" "$work/src/gonotes/"
# The .proto files name no Go package: say where their code goes.
map="Mprotocol/domain.proto=gonotes/protocol,Mprotocol/atsstore.proto=gonotes/protocol"
protoc -I "$proto" -I /usr/include \
  --go_out="$work/src" --go_opt="$map" \
  --go-grpc_out="$work/src" --go-grpc_opt="$map" \
  protocol/domain.proto protocol/atsstore.proto
cd "$work/src/gonotes"
GO111MODULE=off GOPATH="$work:/usr/share/gocode" go build -o "$out/qntx-gonotes-plugin" .
echo "built $out/qntx-gonotes-plugin"
