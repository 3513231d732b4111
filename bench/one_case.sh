#!/usr/bin/env bash
# One case, for A/B runs between builds or settings: the fake provider and one gateway (a JSON
# route, a 20-chunk and a 1-chunk stream route; bench/case_lib.sh), a 1 s warm-up, then wrk;
# prints req/s, latency, the gateway's CPU per request (user share too), the whole machine's
# context switches per request, and the upstream connections the gateway opened meanwhile
# (the fake provider's count of accepted connections: after the warm-up, a pool that churns).
#   bench/one_case.sh [--build build] [--conns 64] [--seconds 5] [--script bench/post.lua]
#                     [--env "IO_THREADS=2 ACTOR_SCHEDULER=sharing"] [--quota] [--three-429] [--repeat 1]
# --repeat N measures N times against the same gateway, one line each: whether its cost drifts
# as it serves more (state piling up) or only with the host's load.
# --quota gives the provider day limits that never bind, so every grant is persisted first
# (bench/run.sh's quota-limited case).
# --three-429 ranks three routes answering 429 before the good one (bench/run.sh's 3x429 case).
set -euo pipefail
cd "$(dirname "$0")/.."
build=build; conns=64; seconds=5; script=bench/post.lua; extra_env=""; limits=""; lead_429=0; repeat=1
while (($#)); do
  case "$1" in
    --build) build="$2"; shift ;;
    --conns) conns="$2"; shift ;;
    --seconds) seconds="$2"; shift ;;
    --script) script="$2"; shift ;;
    --env) extra_env="$2"; shift ;;
    --repeat) repeat="$2"; shift ;;
    --quota) limits=',"requests_per_day":1000000000,"tokens_per_day":1000000000000' ;;
    --three-429) lead_429=3 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
work=$(mktemp -d /tmp/freerouter-case.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
# shellcheck source=bench/case_lib.sh
. bench/case_lib.sh
start_case "$build" "$work" 21501 21503 "$limits" 10
wrk -t2 -c"$conns" -d1s -s "$script" "$url" >/dev/null
cpu() { awk '{print $14 + $15}' "/proc/$gw/stat"; }
user() { awk '{print $14}' "/proc/$gw/stat"; }
switches() { awk '/^ctxt/{print $2}' /proc/stat; }
# Each query is a connection of its own, counted in the answer it gets: one is subtracted below.
accepted_upstream() { curl -fs http://127.0.0.1:21501/_fake/stats | sed -n 's/.*"connections":\([0-9]*\).*/\1/p'; }
hz=$(getconf CLK_TCK)
for _ in $(seq "$repeat"); do
  t0=$(cpu); u0=$(user); s0=$(switches); c0=$(accepted_upstream)
  wrk -t2 -c"$conns" -d"${seconds}s" --latency -s "$script" "$url" >"$work/wrk.out" 2>&1
  t1=$(cpu); u1=$(user); s1=$(switches); c1=$(accepted_upstream)
  n=$(awk '/requests in/{print $1}' "$work/wrk.out")
  rss=$(awk '/VmRSS/{printf "%.0f", $2 / 1024}' "/proc/$gw/status")
  awk -v n="$n" -v t=$((t1 - t0)) -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v hz="$hz" -v rss="$rss" -v opened=$((c1 - c0 - 1)) '
    /Requests\/sec/ {rps=$2} $1=="50%" {p50=$2} $1=="99%" {p99=$2} /Non-2xx/ {bad=$5}
    END {printf "req/s %.0f  p50 %s  p99 %s  CPU %.1f us/req (user %.1f)  context switches %.2f/req  non-2xx %d  RSS %s MB  upstream connections opened %d\n",
         rps, p50, p99, t/hz*1e6/n, u/hz*1e6/n, s/n, bad, rss, opened}' "$work/wrk.out"
  grep '^tail' "$work/wrk.out" || true # --script bench/post_tail.lua
done
