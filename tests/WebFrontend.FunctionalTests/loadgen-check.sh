#!/bin/bash
# LoadGen's hot-write workload (80 % reads over 100 products) through 3 WebFrontend replicas behind a round-robin
# YARP proxy, one run per topology, each switched through the replicas' admin API as the AppHost's topology
# controller does, but without the AppHost: Redis x4, a 3+3 Redis Cluster and PostgreSQL run as plain processes on
# loopback with a generated password. Build CatalogApi, WebFrontend and LoadGen (Release) first; run as root.
# Prints one JSON line per topology and a table; ends everything it starts. (With the AppHost, use LoadGen compare.)
set -u
W=$(cd "$(dirname "$0")/../.." && pwd)
D=$(mktemp -d /tmp/services-load-XXXX); chmod 755 $D
OUT=${OUT:-$D/results}; mkdir -p $OUT
PW=$(openssl rand -hex 16)
# Ports below Linux's ephemeral range (32768-60999), so no outgoing connection holds one; a cluster node's bus
# port (+10000) stays below it too.
port() { while :; do p=$(shuf -i 12000-22000 -n1); (echo >/dev/tcp/127.0.0.1/$p) 2>/dev/null || (echo >/dev/tcp/127.0.0.1/$((p+10000))) 2>/dev/null || { echo $p; return; }; done; }
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -9 $p 2>/dev/null; done; for f in $D/*.pid; do [ -f $f ] && kill -9 $(cat $f) 2>/dev/null; done; sleep 0.5; rm -rf $D; }
trap cleanup EXIT
# Waits (60 s at most) until a command succeeds.
await() { for _ in $(seq 300); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done; echo "gave up waiting for: $*"; exit 1; }
# Starts a redis-server in folder $2 on port $1 (more options after); answers once it answers PING.
redis() {
  redis-server --port $1 --bind 127.0.0.1 --requirepass $PW --masterauth $PW --save "" --appendonly no --daemonize yes --dir $2 --logfile $2/log --pidfile $2.pid "${@:3}"
  for _ in $(seq 300); do redis-cli -p $1 -a $PW --no-auth-warning ping 2>/dev/null | grep -q PONG && return 0; sleep 0.2; done
  echo "redis-server on $1 did not answer PING:"; tail -5 $2/log; exit 1
}
R=(); for i in 0 1 2 3; do p=$(port); R+=($p); mkdir -p $D/r$i; redis $p $D/r$i; done
CL=(); for i in 0 1 2 3 4 5; do p=$(port); CL+=($p); mkdir -p $D/c$i; redis $p $D/c$i --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 1000; done
redis-cli -a $PW --no-auth-warning --cluster create $(for p in ${CL[@]}; do echo -n "127.0.0.1:$p "; done) --cluster-replicas 1 --cluster-yes >/dev/null
clusterok() { redis-cli -p ${CL[0]} -a $PW --no-auth-warning cluster info | grep -q cluster_state:ok; }
await clusterok
mkdir -p $D/pg && echo -n $PW > $D/pg/pw && chown -R postgres:postgres $D/pg
PG=$(port)
setpriv --reuid=postgres --regid=postgres --init-groups -- /usr/lib/postgresql/15/bin/initdb -D $D/pg/data -U postgres --pwfile $D/pg/pw --auth scram-sha-256 -E UTF8 --locale C --no-sync >/dev/null
setpriv --reuid=postgres --regid=postgres --init-groups -- /usr/lib/postgresql/15/bin/postgres -D $D/pg/data -p $PG -k $D/pg -c listen_addresses=127.0.0.1 >$D/pg.log 2>&1 &
PIDS+=($!)
await pg_isready -q -h 127.0.0.1 -p $PG
PGPASSWORD=$PW psql -q -h 127.0.0.1 -p $PG -U postgres -c 'CREATE DATABASE catalogdb'
CA=$(port)
(cd $W/CatalogApi/bin/Release/net10.0 && exec env ASPNETCORE_URLS=http://127.0.0.1:$CA "ConnectionStrings__catalogdb=Host=127.0.0.1;Port=$PG;Database=catalogdb;Username=postgres;Password=$PW" dotnet CatalogApi.dll >$D/catalogapi.log 2>&1) &
PIDS+=($!)
CLUSTER=$(for p in ${CL[@]}; do echo -n "127.0.0.1:$p,"; done)password=$PW
WF=(); for i in 0 1 2; do p=$(port); WF+=($p)
  (cd $W/WebFrontend/bin/Release/net10.0 && exec env ASPNETCORE_URLS=http://127.0.0.1:$p REPLICA_NAME=webfrontend-$i ADMIN_TOKEN=tok services__catalogapi__http__0=http://127.0.0.1:$CA \
    "ConnectionStrings__cache=127.0.0.1:${R[3]},password=$PW" "ConnectionStrings__cache-cluster=$CLUSTER" \
    "ConnectionStrings__cache-naive-0=127.0.0.1:${R[0]},password=$PW" "ConnectionStrings__cache-naive-1=127.0.0.1:${R[1]},password=$PW" "ConnectionStrings__cache-naive-2=127.0.0.1:${R[2]},password=$PW" \
    dotnet WebFrontend.dll >$D/webfrontend-$i.log 2>&1) &
  PIDS+=($!)
done
# The proxy: a few lines of YARP, built here (the sample's LoadBalancer/ needs the AppHost).
mkdir -p $D/proxy && cat > $D/proxy/proxy.csproj <<'XML'
<Project Sdk="Microsoft.NET.Sdk.Web">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup>
  <ItemGroup><PackageReference Include="Yarp.ReverseProxy" Version="2.3.0" /></ItemGroup>
</Project>
XML
cat > $D/proxy/Program.cs <<'CS'
using Yarp.ReverseProxy.Configuration;
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var destinations = Environment.GetEnvironmentVariable("DESTS")!.Split(',').Select((d, i) => (Key: $"d{i}", Value: new DestinationConfig { Address = d })).ToDictionary(d => d.Key, d => d.Value);
builder.Services.AddReverseProxy().LoadFromMemory(
    [new RouteConfig { RouteId = "all", ClusterId = "web", Match = new RouteMatch { Path = "{**catch-all}" } }],
    [new ClusterConfig { ClusterId = "web", LoadBalancingPolicy = "RoundRobin", Destinations = destinations }]);
builder.WebHost.UseUrls($"http://127.0.0.1:{Environment.GetEnvironmentVariable("PORT")}");
var app = builder.Build();
app.MapReverseProxy();
app.Run();
CS
MSBUILDDISABLENODEREUSE=1 dotnet build $D/proxy -c Release -o $D/proxy/out >$D/proxy.log 2>&1 || { cat $D/proxy.log; exit 1; }
LB=$(port)
(cd $D/proxy/out && exec env PORT=$LB DESTS=http://127.0.0.1:${WF[0]},http://127.0.0.1:${WF[1]},http://127.0.0.1:${WF[2]} dotnet proxy.dll >$D/lb.log 2>&1) &
PIDS+=($!)
await curl -sf http://127.0.0.1:$CA/health
for p in ${WF[@]}; do await curl -sf http://127.0.0.1:$p/health; done
await curl -sf http://127.0.0.1:$LB/alive
switch() { # $1 = cache name pattern (with {i} for the replica), $2 = near cache
  for p in ${R[@]} ${CL[@]}; do redis-cli -p $p -a $PW --no-auth-warning flushall >/dev/null 2>&1; done
  for i in 0 1 2; do c=${1//\{i\}/$i}; [ "$c" = null ] && body='{"cache":null}' || body="{\"cache\":\"$c\",\"nearCache\":\"$2\"}"
    code=$(curl -s -o $D/sw -w '%{http_code}' -X PUT http://127.0.0.1:${WF[$i]}/admin/cache -H 'X-Admin-Token: tok' -H 'content-type: application/json' -d "$body")
    [ "$code" = 200 ] || { echo "switch failed: $code $(cat $D/sw)"; exit 1; }
  done
}
for t in "none:null:none" "single:cache:none" "naive:cache-naive-{i}:none" "cluster:cache-cluster:none" "cluster-near:cache-cluster:coherent" "cluster-tracking:cache-cluster:tracking"; do
  IFS=: read label cache near <<< "$t"
  switch "$cache" "$near"
  dotnet $W/LoadGen/bin/Release/net10.0/LoadGen.dll run -u http://127.0.0.1:$LB --catalog-url http://127.0.0.1:$CA --label $label \
    --rate 300 --duration 20s --warmup 5s --read-ratio 0.8 --products 100 --json $D/$label.json > $D/$label.txt 2>&1
  cp $D/$label.json $D/$label.txt $OUT/
  echo "$label done"
done
python3 - $OUT <<'PY'
import json, sys
print('| label | reads/s | writes/s | p50 ms | p99 ms | hit ratio | stale % | stale reads | errors | DB calls/s |')
print('|---|---:|---:|---:|---:|---:|---:|---:|---|---:|')
for l in ['none', 'single', 'naive', 'cluster', 'cluster-near', 'cluster-tracking']:
    j = json.load(open(f'{sys.argv[1]}/{l}.json')); la = j['latency']
    errors = ', '.join(f'{v} ({k})' for k, v in j['errorsByKind'].items()) or '0'
    print(f"| {l} | {j['readsPerSecond']:.0f} | {j['writesPerSecond']:.0f} | {la['p50']:.2f} | {la['p99']:.2f} | {j['hitRatio']:.3f} | {j['stalePercent']:.3f} | {j['staleReads']} | {errors} | {j['dbCallsPerSecond']:.1f} |")
PY
