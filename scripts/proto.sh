#!/usr/bin/env bash
# Regenerate, or check, the Go code generated from Pakyas's own protocol,
# proto/target/**/*.proto. (The other files under proto/ are go-plugin's and
# gRPC's, shipped for plugins in other languages; their Go code is in those
# modules, and proto/thirdparty_test.go checks they match it.)
#
#   scripts/proto.sh generate   write proto/target/v1/*.pb.go     (make proto)
#   scripts/proto.sh check      fail if the committed code is stale (make proto-check)
#
# Tools, each pinned:
#   protoc              Debian's protobuf-compiler (3.21.12 on bookworm),
#                       with the well-known types from libprotobuf-dev;
#                       installed with apt-get when missing and running as
#                       root (or with password-less sudo)
#   protoc-gen-go       google.golang.org/protobuf in go.mod: the very
#                       runtime the generated code links against
#   protoc-gen-go-grpc  tools/go.mod
# Everything runs locally: no network beyond apt and the Go module proxy.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
mode=${1:-generate}
# The protoc whose output is committed; another version only changes the
# "protoc vX" line of the generated headers, which the check ignores.
want_protoc=3.21.12

ensure_protoc() {
	command -v protoc >/dev/null && [ -f /usr/include/google/protobuf/duration.proto ] && return
	local pkgs="protobuf-compiler libprotobuf-dev" sudo=""
	if [ "$(id -u)" -ne 0 ]; then
		if sudo -n true 2>/dev/null; then sudo="sudo -n"; else
			echo "proto: protoc is not installed; install it with: sudo apt-get install $pkgs" >&2
			echo "       (or your system's protobuf compiler with its well-known .proto files)" >&2
			exit 1
		fi
	fi
	echo "proto: installing $pkgs with apt-get"
	export DEBIAN_FRONTEND=noninteractive
	if ! $sudo apt-get install -y -qq --no-install-recommends $pkgs >/dev/null; then
		$sudo apt-get update -qq
		$sudo apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
	fi
}

ensure_protoc
case $(protoc --version) in
*" $want_protoc") ;;
*) echo "proto: note: $(protoc --version), not $want_protoc as committed; only the version line of the headers will differ" >&2 ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin=$tmp/bin
"$GO" build -o "$bin/protoc-gen-go" google.golang.org/protobuf/cmd/protoc-gen-go
(cd tools && "$GO" build -o "$bin/protoc-gen-go-grpc" google.golang.org/grpc/cmd/protoc-gen-go-grpc)

# generate DIR: the Go code for every .proto under proto/, written into DIR.
generate() {
	local protos
	protos=$(cd proto && find target -name '*.proto' | LC_ALL=C sort)
	# shellcheck disable=SC2086 # one argument per file
	(cd proto && PATH="$bin:$PATH" protoc -I . \
		--go_out="$1" --go_opt=paths=source_relative \
		--go-grpc_out="$1" --go-grpc_opt=paths=source_relative \
		$protos)
}
generated() { (cd "$1" && find . -name '*.pb.go' | LC_ALL=C sort); }
# normalized FILE: FILE without the header line naming protoc's version.
normalized() { grep -Ev '^// (	|- )protoc +' "$1"; }

case $mode in
generate)
	generate "$PWD/proto"
	;;
check)
	out=$tmp/out
	mkdir -p "$out"
	generate "$out"
	stale=0
	if ! diff -u <(generated proto) <(generated "$out") >"$tmp/files.diff"; then
		echo "proto-check: the set of generated files differs (- committed, + generated):"
		cat "$tmp/files.diff"
		stale=1
	fi
	while read -r f; do
		if [ -f "proto/$f" ] && ! diff -u --label "proto/$f" --label "generated/$f" \
			<(normalized "proto/$f") <(normalized "$out/$f"); then
			stale=1
		fi
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
