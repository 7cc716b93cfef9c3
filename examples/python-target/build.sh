#!/usr/bin/env bash
# Build pakyas-target-pyjsonl: generate the Python code of the protocol
# files in ../../proto with protoc, and bundle it with src/ into one
# executable zip (python3 -m zipapp).
#
#   ./build.sh [OUTDIR]      writes OUTDIR/pakyas-target-pyjsonl (default .)
#
# Needs protoc, grpc_python_plugin, and a Python 3 with grpcio and protobuf
# whose versions match them. On Debian and Ubuntu:
#
#   sudo apt-get install protobuf-compiler protobuf-compiler-grpc python3-grpcio python3-protobuf
#
# PYTHON names the interpreter the executable runs with (default
# /usr/bin/python3, the one those packages are installed for).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
proto=$here/../../proto
out=$(cd "${1:-.}" && pwd)
python=${PYTHON:-/usr/bin/python3}

for tool in protoc grpc_python_plugin; do
	if ! command -v "$tool" >/dev/null; then
		echo "build.sh: $tool is not installed: sudo apt-get install protobuf-compiler protobuf-compiler-grpc" >&2
		exit 1
	fi
done
if ! "$python" -c 'import grpc, google.protobuf' 2>/dev/null; then
	echo "build.sh: $python cannot import grpc and google.protobuf: sudo apt-get install python3-grpcio python3-protobuf (or set PYTHON)" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$here"/src/*.py "$tmp/"
# Each file compiles with -I at its own directory, so that every module is
# top-level: `-I proto` would make grpc/health/v1/health_pb2.py, a package
# named grpc that hides the grpcio library.
for f in target/v1/target.proto grpc/health/v1/health.proto plugin/grpc_controller.proto; do
	protoc -I "$proto/$(dirname "$f")" \
		--python_out="$tmp" --grpc_python_out="$tmp" \
		--plugin=protoc-gen-grpc_python="$(command -v grpc_python_plugin)" \
		"$proto/$f"
done
"$python" -m zipapp "$tmp" -p "$python" -o "$out/pakyas-target-pyjsonl"
chmod 0755 "$out/pakyas-target-pyjsonl"
echo "built $out/pakyas-target-pyjsonl"
