#!/usr/bin/env bash
# Regenerate, or check, the Go code generated from proto/**/*.proto.
#
#   scripts/proto.sh generate   write proto/target/v1/*.pb.go     (make proto)
#   scripts/proto.sh check      fail if the committed code is stale (make proto-check)
#
# Only Go modules are used, each pinned by a go.sum:
#   buf, protoc-gen-go-grpc   tools/go.mod (a module of its own, so buf's
#                             dependencies never enter the main module)
#   protoc-gen-go             google.golang.org/protobuf in go.mod: the very
#                             runtime the generated code links against
# buf runs only local plugins and its built-in well-known types: no network,
# no registry, no protoc install.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
mode=${1:-generate}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin=$tmp/bin
export BUF_CACHE_DIR=$tmp/buf-cache

"$GO" build -o "$bin/protoc-gen-go" google.golang.org/protobuf/cmd/protoc-gen-go
(cd tools && "$GO" build -o "$bin/" github.com/bufbuild/buf/cmd/buf google.golang.org/grpc/cmd/protoc-gen-go-grpc)

generated() { (cd "$1" && find . -name '*.pb.go' | LC_ALL=C sort); }

case $mode in
generate)
	(cd proto && PATH="$bin:$PATH" "$bin/buf" generate)
	;;
check)
	out=$tmp/out
	mkdir -p "$out"
	(cd proto && PATH="$bin:$PATH" "$bin/buf" generate --output "$out")
	stale=0
	if ! diff -u <(generated proto) <(generated "$out") >"$tmp/files.diff"; then
		echo "proto-check: the set of generated files differs (- committed, + generated):"
		cat "$tmp/files.diff"
		stale=1
	fi
	while read -r f; do
		if [ -f "proto/$f" ] && ! diff -u "proto/$f" "$out/$f"; then stale=1; fi
	done < <(generated "$out")
	if [ "$stale" -ne 0 ]; then
		echo "proto-check: generated code in proto/ is stale; run 'make proto' and commit the result" >&2
		exit 1
	fi
	echo "proto-check: generated code is up to date"
	;;
*)
	echo "usage: $0 generate|check" >&2
	exit 2
	;;
esac
