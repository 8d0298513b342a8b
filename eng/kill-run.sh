#!/usr/bin/env bash
# Issue 22's fault run: the built AppHost (topology single) on ports 28080 (lb), 28888 (dashboard), 28889 (control
# API); LoadGen at 100 req/s (READ_RATIO, default 0.9) for 30 s through the load balancer; kill -9 of one process of
# this AppHost ten seconds in; then LoadGen's figures, the AppHost's auto-restart lines and every resource's state.
# Usage: eng/kill-run.sh PATTERN   (PATTERN is matched in a process's environment or command line, e.g.
#        'REPLICA_NAME=webfrontend-2', 'redis-server', 'bin/postgres', 'CatalogApi.dll')
# Build first: dotnet build AppHost -c Release && dotnet build LoadGen -c Release
set -u
pattern="${1:?usage: eng/kill-run.sh PATTERN}"
cd "$(dirname "$0")/.."
state=$(mktemp -d /tmp/kill-run-XXXX)
dotnet AppHost/bin/Release/net10.0/AppHost.dll --lb-port 28080 --dashboard-port 28888 --control-port 28889 --state-dir "$state" \
  --ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL=http://127.0.0.1:28890 > "$state/apphost.log" 2>&1 &
apphost=$!
stop() { kill -TERM "$apphost" 2>/dev/null; wait "$apphost"; sleep 15; rm -rf "$state"; }
for _ in $(seq 1 240); do grep -q "^Ready" "$state/apphost.log" && break; sleep 1; done
grep "^Ready" "$state/apphost.log" || { echo "not ready:"; tail -5 "$state/apphost.log"; curl -s http://127.0.0.1:28889/api/resources | head -c 3000; echo; stop; exit 1; }
catalog=$(curl -s http://127.0.0.1:28889/api/resources \
  | python3 -c 'import json,sys; print([e for r in json.load(sys.stdin) if r["name"]=="catalogapi" for e in r["endpoints"]][0])')
dotnet LoadGen/bin/Release/net10.0/LoadGen.dll run -u http://127.0.0.1:28080 --catalog-url "$catalog" --rate 100 \
  --read-ratio "${READ_RATIO:-0.9}" --products 2000 --duration 30s --warmup 2s > "$state/loadgen.txt" 2>&1 &
loadgen=$!
sleep 10
# This AppHost's processes only: its children, and DCP's (which watch its pid with --monitor), recursively.
descendants() { for k in $(ps -eo pid=,ppid= | awk -v p="$1" '$2==p {print $1}'); do echo "$k"; descendants "$k"; done; }
victim=""
for p in $(for r in "$apphost" $(pgrep -f -- "--monitor $apphost"); do echo "$r"; descendants "$r"; done); do
  if tr '\0' ' ' < "/proc/$p/environ" 2>/dev/null | grep -q -- "$pattern" || tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q -- "$pattern"; then
    victim=$p; break
  fi
done
[ -n "$victim" ] || { echo "no process of this AppHost matches '$pattern'"; wait "$loadgen"; stop; exit 1; }
echo "kill -9 $victim: $(tr '\0' ' ' < "/proc/$victim/cmdline" | cut -c1-120) (load average $(cut -d' ' -f1 /proc/loadavg))"
kill -9 "$victim"
wait "$loadgen"
grep -v "running " "$state/loadgen.txt" | tail -6
for _ in $(seq 1 90); do grep -q "again, \|giving up" "$state/apphost.log" && break; sleep 1; done
grep -a "auto-restart" "$state/apphost.log"
curl -s http://127.0.0.1:28889/api/resources \
  | python3 -c 'import json,sys; print(", ".join(r["name"] + " " + str(r["state"]) + "/" + str(r["health"]) for r in json.load(sys.stdin) if r["state"] != "NotStarted"))'
stop
