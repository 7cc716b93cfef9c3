#!/usr/bin/env bash
# make dist: the release archives the user guide's install lines download,
#   dist/pakyas-{linux,darwin}-{x86_64,arm64}.tar.gz
#   dist/pakyas-windows-{x86_64,arm64}.zip
# each holding `pakyas`, `pakyas-host` (the target plugin host, which
# pakyas runs for runs with external targets), `pakyas-full` (the complete
# pakyas: the server) and every bundled `pakyas-target-*` plugin at its top
# level (so `tar xz && mv pakyas /usr/local/bin/` works for monitoring;
# `mv pakyas pakyas-host pakyas-full pakyas-target-* /usr/local/bin/` for
# all of it), and
# dist/SHA256SUMS. Usage: scripts/dist.sh VERSION
set -euo pipefail
cd "$(dirname "$0")/.."

version=${1:-dev}
GO=${GO:-go}
export CGO_ENABLED=0
ldflags="-s -w -X main.version=$version"
# The Makefile's TAGS (make dist passes them).
tags=${TAGS-$(sed -n 's/^TAGS *:= *//p' Makefile)}
lean=${LEAN-$(sed -n 's/^LEAN *:= *//p' Makefile)}
host=${HOST-$(sed -n 's/^HOST *:= *//p' Makefile)}
plugins=()
for d in plugins/*/; do
	if [ -f "$d/main.go" ]; then
		plugins+=("$(basename "$d")")
	else
		echo "warning: skipping $d: no main.go" >&2
	fi
done

rm -rf dist
mkdir -p dist
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# zip_dir DIR OUT: a zip of DIR's files at the archive's top level, with
# `zip` when installed, else Python's zipfile.
zip_dir() {
	local out
	out=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
	if command -v zip >/dev/null; then
		(cd "$1" && zip -q -X "$out" ./*)
	else
		(cd "$1" && python3 -m zipfile -c "$out" ./*)
	fi
}

for target in linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64; do
	goos=${target%/*}
	goarch=${target#*/}
	arch=$goarch
	[ "$arch" = amd64 ] && arch=x86_64
	exe=""
	[ "$goos" = windows ] && exe=.exe
	name="pakyas-$goos-$arch"
	dir="$work/$name"
	mkdir -p "$dir"
	echo "== $name"
	GOOS=$goos GOARCH=$goarch $GO build -tags "$tags $lean" -trimpath -ldflags "$ldflags" -o "$dir/pakyas$exe" ./cmd/pakyas
	GOOS=$goos GOARCH=$goarch $GO build -tags "$tags $host" -trimpath -ldflags "$ldflags" -o "$dir/pakyas-host$exe" ./cmd/pakyas
	GOOS=$goos GOARCH=$goarch $GO build -tags "$tags" -trimpath -ldflags "$ldflags" -o "$dir/pakyas-full$exe" ./cmd/pakyas
	for p in "${plugins[@]}"; do
		GOOS=$goos GOARCH=$goarch $GO build -tags "$tags" -trimpath -ldflags "$ldflags" -o "$dir/pakyas-target-$p$exe" "./plugins/$p"
	done
	if [ "$goos" = windows ]; then
		zip_dir "$dir" "dist/$name.zip"
	else
		files=$(cd "$dir" && ls)
		if tar --version 2>/dev/null | grep -q GNU; then
			# Reproducible with GNU tar: fixed owner, order and times.
			# shellcheck disable=SC2086
			tar -C "$dir" --owner=0 --group=0 --numeric-owner --sort=name --mtime='2000-01-01 00:00:00Z' \
				-czf "dist/$name.tar.gz" $files
		else
			# shellcheck disable=SC2086
			tar -C "$dir" -czf "dist/$name.tar.gz" $files
		fi
	fi
done

(
	cd dist
	if command -v sha256sum >/dev/null; then
		sha256sum -- *.tar.gz *.zip >SHA256SUMS
	else
		shasum -a 256 -- *.tar.gz *.zip >SHA256SUMS
	fi
)
echo "== dist/"
ls -l dist
