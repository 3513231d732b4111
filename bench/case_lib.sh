# shellcheck shell=bash
# Sourced by bench/one_case.sh and bench/callgrind.sh: one fake provider and one gateway in front
# of it, with three routes on one provider: "ok" (JSON), a 20-chunk and a 1-chunk stream.
#
#   start_case BUILD WORK FAKE_PORT GW_PORT LIMITS WAIT_S [PREFIX...]
#
# LIMITS is JSON appended to the provider (e.g. day limits), WAIT_S how long to wait for
# /healthz, PREFIX a command the gateway runs under (valgrind ...). The variable extra_env (NAME=value
# words) is added to the gateway's environment; lead_429=N puts N routes answering 429 first. Appends both pids to the caller's `pids` array,
# sets `gw` to the gateway's pid and `url` to its chat completions URL.
start_case() {
  local build="$1" work="$2" fake_port="$3" gw_port="$4" limits="$5" wait_s="$6"
  shift 6
  "$build/tests/support/fake-provider" --port "$fake_port" --threads 1 >/dev/null 2>"$work/fake.log" &
  pids+=("$!")
  echo "[{\"name\":\"p1\",\"base_url\":\"http://127.0.0.1:$fake_port/p1/v1\",\"api_key_env\":\"P1_API_KEY\"$limits},
         {\"name\":\"p2\",\"base_url\":\"http://127.0.0.1:$fake_port/p2/v1\",\"api_key_env\":\"P1_API_KEY\"}]" \
    > "$work/providers.json"
  # lead_429=N ranks N routes of p2 that answer 429 before the others (bench/run.sh's 3x429 case).
  local lead="" i
  for ((i = 1; i <= ${lead_429:-0}; i++)); do
    lead+="{\"route_id\":\"l$i\",\"provider_name\":\"p2\",\"model_id\":\"status;code=429;x=$i\",\"rank\":$i},"
  done
  local n=${lead_429:-0}
  echo "[$lead{\"route_id\":\"r1\",\"provider_name\":\"p1\",\"model_id\":\"ok\",\"rank\":$((n + 1))},
         {\"route_id\":\"stream-route\",\"provider_name\":\"p1\",\"model_id\":\"stream;chunks=20\",\"rank\":$((n + 2))},
         {\"route_id\":\"stream-one\",\"provider_name\":\"p1\",\"model_id\":\"stream;chunks=1\",\"rank\":$((n + 4))}]" \
    > "$work/model_catalog.json"
  : > "$work/bench.env"
  # shellcheck disable=SC2086 # extra_env is a list of NAME=value words
  env P1_API_KEY=bench AUTO_ENDPOINT_DIAGNOSIS_ENABLED=false MAX_CONCURRENT_REQUESTS=2048 \
    REQUEST_QUEUE_MAX_WAITING_REQUESTS=4096 ${extra_env:-} \
    "$@" "$build/freerouter" --port "$gw_port" --data-dir "$work" --env-file "$work/bench.env" \
    >/dev/null 2>"$work/gw.log" &
  gw=$!
  pids+=("$gw")
  local tries=$((wait_s * 10))
  for _ in $(seq "$tries"); do
    curl -fs -o /dev/null "http://127.0.0.1:$gw_port/healthz" && break
    sleep 0.1
  done
  # shellcheck disable=SC2034 # read by the sourcing script
  url="http://127.0.0.1:$gw_port/v1/chat/completions"
}
