#!/usr/bin/env bash
# Installs the Debian servers if missing, builds the AppHost and everything it starts, and runs it under Aspire.
# Usage: ./run.sh [--topology single] [--lb-port 8080] [--dashboard-port 18888] [--control-port 18889] [--state-dir .apphost]
# Ends its start-up output with the dashboard's "Login URL: http://127.0.0.1:18888/login?t=..." line; Ctrl+C stops everything.
set -euo pipefail
cd "$(dirname "$0")"
bash eng/prerequisites.sh || exit 1
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 MSBUILDDISABLENODEREUSE=1
# The AppHost builds the projects it starts (project references), nothing else of the solution.
dotnet build AppHost/AppHost.csproj -c Release -nologo -v:q -clp:ErrorsOnly
exec dotnet AppHost/bin/Release/net10.0/AppHost.dll "$@"
