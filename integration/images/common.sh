# shellcheck shell=bash
# The hooks are run by mmdebstrap, which expands "$1": single quotes on purpose.
# shellcheck disable=SC2016
# Shared helpers for build-postgres.sh and build-mariadb.sh. Sourced, never run.
#
# The images are built without any container registry: mmdebstrap makes a
# Debian bookworm root file system from the Debian package mirror that this
# host's apt already uses, and `docker import` turns that tarball into an
# image. No mirror host name is written here: it is read at run time from the
# host's apt sources (or from GROUNDWORK_DEBIAN_MIRROR /
# GROUNDWORK_DEBIAN_SECURITY_MIRROR when set).

# The images are bookworm-only (package names such as postgresql-15 depend on it).
GW_SUITE=bookworm

gw_log() {
	printf '%s: %s\n' "${GW_SCRIPT_NAME:-images}" "$*" >&2
}

gw_die() {
	gw_log "error: $*"
	exit 1
}

# gw_image_exists TAG: true when the Docker engine already has TAG.
gw_image_exists() {
	docker image inspect "$1" >/dev/null 2>&1
}

# gw_require_tools makes sure docker answers and mmdebstrap is installed
# (installing it with apt-get when running as root on a Debian host).
gw_require_tools() {
	command -v docker >/dev/null 2>&1 || gw_die "docker CLI not found"
	docker info >/dev/null 2>&1 || gw_die "the Docker engine does not answer (is dockerd running?)"
	if ! command -v mmdebstrap >/dev/null 2>&1; then
		if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
			gw_log "mmdebstrap not found, installing it with apt-get"
			apt-get update -qq >&2 || gw_die "apt-get update failed"
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >&2 ||
				gw_die "apt-get install mmdebstrap failed"
		else
			gw_die "mmdebstrap not found: install it (apt-get install mmdebstrap) and retry"
		fi
	fi
}

# gw_host_apt_sources prints "URI SUITE" for every enabled deb source of the
# host, from one-line (*.list) and deb822 (*.sources) files.
gw_host_apt_sources() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[[ -r $f ]] || continue
		awk '
			/^[[:space:]]*deb[[:space:]]/ {
				i = 2
				if ($i ~ /^\[/) { while ($i !~ /\]$/ && i < NF) i++; i++ }
				print $i, $(i + 1)
			}' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[[ -r $f ]] || continue
		awk '
			BEGIN { RS = ""; FS = "\n" }
			{
				types = ""; uris = ""; suites = ""; enabled = "yes"
				for (n = 1; n <= NF; n++) {
					line = $n
					if (line ~ /^[[:space:]]*#/) continue
					key = tolower(line); sub(/:.*/, "", key)
					val = line; sub(/^[^:]*:[[:space:]]*/, "", val)
					if (key == "types") types = val
					else if (key == "uris") uris = val
					else if (key == "suites") suites = val
					else if (key == "enabled") enabled = tolower(val)
				}
				if (enabled == "no" || (" " types " ") !~ / deb /) next
				nu = split(uris, u, /[[:space:]]+/)
				ns = split(suites, s, /[[:space:]]+/)
				for (a = 1; a <= nu; a++) for (b = 1; b <= ns; b++) print u[a], s[b]
			}' "$f"
	done
}

# gw_mirror_lines fills the array GW_MIRROR_LINES with sources.list lines for
# $GW_SUITE, $GW_SUITE-updates and $GW_SUITE-security, using the URIs the host's
# apt uses for its own Debian release (or the GROUNDWORK_DEBIAN_* overrides).
gw_mirror_lines() {
	local codename="" main="${GROUNDWORK_DEBIAN_MIRROR:-}" security="${GROUNDWORK_DEBIAN_SECURITY_MIRROR:-}"
	local uri suite sources
	if [[ -r /etc/os-release ]]; then
		# shellcheck disable=SC1091
		codename="$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")"
	fi
	sources="$(gw_host_apt_sources)"
	while read -r uri suite; do
		[[ -n ${uri:-} ]] || continue
		if [[ -z $main && ($suite == "$codename" || $suite == "$GW_SUITE") ]]; then
			main="$uri"
		fi
		if [[ -z $security && ($suite == "$codename-security" || $suite == "$GW_SUITE-security") ]]; then
			security="$uri"
		fi
	done <<<"$sources"
	[[ -n $main ]] || gw_die "cannot find the Debian mirror in the host's apt sources; set GROUNDWORK_DEBIAN_MIRROR"
	GW_MIRROR_LINES=(
		"deb $main $GW_SUITE main"
		"deb $main $GW_SUITE-updates main"
	)
	if [[ -n $security ]]; then
		GW_MIRROR_LINES+=("deb $security $GW_SUITE-security main")
	else
		gw_log "warning: no security mirror found in the host's apt sources; building without $GW_SUITE-security"
	fi
}

# Options that keep the root file system small: no documentation, manual
# pages, translations or locale sources, and no recommended packages.
GW_TRIM_OPTS=(
	--variant=minbase
	--aptopt='APT::Install-Recommends "false"'
	--aptopt='APT::Install-Suggests "false"'
	--dpkgopt='path-exclude=/usr/share/doc/*'
	--dpkgopt='path-include=/usr/share/doc/*/copyright'
	--dpkgopt='path-exclude=/usr/share/man/*'
	--dpkgopt='path-exclude=/usr/share/info/*'
	--dpkgopt='path-exclude=/usr/share/locale/*'
	--dpkgopt='path-exclude=/usr/share/lintian/*'
	--dpkgopt='path-exclude=/usr/share/i18n/*'
	--dpkgopt='path-exclude=/usr/share/zoneinfo/right/*'
	--customize-hook='find "$1/var/cache/apt" "$1/var/lib/apt/lists" -type f -delete'
	--customize-hook='rm -rf "$1"/var/log/*.log "$1"/var/log/apt/* "$1"/var/cache/debconf/*-old "$1"/var/lib/dpkg/*-old "$1"/tmp/*'
)

# gw_build_image TAG ENTRYPOINT_SRC MMDEBSTRAP_ARGS... -- IMPORT_CHANGES...
# Builds a root file system tarball with mmdebstrap (the entrypoint script is
# installed as /usr/local/bin/docker-entrypoint.sh), then imports it as TAG.
gw_build_image() {
	local tag="$1" entrypoint="$2"
	shift 2
	local -a mm_args=() changes=()
	while (($#)); do
		if [[ $1 == -- ]]; then
			shift
			changes=("$@")
			break
		fi
		mm_args+=("$1")
		shift
	done
	[[ -r $entrypoint ]] || gw_die "entrypoint script $entrypoint not found"

	gw_require_tools
	gw_mirror_lines

	local workdir
	workdir="$(mktemp -d "${TMPDIR:-/tmp}/groundwork-image.XXXXXX")"
	# shellcheck disable=SC2064 # expand workdir now: it is local
	trap "rm -rf '$workdir'" EXIT

	local -a import_args=()
	local c
	for c in "${changes[@]}"; do
		import_args+=(--change "$c")
	done

	local start end
	start="$(date +%s)"
	gw_log "building $tag with mmdebstrap ($GW_SUITE); log in $workdir/mmdebstrap.log while it runs"
	GW_ENTRYPOINT_SRC="$entrypoint" \
		mmdebstrap \
		"${GW_TRIM_OPTS[@]}" \
		"${mm_args[@]}" \
		--customize-hook='install -D -m 0755 "$GW_ENTRYPOINT_SRC" "$1/usr/local/bin/docker-entrypoint.sh"' \
		--customize-hook='mkdir -p "$1/docker-entrypoint-initdb.d"' \
		"$GW_SUITE" "$workdir/rootfs.tar" "${GW_MIRROR_LINES[@]}" \
		>"$workdir/mmdebstrap.log" 2>&1 || {
		tail -n 40 "$workdir/mmdebstrap.log" >&2
		gw_die "mmdebstrap failed for $tag"
	}
	gw_log "importing $(du -h "$workdir/rootfs.tar" | cut -f1) root file system as $tag"
	docker import "${import_args[@]}" \
		--message "groundwork test image built by $(basename "$0")" \
		"$workdir/rootfs.tar" "$tag" >/dev/null || gw_die "docker import failed for $tag"
	end="$(date +%s)"
	gw_log "built $tag in $((end - start))s, size $(docker image inspect --format '{{.Size}}' "$tag") bytes"
}
