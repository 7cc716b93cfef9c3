#!/usr/bin/env bash
# What `pakyas monitor` and `pakyas ping` cost on a cron line, measured
# against a local `pakyas server --dev` (run by `make bench`; the figures
# and how to read them are in docs/benchmarks.md):
#
#   1. pakyas monitor --public-id ID -- true
#      over  curl -fsS URL/ping/ID/start && true && curl -fsS URL/ping/ID
#      (the shell a user would otherwise write)              target <= 0.6x
#      and over tools/benchwrap, a runitor stand-in           target <= 1.0x
#      (runitor's module is not served here; benchwrap does the
#      same start, run, exit-code pings, with no retries or spool)
#      and with three external targets (healthchecks, cronitor, webhook,
#      against a local stand-in): the time they add, over the curl pair
#                                                            target <= 1.0x
#      and, for scale, the three plugin executables only starting, at
#      once, over the same curl pair (a floor for the line above)
#   2. pakyas ping --public-id ID  over  one curl to the same endpoint
#   3. peak RSS of pakyas while the job prints 100 MB to its (captured)
#      stderr                                                 target <= 30 MB
#
# Timing uses hyperfine when installed (BENCH_TOOL=loop: never), in
# BENCH_ROUNDS (10) rounds that take turns, else a loop of BENCH_RUNS runs
# of each, taking turns, timed here (bash 5's EPOCHREALTIME). Each figure
# is a median. Missing curl or hyperfine are
# installed with apt-get only when running as root; nothing else is.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
RUNS=${BENCH_RUNS:-200}
WARMUP=${BENCH_WARMUP:-20}
ROUNDS=${BENCH_ROUNDS:-10}

have() {
	[ "$1" = hyperfine ] && [ "${BENCH_TOOL:-}" = loop ] && return 1
	command -v "$1" >/dev/null 2>&1
}

missing=""
have curl || missing="$missing curl"
[ "${BENCH_TOOL:-}" = loop ] || have hyperfine || missing="$missing hyperfine"
if [ -n "$missing" ] && [ "$(id -u)" = 0 ] && have apt-get; then
	echo "bench: installing$missing with apt-get" >&2
	{ apt-get install -y $missing || { apt-get update && apt-get install -y $missing; }; } >/dev/null 2>&1 ||
		echo "bench: could not install$missing; going on without" >&2
fi
have curl || { echo "bench: curl is needed (apt-get install curl)" >&2; exit 1; }

work=$(mktemp -d)
server_pid=""
standin_pid=""
cleanup() {
	[ -z "$standin_pid" ] || kill "$standin_pid" 2>/dev/null || true
	if [ -n "$server_pid" ]; then
		kill -INT "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# As make builds them: the lean pakyas, pakyas-host and pakyas-full beside
# it.
tags=$(sed -n 's/^TAGS *:= *//p' Makefile)
lean=$(sed -n 's/^LEAN *:= *//p' Makefile)
host=$(sed -n 's/^HOST *:= *//p' Makefile)
pakyas=$work/pakyas
CGO_ENABLED=0 "$GO" build -tags "$tags $lean" -trimpath -ldflags '-s -w' -o "$pakyas" ./cmd/pakyas
CGO_ENABLED=0 "$GO" build -tags "$tags $host" -trimpath -ldflags '-s -w' -o "$work/pakyas-host" ./cmd/pakyas
CGO_ENABLED=0 "$GO" build -tags "$tags" -trimpath -ldflags '-s -w' -o "$work/pakyas-full" ./cmd/pakyas
# The go command keeps its caches where they were: HOME changes below.
export GOMODCACHE="$("$GO" env GOMODCACHE)" GOCACHE="$("$GO" env GOCACHE)" GOPATH="$("$GO" env GOPATH)"
export HOME=$work/home XDG_CONFIG_HOME=$work/config XDG_STATE_HOME=$work/state
unset PAKYAS_API_URL PAKYAS_API_KEY PAKYAS_PUBLIC_ID PAKYAS_CONFIG PAKYAS_ORG PAKYAS_PROJECT PAKYAS_FORMAT
mkdir -p "$HOME"

"$pakyas" server --dev --listen 127.0.0.1:0 --data-dir "$work/data" >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 300); do
	[ -s "$work/server.out" ] && break
	kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.err" >&2; exit 1; }
	sleep 0.1
done
# pakyas login --api-url URL --api-key KEY
read -r _ _ _ url _ key <"$work/server.out"
"$pakyas" login --api-url "$url" --api-key "$key" >/dev/null
"$pakyas" check create --name bench --slug bench --period 3600 --grace 300 >/dev/null
id=$("$pakyas" --format json check show bench | sed -n 's/^ *"public_id": *"\([^"]*\)".*/\1/p' | head -n 1)
[ -n "$id" ] || { echo "bench: no public id for the check" >&2; exit 1; }

monitor_cmd="$pakyas monitor --no-external --public-id $id -- true"
# The runitor stand-in (tools/benchwrap): POST start, run, POST the exit
# code, as a Go healthchecks.io wrapper does, against the same server.
benchwrap=$work/benchwrap
(cd tools && CGO_ENABLED=0 "$GO" build -trimpath -ldflags '-s -w' -o "$benchwrap" ./benchwrap)
wrap_cmd="$benchwrap run $url/ping/$id -- true"
# Three external targets (healthchecks, cronitor, webhook) built from the
# repository, against a local stand-in that answers 200 to everything.
mkdir -p "$work/plugins"
for p in healthchecks cronitor webhook; do
	CGO_ENABLED=0 "$GO" build -tags "$tags" -trimpath -ldflags '-s -w' -o "$work/plugins/pakyas-target-$p" "./plugins/$p"
done
"$benchwrap" serve "$work/standin.addr" &
standin_pid=$!
for _ in $(seq 100); do [ -s "$work/standin.addr" ] && break; sleep 0.05; done
standin=http://$(cat "$work/standin.addr")
cat >"$work/external_monitors.toml" <<EOF
[targets.healthchecks]
endpoint = "$standin"
[targets.cronitor]
api_key = "bench"
endpoint = "$standin"
[targets.webhook]
url = "$standin/hook"
[checks."$id".targets.healthchecks]
uuid = "$id"
[checks."$id".targets.cronitor]
monitor_key = "bench"
EOF
ext_cmd="PAKYAS_PLUGIN_DIR=$work/plugins $pakyas monitor --external-config $work/external_monitors.toml --public-id $id -- true"
# A floor under the targets figure: the three plugin executables only
# starting, all at once (without go-plugin's handshake cookie each exits
# as soon as its packages are initialised): no handshake, no call, no
# HTTP. On two CPUs their CPU time alone can exceed the curl pair.
floor_cmd="$work/plugins/pakyas-target-healthchecks 2>/dev/null & $work/plugins/pakyas-target-cronitor 2>/dev/null & $work/plugins/pakyas-target-webhook 2>/dev/null & wait"
shell_cmd="curl -fsS $url/ping/$id/start >/dev/null && true && curl -fsS $url/ping/$id >/dev/null"
ping_cmd="$pakyas ping --public-id $id"
curl_cmd="curl -fsS $url/ping/$id"

# median CMD... prints the median wall time of each command line, in
# seconds, one per line. Medians, and in the loop the commands taking
# turns, keep a burst of load on the machine from landing on one side.
median() {
	if have hyperfine; then
		# In ROUNDS rounds of RUNS/ROUNDS runs of each command, so that
		# the machine drifting (it does, by 2x) moves both sides of a
		# ratio; the median is taken over every run of all rounds.
		local r per=$(((RUNS + ROUNDS - 1) / ROUNDS))
		rm -f "$work"/times.*
		for ((r = 0; r < ROUNDS; r++)); do
			hyperfine --style none --warmup "$((r == 0 ? WARMUP : 3))" --runs "$per" --export-json "$work/h.json" "$@" >/dev/null 2>&1
			# each result's "times": [ ... ] array, one file per command
			awk -v dir="$work" '
				/"times": *\[/ { n++; in_times = 1; next }
				in_times && /\]/ { in_times = 0; next }
				in_times { gsub(/[ ,]/, ""); print >> (dir "/times." n) }
			' "$work/h.json"
		done
		for ((r = 1; r <= $#; r++)); do
			sort -g "$work/times.$r" |
				awk '{ t[NR] = $1 } END { if (NR % 2) print t[(NR + 1) / 2]; else print (t[NR / 2] + t[NR / 2 + 1]) / 2 }'
		done
		return
	fi
	local i j t0 t1
	for ((i = 0; i < WARMUP; i++)); do
		for c in "$@"; do eval "$c" >/dev/null 2>&1; done
	done
	for ((j = 1; j <= $#; j++)); do : >"$work/times.$j"; done
	for ((i = 0; i < RUNS; i++)); do
		for ((j = 1; j <= $#; j++)); do
			t0=$EPOCHREALTIME
			eval "${!j}" >/dev/null 2>&1
			t1=$EPOCHREALTIME
			echo "$t0 $t1" >>"$work/times.$j"
		done
	done
	for ((j = 1; j <= $#; j++)); do
		awk '{ print $2 - $1 }' "$work/times.$j" | sort -g |
			awk '{ t[NR] = $1 } END { if (NR % 2) print t[(NR + 1) / 2]; else print (t[NR / 2] + t[NR / 2 + 1]) / 2 }'
	done
}

ms() { awk -v t="$1" 'BEGIN { printf "%.2f ms", t * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v r="$1" -v max="$2" 'BEGIN { if (r <= max) print "met"; else print "MISSED" }'; }

tool="hyperfine, $RUNS runs each in $ROUNDS rounds taking turns"
have hyperfine || tool="a timed loop of $RUNS runs each"
echo "pakyas benchmarks against $url ($tool, medians; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'))"
echo

read -r t_monitor t_wrap t_shell t_ext t_floor < <(median "$monitor_cmd" "$wrap_cmd" "$shell_cmd" "$ext_cmd" "$floor_cmd" | paste -sd' ')
r=$(ratio "$t_monitor" "$t_shell")
echo "monitor: pakyas monitor --public-id ID -- true          $(ms "$t_monitor")"
echo "         curl .../start && true && curl ...            $(ms "$t_shell")"
echo "         ratio $r (target <= 0.6: $(verdict "$r" 0.6))"
r=$(ratio "$t_monitor" "$t_wrap")
echo "         benchwrap run URL -- true (runitor stand-in)  $(ms "$t_wrap")"
echo "         ratio $r (target <= 1.0: $(verdict "$r" 1.0))"
echo
over=$(awk -v a="$t_ext" -v b="$t_monitor" 'BEGIN { print a - b }')
r=$(ratio "$over" "$t_shell")
echo "targets: pakyas monitor with 3 external targets         $(ms "$t_ext")"
echo "         added over no targets                         $(ms "$over")"
echo "         ratio to the curl pair $r (target <= 1.0: $(verdict "$r" 1.0))"
r=$(ratio "$t_floor" "$t_shell")
echo "         floor: the 3 plugins only starting, at once   $(ms "$t_floor")"
echo "         ratio to the curl pair $r"
echo

read -r t_ping t_curl < <(median "$ping_cmd" "$curl_cmd" | paste -sd' ')
r=$(ratio "$t_ping" "$t_curl")
echo "ping:    pakyas ping --public-id ID                    $(ms "$t_ping")"
echo "         curl -fsS .../ping/ID                         $(ms "$t_curl")"
echo "         ratio $r"
echo

# Peak memory of pakyas while the job prints 100 MB to its captured
# stderr (the default): GNU time's %M, else VmHWM read from /proc while
# the job waits on stdin after printing.
job='head -c 104857600 /dev/zero >&2'
rss_kb=""
if /usr/bin/time -f %M true >/dev/null 2>&1; then
	/usr/bin/time -o "$work/rss" -f %M "$pakyas" monitor -q --public-id "$id" -- sh -c "$job" >/dev/null 2>&1 || true
	rss_kb=$(tail -n 1 "$work/rss")
elif [ -d /proc/self ]; then
	mkfifo "$work/fifo"
	"$pakyas" monitor -q --public-id "$id" -- sh -c "$job; touch $work/done; read x" <"$work/fifo" >/dev/null 2>&1 &
	pid=$!
	exec 3>"$work/fifo"
	until [ -e "$work/done" ]; do sleep 0.05; done
	rss_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
	exec 3>&-
	wait "$pid" || true
fi
if [ -n "$rss_kb" ]; then
	mb=$(awk -v k="$rss_kb" 'BEGIN { printf "%.1f", k / 1024 }')
	echo "memory:  peak RSS of pakyas monitor while the job prints 100 MB: $mb MB (target <= 30 MB: $(verdict "$mb" 30))"
else
	echo "memory:  not measured (needs GNU time or /proc)"
fi
