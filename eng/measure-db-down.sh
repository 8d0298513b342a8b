#!/usr/bin/env bash
# Kills PostgreSQL (kill -9 of the postmaster) under load and measures what the storefront answers meanwhile: the
# AppHost's LoadGen at --rate 100, 90 % reads over 2,000 products (its per-second reads, hits and errors), and a
# probe of misses (ids LoadGen never reads, ten a second, curl's time_total) for the latency of the 503 answers.
# Usage: eng/measure-db-down.sh   (dotnet build AppHost -c Release first; binds 18180/18188/18189; ends everything,
#        deletes its state folder; the raw figures stay in $OUT_DIR, default /tmp/dbdown-results)
set -muo pipefail
cd "$(dirname "$0")/.."
state=${STATE_DIR:-/tmp/dbdown-state}
out=${OUT_DIR:-/tmp/dbdown-results}
control=http://127.0.0.1:18189
lb=http://127.0.0.1:18180
rm -rf "$state" "$out"; mkdir -p "$out"

dotnet AppHost/bin/Release/net10.0/AppHost.dll --lb-port 18180 --dashboard-port 18188 --control-port 18189 \
  --state-dir "$state" > "$out/apphost.log" 2>&1 &
apphost=$!
descendants() { local p; for p in $(pgrep -P "$1"); do echo "$p"; descendants "$p"; done; }
stop_all() {
  local pids p alive i
  pids="$apphost $(descendants "$apphost")"
  for p in $(pgrep -f "dcp .*--monitor $apphost"); do pids="$pids $p $(descendants "$p")"; done
  kill -TERM "$apphost" 2>/dev/null
  for i in $(seq 1 600); do
    alive=""; for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
    [ -z "$alive" ] && { echo "everything the run started is gone"; return; }
    sleep 0.2
  done
  echo "still alive after 120 s:$alive"
}
trap 'stop_all; rm -rf "$state"' EXIT

start=$(date +%s)
until curl -s -m 1 "$control/api/topology" | grep -q '"current":"single"'; do
  sleep 0.5
  kill -0 "$apphost" 2>/dev/null || { echo "the AppHost exited:"; tail -20 "$out/apphost.log"; exit 1; }
  [ $(( $(date +%s) - start )) -gt 240 ] && { echo "not ready after 240 s"; exit 1; }
done
loadgen=$(curl -s "$control/api/resources" | jq -r '.[] | select(.name == "loadgen") | .endpoints[] | select(startswith("http://"))' | head -1)
echo "ready after $(( $(date +%s) - start )) s; loadgen at $loadgen; $(uptime)"

until [ "$(curl -s -o /dev/null -w '%{http_code}' -m 2 "$loadgen/health")" = 200 ]; do sleep 0.5; done
run() {  # run <seconds>: the workload of the measure, through the load balancer
  local status
  status=$(curl -s -o "$out/start.json" -w '%{http_code}' -X POST "$loadgen/api/load/start" -H 'content-type: application/json' \
    -d "{\"rate\": 100, \"readRatio\": 0.9, \"productCount\": 2000, \"durationSeconds\": $1, \"warmupSeconds\": 0}")
  [ "$status" = 200 ] || { echo "LoadGen refused the run ($status): $(cat "$out/start.json")"; exit 1; }
}
# Warm the cache first, so that the measured run starts with the hit ratio a running shop has.
run 60; sleep 62
echo "warm-up done: $(curl -s "$loadgen/api/load/stats?seconds=5" | jq -c '[.lastSeconds[] | {reads: .readsPerSecond, hit: .hitRatio, errors}]')"

run 30
t0=$(date +%s.%N)
# The probe: one miss and one hit every 100 ms for 30 s, each in the background so that a slow answer does not slow the probe.
( id=100000; end=$(( $(date +%s) + 30 ))
  while [ "$(date +%s)" -lt "$end" ]; do
    id=$((id + 1)); product=$((id % 8000 + 2001))  # outside the background command: it would expand in its child
    curl -s -o /dev/null -m 15 -w "$(date +%s.%N) %{http_code} %{time_total}\n" "$lb/api/products/$product" >> "$out/probe.txt" &
    # Beside it, a hit (product 1, the most read): what the machine and the load balancer add to any answer.
    curl -s -o /dev/null -m 15 -w "$(date +%s.%N) %{http_code} %{time_total}\n" "$lb/api/products/1" >> "$out/hits.txt" &
    sleep 0.1
  done; wait ) &
probe=$!
sleep 8
postmaster=$(head -1 "$(find "$state" -name postmaster.pid | head -1)")
kill -9 "$postmaster" && echo "kill -9 $postmaster (the postmaster) at +$(echo "$(date +%s.%N) - $t0" | bc | cut -c1-4) s"
t_kill=$(date +%s.%N)
wait "$probe"
sleep 2
curl -s "$loadgen/api/load/stats?seconds=40" > "$out/stats.json"

echo "LoadGen, per second (second: successful reads, of which hits, writes, errors):"
jq -r '.lastSeconds[] | select(.warmup | not) | "\(.second): \(.readsPerSecond) reads, \((.readsPerSecond * (.hitRatio // 0)) | round) hits, \(.writesPerSecond) writes, \(.errors) errors"' "$out/stats.json" | paste -sd ' ' | fold -w 160
kill_second=$(echo "($t_kill - $t0) / 1" | bc)
jq -r --argjson k "$kill_second" '[.lastSeconds[] | select(.warmup | not)] as $s
  | def avg(f): (map(f) | add) / length;
    ($s | map(select(.second < $k)) ) as $before | ($s | map(select(.second > $k and .second < 30))) as $after
  | "hits/s before the kill \($before | avg(.readsPerSecond * (.hitRatio // 0)) | . * 10 | round / 10), after it \($after | avg(.readsPerSecond * (.hitRatio // 0)) | . * 10 | round / 10); answers/s (any status) before \($before | avg(.readsPerSecond + .writesPerSecond + .errors) | round), after \($after | avg(.readsPerSecond + .writesPerSecond + .errors) | round)"' "$out/stats.json"
echo "LoadGen, the run: $(jq -c '.run | {reads: .reads, writes: .writes, errors: .errors, errorsByKind: .errorsByKind}' "$out/stats.json")"
echo "Probe of misses after the kill, by status: $(awk -v k="$t_kill" '$1 > k {print $2}' "$out/probe.txt" | sort | uniq -c | tr -s ' ' | paste -sd ',')"
pct() { sed -n "$(( ($2 * $(wc -l < "$1") + 99) / 100 ))p" "$1"; }  # pct FILE P: the P-th percentile of a sorted file
awk -v k="$t_kill" '$1 > k && $2 == 503 {print $3 * 1000}' "$out/probe.txt" | sort -n > "$out/503-ms.txt"
n=$(wc -l < "$out/503-ms.txt")
if [ "$n" -gt 0 ]; then
  echo "503 answers: $n, latency ms p50 $(pct "$out/503-ms.txt" 50), p99 $(pct "$out/503-ms.txt" 99), max $(tail -1 "$out/503-ms.txt")"
fi
awk -v k="$t_kill" '$1 > k && $2 == 200 {print $3 * 1000}' "$out/hits.txt" | sort -n > "$out/hit-ms.txt"
n=$(wc -l < "$out/hit-ms.txt")
if [ "$n" -gt 0 ]; then
  echo "beside them, hits (product 1) answered 200: $n, latency ms p50 $(pct "$out/hit-ms.txt" 50), p99 $(pct "$out/hit-ms.txt" 99), max $(tail -1 "$out/hit-ms.txt")"
fi
echo "$(uptime)"
