#!/usr/bin/env bash
# Runs every test project against real servers and ends with one line: "N passed, N failed[, N skipped]".
# Usage: ./test.sh [filter]   (filter: a dotnet test --filter expression, optional)
#        TEST_PROJECTS="tests/LoadGen.*/*.csproj" ./test.sh   (a subset of the test projects)
set -uo pipefail
cd "$(dirname "$0")"
bash eng/prerequisites.sh --tests || exit 1

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 MSBUILDDISABLENODEREUSE=1
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

if ! dotnet build Aspire.sln -c Release -nologo -v:q; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

# The container mode's test needs a container runtime (eng/containers.sh starts dockerd when root) and its images
# (the official ones when a registry answers, else built here). Where no runtime can run it is skipped, saying why.
projects=$(ls ${TEST_PROJECTS:-tests/*/*.csproj})
runtime_was_up=true
if grep -q AppHost.EndToEndTests <<<"$projects"; then
  docker info >/dev/null 2>&1 || runtime_was_up=false
  prepare_containers=true
else
  prepare_containers=false
fi
if ! $prepare_containers; then
  :
elif bash eng/containers.sh runtime; then
  if images=$(bash eng/containers.sh images | tail -n 1); then
    export SAMPLE_CONTAINER_IMAGES="$images"
  else
    echo "eng/containers.sh images failed: the container-mode test will fail"
  fi
else
  echo "No container runtime: the container-mode test is skipped (see the reason above)."
fi
# A dockerd this run started is stopped at the end; one that was already running is left alone.
trap 'rm -rf "$results"; $runtime_was_up || bash eng/containers.sh stop-runtime >/dev/null 2>&1 || true' EXIT

filter=()
[ $# -gt 0 ] && filter=(--filter "$1")

# One attribute of the <Counters> element of a .trx file; 0 when absent.
counter() {
  local value
  value=$(grep -o '<Counters [^>]*>' "$2" | head -n 1 | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9][0-9]*')
  echo "${value:-0}"
}

passed=0; failed=0; skipped=0
# One project at a time: the functional tests start real servers and two cores are all there is.
for project in $projects; do
  name=$(basename "$project" .csproj)
  echo "== $name"
  dotnet test "$project" -c Release --no-build -nologo "${filter[@]}" \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" --blame-hang-timeout 10m
  trx="$results/$name.trx"
  if [ -f "$trx" ]; then
    p=$(counter passed "$trx"); f=$(counter failed "$trx"); e=$(counter error "$trx")
    t=$(counter total "$trx"); x=$(counter executed "$trx")
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
