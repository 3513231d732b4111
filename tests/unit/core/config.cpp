#define CAF_SUITE core.config
#include "core/config.hpp"

#include <caf/test/unit_test.hpp>

#include "temp_dir.hpp"

using namespace gw;
using config::env_map;
using config::gateway_config;
using config::load_config;

namespace {

using args_t = std::vector<std::string>;

/// Loads with an env file that lives in a fresh directory, so no stray `.env` leaks in.
struct fixture {
  test::temp_dir dir;

  gw::expected<gateway_config> load(args_t args, const env_map& env,
                                    const std::string& file_text = "") {
    auto file = dir.write("test.env", file_text);
    args.insert(args.begin(), "--env-file=" + file);
    return load_config(args, env);
  }

  gateway_config load_ok(args_t args, const env_map& env, const std::string& file_text = "") {
    auto cfg = load(std::move(args), env, file_text);
    if (!cfg) {
      CAF_FAIL("unexpected config error: " << cfg.error().message);
    }
    return *cfg;
  }

  std::string load_error(args_t args, const env_map& env, const std::string& file_text = "") {
    auto cfg = load(std::move(args), env, file_text);
    if (cfg) {
      CAF_FAIL("expected a config error");
    }
    CAF_CHECK_EQUAL(to_string(cfg.error().code), std::string{"config_error"});
    return cfg.error().message;
  }
};

std::string validate_message(const gateway_config& cfg) {
  auto err = config::validate(cfg);
  return err ? err->message : std::string{};
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(config_tests, fixture)

CAF_TEST(defaults match the reference when nothing is set and no env file exists) {
  test::scoped_cwd cwd{dir.path()};
  auto cfg = load_config({}, {});
  CAF_REQUIRE(cfg.has_value());
  CAF_CHECK_EQUAL(cfg->host, "127.0.0.1");
  CAF_CHECK_EQUAL(cfg->port, 8000u);
  CAF_CHECK_EQUAL(cfg->data_dir, "./data");
  CAF_CHECK_EQUAL(cfg->env_file, ".env");
  CAF_CHECK_EQUAL(cfg->allow_unauthenticated, false);
  CAF_CHECK_EQUAL(cfg->database_path, "./data/gateway.sqlite3");
  CAF_CHECK_EQUAL(cfg->model_catalog_path, "./data/model_catalog.json");
  CAF_CHECK_EQUAL(cfg->providers_path, "./data/providers.json");
  CAF_CHECK_EQUAL(cfg->providers_path_explicit, false);
  CAF_CHECK_EQUAL(cfg->request_timeout_seconds, 90.0);
  CAF_CHECK_EQUAL(cfg->request_deadline_seconds, 120.0);
  CAF_CHECK_EQUAL(cfg->max_concurrent_requests, 20);
  CAF_CHECK_EQUAL(cfg->max_upstream_calls_per_request, 20);
  CAF_CHECK_EQUAL(cfg->request_queue_timeout_seconds, 30.0);
  CAF_CHECK_EQUAL(cfg->request_queue_max_waiting_requests, 200);
  CAF_CHECK_EQUAL(cfg->streaming_release_slot_after_route_selected, true);
  CAF_CHECK_EQUAL(cfg->sqlite_busy_timeout_ms, 5000);
  CAF_CHECK_EQUAL(cfg->http_max_connections, 400);
  CAF_CHECK_EQUAL(cfg->http_max_keepalive_connections, 200);
  CAF_CHECK_EQUAL(cfg->http_keepalive_expiry_seconds, 30.0);
  CAF_CHECK_EQUAL(cfg->sse_chunk_replay_sleep_seconds, 0.0);
  CAF_CHECK_EQUAL(cfg->gateway_model_name, "auto");
  CAF_CHECK_EQUAL(cfg->auto_endpoint_diagnosis_enabled, true);
  CAF_CHECK_EQUAL(cfg->auto_endpoint_maintenance_enabled, true);
  CAF_CHECK_EQUAL(cfg->auto_endpoint_diagnosis_interval_seconds, 21600);
  CAF_CHECK_EQUAL(cfg->auto_endpoint_diagnosis_startup_delay_seconds, 10);
  CAF_CHECK_EQUAL(cfg->endpoint_diagnosis_supervisor_enabled, false);
  CAF_CHECK_EQUAL(cfg->max_request_body_bytes, 10u * 1024 * 1024);
  CAF_CHECK_EQUAL(cfg->event_retention_days, 7);
  CAF_CHECK(cfg->gateway_api_keys.empty());
  CAF_CHECK_EQUAL(cfg->gateway_admin_key, "");
  CAF_CHECK_EQUAL(cfg->log_level, "info");
  CAF_CHECK_EQUAL(cfg->log_format, "text");
  CAF_CHECK_EQUAL(cfg->io_threads, 1);
  CAF_CHECK_EQUAL(cfg->actor_scheduler, "io");
  CAF_CHECK(cfg->environment.empty());
  CAF_CHECK(!config::validate(*cfg));
}

CAF_TEST(the default env file in the working directory is read when present) {
  test::scoped_cwd cwd{dir.path()};
  dir.write(".env", "MAX_CONCURRENT_REQUESTS=3\n");
  auto cfg = load_config({}, {});
  CAF_REQUIRE(cfg.has_value());
  CAF_CHECK_EQUAL(cfg->max_concurrent_requests, 3);
}

CAF_TEST(every flag is applied in both spellings) {
  auto cfg = load_ok(
    {"--host", "0.0.0.0", "--port", "9123", "--data-dir", "/srv/gw", "--allow-unauthenticated"},
    {});
  CAF_CHECK_EQUAL(cfg.host, "0.0.0.0");
  CAF_CHECK_EQUAL(cfg.port, 9123u);
  CAF_CHECK_EQUAL(cfg.data_dir, "/srv/gw");
  CAF_CHECK_EQUAL(cfg.allow_unauthenticated, true);
  CAF_CHECK_EQUAL(cfg.env_file, dir.file("test.env"));
  auto eq = load_ok({"--host=::1", "--port=0", "--data-dir=rel/dir"}, {});
  CAF_CHECK_EQUAL(eq.host, "::1");
  CAF_CHECK_EQUAL(eq.port, 0u);
  CAF_CHECK_EQUAL(eq.data_dir, "rel/dir");
  CAF_CHECK_EQUAL(eq.allow_unauthenticated, false);
  auto separate = dir.write("other.env", "GATEWAY_MODEL_NAME=fromfile\n");
  auto via_flag = load_config({"--env-file", separate}, {});
  CAF_REQUIRE(via_flag.has_value());
  CAF_CHECK_EQUAL(via_flag->gateway_model_name, "fromfile");
}

CAF_TEST(bad command lines are rejected with the option named) {
  CAF_CHECK_EQUAL(load_error({"--bogus"}, {}), "unknown option: --bogus");
  CAF_CHECK_EQUAL(load_error({"--bogus=1"}, {}), "unknown option: --bogus");
  CAF_CHECK_EQUAL(load_error({"--port"}, {}), "option --port needs a value");
  CAF_CHECK_EQUAL(load_error({"--host="}, {}), "option --host needs a non-empty value");
  CAF_CHECK_EQUAL(load_error({"extra"}, {}), "unexpected argument: extra");
  CAF_CHECK_EQUAL(load_error({"--allow-unauthenticated=yes"}, {}),
                  "option --allow-unauthenticated takes no value");
  CAF_CHECK_EQUAL(load_error({"--port", "abc"}, {}),
                  "--port: expected an integer in 0..65535, got 'abc'");
  CAF_CHECK_EQUAL(load_error({"--port", "70000"}, {}),
                  "--port: expected an integer in 0..65535, got '70000'");
}

CAF_TEST(a missing explicit env file is an error naming the file) {
  auto missing = dir.file("nope.env");
  auto cfg = load_config({"--env-file", missing}, {});
  CAF_REQUIRE(!cfg.has_value());
  CAF_CHECK_EQUAL(to_string(cfg.error().code), std::string{"config_error"});
  CAF_CHECK_EQUAL(cfg.error().message, "--env-file " + missing + ": no such file");
}

CAF_TEST(a malformed env file is an error naming file and line) {
  auto msg = load_error({}, {}, "A=1\nbroken line\n");
  CAF_CHECK_EQUAL(msg, dir.file("test.env") + ":2: expected KEY=VALUE, got 'broken line'");
}

CAF_TEST(gateway host and port come from the environment and flags win) {
  auto from_env = load_ok({}, {{"GATEWAY_HOST", "localhost"}, {"GATEWAY_PORT", "8111"}});
  CAF_CHECK_EQUAL(from_env.host, "localhost");
  CAF_CHECK_EQUAL(from_env.port, 8111u);
  auto flags_win = load_ok({"--host", "127.0.0.2", "--port", "8222"},
                           {{"GATEWAY_HOST", "localhost"}, {"GATEWAY_PORT", "8111"}});
  CAF_CHECK_EQUAL(flags_win.host, "127.0.0.2");
  CAF_CHECK_EQUAL(flags_win.port, 8222u);
  CAF_CHECK_EQUAL(load_error({}, {{"GATEWAY_PORT", "65536"}}),
                  "GATEWAY_PORT: expected an integer <= 65535, got '65536'");
}

CAF_TEST(the process environment wins over the env file) {
  auto cfg = load_ok({}, {{"MAX_CONCURRENT_REQUESTS", "7"}, {"GROQ_API_KEY", "from-env"}},
                     "MAX_CONCURRENT_REQUESTS=3\nGROQ_API_KEY=from-file\nGEMINI_API_KEY=g\n");
  CAF_CHECK_EQUAL(cfg.max_concurrent_requests, 7);
  CAF_CHECK_EQUAL(cfg.environment["GROQ_API_KEY"], "from-env");
  CAF_CHECK_EQUAL(cfg.environment["GEMINI_API_KEY"], "g");
  CAF_CHECK_EQUAL(cfg.environment["MAX_CONCURRENT_REQUESTS"], "7");
}

CAF_TEST(key names are case insensitive in the environment and the file) {
  auto cfg = load_ok({}, {{"max_concurrent_requests", "4"}, {"Groq_Api_Key", "k"}},
                     "request_timeout_seconds=12.5\n");
  CAF_CHECK_EQUAL(cfg.max_concurrent_requests, 4);
  CAF_CHECK_EQUAL(cfg.request_timeout_seconds, 12.5);
  CAF_CHECK_EQUAL(cfg.environment["GROQ_API_KEY"], "k");
  CAF_CHECK(cfg.environment.count("Groq_Api_Key") == 0);
}

CAF_TEST(every setting is read from its key) {
  env_map env{{"REQUEST_TIMEOUT_SECONDS", "15"},
              {"REQUEST_DEADLINE_SECONDS", "45.5"},
              {"MAX_CONCURRENT_REQUESTS", "8"},
              {"MAX_UPSTREAM_CALLS_PER_REQUEST", "5"},
              {"MAX_UPSTREAM_RESPONSE_BYTES", "2048"},
              {"MAX_CLIENT_CONNECTIONS", "300"},
              {"CLIENT_READ_TIMEOUT_SECONDS", "7"},
              {"CLIENT_WRITE_TIMEOUT_SECONDS", "9"},
              {"REQUEST_QUEUE_TIMEOUT_SECONDS", "2.5"},
              {"REQUEST_QUEUE_MAX_WAITING_REQUESTS", "17"},
              {"STREAMING_RELEASE_SLOT_AFTER_ROUTE_SELECTED", "false"},
              {"SQLITE_BUSY_TIMEOUT_MS", "250"},
              {"HTTP_MAX_CONNECTIONS", "40"},
              {"HTTP_MAX_KEEPALIVE_CONNECTIONS", "20"},
              {"HTTP_KEEPALIVE_EXPIRY_SECONDS", "3"},
              {"SSE_CHUNK_REPLAY_SLEEP_SECONDS", "0.01"},
              {"STREAM_FIRST_TOKEN_TIMEOUT_SECONDS", "5"},
              {"STREAM_IDLE_TIMEOUT_SECONDS", "6"},
              {"GATEWAY_MODEL_NAME", "free"},
              {"AUTO_ENDPOINT_DIAGNOSIS_ENABLED", "no"},
              {"AUTO_ENDPOINT_MAINTENANCE_ENABLED", "off"},
              {"AUTO_ENDPOINT_DIAGNOSIS_INTERVAL_SECONDS", "120"},
              {"AUTO_ENDPOINT_DIAGNOSIS_STARTUP_DELAY_SECONDS", "0"},
              {"ENDPOINT_DIAGNOSIS_SUPERVISOR_ENABLED", "YES"},
              {"ENDPOINT_DIAGNOSIS_SUPERVISOR_MODEL", "groq-llama"},
              {"MAX_REQUEST_BODY_BYTES", "1024"},
              {"EVENT_RETENTION_DAYS", "3"},
              {"GATEWAY_API_KEYS", " k1, k2 ,,k3 "},
              {"GATEWAY_ADMIN_KEY", " admin "},
              {"UPSTREAM_CA_FILE", "/tmp/ca.pem"},
              {"IO_THREADS", "3"},
              {"ACTOR_THREADS", "4"},
              {"ACTOR_SCHEDULER", " sharing "},
              {"LOG_LEVEL", "WARNING"},
              {"LOG_FORMAT", " JSON "}};
  auto cfg = load_ok({}, env);
  CAF_CHECK_EQUAL(cfg.request_timeout_seconds, 15.0);
  CAF_CHECK_EQUAL(cfg.request_deadline_seconds, 45.5);
  CAF_CHECK_EQUAL(cfg.max_concurrent_requests, 8);
  CAF_CHECK_EQUAL(cfg.max_upstream_calls_per_request, 5);
  CAF_CHECK_EQUAL(cfg.max_upstream_response_bytes, 2048u);
  CAF_CHECK_EQUAL(cfg.max_client_connections, 300);
  CAF_CHECK_EQUAL(cfg.client_read_timeout_seconds, 7);
  CAF_CHECK_EQUAL(cfg.client_write_timeout_seconds, 9);
  CAF_CHECK_EQUAL(cfg.request_queue_timeout_seconds, 2.5);
  CAF_CHECK_EQUAL(cfg.request_queue_max_waiting_requests, 17);
  CAF_CHECK_EQUAL(cfg.streaming_release_slot_after_route_selected, false);
  CAF_CHECK_EQUAL(cfg.sqlite_busy_timeout_ms, 250);
  CAF_CHECK_EQUAL(cfg.http_max_connections, 40);
  CAF_CHECK_EQUAL(cfg.http_max_keepalive_connections, 20);
  CAF_CHECK_EQUAL(cfg.http_keepalive_expiry_seconds, 3.0);
  CAF_CHECK_EQUAL(cfg.sse_chunk_replay_sleep_seconds, 0.01);
  CAF_CHECK_EQUAL(cfg.stream_first_token_timeout_seconds, 5.0);
  CAF_CHECK_EQUAL(cfg.stream_idle_timeout_seconds, 6.0);
  CAF_CHECK_EQUAL(cfg.gateway_model_name, "free");
  CAF_CHECK_EQUAL(cfg.auto_endpoint_diagnosis_enabled, false);
  CAF_CHECK_EQUAL(cfg.auto_endpoint_maintenance_enabled, false);
  CAF_CHECK_EQUAL(cfg.auto_endpoint_diagnosis_interval_seconds, 120);
  CAF_CHECK_EQUAL(cfg.auto_endpoint_diagnosis_startup_delay_seconds, 0);
  CAF_CHECK_EQUAL(cfg.endpoint_diagnosis_supervisor_enabled, true);
  CAF_CHECK_EQUAL(cfg.endpoint_diagnosis_supervisor_model, "groq-llama");
  CAF_CHECK_EQUAL(cfg.max_request_body_bytes, 1024u);
  CAF_CHECK_EQUAL(cfg.event_retention_days, 3);
  CAF_REQUIRE_EQUAL(cfg.gateway_api_keys.size(), 3u);
  CAF_CHECK_EQUAL(cfg.gateway_api_keys[0], "k1");
  CAF_CHECK_EQUAL(cfg.gateway_api_keys[1], "k2");
  CAF_CHECK_EQUAL(cfg.gateway_api_keys[2], "k3");
  CAF_CHECK_EQUAL(cfg.gateway_admin_key, "admin");
  CAF_CHECK_EQUAL(cfg.upstream_ca_file, "/tmp/ca.pem");
  CAF_CHECK_EQUAL(cfg.io_threads, 3);
  CAF_CHECK_EQUAL(cfg.actor_threads, 4);
  CAF_CHECK_EQUAL(cfg.actor_scheduler, "sharing");
  CAF_CHECK_EQUAL(cfg.log_level, "warn");
  CAF_CHECK_EQUAL(cfg.log_format, "json");
}

CAF_TEST(booleans accept every reference spelling) {
  for (const char* yes : {"true", "TRUE", "1", "yes", "on", " On "}) {
    auto cfg = load_ok({}, {{"ENDPOINT_DIAGNOSIS_SUPERVISOR_ENABLED", yes}});
    CAF_CHECK_EQUAL(cfg.endpoint_diagnosis_supervisor_enabled, true);
  }
  for (const char* no : {"false", "False", "0", "no", "off"}) {
    auto cfg = load_ok({}, {{"AUTO_ENDPOINT_DIAGNOSIS_ENABLED", no}});
    CAF_CHECK_EQUAL(cfg.auto_endpoint_diagnosis_enabled, false);
  }
}

CAF_TEST(the stream timeouts default to the request timeout) {
  auto defaults = load_ok({}, {});
  CAF_CHECK_EQUAL(defaults.stream_first_token_timeout_seconds, 90.0);
  CAF_CHECK_EQUAL(defaults.stream_idle_timeout_seconds, 90.0);
  // An original .env that sets only REQUEST_TIMEOUT_SECONDS still bounds a stalled stream.
  auto only_request = load_ok({}, {{"REQUEST_TIMEOUT_SECONDS", "1"}});
  CAF_CHECK_EQUAL(only_request.stream_first_token_timeout_seconds, 1.0);
  CAF_CHECK_EQUAL(only_request.stream_idle_timeout_seconds, 1.0);
  auto own = load_ok({}, {{"REQUEST_TIMEOUT_SECONDS", "1"}, {"STREAM_IDLE_TIMEOUT_SECONDS", "7"}});
  CAF_CHECK_EQUAL(own.stream_first_token_timeout_seconds, 1.0);
  CAF_CHECK_EQUAL(own.stream_idle_timeout_seconds, 7.0);
}

CAF_TEST(empty values keep the defaults) {
  auto cfg =
    load_ok({}, {{"MAX_CONCURRENT_REQUESTS", ""}, {"DATABASE_PATH", " "}}, "GATEWAY_API_KEYS=\n");
  CAF_CHECK_EQUAL(cfg.max_concurrent_requests, 20);
  CAF_CHECK_EQUAL(cfg.database_path, "./data/gateway.sqlite3");
  CAF_CHECK(cfg.gateway_api_keys.empty());
}

CAF_TEST(bad values are errors naming the key and the value) {
  CAF_CHECK_EQUAL(load_error({}, {{"MAX_CONCURRENT_REQUESTS", "abc"}}),
                  "MAX_CONCURRENT_REQUESTS: expected an integer, got 'abc'");
  CAF_CHECK_EQUAL(load_error({}, {{"MAX_CONCURRENT_REQUESTS", "2.5"}}),
                  "MAX_CONCURRENT_REQUESTS: expected an integer, got '2.5'");
  CAF_CHECK_EQUAL(load_error({}, {}, "REQUEST_TIMEOUT_SECONDS=soon\n"),
                  "REQUEST_TIMEOUT_SECONDS: expected a number, got 'soon'");
  CAF_CHECK_EQUAL(load_error({}, {{"REQUEST_TIMEOUT_SECONDS", "0"}}),
                  "REQUEST_TIMEOUT_SECONDS: expected a number > 0, got '0'");
  CAF_CHECK_EQUAL(load_error({}, {{"REQUEST_DEADLINE_SECONDS", "nan"}}),
                  "REQUEST_DEADLINE_SECONDS: expected a number, got 'nan'");
  CAF_CHECK_EQUAL(load_error({}, {{"AUTO_ENDPOINT_DIAGNOSIS_ENABLED", "maybe"}}),
                  "AUTO_ENDPOINT_DIAGNOSIS_ENABLED: expected a boolean "
                  "(true/false/1/0/yes/no/on/off), got 'maybe'");
  CAF_CHECK_EQUAL(load_error({}, {{"SQLITE_BUSY_TIMEOUT_MS", "-5"}}),
                  "SQLITE_BUSY_TIMEOUT_MS: expected an integer >= 0, got '-5'");
  CAF_CHECK_EQUAL(load_error({}, {{"MAX_CONCURRENT_REQUESTS", "99999999999"}}),
                  "MAX_CONCURRENT_REQUESTS: expected an integer <= 2147483647, got '99999999999'");
  CAF_CHECK_EQUAL(load_error({}, {{"LOG_LEVEL", "loud"}}),
                  "LOG_LEVEL: expected one of debug, info, warn, error, got 'loud'");
  CAF_CHECK_EQUAL(load_error({}, {{"LOG_FORMAT", "xml"}}),
                  "LOG_FORMAT: expected one of text, json, got 'xml'");
  CAF_CHECK_EQUAL(load_error({}, {{"ACTOR_SCHEDULER", "threads"}}),
                  "ACTOR_SCHEDULER: expected one of io, sharing, stealing, got 'threads'");
  CAF_CHECK_EQUAL(load_error({}, {{"SSE_CHUNK_REPLAY_SLEEP_SECONDS", "-1"}}),
                  "SSE_CHUNK_REPLAY_SLEEP_SECONDS: expected a number >= 0, got '-1'");
}

CAF_TEST(out of range values are clamped as the reference does) {
  auto cfg = load_ok({}, {{"MAX_CONCURRENT_REQUESTS", "0"},
                          {"REQUEST_QUEUE_TIMEOUT_SECONDS", "-4"},
                          {"REQUEST_QUEUE_MAX_WAITING_REQUESTS", "-1"},
                          {"AUTO_ENDPOINT_DIAGNOSIS_INTERVAL_SECONDS", "5"},
                          {"AUTO_ENDPOINT_DIAGNOSIS_STARTUP_DELAY_SECONDS", "-10"}});
  CAF_CHECK_EQUAL(cfg.max_concurrent_requests, 1);
  CAF_CHECK_EQUAL(cfg.request_queue_timeout_seconds, 0.0);
  CAF_CHECK_EQUAL(cfg.request_queue_max_waiting_requests, 0);
  CAF_CHECK_EQUAL(cfg.auto_endpoint_diagnosis_interval_seconds, 60);
  CAF_CHECK_EQUAL(cfg.auto_endpoint_diagnosis_startup_delay_seconds, 0);
}

CAF_TEST(file paths derive from the data dir unless given explicitly) {
  auto derived = load_ok({"--data-dir", "/var/lib/gw"}, {});
  CAF_CHECK_EQUAL(derived.database_path, "/var/lib/gw/gateway.sqlite3");
  CAF_CHECK_EQUAL(derived.model_catalog_path, "/var/lib/gw/model_catalog.json");
  CAF_CHECK_EQUAL(derived.providers_path, "/var/lib/gw/providers.json");
  CAF_CHECK_EQUAL(derived.providers_path_explicit, false);
  auto trailing = load_ok({"--data-dir=/var/lib/gw/"}, {});
  CAF_CHECK_EQUAL(trailing.database_path, "/var/lib/gw/gateway.sqlite3");
  auto explicit_paths =
    load_ok({"--data-dir", "/var/lib/gw"}, {{"DATABASE_PATH", "/db/state.sqlite3"},
                                            {"MODEL_CATALOG_PATH", "/etc/gw/catalog.json"},
                                            {"PROVIDERS_PATH", "/etc/gw/providers.json"}});
  CAF_CHECK_EQUAL(explicit_paths.database_path, "/db/state.sqlite3");
  CAF_CHECK_EQUAL(explicit_paths.model_catalog_path, "/etc/gw/catalog.json");
  CAF_CHECK_EQUAL(explicit_paths.providers_path, "/etc/gw/providers.json");
  CAF_CHECK_EQUAL(explicit_paths.providers_path_explicit, true);
}

CAF_TEST(validate refuses a non loopback host without authentication) {
  gateway_config cfg;
  cfg.host = "0.0.0.0";
  auto msg = validate_message(cfg);
  CAF_CHECK_EQUAL(msg, "refusing to listen on non-loopback host '0.0.0.0' without "
                       "authentication: set GATEWAY_API_KEYS or GATEWAY_ADMIN_KEY, or pass "
                       "--allow-unauthenticated");
  CAF_CHECK_EQUAL(to_string(config::validate(cfg)->code), std::string{"config_error"});
  auto with_keys = cfg;
  with_keys.gateway_api_keys = {"k"};
  CAF_CHECK(!config::validate(with_keys));
  auto with_admin = cfg;
  with_admin.gateway_admin_key = "admin";
  CAF_CHECK(!config::validate(with_admin));
  auto allowed = cfg;
  allowed.allow_unauthenticated = true;
  CAF_CHECK(!config::validate(allowed));
  auto loopback = cfg;
  loopback.host = "127.0.0.1";
  loopback.port = 0;
  CAF_CHECK(!config::validate(loopback));
}

CAF_TEST(validate accepts the flag and rejects through load config end to end) {
  auto refused = load_ok({"--host", "192.168.1.10"}, {});
  CAF_CHECK(config::validate(refused).has_value());
  auto allowed = load_ok({"--host", "192.168.1.10", "--allow-unauthenticated"}, {});
  CAF_CHECK(!config::validate(allowed));
  auto keyed = load_ok({"--host", "192.168.1.10"}, {{"GATEWAY_API_KEYS", "a,b"}});
  CAF_CHECK(!config::validate(keyed));
}

CAF_TEST(validate reports a missing upstream ca file) {
  gateway_config cfg;
  cfg.upstream_ca_file = dir.file("missing-ca.pem");
  CAF_CHECK_EQUAL(validate_message(cfg),
                  "UPSTREAM_CA_FILE: no such file '" + cfg.upstream_ca_file + "'");
  cfg.upstream_ca_file = dir.write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
  CAF_CHECK(!config::validate(cfg));
}

CAF_TEST(loopback hosts are recognised) {
  for (const char* host :
       {"127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "::1", "[::1]", "::ffff:127.0.0.1"}) {
    CAF_CHECK_EQUAL(config::is_loopback_host(host), true);
  }
  for (const char* host :
       {"0.0.0.0", "::", "192.168.0.1", "10.0.0.1", "example.com", "128.0.0.1"}) {
    CAF_CHECK_EQUAL(config::is_loopback_host(host), false);
  }
}

CAF_TEST(help is detected and the usage text names every flag) {
  CAF_CHECK_EQUAL(config::wants_help({"--port", "1", "--help"}), true);
  CAF_CHECK_EQUAL(config::wants_help({"-h"}), true);
  CAF_CHECK_EQUAL(config::wants_help({"--port", "1"}), false);
  auto text = config::usage_text();
  for (const char* flag :
       {"--host", "--port", "--data-dir", "--env-file", "--allow-unauthenticated", "--help"}) {
    CAF_CHECK(text.find(flag) != std::string::npos);
  }
}

CAF_TEST_FIXTURE_SCOPE_END()
