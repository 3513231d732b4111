#!/usr/bin/env bash
# FreeRouter launcher: install what is missing, build, then run the gateway or its tests.
#   ./run.sh            install + Release build + start on 127.0.0.1:8000 with ./data
#   ./run.sh --test     install + build + every test through ctest (exit code = result)
# Flags: --install-only, --host H, --port P, --data-dir D, --debug (Debug build + sanitizers)
set -euo pipefail
cd "$(dirname "$0")"

mode=run
build_type=Release
build_dir=build
host=""; port=""; data_dir=""
while (($#)); do
  case "$1" in
    --test) mode=test ;;
    --install-only) mode=install ;;
    --debug) build_type=Debug ;;
    --host) host="$2"; shift ;;
    --port) port="$2"; shift ;;
    --data-dir) data_dir="$2"; shift ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

# Debian packages: build toolchain, libraries, and what the tests and benchmarks drive.
packages=(g++ make cmake ninja-build ccache pkg-config
  libcaf-dev libboost-dev libboost-system-dev libssl-dev libsqlite3-dev rapidjson-dev prometheus-cpp-dev
  libmimalloc-dev
  openssl curl ca-certificates nodejs npm)
if [[ $mode == test ]]; then
  # promtool and a real Prometheus for the metrics tests; wrk/nginx only for bench/.
  packages+=(prometheus tzdata)
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
  local sanitizers=""
  if [[ $build_type == Debug ]]; then
    build_dir=build-debug
    sanitizers="address,undefined"
  fi
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" -DGW_SANITIZERS="$sanitizers" >/dev/null
  cmake --build "$build_dir" -j"$(nproc)"
}

install_packages
install_web_modules
[[ $mode == install ]] && { install_node_modules; exit 0; }
build

if [[ $build_type == Debug ]]; then
  # Leak checking at exit is off: CAF 0.17 keeps some process-lifetime allocations.
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
fi

if [[ $mode == test ]]; then
  install_node_modules
  cd "$build_dir"
  exec ctest --output-on-failure --timeout 900 -j1
fi

[[ -f .env ]] || cp .env.example .env
args=(--env-file .env)
[[ -n $host ]] && args+=(--host "$host")
[[ -n $port ]] && args+=(--port "$port")
args+=(--data-dir "${data_dir:-./data}")
exec "$build_dir/freerouter" "${args[@]}"
