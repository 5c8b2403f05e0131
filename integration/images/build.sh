#!/usr/bin/env bash
# Builds the groundwork test images: `build.sh` builds both, `build.sh postgres`
# or `build.sh mariadb` one of them (several names may be given). Each build is
# skipped when its tag is already present. See README.md in this folder.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() {
	printf 'usage: %s [postgres] [mariadb]\n' "$(basename "$0")" >&2
	exit 2
}

targets=("$@")
if ((${#targets[@]} == 0)); then
	targets=(postgres mariadb)
fi

for t in "${targets[@]}"; do
	case "$t" in
	postgres | postgresql) "$here/build-postgres.sh" ;;
	mariadb | mysql) "$here/build-mariadb.sh" ;;
	-h | --help) usage ;;
	*)
		printf 'build.sh: unknown image %q\n' "$t" >&2
		usage
		;;
	esac
done
