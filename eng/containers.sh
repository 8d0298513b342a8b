#!/usr/bin/env bash
# Makes a container runtime and the Redis/Postgres images of the container mode (./run.sh --containers) available.
# Usage: bash eng/containers.sh runtime          start or reuse a Docker engine, or say what is missing (exit 1)
#        bash eng/containers.sh images [official|local|auto]
#                                               decide (and get) the images; the LAST stdout line is "official" or
#                                               "local" (progress goes to stderr): mode=$(bash eng/containers.sh images | tail -n1)
#        bash eng/containers.sh stop-runtime    stop dockerd, only if this script started it
#        bash eng/containers.sh check           exit 0 if a runtime is usable, else 1 with the reason (no side effects)
# Env:   SAMPLE_CONTAINER_IMAGES=official|local|auto (default of "images"), SAMPLE_REGISTRY_PROBE_SECONDS (20),
#        DEBIAN_MIRROR, DEBIAN_SECURITY_MIRROR (defaults: those of /etc/apt), DOTNET_ASPIRE_CONTAINER_RUNTIME=podman
#        (untested here).
set -euo pipefail
cd "$(dirname "$0")/.."

# The images Aspire 13.6 runs by default, and the local stand-ins built from Debian bookworm when no registry answers.
# The local ones carry a localhost/ prefix and their own Debian versions as tags: never mistaken for the official ones.
OFFICIAL_REDIS=docker.io/library/redis:8.6
OFFICIAL_POSTGRES=docker.io/library/postgres:18.3
LOCAL_REDIS=localhost/scaling-redis/redis:7.0-bookworm
LOCAL_POSTGRES=localhost/scaling-redis/postgres:15-bookworm

cli=${DOTNET_ASPIRE_CONTAINER_RUNTIME:-docker}
# dockerd's log and our pid file: the pid file is how stop-runtime knows that WE started the daemon.
if [ -n "${XDG_RUNTIME_DIR:-}" ]; then state=$XDG_RUNTIME_DIR/scaling-redis
elif [ "$(id -u)" -eq 0 ]; then state=/run/scaling-redis
else state=/tmp/scaling-redis-$(id -u); fi
pidfile=$state/dockerd.pid

log() { echo "containers: $*" >&2; }
die() { echo "containers: $*" >&2; exit 1; }

# Prints why the CLI is unusable (and returns 1), or nothing. DCP (Aspire's orchestrator) refuses a Docker CLI < 25.
cli_problem() {
  if ! command -v "$cli" >/dev/null 2>&1; then
    echo "no '$cli' command on PATH. Install Docker (Debian: apt-get install docker.io, plus docker-ce-cli >= 25 from Docker's apt repository) or Docker Desktop, or Podman and set DOTNET_ASPIRE_CONTAINER_RUNTIME=podman."
    return 1
  fi
  [ "$cli" = docker ] || return 0
  local version major
  # The client's version prints even when the daemon is down (the command then exits 1).
  version=$(docker version --format '{{.Client.Version}}' 2>/dev/null || true)
  major=${version%%.*}
  case $major in ''|*[!0-9]*) major=0 ;; esac
  if [ "$major" -lt 25 ]; then
    echo "Aspire's DCP needs Docker CLI >= 25; '$(command -v docker)' is version ${version:-unknown}. Install docker-ce-cli from Docker's apt repository (it can sit before Debian's docker.io on PATH, e.g. in /usr/local/bin), or use Docker Desktop, or Podman with DOTNET_ASPIRE_CONTAINER_RUNTIME=podman."
    return 1
  fi
}

daemon_up() { "$cli" info >/dev/null 2>&1; }

# The pid in our pid file if that process is still a dockerd, else nothing.
our_dockerd() {
  local pid
  [ -f "$pidfile" ] || return 1
  pid=$(cat "$pidfile")
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] && echo "$pid"
}

cmd_runtime() {
  local problem
  problem=$(cli_problem) || die "$problem"
  if daemon_up; then
    if our_dockerd >/dev/null; then log "reusing the dockerd this script started (pid $(cat "$pidfile"))"
    else log "reusing the running $cli engine"; fi
    return 0
  fi
  [ "$cli" = docker ] || die "'$cli info' fails: start the $cli service/machine (e.g. podman machine start) and try again."
  if [ "$(id -u)" -ne 0 ]; then
    die "the Docker engine is not reachable ('docker info' fails) and only root can start it here. Start Docker Desktop or the docker service (sudo service docker start), or add yourself to the docker group, or run as root."
  fi
  command -v dockerd >/dev/null 2>&1 || die "no Docker engine is running and dockerd is not installed: apt-get install docker.io (or run: bash eng/prerequisites.sh --containers)."
  mkdir -p "$state"
  rm -f "$pidfile"
  log "starting dockerd (log: $state/dockerd.log)"
  # setsid: the daemon outlives this script and a Ctrl+C in the terminal that ran it.
  setsid dockerd >> "$state/dockerd.log" 2>&1 < /dev/null &
  echo $! > "$pidfile"
  local i
  for i in $(seq 1 60); do
    daemon_up && { log "dockerd is up (pid $(cat "$pidfile"))"; return 0; }
    our_dockerd >/dev/null || { rm -f "$pidfile"; die "dockerd exited at start; the end of its log ($state/dockerd.log):"$'\n'"$(tail -n 15 "$state/dockerd.log")"; }
    sleep 0.5
  done
  die "dockerd (pid $(cat "$pidfile")) did not answer 'docker info' within 30 s; see $state/dockerd.log. It was left running: bash eng/containers.sh stop-runtime"
}

cmd_stop_runtime() {
  local pid i
  if ! pid=$(our_dockerd); then
    [ -f "$pidfile" ] && { rm -f "$pidfile"; log "removed a stale pid file"; }
    log "no dockerd started by this script is running: nothing stopped"
    return 0
  fi
  log "stopping dockerd (pid $pid)"
  kill -TERM "$pid"
  # dockerd gives running containers their stop timeout (10 s) before it exits itself.
  for i in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; log "dockerd stopped"; return 0; }
    sleep 0.5
  done
  die "dockerd (pid $pid) still runs 30 s after SIGTERM; see $state/dockerd.log"
}

cmd_check() {
  local problem
  problem=$(cli_problem) || die "$problem"
  daemon_up || die "'$cli info' fails: no container engine is reachable (bash eng/containers.sh runtime starts one as root)."
}

have_image() { "$cli" image inspect "$1" >/dev/null 2>&1; }

# Pulls an image if its registry answers within the probe bound. A pull whose registry has answered ("Pulling from",
# or the digest of an image already there) runs to its end, however long the download; one that fails or hears nothing
# in time counts as "no registry". Here (no DNS for docker.io) the pull fails at once; the bound is for networks that
# drop packets instead of refusing them.
pull_if_reachable() {
  local img=$1 bound=${SAMPLE_REGISTRY_PROBE_SECONDS:-20} out pid i
  out=$(mktemp)
  "$cli" pull "$img" > "$out" 2>&1 &
  pid=$!
  for i in $(seq 1 $((bound * 10))); do
    if ! kill -0 "$pid" 2>/dev/null || grep -qE 'Pulling from|Digest:' "$out"; then
      if wait "$pid"; then rm -f "$out"; return 0; fi
      log "pull of $img failed: $(tail -n 1 "$out")"; rm -f "$out"; return 1
    fi
    sleep 0.1
  done
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  log "no answer from the registry of $img within $bound s"; rm -f "$out"; return 1
}

# The Debian mirror the host's apt uses (deb822 .sources or one-line .list), else debootstrap's own default.
debian_mirror() {
  [ -n "${DEBIAN_MIRROR:-}" ] && { echo "$DEBIAN_MIRROR"; return; }
  { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}'
    grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | sed 's/\[[^]]*\]//' | awk '{print $2}'
  } | grep -E '/debian/?$' | head -n 1 || true
}

# debootstrap mounts /proc and /sys inside the root while it works; an interrupted run may leave them mounted, so
# unmount whatever is under the build folder before removing it, and never cross into another file system.
tmp=""
remove_build_folder() {
  [ -n "$tmp" ] && [ -d "$tmp" ] || return 0
  awk -v t="$tmp/" 'index($2, t) == 1 {print $2}' /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf --one-file-system "$tmp"
}

# Builds the missing local images from one debootstrap'ed Debian bookworm root, in a temp folder removed at exit.
build_local_images() {
  local need=() missing
  have_image "$LOCAL_REDIS" || need+=(redis)
  have_image "$LOCAL_POSTGRES" || need+=(postgres)
  [ ${#need[@]} -gt 0 ] || { log "local images present: $LOCAL_REDIS, $LOCAL_POSTGRES"; return 0; }
  [ "$(id -u)" -eq 0 ] || die "building the local images (debootstrap, chroot) needs root; run as root or with sudo."
  missing=""
  for c in debootstrap chroot tar; do command -v "$c" >/dev/null 2>&1 || missing="$missing $c"; done
  [ -z "$missing" ] || die "missing:$missing (apt-get install debootstrap, or: bash eng/prerequisites.sh --containers)"

  local mirror start
  mirror=$(debian_mirror)
  start=$(date +%s)
  tmp=$(mktemp -d /var/tmp/scaling-redis-images.XXXXXX)
  trap remove_build_folder EXIT
  log "building ${need[*]} from Debian bookworm (${mirror:-debootstrap default mirror}) in $tmp"

  # One minimal root for both images; each image gets a copy with its packages added.
  debootstrap --variant=minbase bookworm "$tmp/base" ${mirror:+"$mirror"} > "$tmp/debootstrap.log" 2>&1 \
    || die "debootstrap failed; the end of its log:"$'\n'"$(tail -n 15 "$tmp/debootstrap.log")"
  # Debian's security updates too, when the host names a security mirror: the images should not ship fixed bugs.
  local security
  security=${DEBIAN_SECURITY_MIRROR:-$({ grep -hs '^URIs:.*debian-security' /etc/apt/sources.list.d/*.sources | awk '{print $2}'
    grep -hs '^deb .*debian-security' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | sed 's/\[[^]]*\]//' | awk '{print $2}'
  } | head -n 1 || true)}
  # debootstrap wrote "deb <mirror> bookworm main" (its default mirror when none was given); add the other suites.
  local used
  used=$(awk '/^deb /{print $2; exit}' "$tmp/base/etc/apt/sources.list")
  echo "deb $used bookworm-updates main" >> "$tmp/base/etc/apt/sources.list"
  [ -z "$security" ] || echo "deb $security bookworm-security main" >> "$tmp/base/etc/apt/sources.list"
  # No service may start inside the chroot (policy-rc.d), and postgresql-common must not create its default cluster:
  # the image's entrypoint initialises its own data folder at first start.
  printf '#!/bin/sh\nexit 101\n' > "$tmp/base/usr/sbin/policy-rc.d"; chmod +x "$tmp/base/usr/sbin/policy-rc.d"
  mkdir -p "$tmp/base/etc/postgresql-common"
  echo "create_main_cluster = false" > "$tmp/base/etc/postgresql-common/createcluster.conf"
  cp /etc/resolv.conf "$tmp/base/etc/resolv.conf"
  chroot "$tmp/base" apt-get update -qq > "$tmp/apt.log" 2>&1 \
    && DEBIAN_FRONTEND=noninteractive chroot "$tmp/base" apt-get upgrade -y -qq >> "$tmp/apt.log" 2>&1 \
    || die "apt-get in the Debian root failed; the end of its log:"$'\n'"$(tail -n 15 "$tmp/apt.log")"

  local image root pkgs
  for image in "${need[@]}"; do
    root=$tmp/$image
    cp -a "$tmp/base" "$root"
    case $image in
      redis) pkgs=(redis-server) ;;
      postgres) pkgs=(postgresql-15) ;;
    esac
    DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get install -y -qq --no-install-recommends "${pkgs[@]}" > "$tmp/$image.log" 2>&1 \
      || die "apt-get install ${pkgs[*]} failed; the end of its log:"$'\n'"$(tail -n 15 "$tmp/$image.log")"
    slim "$root"
    case $image in
      redis)
        # Aspire runs this image as: /bin/sh -c "redis-server --requirepass $REDIS_PASSWORD". With Debian's dash as
        # /bin/sh, dash stays PID 1, ignores SIGTERM, and every stop waits the full 10 s timeout. bash execs a lone -c
        # command, so with bash as /bin/sh redis-server itself is PID 1 and stops on SIGTERM.
        ln -sf bash "$root/usr/bin/sh"
        import_image redis "$root" "$LOCAL_REDIS" ;;
      postgres)
        # The JIT (LLVM, 130 MB of the image) pays off only on long analytic queries; without its provider, postgres
        # silently runs with JIT unavailable (pg_jit_available() = false), as the manual describes.
        rm -rf "$root"/usr/lib/x86_64-linux-gnu/libLLVM-* "$root"/usr/lib/postgresql/15/lib/llvmjit* \
          "$root"/usr/lib/postgresql/15/lib/bitcode
        import_image postgres "$root" "$LOCAL_POSTGRES" ;;
    esac
  done
  log "built ${need[*]} in $(( $(date +%s) - start )) s"
}

# What an image never needs at run time: apt's lists and caches, docs, man pages, translations, logs, the build's hacks.
slim() {
  local root=$1
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/cache/debconf/*-old "$root"/var/log/* \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* \
    "$root"/usr/sbin/policy-rc.d "$root"/etc/resolv.conf
  : > "$root/etc/resolv.conf"   # the runtime mounts its own over this file
}

# Imports a root file system as a temporary image, then builds the image from it with eng/images/NAME/Dockerfile
# (docker import cannot set STOPSIGNAL; a Dockerfile keeps each image's settings readable in one place).
import_image() {
  local name=$1 root=$2 tag=$3 rootfs=localhost/scaling-redis/rootfs:$1
  tar --numeric-owner -C "$root" -c . | "$cli" import --message "Debian bookworm root for $tag, by eng/containers.sh" - "$rootfs" >/dev/null
  "$cli" build -q --build-arg ROOTFS="$rootfs" -t "$tag" "eng/images/$name" >/dev/null 2>"$tmp/$name-build.log" \
    || die "building $tag failed:"$'\n'"$(cat "$tmp/$name-build.log")"
  "$cli" rmi "$rootfs" >/dev/null   # only untags: the image is built on it
  log "built $tag ($("$cli" image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1 / 1e6}'))"
}

cmd_images() {
  local mode=${1:-${SAMPLE_CONTAINER_IMAGES:-auto}}
  case $mode in official|local|auto) ;; *) die "unknown image mode '$mode' (official, local or auto)" ;; esac
  cmd_runtime
  if [ "$mode" != local ]; then
    local img ok=1
    for img in "$OFFICIAL_REDIS" "$OFFICIAL_POSTGRES"; do
      if have_image "$img"; then log "present: $img"
      elif ! pull_if_reachable "$img"; then ok=0; break
      else log "pulled: $img"; fi
    done
    if [ $ok -eq 1 ]; then echo official; return 0; fi
    [ "$mode" = official ] && die "the official images are neither present nor pullable; use: bash eng/containers.sh images local"
    log "no registry reachable: using the local images built from Debian packages"
  fi
  build_local_images
  echo local
}

case ${1:-} in
  runtime) cmd_runtime ;;
  images) cmd_images "${2:-}" ;;
  stop-runtime) cmd_stop_runtime ;;
  check) cmd_check ;;
  *) sed -n '3,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
