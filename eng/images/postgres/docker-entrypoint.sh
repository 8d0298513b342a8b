#!/bin/bash
# Entrypoint of the local Postgres image (eng/containers.sh builds it): the part of the official postgres image's
# environment contract that Aspire's AddPostgres uses, so the AppHost can run either image unchanged.
#   POSTGRES_USER (default postgres), POSTGRES_PASSWORD (required unless POSTGRES_HOST_AUTH_METHOD=trust),
#   POSTGRES_DB (optional, created at first start), POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD
#   (default scram-sha-256), PGDATA (default /var/lib/postgresql/data).
# Arguments: none or options starting with "-" go to postgres; anything else is run instead (e.g. bash).
set -euo pipefail

if [ $# -gt 0 ] && [ "${1#-}" = "$1" ] && [ "$1" != postgres ]; then
  exec "$@"
fi
[ "${1:-}" = postgres ] && shift

: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA
# postgres refuses to run as root; setpriv (util-linux, in every Debian root) drops to the postgres user and execs.
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

# A fresh volume is created root-owned; postgres needs its data folder as its own with mode 700, and its socket folder.
mkdir -p "$PGDATA" /var/run/postgresql
chown postgres:postgres "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"
chmod 2775 /var/run/postgresql

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  initdb_args=(--username="$POSTGRES_USER")
  if [ -n "${POSTGRES_PASSWORD:-}" ]; then
    # The password goes through a file so that it never shows in the process list.
    pwfile=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
    chown postgres "$pwfile"
    initdb_args+=(--pwfile="$pwfile")
  elif [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
    echo "error: POSTGRES_PASSWORD is empty. Set it, or set POSTGRES_HOST_AUTH_METHOD=trust to allow any connection without a password." >&2
    exit 1
  fi
  # POSTGRES_INITDB_ARGS is a list of options (e.g. "--auth-host=scram-sha-256 --auth-local=scram-sha-256"): split on spaces.
  # shellcheck disable=SC2206
  initdb_args+=(${POSTGRES_INITDB_ARGS:-})
  as_postgres initdb "${initdb_args[@]}"
  rm -f "${pwfile:-}"

  # Reachable from outside the container (the runtime publishes the port on the host's loopback only).
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
  echo "host all all all $POSTGRES_HOST_AUTH_METHOD" >> "$PGDATA/pg_hba.conf"

  if [ -n "${POSTGRES_DB:-}" ] && [ "$POSTGRES_DB" != postgres ]; then
    # Single-user mode needs no server, no socket and no password: the simplest way to run one statement at init.
    echo "CREATE DATABASE \"${POSTGRES_DB//\"/\"\"}\"" | as_postgres postgres --single -D "$PGDATA" postgres >/dev/null
  fi
  echo "initialised $PGDATA for user $POSTGRES_USER"
fi

# exec: postgres becomes PID 1, so the runtime's stop signal (SIGINT, fast shutdown; see eng/containers.sh) reaches it.
exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$PGDATA" "$@"
