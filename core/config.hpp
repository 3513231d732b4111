// Gateway settings: command-line flags, process environment and the env file merged into one
// immutable value at start-up. Nothing else in the gateway reads the environment.
#pragma once

#include "core/env_file.hpp"
#include "core/expected.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gw::config {

/// Every setting, with the reference's defaults (reference-behavior.md §2, contract §2, §7).
// Read once at start-up; its layout follows the settings table, not padding.
struct gateway_config { // NOLINT(clang-analyzer-optin.performance.Padding)
  std::string host = "127.0.0.1";
  uint16_t port = 8000;
  std::string data_dir = "./data";
  std::string env_file = ".env";
  bool allow_unauthenticated = false;
  /// Default <data_dir>/gateway.sqlite3, model_catalog.json, providers.json.
  std::string database_path, model_catalog_path, providers_path;
  /// PROVIDERS_PATH was given, so the file must exist.
  bool providers_path_explicit = false;
  double request_timeout_seconds = 90;
  double request_deadline_seconds = 120;
  /// Upstream calls one request may make before it is answered 503 (skips are not calls).
  int max_upstream_calls_per_request = 20;
  int max_concurrent_requests = 20;
  double request_queue_timeout_seconds = 30;
  int request_queue_max_waiting_requests = 200;
  bool streaming_release_slot_after_route_selected = true;
  int sqlite_busy_timeout_ms = 5000;
  int http_max_connections = 400;
  int http_max_keepalive_connections = 200;
  double http_keepalive_expiry_seconds = 30;
  double sse_chunk_replay_sleep_seconds = 0;
  /// Both default to request_timeout_seconds (set while reading the settings).
  double stream_first_token_timeout_seconds = 90;
  double stream_idle_timeout_seconds = 90;
  std::string gateway_model_name = "auto";
  bool auto_endpoint_diagnosis_enabled = true;
  bool auto_endpoint_maintenance_enabled = true;
  int auto_endpoint_diagnosis_interval_seconds = 21600;
  int auto_endpoint_diagnosis_startup_delay_seconds = 10;
  bool endpoint_diagnosis_supervisor_enabled = false;
  std::string endpoint_diagnosis_supervisor_model;
  size_t max_request_body_bytes = size_t{10} * 1024 * 1024;
  /// The most bytes a non-streamed upstream answer may have (a longer one fails the attempt).
  size_t max_upstream_response_bytes = size_t{16} * 1024 * 1024;
  /// Client connections open at once; more are answered 503 and closed.
  int max_client_connections = 10000;
  /// How long a client may take to send a whole request (or to start the next one on a
  /// kept-alive connection) before it is dropped: slow and silent clients.
  int client_read_timeout_seconds = 60;
  /// How long a client may take to accept any of its answer's bytes (a reader that stalls):
  /// past it the connection is dropped.
  int client_write_timeout_seconds = 60;
  int event_retention_days = 7;
  std::vector<std::string> gateway_api_keys;
  std::string gateway_admin_key;
  /// UPSTREAM_CA_FILE: extra CA bundle trusted for upstream TLS (tests).
  std::string upstream_ca_file;
  /// IO_THREADS: event loops, a thread each (runtime/io_loops). Client connections are spread
  /// over them; the first also runs upstream sockets and, with the io scheduler, the actors.
  /// One is fastest on small machines: no handler crosses threads.
  int io_threads = 1;
  /// ACTOR_SCHEDULER: io (actors run on the I/O threads) | sharing | stealing (CAF's own
  /// scheduler with ACTOR_THREADS threads).
  std::string actor_scheduler = "io";
  /// ACTOR_THREADS: CAF worker threads, for the sharing and stealing schedulers only.
  int actor_threads = 2;
  /// debug | info | warn | error (log::parse_level reads it)
  std::string log_level = "info";
  /// LOG_FORMAT: text (one readable line per event) | json (one JSON object per line)
  std::string log_format = "text";
  /// The merged settings (env file overlaid by the process environment), keys upper-case.
  /// Provider keys are looked up here.
  env_map environment;
};

/// Builds the configuration from argv[1..] and the process environment (keys in any case).
/// Flags: --host H, --port P, --data-dir D, --env-file F, --allow-unauthenticated, each also as
/// --flag=value. GATEWAY_HOST / GATEWAY_PORT are equivalent to the flags (flags win). Bad input
/// gives errc::config_error naming the flag or key and the value.
gw::expected<gateway_config> load_config(const std::vector<std::string>& args,
                                         const env_map& process_env);

/// True when args ask for the usage text (--help or -h); check this before load_config.
bool wants_help(const std::vector<std::string>& args);

/// Rules between settings, e.g. a non-loopback host needs GATEWAY_API_KEYS, GATEWAY_ADMIN_KEY
/// or --allow-unauthenticated. nullopt = usable.
std::optional<gw::error> validate(const gateway_config& cfg);

/// True for "localhost", 127.0.0.0/8 and ::1 (also in brackets).
bool is_loopback_host(const std::string& host);

/// The --help text.
std::string usage_text();

} // namespace gw::config
