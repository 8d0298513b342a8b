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
# The AppHost builds the projects it starts (project references), nothing else of the solution.
dotnet build AppHost/AppHost.csproj -c Release -nologo -v:q -clp:ErrorsOnly
exec dotnet AppHost/bin/Release/net10.0/AppHost.dll "${args[@]}"
