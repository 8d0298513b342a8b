#!/usr/bin/env bash
# Installs the Debian servers if missing, builds the AppHost and everything it starts, and runs it under Aspire.
# Usage: ./run.sh [--topology single] [--lb-port 8080] [--dashboard-port 18888] [--control-port 18889] [--state-dir .apphost] [--no-self-healing]
#                 [--containers [official|local]]
# --containers runs the caches and PostgreSQL with Aspire's AddRedis/AddPostgres: it makes a container runtime
# answer (starting dockerd when root), and without a value picks the official images when a registry answers,
# otherwise images built here from Debian packages (eng/containers.sh).
# Ends its start-up output with the dashboard's "Login URL: http://127.0.0.1:18888/login?t=..." line; Ctrl+C stops everything.
set -euo pipefail
cd "$(dirname "$0")"

args=()
containers=""
while [ $# -gt 0 ]; do
  case "$1" in
    --containers=*) containers="${1#--containers=}" ;;
    --containers)
      if [ $# -gt 1 ] && [[ "$2" != --* ]]; then containers="$2"; shift; else containers="auto"; fi ;;
    *) args+=("$1") ;;
  esac
  shift
done

if [ -n "$containers" ]; then
  bash eng/prerequisites.sh --containers || exit 1
  bash eng/containers.sh runtime || exit 1
  mode=$(bash eng/containers.sh images "$containers" | tail -n 1) || exit 1
  args+=(--containers "$mode")
else
  bash eng/prerequisites.sh || exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 MSBUILDDISABLENODEREUSE=1

# The ASP.NET Core development certificate, trusted as `aspire run` trusts it: without it the dashboard greets every
# user with a red "No trusted development certificate" (Aspire prepares it for every project, http endpoints included).
# dotnet dev-certs creates and trusts it; on Linux .NET reads trust from OpenSSL, so its trust folder joins SSL_CERT_DIR
# for the AppHost, as the Aspire CLI does.
if [ "$(uname -s)" = Linux ]; then
  trust_dir="${DOTNET_DEV_CERTS_OPENSSL_CERTIFICATE_DIRECTORY:-$HOME/.aspnet/dev-certs/trust}"
  if [ -z "${SSL_CERT_DIR:-}" ]; then
    openssl_dir=$(openssl version -d 2>/dev/null | sed -n 's/^OPENSSLDIR: "\(.*\)"$/\1/p')
    SSL_CERT_DIR="${openssl_dir:-/usr/lib/ssl}/certs"
  fi
  case ":$SSL_CERT_DIR:" in *":$trust_dir:"*) ;; *) SSL_CERT_DIR="$SSL_CERT_DIR:$trust_dir" ;; esac
  export SSL_CERT_DIR
fi
if ! dotnet dev-certs https --check --trust >/dev/null 2>&1; then
  dotnet dev-certs https --trust >/dev/null 2>&1 || true
  dotnet dev-certs https --check --trust >/dev/null 2>&1 \
    || echo "The development certificate is not trusted (dotnet dev-certs https --trust failed): the dashboard will say so; the sample works all the same." >&2
fi
# Trusted, the certificate would also switch Aspire's AddRedis containers (--containers) to TLS: the sample stays on
# plain loopback connections with a password, as the tests run it.
export ASPIRE_DEVELOPER_CERTIFICATE_DEFAULT_HTTPS_TERMINATION=false
# The AppHost builds the projects it starts (project references), nothing else of the solution.
dotnet build AppHost/AppHost.csproj -c Release -nologo -v:q -clp:ErrorsOnly
exec dotnet AppHost/bin/Release/net10.0/AppHost.dll "${args[@]}"
