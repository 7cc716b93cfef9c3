#!/usr/bin/env bash
# Install Debian's chromium, which the dashboard's browser tests drive
# (cmd/pakyas/browser_test.go), when it is missing: with apt-get, as root
# or through passwordless sudo. Without it the browser tests are skipped,
# except under CI=true, where they fail.
set -euo pipefail

for b in chromium chromium-browser google-chrome; do
	command -v "$b" >/dev/null && exit 0
done
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	if sudo -n true 2>/dev/null; then sudo="sudo -n"; else
		echo "browser-deps: no chromium; install it with: sudo apt-get install chromium" >&2
		echo "              (the browser tests are skipped without it, and fail under CI=true)" >&2
		exit 0
	fi
fi
if ! command -v apt-get >/dev/null; then
	echo "browser-deps: no chromium and no apt-get: install Chromium or Chrome to run the browser tests" >&2
	exit 0
fi
echo "== browser-deps: installing chromium with apt-get (for the dashboard's browser tests)"
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null; then
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
