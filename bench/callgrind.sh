#!/usr/bin/env bash
# Instructions per request: the gateway under valgrind's callgrind, behind the fake provider,
# loaded by wrk -t1 for a warm-up, then measured. Counts instructions, not seconds, so the
# figure repeats (within ~1%) whatever else the host is doing: the A/B measure between builds
# on a noisy VM.
#   bench/callgrind.sh [--build build] [--conns 64] [--seconds 6] [--script bench/post.lua] [--quota] [--three-429]
# Prints "requests N  instr/req M"; keeps callgrind.out in the printed directory for
# callgrind_annotate.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build; conns=64; seconds=6; script=bench/post.lua; limits=""; lead_429=0
while (($#)); do
  case "$1" in
    --build) build="$2"; shift ;;
    --conns) conns="$2"; shift ;;
    --seconds) seconds="$2"; shift ;;
    --script) script="$2"; shift ;;
    --quota) limits=',"requests_per_day":1000000000,"tokens_per_day":1000000000000' ;;
    --three-429) lead_429=3 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
if ! command -v valgrind >/dev/null || ! command -v callgrind_control >/dev/null; then
  echo "needs valgrind (apt-get install valgrind)" >&2
  exit 2
fi
work=$(mktemp -d /tmp/freerouter-callgrind.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
# shellcheck source=bench/case_lib.sh
. bench/case_lib.sh
start_case "$build" "$work" 21511 21513 "$limits" 60 \
  valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" --dump-instr=no
wrk -t1 -c"$conns" -d3s -s "$script" "$url" >/dev/null
callgrind_control -z "$gw" >/dev/null # count from here: the warm-up and start-up are not counted
wrk -t1 -c"$conns" -d"${seconds}s" -s "$script" "$url" >"$work/wrk.out"
callgrind_control -d "$gw" >/dev/null
sleep 1
n=$(awk '/requests in/{print $1}' "$work/wrk.out")
total=$(awk '/^summary:/{print $2}' "$work/callgrind.out.1")
echo "requests $n  instr/req $((total / n))  ($work)"
