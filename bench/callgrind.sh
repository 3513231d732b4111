#!/usr/bin/env bash
# Instructions per request: the gateway under valgrind's callgrind, behind the fake provider,
# loaded by wrk -t1 for a warm-up, then measured. Counts instructions, not seconds, so the
# figure repeats (within ~1%) whatever else the host is doing: the A/B measure between builds
# on a noisy VM.
#   bench/callgrind.sh [--build build] [--conns 64] [--seconds 6] [--script bench/post.lua] [--quota]
# Prints "requests N  instr/req M"; keeps callgrind.out in the printed directory for
# callgrind_annotate.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build; conns=64; seconds=6; script=bench/post.lua; limits=""
while (($#)); do
  case "$1" in
    --build) build="$2"; shift ;;
    --conns) conns="$2"; shift ;;
    --seconds) seconds="$2"; shift ;;
    --script) script="$2"; shift ;;
    --quota) limits=',"requests_per_day":1000000000,"tokens_per_day":1000000000000' ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
command -v valgrind >/dev/null && command -v callgrind_control >/dev/null \
  || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 2; }
work=$(mktemp -d /tmp/freerouter-callgrind.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
fake_port=21511; gw_port=21513
"$build/tests/support/fake-provider" --port $fake_port --threads 1 >/dev/null 2>"$work/fake.log" & pids+=($!)
echo "[{\"name\":\"p1\",\"base_url\":\"http://127.0.0.1:$fake_port/p1/v1\",\"api_key_env\":\"P1_API_KEY\"$limits}]" > "$work/providers.json"
echo '[{"route_id":"r1","provider_name":"p1","model_id":"ok","rank":1},
       {"route_id":"stream-route","provider_name":"p1","model_id":"stream;chunks=20","rank":2},
       {"route_id":"stream-one","provider_name":"p1","model_id":"stream;chunks=1","rank":4}]' > "$work/model_catalog.json"
: > "$work/bench.env"
env P1_API_KEY=bench AUTO_ENDPOINT_DIAGNOSIS_ENABLED=false MAX_CONCURRENT_REQUESTS=2048 \
  REQUEST_QUEUE_MAX_WAITING_REQUESTS=4096 \
  valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" --dump-instr=no \
  "$build/freerouter" --port $gw_port --data-dir "$work" --env-file "$work/bench.env" >/dev/null 2>"$work/gw.log" &
gw=$!; pids+=($gw)
for _ in $(seq 300); do curl -fs -o /dev/null "http://127.0.0.1:$gw_port/healthz" && break; sleep 0.2; done
url="http://127.0.0.1:$gw_port/v1/chat/completions"
wrk -t1 -c"$conns" -d3s -s "$script" "$url" >/dev/null
callgrind_control -z "$gw" >/dev/null # count from here: the warm-up and start-up are not counted
wrk -t1 -c"$conns" -d"${seconds}s" -s "$script" "$url" >"$work/wrk.out"
callgrind_control -d "$gw" >/dev/null
sleep 1
n=$(awk '/requests in/{print $1}' "$work/wrk.out")
total=$(awk '/^summary:/{print $2}' "$work/callgrind.out.1")
echo "requests $n  instr/req $((total / n))  ($work)"
