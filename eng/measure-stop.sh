#!/usr/bin/env bash
# Measures how long the AppHost takes to start (launch -> every started resource healthy and the start topology
# applied) and to stop (signal -> the last process it started gone), with the built AppHost, on a fresh state folder.
# Usage: eng/measure-stop.sh [INT|TERM|KILL] [AppHost options...]   (run ./run.sh or dotnet build AppHost first)
#        eng/measure-stop.sh TERM --containers local                  (the container mode: its containers count too)
set -muo pipefail  # -m: job control, so the background AppHost keeps SIGINT (Ctrl+C) instead of ignoring it
cd "$(dirname "$0")/.."
signal=${1:-INT}; shift || true
state=$(mktemp -d /tmp/apphost-measure-XXXXXX)
port=${CONTROL_PORT:-18889}
now() { date +%s.%N; }

containers_of_run() { :; }
if [[ " $* " == *" --containers "* ]]; then
  before=$(docker ps -aq | sort)
  containers_of_run() { comm -13 <(echo "$before") <(docker ps -aq | sort) | tr '\n' ' '; }
fi

start=$(now)
dotnet AppHost/bin/Release/net10.0/AppHost.dll --state-dir "$state" --control-port "$port" "$@" > "$state.log" 2>&1 &
apphost=$!
until curl -s -m 1 "http://127.0.0.1:$port/api/topology" | grep -q '"current":"[a-z]'; do
  sleep 0.1
  kill -0 "$apphost" 2>/dev/null || { echo "the AppHost exited:"; cat "$state.log"; exit 1; }
  [ "$(echo "$(now) - $start > 180" | bc)" = 1 ] && { echo "not started after 180 s"; kill -TERM "$apphost"; exit 1; }
done
ready=$(now)
printf 'launch -> start topology applied (every resource it needs healthy): %.1f s\n' "$(echo "$ready - $start" | bc)"

# Everything the run started: the AppHost's descendants, and DCP (detached, watching the AppHost's pid) with its own.
descendants() { local p; for p in $(pgrep -P "$1"); do echo "$p"; descendants "$p"; done; }
pids="$apphost $(descendants "$apphost")"
for dcp in $(pgrep -f "dcp .*--monitor $apphost"); do pids="$pids $dcp $(descendants "$dcp")"; done
pids=$(echo "$pids" | tr ' ' '\n' | sort -un | tr '\n' ' ')
containers=$(containers_of_run)
echo "$(echo "$pids" | wc -w) processes, $(echo "$containers" | wc -w) containers; sending SIG$signal to the AppHost ($apphost)"

stop=$(now)
kill -"$signal" "$apphost"
apphost_gone=""
while true; do
  alive=""
  for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
  # Reaped once gone, or job control reports "Done" on every pass.
  [ -z "$apphost_gone" ] && ! kill -0 "$apphost" 2>/dev/null && { apphost_gone=$(now); wait "$apphost" 2>/dev/null; }
  [ -n "$containers" ] && [ -n "$(containers_of_run)" ] && alive="$alive containers"
  [ -z "$alive" ] && break
  if [ -n "${VERBOSE:-}" ] && [ "$alive" != "${last:-}" ]; then
    printf '  %5.1f s: %s\n' "$(echo "$(now) - $stop" | bc)" "$(ps -o comm= -p "$(echo $alive | tr ' ' ',')" 2>/dev/null | sort | uniq -c | tr -s ' ' | tr '\n' ' ')"
    last=$alive
  fi
  if [ "$(echo "$(now) - $stop > 120" | bc)" = 1 ]; then echo "still alive after 120 s:"; ps -o pid,cmd -p "$(echo $alive | tr " " ",")"; exit 1; fi
  sleep 0.05
done
end=$(now)
[ -n "$apphost_gone" ] && printf 'signal -> AppHost exited: %.1f s\n' "$(echo "$apphost_gone - $stop" | bc)"
printf 'signal -> last process (and container) gone: %.1f s\n' "$(echo "$end - $stop" | bc)"
rm -rf "$state" "$state.log"
