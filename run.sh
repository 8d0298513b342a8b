#!/usr/bin/env bash
# Builds the sample and starts the AppHost: every resource as a real local process.
# Usage: ./run.sh [AppHost options, e.g. --topology cluster]
set -euo pipefail
cd "$(dirname "$0")"
bash eng/prerequisites.sh || exit 1
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build Aspire.sln -c Release -nologo -v:q
exec dotnet AppHost/bin/Release/net10.0/AppHost.dll "$@"
