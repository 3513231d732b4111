#!/bin/sh
# Checks of the files in deploy/ (ctest entries deploy.*, see CMakeLists.txt here).
#   check_deploy.sh config     DEPLOY_DIR          promtool check config prometheus.yml (+ its rules)
#   check_deploy.sh rules      DEPLOY_DIR          promtool check rules alerts.yml
#   check_deploy.sh test-rules DEPLOY_DIR          promtool test rules alerts.test.yml
#   check_deploy.sh names      DEPLOY_DIR DUMP     every freerouter_* name in the alerts, their
#                                                  tests and the dashboard is exported (DUMP
#                                                  prints the exposition of every family)
#   check_deploy.sh dashboard  DEPLOY_DIR          the dashboard is valid JSON, covers the topics,
#                                                  and every panel query parses as PromQL
#   check_deploy.sh packaging  DEPLOY_DIR RUN_SH   Dockerfile, systemd unit and README agree with
#                                                  run.sh and with each other
# Exit 0 = pass, 1 = fail. A missing tool is a failure, never a skip: ./run.sh --test installs
# promtool (Debian package prometheus) and node.
set -u

mode=${1:?mode}
deploy=${2:?deploy dir}
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "FAIL: $1 is not installed (./run.sh --test installs it)" >&2; exit 1; }
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Runs promtool and fails on a non-zero exit; prints its output either way.
promtool_ok() {
  if ! promtool "$@" >"$tmp/promtool.out" 2>&1; then
    cat "$tmp/promtool.out" >&2
    fail "promtool $*"
  else
    cat "$tmp/promtool.out"
  fi
}

case $mode in
config)
  need promtool
  promtool_ok check config "$deploy/prometheus.yml"
  ;;

rules)
  need promtool
  promtool_ok check rules "$deploy/alerts.yml"
  for alert in FreeRouterAllRoutesExhausted FreeRouterProviderInCooldown FreeRouterHighFallbackRate \
               FreeRouterQuotaNearlySpent FreeRouterQueueRejections; do
    grep -q "alert: $alert\$" "$deploy/alerts.yml" || fail "alerts.yml has no $alert"
    grep -q "alertname: $alert\$" "$deploy/alerts.test.yml" || fail "alerts.test.yml does not test $alert"
  done
  ;;

test-rules)
  need promtool
  # promtool resolves rule_files relative to the test file.
  promtool_ok test rules "$deploy/alerts.test.yml"
  ;;

names)
  dump=${3:?metrics-dump binary}
  "$dump" >"$tmp/exposition.txt" || fail "$dump failed"
  # Exported names: those with at least one sample line (a family with only its # TYPE line
  # would give an empty panel), histogram samples also under their family name.
  awk '$1 == "#" && $2 == "TYPE" && $4 == "histogram" { histogram[$3] = 1 }
       $1 != "#" && NF >= 2 {
         name = $1; sub(/\{.*/, "", name); print name
         family = name; sub(/_(bucket|sum|count)$/, "", family)
         if (family in histogram) print family
       }' "$tmp/exposition.txt" | sort -u >"$tmp/exported"
  [ -s "$tmp/exported" ] || fail "no metric families in the exposition"
  for file in alerts.yml alerts.test.yml grafana-dashboard.json; do
    grep -ohE 'freerouter_[a-zA-Z0-9_]+' "$deploy/$file" | sort -u >"$tmp/used"
    [ -s "$tmp/used" ] || fail "$file uses no freerouter_* metric"
    for name in $(comm -23 "$tmp/used" "$tmp/exported"); do
      fail "$file uses $name, which the gateway does not export"
    done
    echo "$file: $(wc -l <"$tmp/used") metric names, all exported"
  done
  ;;

dashboard)
  need promtool
  need node
  # Valid JSON with the usual Grafana shape; prints every panel query (variables replaced by
  # values Prometheus accepts) as a recording rule, so that promtool parses them all.
  node - "$deploy/grafana-dashboard.json" "$tmp/dashboard.rules.yml" <<'NODE' || fail "dashboard structure"
const fs = require('fs');
const [file, out] = process.argv.slice(2);
const problems = [];
let d;
try { d = JSON.parse(fs.readFileSync(file, 'utf8')); } catch (e) { console.error(`${file}: ${e.message}`); process.exit(1); }
for (const key of ['uid', 'title', 'panels', 'templating', 'schemaVersion']) {
  if (!(key in d)) problems.push(`missing top-level "${key}"`);
}
const vars = (d.templating?.list ?? []).map((v) => v.name);
if (!vars.includes('datasource')) problems.push('no "datasource" template variable');
const panels = [];
for (const p of d.panels ?? []) { panels.push(p); for (const q of p.panels ?? []) panels.push(q); }
const ids = new Set();
const exprs = [];
for (const p of panels) {
  if (ids.has(p.id)) problems.push(`duplicate panel id ${p.id}`);
  ids.add(p.id);
  if (!p.gridPos) problems.push(`panel "${p.title}" has no gridPos`);
  if (p.type === 'row') continue;
  if (p.datasource?.uid !== '${datasource}') problems.push(`panel "${p.title}" does not use the $datasource variable`);
  if (!Array.isArray(p.targets) || p.targets.length === 0) problems.push(`panel "${p.title}" has no query`);
  for (const t of p.targets ?? []) {
    if (!t.expr || !/freerouter_/.test(t.expr)) problems.push(`panel "${p.title}" query ${t.refId} uses no freerouter_* metric`);
    exprs.push(t.expr ?? '');
  }
}
const all = exprs.join('\n');
for (const m of ['freerouter_http_requests_total', 'freerouter_upstream_attempts_total', 'freerouter_request_fallbacks',
  'freerouter_request_duration_seconds', 'freerouter_gateway_overhead_seconds', 'freerouter_tokens_total',
  'freerouter_quota_remaining', 'freerouter_route_health']) {
  if (!all.includes(m)) problems.push(`no panel shows ${m}`);
}
const concrete = (e) => e.replaceAll('$__rate_interval', '1m').replaceAll('$__range', '1h').replaceAll('$instance', '.*');
const rules = exprs.map((e, i) => `      - record: dashboard:query_${i}\n        expr: ${JSON.stringify(concrete(e))}`);
fs.writeFileSync(out, `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
for (const p of problems) console.error(p);
console.log(`${panels.length} panels, ${exprs.length} queries`);
process.exit(problems.length ? 1 : 0);
NODE
  if [ -s "$tmp/dashboard.rules.yml" ]; then
    promtool_ok check rules "$tmp/dashboard.rules.yml"
  fi
  ;;

packaging)
  run_sh=${3:?run.sh}
  dockerfile=$deploy/Dockerfile
  unit=$deploy/freerouter.service
  grep -qE '^FROM debian:12( |$)' "$dockerfile" || fail "Dockerfile does not start FROM debian:12"
  # The build stage installs exactly what run.sh installs for a build.
  packages=$(sed -n '/^packages=(/,/)/p' "$run_sh" | sed 's/packages=(//; s/)//')
  [ -n "$packages" ] || fail "no packages=( ... ) list in $run_sh"
  tr -s ' \t\\' '\n\n\n' <"$dockerfile" >"$tmp/docker_words"
  for p in $packages; do
    grep -qxF -- "$p" "$tmp/docker_words" || fail "Dockerfile does not install $p (run.sh does)"
  done
  grep -q 'CMAKE_BUILD_TYPE=Release' "$dockerfile" || fail "Dockerfile does not build Release"
  grep -q 'VOLUME \["/data"\]' "$dockerfile" || fail "Dockerfile declares no /data volume"
  grep -q '"--host", "0.0.0.0"' "$dockerfile" || fail "Dockerfile does not bind 0.0.0.0"
  grep -q '"--data-dir", "/data"' "$dockerfile" || fail "Dockerfile does not use /data as data dir"
  grep -q 'GATEWAY_API_KEYS' "$dockerfile" || fail "Dockerfile does not say that 0.0.0.0 needs GATEWAY_API_KEYS"
  grep -q '^ExecStart=/usr/local/bin/freerouter ' "$unit" || fail "unit does not start /usr/local/bin/freerouter"
  grep -q -- '--host 127.0.0.1' "$unit" || fail "unit does not keep the loopback default"
  if command -v systemd-analyze >/dev/null 2>&1; then
    # verify wants an existing executable; the unit's directives are what is checked here.
    sed 's#^ExecStart=/usr/local/bin/freerouter#ExecStart=/bin/true#' "$unit" >"$tmp/freerouter.service"
    if ! systemd-analyze verify "$tmp/freerouter.service" >"$tmp/verify.out" 2>&1 || [ -s "$tmp/verify.out" ]; then
      cat "$tmp/verify.out" >&2
      fail "systemd-analyze verify freerouter.service"
    fi
  else
    echo "systemd-analyze not installed: unit syntax not verified"
  fi
  for f in prometheus.yml alerts.yml alerts.test.yml grafana-dashboard.json freerouter.service Dockerfile; do
    grep -q "$f" "$deploy/README.md" || fail "README.md does not describe $f"
  done
  ;;

*)
  echo "unknown mode $mode" >&2
  exit 2
  ;;
esac

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "deploy $mode: OK"
