#!/usr/bin/env bash
# The sidecar API under wrk: floodgate serve on loopback with 1000 analyses (each paused for a
# human, so no Prometheus is needed), then `wrk --latency` GETting one analysis — paced by a Lua
# delay to at least RATE requests a second, and once unpaced over 10 connections (the most it
# answers). Prints wrk's latency distribution; run from the repository root after scripts/build.
#   bench/api_load.sh [RATE=5000] [SECONDS=20]
set -euo pipefail
rate=${1:-5000}
seconds=${2:-20}
work=$(mktemp -d /tmp/floodgate-api-load.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
port=$((30000 + RANDOM % 20000))
cat >"$work/plans.yaml" <<'PLAN'
apiVersion: floodgate.dev/v1
kind: Plan
metadata: {name: hold}
spec:
  strategy:
    canary:
      steps:
      - setWeight: 10
      - pause: {}
PLAN
printf 'listen: 127.0.0.1:%s\njournal: %s/journal.jsonl\nplans: [plans.yaml]\n' "$port" "$work" >"$work/serve.yaml"
build/floodgate serve --config "$work/serve.yaml" 2>"$work/serve.log" &
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
post() {
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'POST /api/v1/analyses HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %s\r\nConnection: close\r\n\r\n%s' "${#1}" "$1" >&3
  head -1 <&3 | grep -q ' 201 ' || { echo "create failed" >&2; exit 1; }
}
for i in $(seq 1000); do post "{\"id\": \"a$i\", \"plan\": \"hold\"}"; done
# Each connection waits 2 ms between answer and request (wrk's delay is whole milliseconds);
# with about 0.3 ms per exchange, this many connections send at least $rate a second.
conns=$(awk -v r="$rate" 'BEGIN { printf "%d", r * 2.3 / 1000 + 0.999 }')
printf 'function delay()\n  return 2\nend\n' >"$work/paced.lua"
echo "== GET /api/v1/analyses/a500, paced to about $rate req/s over $conns connections, ${seconds}s"
wrk -t2 -c"$conns" -d"${seconds}s" --latency -s "$work/paced.lua" "http://127.0.0.1:$port/api/v1/analyses/a500"
echo "== the same, unpaced (the most it answers)"
wrk -t2 -c10 -d"${seconds}s" --latency "http://127.0.0.1:$port/api/v1/analyses/a500"
