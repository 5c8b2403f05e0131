#!/usr/bin/env bash
# Entrypoint of the groundwork/postgres test image (installed in the image as
# /usr/local/bin/docker-entrypoint.sh, the path the official image uses).
#
# It imitates the official postgres image's entrypoint as far as
# testcontainers-go's modules/postgres relies on it:
#   - POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB (defaults: postgres,
#     postgres, and the user name), POSTGRES_INITDB_ARGS,
#     POSTGRES_HOST_AUTH_METHOD (default scram-sha-256), PGDATA (default
#     /var/lib/postgresql/data), *_FILE variants of the first three;
#   - initdb as the postgres user, password authentication over TCP from any
#     address, listen_addresses = '*';
#   - a temporary server (sockets only) for the initialisation, running
#     /docker-entrypoint-initdb.d/*.sh, *.sql, *.sql.gz, then stopped, then the
#     real server in the foreground: "database system is ready to accept
#     connections" is logged twice on a fresh data directory, as the module's
#     wait strategy expects;
#   - a command starting with "-" is passed to postgres (CMD is "postgres"), so
#     `postgres -c fsync=off` and bare `-c key=value` arguments both work, and
#     they apply to the temporary server too; any other command is run as is.
set -Eeuo pipefail

log() {
	printf '%s: %s\n' "docker-entrypoint" "$*"
}

die() {
	printf '%s: error: %s\n' "docker-entrypoint" "$*" >&2
	exit 1
}

# file_env VAR [DEFAULT]: VAR from the environment, or from the file named by
# VAR_FILE (as in the official image), or DEFAULT.
file_env() {
	local var="$1" def="${2:-}"
	local fvar="${var}_FILE"
	local val="$def"
	if [[ -n ${!var:-} && -n ${!fvar:-} ]]; then
		die "both $var and $fvar are set (but are exclusive)"
	fi
	if [[ -n ${!var:-} ]]; then
		val="${!var}"
	elif [[ -n ${!fvar:-} ]]; then
		val="$(<"${!fvar}")"
	fi
	export "$var"="$val"
	unset "$fvar"
}

setup_env() {
	file_env POSTGRES_PASSWORD postgres
	file_env POSTGRES_USER postgres
	file_env POSTGRES_DB "$POSTGRES_USER"
	file_env POSTGRES_INITDB_ARGS
	: "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
	: "${PGDATA:=/var/lib/postgresql/data}"
	export PGDATA POSTGRES_HOST_AUTH_METHOD
	DATABASE_ALREADY_EXISTS=
	if [[ -s $PGDATA/PG_VERSION ]]; then
		DATABASE_ALREADY_EXISTS=true
	fi
}

create_directories() {
	local uid
	uid="$(id -u)"
	mkdir -p "$PGDATA"
	chmod 00700 "$PGDATA" || :
	mkdir -p /var/run/postgresql
	chmod 03775 /var/run/postgresql || :
	if [[ $uid -eq 0 ]]; then
		find "$PGDATA" \! -user postgres -exec chown postgres: '{}' +
		find /var/run/postgresql \! -user postgres -exec chown postgres: '{}' +
	fi
}

init_database_dir() {
	local -a args=(--username="$POSTGRES_USER" --pwfile=/dev/stdin --encoding=UTF8)
	if [[ -z ${LC_ALL:-} && -z ${LANG:-} ]]; then
		args+=(--locale=C.UTF-8)
	fi
	# POSTGRES_INITDB_ARGS is split on whitespace on purpose, as in the
	# official image.
	# shellcheck disable=SC2206
	args+=(${POSTGRES_INITDB_ARGS:-})
	printf '%s\n' "$POSTGRES_PASSWORD" | initdb "${args[@]}"
}

setup_config() {
	{
		printf '\n# added by docker-entrypoint.sh\n'
		printf "listen_addresses = '*'\n"
		# No LLVM in this image (trimmed); never try to load it.
		printf 'jit = off\n'
	} >>"$PGDATA/postgresql.conf"
	printf '\n# added by docker-entrypoint.sh\nhost all all all %s\n' \
		"$POSTGRES_HOST_AUTH_METHOD" >>"$PGDATA/pg_hba.conf"
}

# psql against the temporary server, as the superuser, over the socket.
temp_psql() {
	PGHOST=/var/run/postgresql PGPORT=5432 PGUSER="$POSTGRES_USER" \
		PGPASSWORD="$POSTGRES_PASSWORD" \
		psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc "$@"
}

temp_server_start() {
	local opts=""
	if (($#)); then
		opts="$(printf '%q ' "$@")"
	fi
	PGUSER="$POSTGRES_USER" pg_ctl -D "$PGDATA" \
		-o "$opts -c listen_addresses='' -p 5432" -w start
}

temp_server_stop() {
	PGUSER="$POSTGRES_USER" pg_ctl -D "$PGDATA" -m fast -w stop
}

setup_db() {
	local exists
	exists="$(temp_psql --dbname postgres --set db="$POSTGRES_DB" --tuples-only <<-'EOSQL'
		SELECT 1 FROM pg_database WHERE datname = :'db' ;
	EOSQL
	)"
	if [[ -z ${exists//[[:space:]]/} ]]; then
		temp_psql --dbname postgres --set db="$POSTGRES_DB" <<-'EOSQL'
			CREATE DATABASE :"db" ;
		EOSQL
		log "created database $POSTGRES_DB"
	fi
}

process_init_files() {
	local f
	for f in /docker-entrypoint-initdb.d/*; do
		[[ -e $f ]] || continue
		case "$f" in
		*.sh)
			if [[ -x $f ]]; then
				log "running $f"
				"$f"
			else
				log "sourcing $f"
				# shellcheck disable=SC1090
				. "$f"
			fi
			;;
		*.sql)
			log "running $f"
			temp_psql --dbname "$POSTGRES_DB" -f "$f"
			;;
		*.sql.gz)
			log "running $f"
			gzip -dc "$f" | temp_psql --dbname "$POSTGRES_DB"
			;;
		*) log "ignoring $f" ;;
		esac
	done
}

main() {
	if [[ ${1:-} == -* ]]; then
		set -- postgres "$@"
	fi
	if [[ ${1:-} != postgres ]]; then
		exec "$@"
	fi

	setup_env
	create_directories
	if [[ $(id -u) -eq 0 ]]; then
		# Drop root and run this script again as postgres.
		exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
	fi

	if [[ -z $DATABASE_ALREADY_EXISTS ]]; then
		init_database_dir
		setup_config
		# The arguments after "postgres" (e.g. -c fsync=off) apply to the
		# temporary server too. It logs "database system is ready to accept
		# connections" once.
		temp_server_start "${@:2}"
		setup_db
		process_init_files
		temp_server_stop
		log "PostgreSQL init process complete; ready for start up."
	else
		log "PostgreSQL database directory appears to contain a database; skipping initialization"
	fi
	# The real server logs "database system is ready to accept connections"
	# a second time.
	exec "$@"
}

main "$@"
