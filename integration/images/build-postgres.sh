#!/usr/bin/env bash
# Builds the PostgreSQL 15 test image from Debian bookworm packages, with no
# container registry: mmdebstrap makes the root file system, `docker import`
# makes the image. See README.md in this folder.
#
# Tag: $GROUNDWORK_POSTGRES_IMAGE, default groundwork/postgres:15-bookworm.
# Cached: exits at once when the Docker engine already has the tag (remove it
# with `docker image rm TAG` to rebuild).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export GW_SCRIPT_NAME="build-postgres.sh"
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$here/common.sh"

tag="${GROUNDWORK_POSTGRES_IMAGE:-groundwork/postgres:15-bookworm}"

if gw_image_exists "$tag"; then
	gw_log "$tag already present, nothing to do"
	exit 0
fi

# The hooks are run by mmdebstrap, which expands "$1": single quotes on purpose.
# shellcheck disable=SC2016
mm_args=(
	--include=postgresql-15
	# postgresql-15 depends on libllvm14 for JIT compilation only: leave out
	# the JIT provider and the LLVM and Z3 libraries (about 130 MB). The
	# entrypoint sets jit = off, and PostgreSQL skips JIT anyway when its
	# provider library is missing.
	--dpkgopt='path-exclude=/usr/lib/postgresql/15/lib/llvmjit*'
	--dpkgopt='path-exclude=/usr/lib/postgresql/15/lib/bitcode/*'
	--dpkgopt='path-exclude=/usr/lib/*/libLLVM*'
	--dpkgopt='path-exclude=/usr/lib/*/libz3.so*'
	# The package creates a cluster "main"; the entrypoint makes its own in
	# PGDATA.
	--customize-hook='chroot "$1" pg_dropcluster 15 main'
	# Manual pages (masters of update-alternatives links, so removed after
	# installation rather than excluded).
	--customize-hook='rm -rf "$1/usr/share/postgresql/15/man"'
	--customize-hook='mkdir -p "$1/var/lib/postgresql/data" && chroot "$1" chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql && chmod 0700 "$1/var/lib/postgresql/data"'
)

changes=(
	'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
	'ENV LANG=C.UTF-8'
	'ENV PGDATA=/var/lib/postgresql/data'
	'ENTRYPOINT ["docker-entrypoint.sh"]'
	'CMD ["postgres"]'
	'EXPOSE 5432'
	'USER root'
	'WORKDIR /'
)

gw_build_image "$tag" "$here/postgres-entrypoint.sh" "${mm_args[@]}" -- "${changes[@]}"
