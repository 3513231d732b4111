#!/usr/bin/env bash
# Benchmark: the fake provider called directly, nginx as a plain keep-alive reverse proxy in front
# of it, and freerouter (one route; three 429 routes then one good route), all in one run, on
# loopback, with wrk. Prints a Markdown table (also written to bench/results/<date>.md).
#   bench/run.sh [--duration 10] [--connections "64 256"] [--rounds 1] [--build build]
#                [--cases "direct nginx route 429 quota stream lowload capacity"]
# --cases picks some of the cases (all by default): the fake provider direct, nginx, the one-route,
# 3×429 and quota-limited gateways, the three stream rows, the low-load latencies, and the
# 1000-stream and 10,000-idle-connection capacity checks.
# --rounds N runs the throughput cases N times, interleaved (every target once per round), and
# adds a table of the medians with each gateway row's ratio to nginx: on a shared VM the host's
# load drifts by tens of percent within minutes, and interleaving spreads that drift evenly.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=10
connections="64 256"
rounds=1
build=build
cases="direct nginx route 429 quota stream lowload capacity"
while (($#)); do
  case "$1" in
    --duration) duration="$2"; shift ;;
    --connections) connections="$2"; shift ;;
    --rounds) rounds="$2"; shift ;;
    --build) build="$2"; shift ;;
    --cases) cases="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
# 10,000 idle connections (bench/idle_connections.mjs) need more descriptors than the usual 1024,
# for the gateway and for node alike.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
for tool in wrk nginx; do command -v $tool >/dev/null || { echo "bench needs $tool (apt-get install wrk nginx-light)" >&2; exit 2; }; done
[[ -x $build/freerouter && -x $build/tests/support/fake-provider ]] || { echo "build first: ./run.sh --install-only && cmake --build $build" >&2; exit 2; }

work=$(mktemp -d /tmp/freerouter-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; [[ -f $work/nginx.pid ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true; }
trap cleanup EXIT

fake_port=21401; nginx_port=21402; gw_port=21403; gw429_port=21404; gwq_port=21405
"$build/tests/support/fake-provider" --port $fake_port --threads 1 >/dev/null 2>"$work/fake.log" & pids+=($!)
fake_pid=$!

cat > "$work/nginx.conf" <<NGINX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  upstream fake { server 127.0.0.1:$fake_port; keepalive 256; }
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      proxy_pass http://fake/p1/v1/chat/completions;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
    # The stream case: relayed chunk by chunk, as the gateway does.
    location /stream {
      proxy_pass http://fake/p1/v1/chat/completions;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
NGINX
nginx -c "$work/nginx.conf" -p "$work"

started_pid=""
start_gateway() { # port catalog-json; sets started_pid
  local dir="$work/gw-$1"; mkdir -p "$dir"
  # p1 unlimited, p2 unlimited (429 routes), p3 with day quotas large enough never to bind, so
  # that every grant goes through the persist-before-grant path. (A per-minute limit would also
  # persist the sliding minute, one entry per request of the last 60 s.)
  echo "[{\"name\":\"p1\",\"base_url\":\"http://127.0.0.1:$fake_port/p1/v1\",\"api_key_env\":\"P1_API_KEY\"},
         {\"name\":\"p2\",\"base_url\":\"http://127.0.0.1:$fake_port/p2/v1\",\"api_key_env\":\"P2_API_KEY\"},
         {\"name\":\"p3\",\"base_url\":\"http://127.0.0.1:$fake_port/p3/v1\",\"api_key_env\":\"P3_API_KEY\",
          \"requests_per_day\":1000000000,\"tokens_per_day\":1000000000000}]" > "$dir/providers.json"
  echo "$2" > "$dir/model_catalog.json"
  : > "$dir/bench.env"
  P1_API_KEY=bench P2_API_KEY=bench P3_API_KEY=bench AUTO_ENDPOINT_DIAGNOSIS_ENABLED=false MAX_CONCURRENT_REQUESTS=2048 \
    REQUEST_QUEUE_MAX_WAITING_REQUESTS=4096 \
    "$build/freerouter" --port "$1" --data-dir "$dir" --env-file "$dir/bench.env" >/dev/null 2>"$dir/stderr.log" &
  started_pid=$!
  pids+=("$started_pid")
}
one_route='[{"route_id":"r1","provider_name":"p1","model_id":"ok","rank":1},
            {"route_id":"stream-route","provider_name":"p1","model_id":"stream;chunks=20","rank":2},
            {"route_id":"slow-stream","provider_name":"p1","model_id":"stream;chunks=50;interval_ms=100","rank":3},
            {"route_id":"stream-one","provider_name":"p1","model_id":"stream;chunks=1","rank":4}]'
quota_route='[{"route_id":"q1","provider_name":"p3","model_id":"ok","rank":1}]'
three_429='[{"route_id":"a","provider_name":"p2","model_id":"status;code=429","rank":1},
            {"route_id":"b","provider_name":"p2","model_id":"status;code=429;x=1","rank":2},
            {"route_id":"c","provider_name":"p2","model_id":"status;code=429;x=2","rank":3},
            {"route_id":"r1","provider_name":"p1","model_id":"ok","rank":4}]'
start_gateway $gw_port "$one_route"; gw_pid=$started_pid
start_gateway $gw429_port "$three_429"; gw429_pid=$started_pid
start_gateway $gwq_port "$quota_route"; gwq_pid=$started_pid
for port in $gw_port $gw429_port $gwq_port; do
  for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
done

# CPU ticks and peak RSS summed over a space-separated list of pids (nginx has two workers).
cpu_ticks() { local t=0 p; for p in $1; do t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done; echo $t; }
hwm_kb() { local k=0 p; for p in $1; do k=$((k + $(awk '/VmHWM/{print $2}' "/proc/$p/status"))); done; echo $k; }
tick=$(getconf CLK_TCK)

want() { [[ " $cases " == *" $1 "* ]]; }

run_case() { # name url pid conns [lua script]
  local out reqs rps p50 p99 before after cpu_us
  before=$( [[ -n $3 ]] && cpu_ticks "$3" || echo 0)
  out=$(wrk -t2 -c"$4" -d"${duration}s" --latency -s "${5:-bench/post.lua}" "$2" 2>&1)
  after=$( [[ -n $3 ]] && cpu_ticks "$3" || echo 0)
  reqs=$(awk '/requests in/{print $1}' <<<"$out")
  rps=$(awk '/Requests\/sec/{printf "%.0f", $2}' <<<"$out")
  p50=$(awk '$1=="50%"{print $2}' <<<"$out")
  p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/{print $5}' <<<"$out")
  if [[ -n $3 && ${reqs:-0} -gt 0 ]]; then
    cpu_us=$(awk -v t=$((after - before)) -v hz="$tick" -v n="$reqs" 'BEGIN{printf "%.1f", t / hz * 1e6 / n}')
    rss=$(( $(hwm_kb "$3") / 1024 ))
  else cpu_us="-"; rss="-"; fi
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$4" "$rps" "$p50" "$p99" "$cpu_us" "$rss" "${non2xx:-0}" | tee -a "$work/rows.md"
}

# The median of every target's rounds (wrk's latencies converted to ms), and the ratio of each
# freerouter row's median to the median of the nginx row of the same kind and connection count.
medians() {
  awk -F' *[|] *' '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    function median(list,   a, n, i, j, t) {
      n = split(list, a, " ")
      for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    {
      key = $2 SUBSEP $3
      if (!(key in seen)) { seen[key] = 1; order[++count] = key }
      rps[key] = rps[key] " " $4; p99[key] = p99[key] " " ms($6); cpu[key] = cpu[key] " " $7
      bad[key] += $9
    }
    END {
      print "| target | conns | req/s | p99 ms | CPU µs/req | req/s vs nginx | CPU vs nginx | non-2xx |"
      print "|---|---|---|---|---|---|---|---|"
      for (i = 1; i <= count; i++) {
        split(order[i], k, SUBSEP)
        r[order[i]] = median(rps[order[i]]); c[order[i]] = cpu[order[i]] ~ /-/ ? "-" : median(cpu[order[i]])
      }
      for (i = 1; i <= count; i++) {
        key = order[i]; split(key, k, SUBSEP)
        ref = (k[1] ~ /^stream/ ? "stream (20 chunks), nginx, proxy_buffering off" : "nginx reverse proxy") SUBSEP k[2]
        vs = "-"; cvs = "-"
        if (k[1] ~ /freerouter/ && (ref in r) && r[ref] > 0) {
          vs = sprintf("%.2f×", r[key] / r[ref])
          if (c[key] != "-" && c[ref] != "-" && c[ref] > 0) cvs = sprintf("%.2f×", c[key] / c[ref])
        }
        printf "| %s | %s | %.0f | %.2f | %s | %s | %s | %d |\n", k[1], k[2], r[key], median(p99[key]), c[key] == "-" ? "-" : sprintf("%.1f", c[key]), vs, cvs, bad[key]
      }
    }' "$work/rows.md"
}

{
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r); date: $(date -u +%F); duration ${duration}s per case; wrk -t2"
  echo
  echo "| target | conns | req/s | p50 | p99 | CPU µs/req | peak RSS MB | non-2xx |"
  echo "|---|---|---|---|---|---|---|---|"
  for round in $(seq "$rounds"); do
  for c in $connections; do
    nginx_workers=$(pgrep -P "$(cat "$work/nginx.pid")" | tr '\n' ' ')
    if want direct; then run_case "fake provider direct" "http://127.0.0.1:$fake_port/p1/v1/chat/completions" "" "$c" bench/post_direct.lua; fi
    if want nginx; then run_case "nginx reverse proxy" "http://127.0.0.1:$nginx_port/" "$nginx_workers" "$c" bench/post_direct.lua; fi
    if want route; then run_case "freerouter, 1 route" "http://127.0.0.1:$gw_port/v1/chat/completions" "$gw_pid" "$c"; fi
    if want 429; then run_case "freerouter, 3×429 then ok" "http://127.0.0.1:$gw429_port/v1/chat/completions" "$gw429_pid" "$c"; fi
    if want quota; then run_case "freerouter, 1 route, quota-limited" "http://127.0.0.1:$gwq_port/v1/chat/completions" "$gwq_pid" "$c"; fi
    if want stream; then
      run_case "stream (20 chunks), fake direct" "http://127.0.0.1:$fake_port/p1/v1/chat/completions" "" "$c" bench/post_stream_direct.lua
      run_case "stream (20 chunks), nginx, proxy_buffering off" "http://127.0.0.1:$nginx_port/stream" "$nginx_workers" "$c" bench/post_stream_direct.lua
      run_case "stream (20 chunks), freerouter" "http://127.0.0.1:$gw_port/v1/chat/completions" "$gw_pid" "$c" bench/post_stream.lua
    fi
  done
  done
  if ((rounds > 1)); then
    echo
    echo "Medians of $rounds interleaved rounds (each ratio is of the two medians)"
    echo
    medians
  fi
  if want lowload; then
    echo
    echo "Low load (wrk -t1 -c1, one request at a time): the gateway's added latency"
    echo
    echo "| | direct p50 / p99 | through freerouter p50 / p99 |"
    echo "|---|---|---|"
    one() { wrk -t1 -c1 -d"${duration}s" --latency -s "$2" "$1" | awk '$1=="50%"{p50=$2} $1=="99%"{p99=$2} END{print p50 " / " p99}'; }
    echo "| JSON chat completion | $(one "http://127.0.0.1:$fake_port/p1/v1/chat/completions" bench/post_direct.lua) | $(one "http://127.0.0.1:$gw_port/v1/chat/completions" bench/post.lua) |"
    echo "| 1-chunk stream (its first byte is its whole answer) | $(one "http://127.0.0.1:$fake_port/p1/v1/chat/completions" bench/post_stream1_direct.lua) | $(one "http://127.0.0.1:$gw_port/v1/chat/completions" bench/post_stream1.lua) |"
    echo "| 20-chunk stream (last byte) | $(one "http://127.0.0.1:$fake_port/p1/v1/chat/completions" bench/post_stream_direct.lua) | $(one "http://127.0.0.1:$gw_port/v1/chat/completions" bench/post_stream.lua) |"
  fi
  if want capacity && command -v node >/dev/null; then
    echo
    node bench/open_streams.mjs "http://127.0.0.1:$gw_port" "$gw_pid" 1000
    node bench/idle_connections.mjs 127.0.0.1 "$gw_port" "$gw_pid" 10000
  fi
} | tee "$work/table.md"
mkdir -p bench/results
cp "$work/table.md" "bench/results/$(date -u +%Y%m%dT%H%M%S).md"
