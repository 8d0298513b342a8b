#!/bin/bash
# The services as real processes, configured as the AppHost configures them, without the AppHost: a Redis, a 3+3
# Redis Cluster and PostgreSQL (as user postgres) on loopback with a generated password, CatalogApi, and one
# WebFrontend replica given every cache's connection string (one of them down), then the admin API's switches, reads,
# a write, a duplicate-key body, CLIENT LIST, and the Redis killed. Build CatalogApi and WebFrontend (Release) first;
# run as root. Everything is ended on exit.
set -u
W=$(cd "$(dirname "$0")/../.." && pwd)
D=$(mktemp -d /tmp/services-check-XXXX); chmod 755 $D
PW=$(openssl rand -hex 16)
# Ports below Linux's ephemeral range (32768-60999), so no outgoing connection holds one; a cluster node's bus
# port (+10000) stays below it too.
port() { while :; do p=$(shuf -i 12000-22000 -n1); (echo >/dev/tcp/127.0.0.1/$p) 2>/dev/null || (echo >/dev/tcp/127.0.0.1/$((p+10000))) 2>/dev/null || { echo $p; return; }; done; }
PIDS=()
# Waits (60 s at most) until a command succeeds.
await() { for _ in $(seq 300); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done; echo "gave up waiting for: $*"; exit 1; }
cleanup() { for p in "${PIDS[@]}"; do kill -9 $p 2>/dev/null; done; for f in $D/*.pid; do [ -f $f ] && kill -9 $(cat $f) 2>/dev/null; done; sleep 0.5; rm -rf $D; }
trap cleanup EXIT
R1=$(port)
redis-server --port $R1 --bind 127.0.0.1 --requirepass $PW --save "" --appendonly no --daemonize yes --dir $D --logfile $D/r1.log --pidfile $D/r1.pid
CL=()
for i in 0 1 2 3 4 5; do p=$(port); CL+=($p); mkdir -p $D/c$i
  redis-server --port $p --bind 127.0.0.1 --requirepass $PW --masterauth $PW --save "" --appendonly no --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 1000 --daemonize yes --dir $D/c$i --logfile $D/c$i/log --pidfile $D/c$i.pid
done
for p in $R1 ${CL[@]}; do await redis-cli -p $p -a $PW --no-auth-warning ping; done
redis-cli -a $PW --no-auth-warning --cluster create $(for p in ${CL[@]}; do echo -n "127.0.0.1:$p "; done) --cluster-replicas 1 --cluster-yes >/dev/null
clusterok() { redis-cli -p ${CL[0]} -a $PW --no-auth-warning cluster info | grep -q cluster_state:ok; }
await clusterok
# Postgres as user postgres, scram, loopback.
mkdir -p $D/pg && echo -n $PW > $D/pg/pw && chown -R postgres:postgres $D/pg
PG=$(port)
setpriv --reuid=postgres --regid=postgres --init-groups -- /usr/lib/postgresql/15/bin/initdb -D $D/pg/data -U postgres --pwfile $D/pg/pw --auth scram-sha-256 -E UTF8 --locale C --no-sync >/dev/null
setpriv --reuid=postgres --regid=postgres --init-groups -- /usr/lib/postgresql/15/bin/postgres -D $D/pg/data -p $PG -k $D/pg -c listen_addresses=127.0.0.1 >$D/pg.log 2>&1 &
PIDS+=($!)
await pg_isready -q -h 127.0.0.1 -p $PG
PGPASSWORD=$PW psql -q -h 127.0.0.1 -p $PG -U postgres -c 'CREATE DATABASE catalogdb'
CA=$(port); WF=$(port); DOWN=$(port)
T0=$(date +%s.%N)
(cd $W/CatalogApi/bin/Release/net10.0 && ASPNETCORE_URLS=http://127.0.0.1:$CA ConnectionStrings__catalogdb="Host=127.0.0.1;Port=$PG;Database=catalogdb;Username=postgres;Password=$PW" exec dotnet CatalogApi.dll >$D/catalogapi.log 2>&1) &
PIDS+=($!)
CLUSTER=$(for p in ${CL[@]}; do echo -n "127.0.0.1:$p,"; done)password=$PW
(cd $W/WebFrontend/bin/Release/net10.0 && exec env ASPNETCORE_URLS=http://127.0.0.1:$WF REPLICA_NAME=webfrontend-0 ADMIN_TOKEN=tok services__catalogapi__http__0=http://127.0.0.1:$CA \
  "ConnectionStrings__cache=127.0.0.1:$R1,password=$PW" "ConnectionStrings__cache-cluster=$CLUSTER" "ConnectionStrings__cache-naive-0=127.0.0.1:$DOWN,password=$PW" \
  dotnet WebFrontend.dll >$D/webfrontend.log 2>&1) &
PIDS+=($!)
await curl -sf http://127.0.0.1:$CA/health
T1=$(date +%s.%N)
await curl -sf http://127.0.0.1:$WF/health
T2=$(date +%s.%N)
awk -v a=$T0 -v b=$T1 -v c=$T2 'BEGIN { printf "catalogapi healthy after %.1f s, webfrontend (no cache in use) healthy after %.1f s (both started at once)\n", b-a, c-a }'
admin() { curl -s -o $D/out -w "%{http_code} %{time_total}" -X PUT http://127.0.0.1:$WF/admin/cache -H 'X-Admin-Token: tok' -H 'content-type: application/json' -d "$1"; echo " $(head -c 400 $D/out)"; }
read1() { curl -s -o /dev/null -D - http://127.0.0.1:$WF/api/products/$1 | grep -i '^x-cache:' | tr -d '\r'; }
echo "--- GET /admin/cache: $(curl -s http://127.0.0.1:$WF/admin/cache -H 'X-Admin-Token: tok')"
echo "--- read without cache: $(read1 42)"
for body in '{"cache":"cache"}' '{"cache":"cache-cluster","nearCache":"none","waitForReplicas":1}' '{"cache":"cache-cluster","nearCache":"coherent"}' '{"cache":"cache-cluster","nearCache":"tracking"}' '{"cache":"cache-naive-0"}' '{"cache":"memcached"}' '{"cache":null}' '{"cache":"cache"}'; do
  echo "--- PUT $body -> $(admin "$body")"
  echo "    reads: $(read1 42) / $(read1 42)"
done
echo "--- write: $(curl -s -o /dev/null -D - -X PUT http://127.0.0.1:$WF/api/products/42/price -H 'content-type: application/json' -d '{"price":4.2}' | grep -i '^x-cache-invalidation' | tr -d '\r')"
echo "--- duplicate keys: $(curl -s -w ' %{http_code}' -X PUT http://127.0.0.1:$WF/api/products/42/price -H 'content-type: application/json' -d '{"price":1,"price":2}')"
echo "--- CLIENT LIST names on the standalone Redis: $(redis-cli -p $R1 -a $PW --no-auth-warning client list | grep -o 'name=[^ ]*' | sort | uniq -c | tr '\n' ';')"
for p in ${CL[@]}; do echo -n "$(redis-cli -p $p -a $PW --no-auth-warning client list | grep -o 'name=webfrontend[^ ]*\|name=nearcache[^ ]*' | wc -l) "; done; echo "<- webfrontend/nearcache connections left on the six cluster nodes"
kill -9 $(cat $D/r1.pid)
echo "--- standalone Redis killed: read $(read1 43), health $(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$WF/health), alive $(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$WF/alive)"
grep -i "error\|unhealthy\|fail" $D/webfrontend.log | head -5
