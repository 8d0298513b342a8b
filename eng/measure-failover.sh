#!/usr/bin/env bash
# Issue 22's cluster fault run: the built AppHost (ports 28180 lb, 28188 dashboard, 28189 control API, a fresh state
# folder), topology cluster (WAIT 0 or 1), LoadGen `run --rate 200 --read-ratio 0.8 --products 2000 --duration 60s`
# through the load balancer, and "Kill a master" (POST /api/clusters/cache-cluster/failover, the lab's button) at
# 15 s, then again after each heal. Prints LoadGen's summary (errors, stale reads, p99), each failover, the time
# from each kill until every master has a replica again (the cluster heals itself, no click), and
# `redis-cli --cluster check`.
# Usage: eng/measure-failover.sh [--wait 0|1] [--kills N] [--restart-fail]
# Build first: dotnet build AppHost -c Release && dotnet build LoadGen -c Release
set -u
wait_replicas=0; kills=1; fault=""
while [ $# -gt 0 ]; do
  case $1 in
    --wait) wait_replicas=$2; shift 2 ;;
    --kills) kills=$2; shift 2 ;;
    --restart-fail) fault="?restart=fail"; shift ;;
    *) echo "unknown option: $1 (--wait 0|1, --kills N, --restart-fail)" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."
control=http://127.0.0.1:28189
cluster=$control/api/clusters/cache-cluster
state=$(mktemp -d /tmp/failover-run-XXXX)
dotnet AppHost/bin/Release/net10.0/AppHost.dll --lb-port 28180 --dashboard-port 28188 --control-port 28189 --state-dir "$state" \
  --topology cluster > "$state/apphost.log" 2>&1 &
apphost=$!
stop() { kill -TERM "$apphost" 2>/dev/null; wait "$apphost"; sleep 15; rm -rf "$state"; }
trap stop EXIT
for _ in $(seq 1 240); do grep -q "^Ready" "$state/apphost.log" && break; sleep 1; done
grep "^Ready" "$state/apphost.log" || { echo "not ready:"; tail -5 "$state/apphost.log"; exit 1; }
if [ "$wait_replicas" != 0 ]; then
  curl -s -X PUT "$control/api/topology" -H 'content-type: application/json' -d "{\"name\":\"cluster\",\"waitForReplicas\":$wait_replicas}" > /dev/null
fi
curl -s "$control/api/topology" | python3 -c 'import json,sys; t=json.load(sys.stdin); print("topology", t["current"], "WAIT", t["waitForReplicas"])'
catalog=$(curl -s "$control/api/resources" \
  | python3 -c 'import json,sys; print([e for r in json.load(sys.stdin) if r["name"]=="catalogapi" for e in r["endpoints"]][0])')

# Every master with slots has a replica that is not failed, and every slot is covered.
whole() {
  curl -s -m 2 "$cluster" | python3 -c '
import json, sys
s = json.load(sys.stdin); n = s["nodes"]
# The role is the enum ClusterNodeRole: 0 (or "Master") a master, 1 a replica.
master = lambda x: str(x["role"]).lower() in ("0", "master")
masters = [m for m in n if master(m) and m["slotCount"] > 0 and not m["failed"]]
ok = s["ok"] and s["slotsCovered"] == 16384 and len(masters) > 0 and all(any(not master(r) and r["masterId"] == m["id"] and not r["failed"] for r in n) for m in masters)
sys.exit(0 if ok else 1)' 2>/dev/null
}

dotnet LoadGen/bin/Release/net10.0/LoadGen.dll run -u http://127.0.0.1:28180 --catalog-url "$catalog" --rate 200 \
  --read-ratio 0.8 --products 2000 --duration 60s --warmup 5s > "$state/loadgen.txt" 2>&1 &
loadgen=$!
sleep 15
for k in $(seq 1 "$kills"); do
  t0=$(date +%s.%N)
  echo "kill $k: $(curl -s -X POST "$cluster/failover$fault")  (load average $(cut -d' ' -f1 /proc/loadavg))"
  until whole; do sleep 0.1; done
  echo "kill $k: every master has a replica again $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-5) s after the kill was asked for"
  sleep 3
done
wait "$loadgen"
grep -v "running " "$state/loadgen.txt" | tail -8
password=$(grep -rh 'requirepass' "$state" --include=redis.conf 2>/dev/null | head -1 | awk '{print $2}' | tr -d '"')
node=$(curl -s "$cluster" | python3 -c 'import json,sys; print([m["address"] for m in json.load(sys.stdin)["nodes"] if str(m["role"]).lower() in ("0", "master") and not m["failed"]][0])')
REDISCLI_AUTH=$password redis-cli --cluster check "$node" | tail -3
echo "load average $(cut -d' ' -f1-3 /proc/loadavg)"
