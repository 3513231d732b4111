#!/bin/sh
# run_fuzzer.sh BINARY SEED_DIR REGRESSION_DIR SECONDS
# 1. Replays every file of REGRESSION_DIR (inputs that once crashed the target): each must pass.
# 2. Fuzzes for SECONDS from a scratch copy of SEED_DIR, so the repository is never written.
# Any crash, leak, timeout (10 s per input) or sanitizer report fails; the crashing input is
# left in the scratch directory, whose path is printed, ready to become a regression file.
set -eu
bin=$(realpath "${1:?binary}"); seeds=$(realpath "${2:?seed dir}")
regressions=$(realpath "${3:?regression dir}"); seconds=${4:?seconds}
name=$(basename "$bin")

# A seed corpus of nothing would fuzz from an empty input only: not what the note promises.
[ -n "$(ls -A "$seeds")" ] || { echo "FAIL: $seeds is empty" >&2; exit 1; }

if [ -n "$(find "$regressions" -type f ! -name README)" ]; then
  log=$(mktemp)
  find "$regressions" -type f ! -name README -exec "$bin" -runs=1 {} + >"$log" 2>&1 || {
    cat "$log"
    echo "FAIL: $name crashes on a regression input of $regressions" >&2
    exit 1
  }
  echo "$name: $(grep -c '^Running: ' "$log") regression inputs pass"
  rm -f "$log"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX")
mkdir "$work/corpus"
cd "$work" # crash-*, leak-*, timeout-* files land here
"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -print_final_stats=1 "$work/corpus" "$seeds" >"$work/log" 2>&1 || {
  tail -n 60 "$work/log"
  echo "FAIL: $name found a problem; inputs kept in $work" >&2
  exit 1
}
# One summary line (run.sh prints these after the fuzz run): executions, corpus growth, coverage.
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -n 1)
echo "$name: ran ${seconds}s, ${runs:-?} inputs, $cov, $(ls "$seeds" | wc -l) seeds -> $(ls "$work/corpus" | wc -l) corpus inputs, no crash"
rm -rf "$work"
