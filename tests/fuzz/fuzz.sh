#!/usr/bin/env bash
# tests/fuzz/fuzz.sh NAME [SECONDS] [WORKERS]: a long fuzzing run of one target (default 1 h,
# one worker per core). Builds build-fuzz if needed; the corpus grows in
# build-fuzz/corpus/<NAME> (seeded from tests/fuzz/corpus/<NAME>, which is never written), and
# crash-*/leak-*/timeout-* files land in build-fuzz/findings/<NAME>.
#   tests/fuzz/fuzz.sh sse_parser 3600
set -euo pipefail
cd "$(dirname "$0")/../.."
name=${1:?target name, e.g. sse_parser (see tests/fuzz/CMakeLists.txt)}
seconds=${2:-3600}
workers=${3:-$(nproc)}
CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGW_FUZZ=ON >/dev/null
cmake --build build-fuzz --target "fuzz-$name"
mkdir -p "build-fuzz/corpus/$name" "build-fuzz/findings/$name"
cd "build-fuzz/findings/$name"
exec ../../tests/fuzz/fuzz-"$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=65536 -jobs="$workers" -workers="$workers" -print_final_stats=1 \
  "../../corpus/$name" "../../../tests/fuzz/corpus/$name"
