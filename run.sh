#!/usr/bin/env bash
# FreeRouter launcher: install what is missing, build, then run the gateway or its tests.
#   ./run.sh            install + Release build + start on 127.0.0.1:8000 with ./data
#   ./run.sh --test     install + build + fuzz each parser briefly + every test through ctest
#                       (exit code = result; arguments after -- go to ctest, e.g. -- -L unit)
# Flags: --install-only, --host H, --port P, --data-dir D, --debug (Debug build + ASan/UBSan),
#   --tsan (ThreadSanitizer build in build-tsan), --werror, --targets "T ..." (build only these),
#   --fuzz-seconds N (per fuzz target in --test, default 20; 0 = no fuzzing)
set -euo pipefail
cd "$(dirname "$0")"
# ccache keys on paths relative to the checkout, so a fresh clone elsewhere (CI) reuses what
# earlier builds of the same sources compiled; three build types need room.
export CCACHE_BASEDIR="$PWD" CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-10G}"

mode=run
build_type=Release
build_dir=build
sanitizers=""
werror=OFF
targets=""
fuzz_seconds=20
ctest_args=()
host=""; port=""; data_dir=""
while (($#)); do
  case "$1" in
    --test) mode=test ;;
    --install-only) mode=install ;;
    --debug) build_type=Debug; build_dir=build-debug; sanitizers="address,undefined" ;;
    --tsan) build_type=RelWithDebInfo; build_dir=build-tsan; sanitizers="thread" ;;
    --werror) werror=ON ;;
    --targets) targets="$2"; shift ;;
    --fuzz-seconds) fuzz_seconds="$2"; shift ;;
    --host) host="$2"; shift ;;
    --port) port="$2"; shift ;;
    --data-dir) data_dir="$2"; shift ;;
    --) shift; ctest_args=("$@"); break ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
# Fuzzing is part of the plain (Release) test run only; sanitizer runs test the suites.
[[ $mode == test && -z $sanitizers ]] || fuzz_seconds=0

# Debian packages: build toolchain, libraries, and what the tests and benchmarks drive.
packages=(g++ make cmake ninja-build ccache pkg-config
  libcaf-dev libboost-dev libboost-system-dev libssl-dev libsqlite3-dev rapidjson-dev prometheus-cpp-dev
  libmimalloc-dev libspdlog-dev
  openssl curl ca-certificates nodejs npm)
if [[ $mode == test ]]; then
  # promtool and a real Prometheus for the metrics tests; clang + libFuzzer (libclang-rt-dev)
  # for tests/fuzz; llvm for llvm-symbolizer (readable sanitizer reports); libfaketime for the
  # day-reset test (quota_windows.test.mjs); wrk/nginx only for bench/.
  packages+=(prometheus tzdata clang libclang-rt-dev llvm libfaketime)
fi

# The browser tests of the web pages drive Debian's chromium through playwright-core.
if [[ $mode == test ]]; then
  packages+=(chromium)
fi

install_packages() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # node/npm may come from outside Debian (a newer Node.js): accept what is on PATH.
  if command -v node >/dev/null && command -v npm >/dev/null; then
    local filtered=()
    for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || filtered+=("$p"); done
    missing=("${filtered[@]}")
  fi
  if ((${#missing[@]})); then
    echo "run.sh: installing ${missing[*]}"
    local sudo=""; [[ $(id -u) == 0 ]] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

install_web_modules() {
  # markdown-it and uPlot, pinned in web/package-lock.json and embedded into the binary by
  # the build (no network at page run time).
  if [[ ! -d web/node_modules ]]; then
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

install_node_modules() {
  # playwright-core (browser tests, Debian's chromium) and the official openai client.
  if [[ ! -d tests/integration/node_modules ]]; then
    (cd tests/integration && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

build() {
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" -DGW_SANITIZERS="$sanitizers" \
    -DGW_WARNINGS_AS_ERRORS="$werror" >/dev/null
  # shellcheck disable=SC2086 # a list of target names
  cmake --build "$build_dir" -j"$(nproc)" ${targets:+--target $targets}
}

# The libFuzzer targets: clang, ASan+UBSan, in build-fuzz (only the fuzz targets are built).
build_fuzz() {
  CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGW_FUZZ=ON \
    -DGW_FUZZ_SECONDS="$fuzz_seconds" -DGW_WARNINGS_AS_ERRORS="$werror" >/dev/null
  cmake --build build-fuzz -j"$(nproc)" --target fuzz
}

install_packages
install_web_modules
[[ $mode == install ]] && { install_node_modules; exit 0; }
build
((fuzz_seconds > 0)) && build_fuzz

if [[ $sanitizers == *address* ]]; then
  # Leak checking at exit is off: CAF 0.17 keeps some process-lifetime allocations.
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
fi
if [[ $sanitizers == thread ]]; then
  # Suppressions cover CAF's own (uninstrumented) internals only; each is justified in the file.
  export TSAN_OPTIONS=${TSAN_OPTIONS:-suppressions=$PWD/tests/tsan.supp halt_on_error=1 second_deadlock_stack=1}
fi

if [[ $mode == test ]]; then
  install_node_modules
  fuzz_status=0
  if ((fuzz_seconds > 0)); then
    # Two targets at a time: each is single-threaded.
    (cd build-fuzz && ctest -L fuzz --no-tests=error --output-on-failure -j2) || fuzz_status=$?
    grep -h ': ran [0-9]*s, ' build-fuzz/Testing/Temporary/LastTest.log || true
  fi
  # --no-tests=error: a filter (-- -R ...) that matches nothing fails instead of passing.
  status=0
  (cd "$build_dir" && ctest --output-on-failure --timeout 900 -j1 --no-tests=error "${ctest_args[@]}") || status=$?
  if ((fuzz_status != 0)); then
    echo "run.sh: the fuzz targets failed (see fuzz.* above)" >&2
    exit "$fuzz_status"
  fi
  exit "$status"
fi

[[ -f .env ]] || cp .env.example .env
args=(--env-file .env)
[[ -n $host ]] && args+=(--host "$host")
[[ -n $port ]] && args+=(--port "$port")
args+=(--data-dir "${data_dir:-./data}")
exec "$build_dir/freerouter" "${args[@]}"
