#!/usr/bin/env bash
# Install the Debian packages the tests need beyond Go, when missing, in one
# apt-get run (as root or through passwordless sudo):
#
#   chromium                       the dashboard's browser tests
#                                  (cmd/pakyas/browser_test.go)
#   protobuf-compiler-grpc,        the Python example target, built from
#   python3-grpcio,                proto/ and run through `pakyas plugin
#   python3-protobuf               check` (examples/python-target)
#
# (protoc itself comes with `make proto-check`.) Without them those tests
# are skipped, except under CI=true, where they fail.
set -euo pipefail

missing=()
have_browser=""
for b in chromium chromium-browser google-chrome; do
	command -v "$b" >/dev/null && have_browser=1
done
[ -n "$have_browser" ] || missing+=(chromium)
command -v grpc_python_plugin >/dev/null || missing+=(protobuf-compiler-grpc)
if ! /usr/bin/python3 -c 'import grpc' 2>/dev/null; then missing+=(python3-grpcio); fi
if ! /usr/bin/python3 -c 'import google.protobuf' 2>/dev/null; then missing+=(python3-protobuf); fi
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	if sudo -n true 2>/dev/null; then sudo="sudo -n"; else
		echo "test-deps: missing ${missing[*]}; install with: sudo apt-get install ${missing[*]}" >&2
		echo "           (the tests that need them are skipped, and fail under CI=true)" >&2
		exit 0
	fi
fi
if ! command -v apt-get >/dev/null; then
	echo "test-deps: missing ${missing[*]} and no apt-get: install them to run the browser and Python-target tests" >&2
	exit 0
fi
echo "== test-deps: installing ${missing[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
