#include "core/config.hpp"

#include "core/log.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <limits>
#include <string_view>

#include <arpa/inet.h>
#include <netinet/in.h>

namespace gw::config {

namespace {

constexpr std::string_view whitespace = " \t\r\n";

std::string_view trim(std::string_view s) {
  auto first = s.find_first_not_of(whitespace);
  if (first == std::string_view::npos) {
    return {};
  }
  auto last = s.find_last_not_of(whitespace);
  return s.substr(first, last - first + 1);
}

std::string lower(std::string_view s) {
  std::string out{s};
  for (auto& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

gw::error bad_value(std::string_view key, std::string_view expectation, std::string_view value) {
  return gw::make_error(errc::config_error, std::string{key} + ": expected "
                                              + std::string{expectation} + ", got '"
                                              + std::string{value} + "'");
}

/// What to do with a value below the minimum: the reference clamps some settings silently.
enum class below_min { clamp, reject };

std::optional<int64_t> parse_int(std::string_view text) {
  int64_t out = 0;
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
  }
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return out;
}

std::optional<double> parse_double(std::string_view text) {
  double out = 0;
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
  }
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()
      || !std::isfinite(out)) {
    return std::nullopt;
  }
  return out;
}

std::optional<bool> parse_bool(std::string_view text) {
  auto v = lower(text);
  if (v == "true" || v == "1" || v == "yes" || v == "on") {
    return true;
  }
  if (v == "false" || v == "0" || v == "no" || v == "off") {
    return false;
  }
  return std::nullopt;
}

/// Reads typed settings from the merged map, keeping the first error. An absent or empty key
/// leaves the default in place.
class setting_reader {
public:
  explicit setting_reader(const env_map& env) : env_(env) {}

  std::optional<std::string_view> raw(const char* key) const {
    auto i = env_.find(key);
    if (i == env_.end()) {
      return std::nullopt;
    }
    auto v = trim(i->second);
    if (v.empty()) {
      return std::nullopt;
    }
    return v;
  }

  template <class T>
  void integer(const char* key, T& out, int64_t min, below_min rule,
               int64_t max = std::numeric_limits<T>::max()) {
    auto text = raw(key);
    if (!text || error_) {
      return;
    }
    auto v = parse_int(*text);
    if (!v) {
      return fail(bad_value(key, "an integer", *text));
    }
    if (*v > max) {
      return fail(bad_value(key, "an integer <= " + std::to_string(max), *text));
    }
    if (*v < min) {
      if (rule == below_min::reject) {
        return fail(bad_value(key, "an integer >= " + std::to_string(min), *text));
      }
      v = min;
    }
    out = static_cast<T>(*v);
  }

  /// `strict` = the minimum itself is not allowed (timeouts must be > 0).
  void number(const char* key, double& out, double min, bool strict, below_min rule) {
    auto text = raw(key);
    if (!text || error_) {
      return;
    }
    auto v = parse_double(*text);
    if (!v) {
      return fail(bad_value(key, "a number", *text));
    }
    if (*v < min || (strict && *v == min)) {
      if (rule == below_min::reject) {
        return fail(bad_value(
          key, std::string{"a number "} + (strict ? "> " : ">= ") + trimmed_number(min), *text));
      }
      *v = min;
    }
    out = *v;
  }

  void boolean(const char* key, bool& out) {
    auto text = raw(key);
    if (!text || error_) {
      return;
    }
    auto v = parse_bool(*text);
    if (!v) {
      return fail(bad_value(key, "a boolean (true/false/1/0/yes/no/on/off)", *text));
    }
    out = *v;
  }

  void text(const char* key, std::string& out) {
    if (auto v = raw(key)) {
      out = std::string{*v};
    }
  }

  void fail(gw::error err) {
    if (!error_) {
      error_ = std::move(err);
    }
  }

  const std::optional<gw::error>& error() const {
    return error_;
  }

private:
  static std::string trimmed_number(double v) {
    auto s = std::to_string(v);
    s.erase(s.find_last_not_of('0') + 1);
    if (s.back() == '.') {
      s.pop_back();
    }
    return s;
  }

  const env_map& env_;
  std::optional<gw::error> error_;
};

/// What the command line said; unset = not given.
struct cli_options {
  std::optional<std::string> host, port, data_dir, env_file;
  bool allow_unauthenticated = false;
};

gw::expected<cli_options> parse_args(const std::vector<std::string>& args) {
  cli_options cli;
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& arg = args[i];
    if (arg.rfind("--", 0) != 0) {
      return gw::make_error(errc::config_error, "unexpected argument: " + arg);
    }
    auto eq = arg.find('=');
    auto name = arg.substr(0, eq);
    std::optional<std::string> inline_value;
    if (eq != std::string::npos) {
      inline_value = arg.substr(eq + 1);
    }
    if (name == "--allow-unauthenticated") {
      if (inline_value) {
        return gw::make_error(errc::config_error, "option " + name + " takes no value");
      }
      cli.allow_unauthenticated = true;
      continue;
    }
    std::optional<std::string>* slot = nullptr;
    if (name == "--host") {
      slot = &cli.host;
    } else if (name == "--port") {
      slot = &cli.port;
    } else if (name == "--data-dir") {
      slot = &cli.data_dir;
    } else if (name == "--env-file") {
      slot = &cli.env_file;
    } else {
      return gw::make_error(errc::config_error, "unknown option: " + name);
    }
    if (!inline_value) {
      if (i + 1 == args.size()) {
        return gw::make_error(errc::config_error, "option " + name + " needs a value");
      }
      inline_value = args[++i];
    }
    if (trim(*inline_value).empty()) {
      return gw::make_error(errc::config_error, "option " + name + " needs a non-empty value");
    }
    *slot = std::string{trim(*inline_value)};
  }
  return cli;
}

std::vector<std::string> split_keys(std::string_view text) {
  std::vector<std::string> keys;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto item = trim(text.substr(0, comma));
    if (!item.empty()) {
      keys.emplace_back(item);
    }
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  return keys;
}

std::optional<std::string> normal_log_level(std::string_view text) {
  if (auto l = log::parse_level(trim(text))) {
    return std::string(log::to_string(*l));
  }
  return std::nullopt;
}

std::optional<std::string> normal_log_format(std::string_view text) {
  if (auto f = log::parse_format(trim(text))) {
    return std::string(log::to_string(*f));
  }
  return std::nullopt;
}

bool known_actor_scheduler(std::string_view name) {
  return name == "io" || name == "sharing" || name == "stealing";
}

std::string in_dir(const std::string& dir, const char* file) {
  return (std::filesystem::path{dir} / file).string();
}

void read_settings(setting_reader& r, gateway_config& c) {
  r.number("REQUEST_TIMEOUT_SECONDS", c.request_timeout_seconds, 0, true, below_min::reject);
  r.number("REQUEST_DEADLINE_SECONDS", c.request_deadline_seconds, 0, true, below_min::reject);
  r.integer("MAX_CONCURRENT_REQUESTS", c.max_concurrent_requests, 1, below_min::clamp);
  r.integer("MAX_UPSTREAM_CALLS_PER_REQUEST", c.max_upstream_calls_per_request, 1,
            below_min::clamp);
  r.number("REQUEST_QUEUE_TIMEOUT_SECONDS", c.request_queue_timeout_seconds, 0, false,
           below_min::clamp);
  r.integer("REQUEST_QUEUE_MAX_WAITING_REQUESTS", c.request_queue_max_waiting_requests, 0,
            below_min::clamp);
  r.boolean("STREAMING_RELEASE_SLOT_AFTER_ROUTE_SELECTED",
            c.streaming_release_slot_after_route_selected);
  r.integer("SQLITE_BUSY_TIMEOUT_MS", c.sqlite_busy_timeout_ms, 0, below_min::reject);
  r.integer("HTTP_MAX_CONNECTIONS", c.http_max_connections, 1, below_min::reject);
  r.integer("HTTP_MAX_KEEPALIVE_CONNECTIONS", c.http_max_keepalive_connections, 0,
            below_min::reject);
  r.number("HTTP_KEEPALIVE_EXPIRY_SECONDS", c.http_keepalive_expiry_seconds, 0, false,
           below_min::reject);
  r.number("SSE_CHUNK_REPLAY_SLEEP_SECONDS", c.sse_chunk_replay_sleep_seconds, 0, false,
           below_min::reject);
  // Unset stream timeouts follow the request timeout, so a .env written for the original
  // (which knows only REQUEST_TIMEOUT_SECONDS) still bounds a stalled stream.
  c.stream_first_token_timeout_seconds = c.request_timeout_seconds;
  c.stream_idle_timeout_seconds = c.request_timeout_seconds;
  r.number("STREAM_FIRST_TOKEN_TIMEOUT_SECONDS", c.stream_first_token_timeout_seconds, 0, true,
           below_min::reject);
  r.number("STREAM_IDLE_TIMEOUT_SECONDS", c.stream_idle_timeout_seconds, 0, true,
           below_min::reject);
  r.text("GATEWAY_MODEL_NAME", c.gateway_model_name);
  r.boolean("AUTO_ENDPOINT_DIAGNOSIS_ENABLED", c.auto_endpoint_diagnosis_enabled);
  r.boolean("AUTO_ENDPOINT_MAINTENANCE_ENABLED", c.auto_endpoint_maintenance_enabled);
  r.integer("AUTO_ENDPOINT_DIAGNOSIS_INTERVAL_SECONDS", c.auto_endpoint_diagnosis_interval_seconds,
            60, below_min::clamp);
  r.integer("AUTO_ENDPOINT_DIAGNOSIS_STARTUP_DELAY_SECONDS",
            c.auto_endpoint_diagnosis_startup_delay_seconds, 0, below_min::clamp);
  r.boolean("ENDPOINT_DIAGNOSIS_SUPERVISOR_ENABLED", c.endpoint_diagnosis_supervisor_enabled);
  r.text("ENDPOINT_DIAGNOSIS_SUPERVISOR_MODEL", c.endpoint_diagnosis_supervisor_model);
  r.integer("MAX_REQUEST_BODY_BYTES", c.max_request_body_bytes, 1, below_min::reject,
            std::numeric_limits<int64_t>::max());
  r.integer("MAX_UPSTREAM_RESPONSE_BYTES", c.max_upstream_response_bytes, 1024, below_min::reject,
            std::numeric_limits<int64_t>::max());
  r.integer("MAX_CLIENT_CONNECTIONS", c.max_client_connections, 1, below_min::reject);
  r.integer("CLIENT_READ_TIMEOUT_SECONDS", c.client_read_timeout_seconds, 1, below_min::reject);
  r.integer("CLIENT_WRITE_TIMEOUT_SECONDS", c.client_write_timeout_seconds, 1, below_min::reject);
  r.integer("EVENT_RETENTION_DAYS", c.event_retention_days, 1, below_min::reject);
  if (auto keys = r.raw("GATEWAY_API_KEYS")) {
    c.gateway_api_keys = split_keys(*keys);
  }
  r.text("GATEWAY_ADMIN_KEY", c.gateway_admin_key);
  r.text("UPSTREAM_CA_FILE", c.upstream_ca_file);
  r.integer("IO_THREADS", c.io_threads, 1, below_min::reject, 256);
  r.integer("ACTOR_THREADS", c.actor_threads, 1, below_min::reject, 256);
  if (auto level = r.raw("LOG_LEVEL")) {
    if (auto v = normal_log_level(*level)) {
      c.log_level = *v;
    } else {
      r.fail(bad_value("LOG_LEVEL", "one of debug, info, warn, error", *level));
    }
  }
  if (auto format = r.raw("LOG_FORMAT")) {
    if (auto v = normal_log_format(*format)) {
      c.log_format = *v;
    } else {
      r.fail(bad_value("LOG_FORMAT", "one of text, json", *format));
    }
  }
  if (auto scheduler = r.raw("ACTOR_SCHEDULER")) {
    auto name = std::string(trim(*scheduler));
    if (known_actor_scheduler(name)) {
      c.actor_scheduler = name;
    } else {
      r.fail(bad_value("ACTOR_SCHEDULER", "one of io, sharing, stealing", *scheduler));
    }
  }
  r.text("DATABASE_PATH", c.database_path);
  r.text("MODEL_CATALOG_PATH", c.model_catalog_path);
  if (auto path = r.raw("PROVIDERS_PATH")) {
    c.providers_path = std::string{*path};
    c.providers_path_explicit = true;
  }
}

} // namespace

bool wants_help(const std::vector<std::string>& args) {
  for (const auto& arg : args) {
    if (arg == "--help" || arg == "-h") {
      return true;
    }
  }
  return false;
}

gw::expected<gateway_config> load_config(const std::vector<std::string>& args,
                                         const env_map& process_env) {
  auto cli = parse_args(args);
  if (!cli) {
    return cli.error();
  }
  gateway_config cfg;
  // The env file is optional unless named explicitly: a typo in --env-file must not silently
  // start a gateway without its keys.
  if (cli->env_file) {
    cfg.env_file = *cli->env_file;
  }
  auto file = read_env_file(cfg.env_file);
  if (file) {
    cfg.environment = std::move(*file);
  } else if (file.error().code != errc::not_found || cli->env_file) {
    auto err = file.error();
    err.code = errc::config_error;
    if (file.error().code == errc::not_found) {
      err.message = "--env-file " + cfg.env_file + ": no such file";
    }
    return err;
  }
  for (const auto& [key, value] : process_env) {
    cfg.environment[upper_key(key)] = value;
  }
  setting_reader reader{cfg.environment};
  reader.text("GATEWAY_HOST", cfg.host);
  reader.integer("GATEWAY_PORT", cfg.port, 0, below_min::reject);
  read_settings(reader, cfg);
  if (reader.error()) {
    return *reader.error();
  }
  if (cli->host) {
    cfg.host = *cli->host;
  }
  if (cli->port) {
    auto port = parse_int(*cli->port);
    if (!port || *port < 0 || *port > 65535) {
      return bad_value("--port", "an integer in 0..65535", *cli->port);
    }
    cfg.port = static_cast<uint16_t>(*port);
  }
  if (cli->data_dir) {
    cfg.data_dir = *cli->data_dir;
  }
  cfg.allow_unauthenticated = cli->allow_unauthenticated;
  if (cfg.database_path.empty()) {
    cfg.database_path = in_dir(cfg.data_dir, "gateway.sqlite3");
  }
  if (cfg.model_catalog_path.empty()) {
    cfg.model_catalog_path = in_dir(cfg.data_dir, "model_catalog.json");
  }
  if (cfg.providers_path.empty()) {
    cfg.providers_path = in_dir(cfg.data_dir, "providers.json");
  }
  return cfg;
}

bool is_loopback_host(const std::string& host) {
  auto h = lower(host);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') {
    h = h.substr(1, h.size() - 2);
  }
  if (h == "localhost" || h == "localhost.") {
    return true;
  }
  in_addr v4{};
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, h.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) {
      return true;
    }
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

std::optional<gw::error> validate(const gateway_config& cfg) {
  auto fail = [](std::string message) {
    return std::optional<gw::error>{gw::make_error(errc::config_error, std::move(message))};
  };
  if (cfg.host.empty()) {
    return fail("GATEWAY_HOST: must not be empty");
  }
  if (cfg.max_concurrent_requests < 1) {
    return fail("MAX_CONCURRENT_REQUESTS: must be at least 1");
  }
  if (cfg.io_threads < 1 || cfg.actor_threads < 1) {
    return fail("IO_THREADS / ACTOR_THREADS: must be at least 1");
  }
  if (!known_actor_scheduler(cfg.actor_scheduler)) {
    return fail("ACTOR_SCHEDULER: expected one of io, sharing, stealing, got '"
                + cfg.actor_scheduler + "'");
  }
  if (!normal_log_level(cfg.log_level)) {
    return fail("LOG_LEVEL: expected one of debug, info, warn, error, got '" + cfg.log_level + "'");
  }
  if (!normal_log_format(cfg.log_format)) {
    return fail("LOG_FORMAT: expected one of text, json, got '" + cfg.log_format + "'");
  }
  if (!cfg.upstream_ca_file.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(cfg.upstream_ca_file, ec)) {
      return fail("UPSTREAM_CA_FILE: no such file '" + cfg.upstream_ca_file + "'");
    }
  }
  bool has_auth = !cfg.gateway_api_keys.empty() || !cfg.gateway_admin_key.empty();
  if (!is_loopback_host(cfg.host) && !has_auth && !cfg.allow_unauthenticated) {
    return fail("refusing to listen on non-loopback host '" + cfg.host
                + "' without authentication: set GATEWAY_API_KEYS or GATEWAY_ADMIN_KEY, or pass "
                  "--allow-unauthenticated");
  }
  return std::nullopt;
}

std::string usage_text() {
  return R"(Usage: freerouter [options]

A local OpenAI-compatible gateway that routes chat completions over free-tier providers.

Options:
  --host H                 address to listen on (default 127.0.0.1; env GATEWAY_HOST)
  --port P                 port to listen on, 0 = any free port (default 8000; env GATEWAY_PORT)
  --data-dir D             directory for gateway.sqlite3, model_catalog.json, providers.json
                           (default ./data)
  --env-file F             settings file (default .env; a missing default file is fine)
  --allow-unauthenticated  allow a non-loopback host without GATEWAY_API_KEYS/GATEWAY_ADMIN_KEY
  -h, --help               show this text

Every option also accepts the --option=value form. Settings come from the process environment,
then the env file (the environment wins); names are case-insensitive. Main keys:
  CEREBRAS_API_KEY GROQ_API_KEY GEMINI_API_KEY NVIDIA_API_KEY OPENROUTER_API_KEY
  <PROVIDER>_BASE_URL  DATABASE_PATH  MODEL_CATALOG_PATH  PROVIDERS_PATH
  MAX_CONCURRENT_REQUESTS  REQUEST_QUEUE_TIMEOUT_SECONDS  REQUEST_QUEUE_MAX_WAITING_REQUESTS
  REQUEST_TIMEOUT_SECONDS  REQUEST_DEADLINE_SECONDS  MAX_UPSTREAM_CALLS_PER_REQUEST
  MAX_REQUEST_BODY_BYTES  MAX_UPSTREAM_RESPONSE_BYTES  MAX_CLIENT_CONNECTIONS  CLIENT_READ_TIMEOUT_SECONDS
  CLIENT_WRITE_TIMEOUT_SECONDS  EVENT_RETENTION_DAYS
  AUTO_ENDPOINT_DIAGNOSIS_ENABLED  AUTO_ENDPOINT_MAINTENANCE_ENABLED
  GATEWAY_API_KEYS (comma-separated)  GATEWAY_ADMIN_KEY  LOG_LEVEL (debug|info|warn|error)
  LOG_FORMAT (text|json)  SSE_CHUNK_REPLAY_SLEEP_SECONDS
  IO_THREADS (1)  ACTOR_SCHEDULER (io|sharing|stealing)  ACTOR_THREADS (2, sharing/stealing)
)";
}

} // namespace gw::config
