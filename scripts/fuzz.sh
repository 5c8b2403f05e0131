#!/usr/bin/env bash
# Runs every fuzz target of the project for a bounded time each and prints
# the executions it ran. The seed corpora (testdata/fuzz/<FuzzName>/) run
# as ordinary tests in `go test ./...`; this looks for new inputs. A
# failing input is written to the package's testdata/fuzz/<FuzzName>/:
# commit it with the fix, and it stays a regression test.
#
#   scripts/fuzz.sh            # 60s per target
#   FUZZTIME=10s scripts/fuzz.sh FuzzConfigFile
#
# -fuzzminimizetime is kept short: minimizing each new interesting input
# for the default 60s stalls every worker meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME="${FUZZTIME:-60s}"
MINIMIZE="${FUZZMINIMIZETIME:-5s}"

targets=(
	"./core FuzzRebind"
	"./core FuzzRebindTokens"
	"./internal/dburl FuzzParse"
	"./steps/packfile FuzzParse"
	"./cmd/groundwork/internal/cli FuzzConfigFile"
	"./cmd/groundwork/internal/cli FuzzConfigRoundTrip"
	"./cmd/groundwork/internal/cli FuzzConfigUnknownKey"
	"./drivers/sqlite FuzzIdentRoundTrip"
	"./drivers/postgres FuzzIdentRoundTrip"
)

# The PostgreSQL target's workers share one throw-away server, reached
# through a Unix socket in a temporary directory (no TCP port to pick),
# unless GROUNDWORK_PG_URL names one.
pgdir=""
stop_pg() {
	if [ -n "$pgdir" ]; then
		$asuser "$pgctl" -D "$pgdir/data" -m immediate -w stop >/dev/null 2>&1 || true
		rm -rf "$pgdir"
	fi
}
trap stop_pg EXIT
start_pg() {
	[ -n "${GROUNDWORK_PG_URL:-}" ] && return 0
	local initdb
	initdb=$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1 || true)
	[ -n "$initdb" ] || return 0 # the target skips, saying why
	pgctl="$(dirname "$initdb")/pg_ctl"
	pgdir=$(mktemp -d)
	asuser=""
	if [ "$(id -u)" = 0 ]; then
		chown postgres: "$pgdir"
		asuser="runuser -u postgres --"
	fi
	$asuser "$initdb" -D "$pgdir/data" -A trust -U postgres -E UTF8 --no-locale --no-sync >/dev/null
	$asuser "$pgctl" -D "$pgdir/data" -l "$pgdir/server.log" -w -o "-k $pgdir -c listen_addresses='' -c fsync=off -c max_connections=200" start >/dev/null
	export GROUNDWORK_PG_URL="postgres:///postgres?host=$pgdir&user=postgres&sslmode=disable"
}

status=0
for t in "${targets[@]}"; do
	read -r pkg name <<<"$t"
	if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]]; then
		continue
	fi
	if [ "$pkg" = ./drivers/postgres ]; then
		start_pg
	fi
	log=$(mktemp)
	if go test "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" -fuzzminimizetime "$MINIMIZE" >"$log" 2>&1; then
		result=ok
	else
		result=FAILED
		status=1
		cat "$log"
	fi
	execs=$(grep -o 'execs: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)
	printf '%-40s %-22s %8s execs in %s: %s\n' "$pkg" "$name" "${execs:-0}" "$FUZZTIME" "$result"
	rm -f "$log"
done
exit $status
