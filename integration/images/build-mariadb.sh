#!/usr/bin/env bash
# Builds the MariaDB 10.11 test image from Debian bookworm packages, with no
# container registry: mmdebstrap makes the root file system, `docker import`
# makes the image. See README.md in this folder.
#
# Tag: $GROUNDWORK_MARIADB_IMAGE, default groundwork/mariadb:10.11-bookworm.
# Cached: exits at once when the Docker engine already has the tag (remove it
# with `docker image rm TAG` to rebuild).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export GW_SCRIPT_NAME="build-mariadb.sh"
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$here/common.sh"

tag="${GROUNDWORK_MARIADB_IMAGE:-groundwork/mariadb:10.11-bookworm}"

if gw_image_exists "$tag"; then
	gw_log "$tag already present, nothing to do"
	exit 0
fi

# Server settings of the image. conf.d is read before mariadb.conf.d, and
# 00-groundwork.cnf sorts before the my.cnf that testcontainers-go's
# mysql.WithConfigFile copies into conf.d, so such a file still wins.
read -r -d '' server_cnf <<'EOF' || :
# groundwork test image: listen on every IPv4 address, no DNS look-ups.
[mysqld]
bind-address = 0.0.0.0
port = 3306
skip-name-resolve
host-cache-size = 0
EOF
export GW_SERVER_CNF="$server_cnf"

# Client programs that the server and the entrypoint never use: statically
# linked, about 5 MB each (removed after installation, so that no maintainer
# script misses them).
unused_tools='aria_chk aria_dump_log aria_ftdump aria_pack aria_read_log
	myisamchk myisam_ftdump myisamlog myisampack innochecksum perror replace
	resolve_stack_dump mariadb-binlog mariadb-check mariadb-conv mariadb-import
	mariadb-plugin mariadb-show mariadb-slap mariadb-waitpid'
export GW_UNUSED_TOOLS="$unused_tools"

# The hooks are run by mmdebstrap, which expands "$1": single quotes on purpose.
# shellcheck disable=SC2016
mm_args=(
	--include=mariadb-server
	--customize-hook='for t in $GW_UNUSED_TOOLS; do rm -f "$1/usr/bin/$t"; done; find "$1/usr/bin" -xtype l -delete'
	# The package initialises /var/lib/mysql; the entrypoint does it anew
	# with the requested accounts.
	--customize-hook='rm -rf "$1"/var/lib/mysql/* "$1"/var/log/mysql/*'
	--customize-hook='sed -i -e "s/^\(bind-address\)/#\1/" "$1/etc/mysql/mariadb.conf.d/50-server.cnf"'
	--customize-hook='printf "%s\n" "$GW_SERVER_CNF" >"$1/etc/mysql/conf.d/00-groundwork.cnf"'
	# /var/lib/mysql-files: the secure-file-priv directory that MySQL-style
	# configuration files (such as testcontainers-go's my_8.cnf) point to.
	--customize-hook='mkdir -p "$1/var/lib/mysql-files" && chroot "$1" chown mysql:mysql /var/lib/mysql /var/lib/mysql-files && chmod 0750 "$1/var/lib/mysql-files"'
)

changes=(
	'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
	'ENV LANG=C.UTF-8'
	'ENTRYPOINT ["docker-entrypoint.sh"]'
	'CMD ["mariadbd"]'
	'EXPOSE 3306'
	'USER root'
	'WORKDIR /'
)

gw_build_image "$tag" "$here/mariadb-entrypoint.sh" "${mm_args[@]}" -- "${changes[@]}"
