#!/usr/bin/env bash
# Repository hygiene, run by `make lint`:
#   - every Go module's go.mod and go.sum are tidy (go mod tidy -diff);
#   - no tracked file is a build output: an executable (ELF, Mach-O, PE, or
#     a file with the executable bit that is not a #! script), a database,
#     an archive, or larger than 1 MiB;
#   - .gitignore covers the binaries `go build` leaves at the root (pakyas
#     and every plugins/<name>).
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
fail=0

for mod in $(git ls-files 'go.mod' '*/go.mod'); do
	dir=$(dirname "$mod")
	if ! out=$(cd "$dir" && "$GO" mod tidy -diff 2>&1); then
		echo "lint: $mod is not tidy; run 'cd $dir && go mod tidy' and commit the result:"
		echo "$out" | sed 's/^/    /'
		fail=1
	fi
done

magic() { head -c 16 -- "$1" | od -An -tx1 | tr -d ' \n'; }
while read -r mode _ _ path; do
	[ -f "$path" ] || continue # deleted in the work tree, not yet committed
	m=$(magic "$path")
	why=""
	case $m in
	7f454c46*) why="an ELF executable" ;;
	4d5a*) why="a Windows executable (PE)" ;;
	feedface* | feedfacf* | cefaedfe* | cffaedfe* | cafebabe*) why="a Mach-O executable" ;;
	53514c69746520666f726d6174203300) why="an SQLite database" ;;
	1f8b* | 504b0304* | 377abcaf271c* | fd377a585a00*) why="an archive" ;;
	esac
	if [ -z "$why" ] && [ "$mode" = 100755 ] && [ "$(head -c 2 -- "$path")" != '#!' ]; then
		why="executable (mode 0755) but not a #! script"
	fi
	size=$(wc -c <"$path")
	if [ -z "$why" ] && [ "$size" -gt 1048576 ]; then
		why="$size bytes, larger than 1 MiB"
	fi
	if [ -n "$why" ]; then
		echo "lint: $path is tracked but is $why; build outputs never belong in git: git rm --cached '$path' (and cover it in .gitignore)"
		fail=1
	fi
done < <(git ls-files -s)

for name in pakyas $(cd plugins && ls -d -- */ | tr -d /); do
	if ! git check-ignore -q --no-index "$name"; then
		echo "lint: .gitignore does not cover /$name, the binary 'go build' writes at the root; add '/$name' to .gitignore"
		fail=1
	fi
done

exit $fail
