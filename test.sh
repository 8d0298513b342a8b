#!/usr/bin/env bash
# Runs every test project against real servers and ends with one line: "N passed, N failed[, N skipped]".
# Usage: ./test.sh [filter]   (filter: a dotnet test --filter expression, optional)
set -uo pipefail
cd "$(dirname "$0")"
source eng/prerequisites.sh

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 MSBUILDDISABLENODEREUSE=1
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

if ! dotnet build Aspire.sln -c Release -nologo -v:q; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

filter=()
[ $# -gt 0 ] && filter=(--filter "$1")

passed=0; failed=0; skipped=0
# One project at a time: the functional tests start real servers and two cores are all there is.
for project in tests/*/*.csproj; do
  name=$(basename "$project" .csproj)
  echo "== $name"
  dotnet test "$project" -c Release --no-build -nologo "${filter[@]}" \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" --blame-hang-timeout 10m
  trx="$results/$name.trx"
  if [ -f "$trx" ]; then
    counters=$(grep -o '<Counters [^>]*>' "$trx")
    p=$(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")
    f=$(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")
    e=$(sed -E 's/.* error="([0-9]+)".*/\1/' <<<"$counters")
    t=$(sed -E 's/.* total="([0-9]+)".*/\1/' <<<"$counters")
    x=$(sed -E 's/.* executed="([0-9]+)".*/\1/' <<<"$counters")
    passed=$((passed + p)); failed=$((failed + f + e)); skipped=$((skipped + t - x))
  else
    echo "no results from $name (the test host did not finish)"
    failed=$((failed + 1))
  fi
done

line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ]
