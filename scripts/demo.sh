#!/usr/bin/env bash
# make demo: start a dev server, log in, create a check, run a monitored
# job (a success, then a failure), and show the check's status and timeline.
# Everything lives in a temporary directory and is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
PAKYAS=${PAKYAS:-$PWD/bin/pakyas}
work=$(mktemp -d)
server_pid=""
cleanup() {
	if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT
caller_no_color=${NO_COLOR:-}
export XDG_CONFIG_HOME="$work/config" XDG_STATE_HOME="$work/state" NO_COLOR=1
unset PAKYAS_API_KEY PAKYAS_API_URL PAKYAS_ORG PAKYAS_PROJECT PAKYAS_FORMAT PAKYAS_PUBLIC_ID

# Steps in bold on a terminal; plain when the output is not one (a log, a
# pipe) or the caller set NO_COLOR (https://no-color.org).
bold='' plain=''
if [ -t 1 ] && [ -z "$caller_no_color" ]; then bold=$(printf '\033[1m') plain=$(printf '\033[0m'); fi
step() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; }

step "pakyas server --dev --listen 127.0.0.1:0 &"
"$PAKYAS" server --dev --listen 127.0.0.1:0 --data-dir "$work/data" >"$work/server.out" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 100); do
	[ -s "$work/server.out" ] && break
	sleep 0.1
done
login=$(head -n 1 "$work/server.out")
[ -n "$login" ] || { echo "the server did not start:"; cat "$work/server.log"; exit 1; }
echo "$login"

step "$login"
# The line is "pakyas login --api-url URL --api-key KEY": run it with our binary.
read -r _ _ _ url _ key <<<"$login"
"$PAKYAS" login --api-url "$url" --api-key "$key"

step "pakyas whoami"
"$PAKYAS" whoami

step 'pakyas check create --name "Nightly Backup" --slug nightly-backup --period 86400 --grace 3600'
"$PAKYAS" check create --name "Nightly Backup" --slug nightly-backup --period 86400 --grace 3600

step "pakyas monitor nightly-backup -- ./backup.sh"
"$PAKYAS" monitor nightly-backup -- sh -c 'echo "Backing up database..."; sleep 1; echo "Uploading to S3..."'

step "pakyas monitor nightly-backup -- ./backup.sh   # this time the disk is full"
set +e
"$PAKYAS" monitor nightly-backup -- sh -c 'echo "Backing up database..."; echo "pg_dump: error: could not write: No space left on device" >&2; exit 2'
code=$?
set -e
echo "(exit code $code: the job's own code, and Pakyas recorded the failure)"

step "pakyas check show nightly-backup"
"$PAKYAS" check show nightly-backup

step "pakyas check timeline nightly-backup"
"$PAKYAS" check timeline nightly-backup

printf '\nDone. The server, its data and the CLI configuration were in %s and have been removed.\n' "$work"
