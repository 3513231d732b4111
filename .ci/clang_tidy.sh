#!/usr/bin/env bash
# .ci/clang_tidy.sh BUILD_DIR [DIR ...]: clang-tidy (the repository's .clang-tidy) over every
# .cpp of the listed source folders, using BUILD_DIR/compile_commands.json. Fails on any
# diagnostic in the repository's files, not only on the WarningsAsErrors checks: "clean" means
# none at all. Diagnostics located in /usr/include are third-party code (the analyzer follows
# paths into Asio) and are not ours to fix.
# Default folders: every folder of the gateway's own C++ (tests and fuzz targets excepted).
# The pure code gets every check; the code built on CAF and Beast (actors, the HTTP server, the
# runtime, the binary and the client) every check but the path-sensitive clang-analyzer-*,
# which triples the time of a TU that includes those headers (30 s against 10 s for one actor
# file) and would put CI over its time budget.
# Results are cached per file (key: the file, every project header, .clang-tidy and the compile
# command), so an unchanged tree re-checks in seconds; the cache is in ~/.cache/freerouter-tidy.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?build dir}; shift
dirs=("$@")
((${#dirs[@]})) || dirs=(core catalog http metrics persistence actors runtime app client)
light_dirs='^(actors|http/server|runtime|app|client)/'
cache=${XDG_CACHE_HOME:-$HOME/.cache}/freerouter-tidy
mkdir -p "$cache"

# Everything a translation unit's diagnostics can depend on, besides the file itself.
shared=$( { cat .clang-tidy; clang-tidy --version; find core catalog http metrics persistence actors runtime app client \
  -name '*.hpp' -print0 | sort -z | xargs -0 cat; } | sha256sum | cut -c1-16)

mapfile -t files < <(find "${dirs[@]}" -name '*.cpp' | sort)
todo=()
for f in "${files[@]}"; do
  # The checkout's path is left out of the key, so that a fresh clone elsewhere (CI) reuses
  # the results of an identical tree.
  command=$(grep -F "\"file\": \"$PWD/$f\"" -B1 "$build/compile_commands.json" | head -1)
  command=${command//$PWD/.}
  mode=full
  [[ $f =~ $light_dirs ]] && mode=light
  key=$( { echo "$shared $mode"; echo "$command"; cat "$f"; } | sha256sum | cut -c1-32)
  [[ -f $cache/$key.ok ]] || todo+=("$f:$key:$mode")
done
echo "clang-tidy: ${#files[@]} files, $((${#files[@]} - ${#todo[@]})) unchanged since a clean run"

failed=0
check() {
  local f key mode out checks=()
  IFS=: read -r f key mode <<<"$1"
  [[ $mode == light ]] && checks=(--checks=-clang-analyzer-*)
  out=$(clang-tidy -p "$build" --quiet "${checks[@]}" "$f" 2>/dev/null \
    | grep -E "^$PWD/.*: (warning|error):" || true)
  if [[ -n $out ]]; then
    printf '%s\n' "$out"
    return 1
  fi
  touch "$cache/$key.ok"
}
export -f check
export build cache
if ((${#todo[@]})); then
  printf '%s\n' "${todo[@]}" | xargs -P"$(nproc)" -I{} bash -c 'check "$@"' _ {} >"$cache/last.log" || failed=1
fi
if ((failed)); then
  sort -u "$cache/last.log"
  echo "clang-tidy: $(sort -u "$cache/last.log" | wc -l) diagnostics (above)" >&2
  exit 1
fi
echo "clang-tidy: clean"
