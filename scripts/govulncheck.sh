#!/usr/bin/env bash
# Supply chain: govulncheck ./... and ./integration/... against an offline copy of the Go
# vulnerability database. The online database cannot be reached from
# here, but the Go module proxy serves golang.org/x/vulndb, whose data/osv
# holds every report as OSV JSON; its own tool (cmd/indexdb) writes the
# database layout govulncheck reads from -db file:// (index/db.json,
# index/modules.json, index/vulns.json, ID/<id>.json). It is built once
# per database version and cached.
#
#   scripts/govulncheck.sh                      # what CI runs
#   GOVULNCHECK_STDLIB=fail scripts/govulncheck.sh
#
# Move VULNDB_VERSION to a newer pseudo-version of golang.org/x/vulndb to
# refresh the database (go list -m -versions does not list pseudo-
# versions; take the newest commit the proxy serves). A reached
# vulnerability in a module fails; one in the standard library fails only
# with GOVULNCHECK_STDLIB=fail, since the fix is a Go release, not a
# go.mod edit (see the summary it prints).
set -euo pipefail
cd "$(dirname "$0")/.."
VULN_VERSION="${VULN_VERSION:-v1.9.0}"
VULNDB_VERSION="${VULNDB_VERSION:-v0.0.0-20261105234957-e22db6528018}"
CACHE="${GOVULNDB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/groundwork/vulndb}"
STDLIB="${GOVULNCHECK_STDLIB:-warn}"
DB="$CACHE/$VULNDB_VERSION"
tmp="" out=""
trap 'rm -rf "$tmp" "$out"' EXIT

if [ ! -s "$DB/index/db.json" ]; then
	echo "govulncheck: building the offline database from golang.org/x/vulndb@$VULNDB_VERSION into $DB (once)"
	tmp=$(mktemp -d)
	# Outside the module, so go.mod is left alone.
	src=$(cd "$tmp" && go mod download -json "golang.org/x/vulndb@$VULNDB_VERSION" | grep '"Dir":' | cut -d'"' -f4)
	(cd "$tmp" && go run "golang.org/x/vulndb/cmd/indexdb@$VULNDB_VERSION" -vulns "$src/data/osv" -out "$tmp/db")
	# The OSV files in the module carry no modification time (the live
	# database stamps it when publishing): stamp the index with the
	# commit time of the pseudo-version, so reports say how old it is.
	ts=$(echo "$VULNDB_VERSION" | sed -n 's/^v0\.0\.0-\([0-9]\{14\}\)-.*/\1/p')
	stamp="${ts:0:4}-${ts:4:2}-${ts:6:2}T${ts:8:2}:${ts:10:2}:${ts:12:2}Z"
	printf '{"modified":"%s"}' "$stamp" >"$tmp/db/index/db.json"
	gzip -c "$tmp/db/index/db.json" >"$tmp/db/index/db.json.gz"
	mkdir -p "$CACHE"
	rm -rf "$DB"
	mv "$tmp/db" "$DB"
fi

out=$(mktemp)
# The library's module, then the integration suites' own (go.work joins
# them; its test containers' dependencies are checked too).
go run "golang.org/x/vuln/cmd/govulncheck@$VULN_VERSION" -db "file://$DB" -format json ./... >"$out"
go run scripts/vulnsummary.go -stdlib "$STDLIB" <"$out"
go run "golang.org/x/vuln/cmd/govulncheck@$VULN_VERSION" -db "file://$DB" -format json -tags integration ./integration/... >"$out"
go run scripts/vulnsummary.go -stdlib "$STDLIB" <"$out"
