#!/usr/bin/env bash
# Entrypoint of the groundwork/mariadb test image (installed in the image as
# /usr/local/bin/docker-entrypoint.sh).
#
# It imitates the official mariadb/mysql images' entrypoint as far as
# testcontainers-go's modules/mysql relies on it:
#   - MARIADB_ROOT_PASSWORD, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD,
#     MARIADB_RANDOM_ROOT_PASSWORD, MARIADB_ROOT_HOST (default %),
#     MARIADB_DATABASE, MARIADB_USER, MARIADB_PASSWORD, each also spelt
#     MYSQL_* (MYSQL_ALLOW_EMPTY_PASSWORD for the empty root password), and
#     *_FILE variants; the MARIADB_* spelling wins when both are set;
#   - a fresh data directory is initialised by a temporary server with no
#     networking (it logs "port: 0"), which also runs
#     /docker-entrypoint-initdb.d/*.sh, *.sql, *.sql.gz, then the real server
#     runs in the foreground, listening on 0.0.0.0:3306 (see
#     /etc/mysql/conf.d/00-groundwork.cnf);
#   - a command starting with "-" is passed to mariadbd (CMD is "mariadbd");
#     any other command that is not mariadbd/mysqld is run as is.
#
# testcontainers-go's modules/mysql waits for the log line of MySQL's
# server "port: 3306  MySQL Community Server". MariaDB never prints it, so
# once the real server answers on its TCP port this script prints one
# compatibility line that contains it (see announce_ready).
set -Eeuo pipefail

log() {
	printf '%s: %s\n' "docker-entrypoint" "$*"
}

die() {
	printf '%s: error: %s\n' "docker-entrypoint" "$*" >&2
	exit 1
}

# mariadb_env NAME [DEFAULT]: sets MARIADB_NAME and MYSQL_NAME from the first
# of MARIADB_NAME, MARIADB_NAME_FILE, MYSQL_NAME, MYSQL_NAME_FILE, DEFAULT.
mariadb_env() {
	local name="$1" def="${2:-}" var
	local val="$def"
	for var in "MARIADB_$name" "MYSQL_$name"; do
		local fvar="${var}_FILE"
		if [[ -n ${!var:-} ]]; then
			val="${!var}"
			break
		elif [[ -n ${!fvar:-} ]]; then
			val="$(<"${!fvar}")"
			break
		fi
	done
	unset "MARIADB_${name}_FILE" "MYSQL_${name}_FILE"
	export "MARIADB_$name"="$val" "MYSQL_$name"="$val"
}

setup_env() {
	mariadb_env ROOT_PASSWORD
	mariadb_env ALLOW_EMPTY_ROOT_PASSWORD
	if [[ -z $MARIADB_ALLOW_EMPTY_ROOT_PASSWORD ]]; then
		mariadb_env ALLOW_EMPTY_PASSWORD
		MARIADB_ALLOW_EMPTY_ROOT_PASSWORD="$MARIADB_ALLOW_EMPTY_PASSWORD"
	fi
	mariadb_env RANDOM_ROOT_PASSWORD
	mariadb_env ROOT_HOST '%'
	mariadb_env DATABASE
	mariadb_env USER
	mariadb_env PASSWORD
}

# get_config NAME CMD...: the value of option NAME as CMD (mariadbd and its
# arguments) would use it, configuration files included.
get_config() {
	local name="$1"
	shift
	"$@" --verbose --help 2>/dev/null |
		awk -v name="$name" '$1 == name && /^[^ \t]/ { sub(/^[^ \t]+[ \t]+/, ""); print; exit }'
}

check_config() {
	local out
	if ! out="$("$@" --verbose --help 2>&1 >/dev/null)"; then
		die "mariadbd failed while attempting to check its configuration: $out"
	fi
}

# sql_escape STRING: STRING escaped for a single-quoted SQL literal.
sql_escape() {
	local s="$1"
	s="${s//\\/\\\\}"
	s="${s//\'/\\\'}"
	printf '%s' "$s"
}

# sql_ident NAME: NAME escaped for a backquoted identifier.
sql_ident() {
	local s="$1"
	printf '%s' "${s//\`/\`\`}"
}

is_yes() {
	case "${1,,}" in
	1 | y | yes | true | on) return 0 ;;
	*) return 1 ;;
	esac
}

# Client of the temporary server: root over the socket, with the root
# password once it is set (ROOT_PW).
ROOT_PW=""
temp_sql() {
	MYSQL_PWD="$ROOT_PW" mariadb --no-defaults --protocol=socket --socket="$SOCKET" \
		--user=root --host=localhost "$@"
}

create_directories() {
	mkdir -p "$DATADIR" /run/mysqld
	if [[ $(id -u) -eq 0 ]]; then
		find "$DATADIR" /run/mysqld \! -user mysql -exec chown mysql:mysql '{}' +
		chmod 0755 /run/mysqld
	fi
}

init_database_dir() {
	log "initializing the database directory $DATADIR"
	mariadb-install-db --datadir="$DATADIR" --rpm --auth-root-authentication-method=normal \
		--skip-test-db --cross-bootstrap --skip-name-resolve --default-time-zone=SYSTEM \
		--skip-log-bin --expire-logs-days=0 \
		--loose-innodb_buffer_pool_load_at_startup=0 --loose-innodb_buffer_pool_dump_at_shutdown=0 \
		"${@:2}"
}

TEMP_PID=""
temp_server_start() {
	"$@" --skip-networking --socket="$SOCKET" --default-time-zone=SYSTEM \
		--skip-log-bin --expire-logs-days=0 --skip-slave-start --wsrep_on=OFF \
		--loose-innodb_buffer_pool_load_at_startup=0 &
	TEMP_PID=$!
	local i
	for ((i = 0; i < 120; i++)); do
		if temp_sql --database=mysql -e 'SELECT 1' >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$TEMP_PID" 2>/dev/null || die "the temporary server failed to start"
		sleep 0.5
	done
	die "the temporary server did not answer within 60 s"
}

temp_server_stop() {
	kill -TERM "$TEMP_PID"
	wait "$TEMP_PID" || die "the temporary server did not stop cleanly"
}

setup_db() {
	local root_pw user_pw db user root_host sql
	if is_yes "$MARIADB_RANDOM_ROOT_PASSWORD"; then
		MARIADB_ROOT_PASSWORD="$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32 || :)"
		export MARIADB_ROOT_PASSWORD MYSQL_ROOT_PASSWORD="$MARIADB_ROOT_PASSWORD"
		log "GENERATED ROOT PASSWORD: $MARIADB_ROOT_PASSWORD"
	fi
	root_pw="$(sql_escape "$MARIADB_ROOT_PASSWORD")"
	root_host="$(sql_escape "$MARIADB_ROOT_HOST")"

	sql="SET @@SESSION.SQL_LOG_BIN=0;
SET @@SESSION.SQL_MODE=REPLACE(@@SESSION.SQL_MODE, 'NO_BACKSLASH_ESCAPES', '');
DROP USER IF EXISTS root@'127.0.0.1', root@'::1';
EXECUTE IMMEDIATE CONCAT('DROP USER IF EXISTS root@\'', @@hostname, '\'');
"
	if [[ -n $MARIADB_ROOT_PASSWORD ]]; then
		sql+="SET PASSWORD FOR 'root'@'localhost' = PASSWORD('$root_pw');
"
	fi
	if [[ $MARIADB_ROOT_HOST != localhost ]]; then
		sql+="CREATE USER 'root'@'$root_host' IDENTIFIED BY '$root_pw';
GRANT ALL ON *.* TO 'root'@'$root_host' WITH GRANT OPTION;
GRANT PROXY ON ''@'%' TO 'root'@'$root_host' WITH GRANT OPTION;
"
	fi
	if [[ -n $MARIADB_DATABASE ]]; then
		db="$(sql_ident "$MARIADB_DATABASE")"
		sql+="CREATE DATABASE IF NOT EXISTS \`$db\`;
"
		log "creating database $MARIADB_DATABASE"
	fi
	if [[ -n $MARIADB_USER && -n $MARIADB_PASSWORD ]]; then
		if [[ $MARIADB_USER == root ]]; then
			log "MARIADB_USER=root: the root account is set up by MARIADB_ROOT_PASSWORD; ignoring"
		else
			user="$(sql_escape "$MARIADB_USER")"
			user_pw="$(sql_escape "$MARIADB_PASSWORD")"
			sql+="CREATE USER '$user'@'%' IDENTIFIED BY '$user_pw';
"
			if [[ -n $MARIADB_DATABASE ]]; then
				sql+="GRANT ALL ON \`$db\`.* TO '$user'@'%';
"
			fi
			log "creating user $MARIADB_USER"
		fi
	elif [[ -n $MARIADB_USER || -n $MARIADB_PASSWORD ]]; then
		log "warning: MARIADB_USER and MARIADB_PASSWORD must both be set for a user to be created"
	fi
	printf '%s' "$sql" | temp_sql --binary-mode
	ROOT_PW="$MARIADB_ROOT_PASSWORD"
}

process_init_files() {
	local f
	local -a dbarg=()
	if [[ -n $MARIADB_DATABASE ]]; then
		dbarg=(--database="$MARIADB_DATABASE")
	fi
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
			temp_sql "${dbarg[@]}" <"$f"
			;;
		*.sql.gz)
			log "running $f"
			gzip -dc "$f" | temp_sql "${dbarg[@]}"
			;;
		*) log "ignoring $f" ;;
		esac
	done
}

# announce_ready PORT: in the background, wait until the server (which will
# have this shell's PID once exec'd) answers on 127.0.0.1:PORT, then print the
# line testcontainers-go's modules/mysql waits for. mariadb-admin ping exits 0
# as soon as the server answers, even with "access denied".
announce_ready() {
	local port="$1" version="$2" pid="$$"
	[[ $port =~ ^[0-9]+$ && $port -gt 0 ]] || return 0
	(
		for ((i = 0; i < 2400; i++)); do
			kill -0 "$pid" 2>/dev/null || exit 0
			if mariadb-admin --no-defaults --protocol=tcp --host=127.0.0.1 --port="$port" \
				--user=groundwork-ready-check --connect-timeout=1 ping >/dev/null 2>&1; then
				printf "docker-entrypoint: ready for connections. Version: '%s'  port: %s  MySQL Community Server compatibility line (this is MariaDB; testcontainers-go modules/mysql waits for this text)\n" \
					"$version" "$port"
				exit 0
			fi
			sleep 0.25
		done
	) &
}

main() {
	if [[ ${1:-} == -* ]]; then
		set -- mariadbd "$@"
	fi
	case "${1:-}" in
	mariadbd | mysqld) ;;
	*) exec "$@" ;;
	esac

	check_config "$@"
	DATADIR="$(get_config datadir "$@")"
	SOCKET="$(get_config socket "$@")"
	DATADIR="${DATADIR%/}"
	[[ -n $DATADIR && -n $SOCKET ]] || die "cannot read datadir and socket from the server configuration"

	if [[ $(id -u) -eq 0 ]]; then
		create_directories
		# Drop root and run this script again as mysql.
		exec setpriv --reuid=mysql --regid=mysql --init-groups "${BASH_SOURCE[0]}" "$@"
	fi

	setup_env
	if [[ ! -d $DATADIR/mysql ]]; then
		if [[ -z $MARIADB_ROOT_PASSWORD ]] && ! is_yes "$MARIADB_ALLOW_EMPTY_ROOT_PASSWORD" &&
			! is_yes "$MARIADB_RANDOM_ROOT_PASSWORD"; then
			die "the database is uninitialized and no root password option is given: set one of MARIADB_ROOT_PASSWORD, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD, MARIADB_RANDOM_ROOT_PASSWORD (or their MYSQL_* spellings)"
		fi
		init_database_dir "$@"
		temp_server_start "$@"
		setup_db
		process_init_files
		temp_server_stop
		log "MariaDB init process done; ready for start up."
	else
		log "MariaDB database directory appears to contain a database; skipping initialization"
	fi

	announce_ready "$(get_config port "$@")" "$("$1" --version | awk '{ print $3 }')"
	exec "$@"
}

main "$@"
