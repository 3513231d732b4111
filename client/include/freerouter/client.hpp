// The FreeRouter client: the gateway's chat waterfall from C++ code, in one of two modes behind
// one interface.
//
//   remote    HTTP to a running gateway (a keep-alive connection pool; API key as Bearer).
//   embedded  the gateway's actors in this process on a data dir: no HTTP server, no port, the
//             same guarantees (exact quotas, persisted state). A data dir that a running server
//             (or another embedded client) holds is refused with data_dir_locked.
//
// Every call blocks its calling thread until the answer is there and returns result<T>. One
// client may be called from many threads at once. Free of CAF, Beast and RapidJSON.
//
// Example (README.md, "From C++ and from the terminal", has complete programs):
//
//   auto c = freerouter::client::remote({"http://127.0.0.1:8000", api_key});
//   auto answer = c->ask("Say hi");
//   if (answer) std::cout << *answer;
//   else std::cerr << answer.error().code << ": " << answer.error().message;
#pragma once

#include "freerouter/result.hpp"
#include "freerouter/types.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace freerouter {

namespace detail {
class backend;
} // namespace detail

struct remote_options {
  /// The gateway's base URL (http:// or https://), without /v1.
  std::string url = "http://127.0.0.1:8000";
  /// Sent as `Authorization: Bearer <key>` when not empty (the server's GATEWAY_API_KEYS).
  std::string api_key;
  /// For mutating admin calls (start_diagnosis); empty = api_key (the server's
  /// GATEWAY_ADMIN_KEY).
  std::string admin_key;
  /// Bounds connecting, sending and every wait for bytes of one call.
  std::chrono::milliseconds timeout{180'000};
  /// Connections kept to the gateway at most; further calls wait for one.
  size_t max_connections = 64;
};

struct embedded_options {
  /// The gateway's data dir (catalog, providers.json, SQLite state), as `--data-dir`.
  std::string data_dir = "./data";
  /// An env file read like the server's `--env-file`; empty = `.env` in the current
  /// directory when there is one (as the server does).
  std::string env_file;
  /// Settings and provider keys (GROQ_API_KEY, REQUEST_DEADLINE_SECONDS, ...); they win over
  /// the process environment and the env file.
  std::map<std::string, std::string> environment;
  /// Read the process environment too (as the server does).
  bool use_process_environment = true;
};

class client {
public:
  /// Nothing is sent until the first call; fails only for a URL it cannot use.
  static result<client> remote(const remote_options& options);
  /// Starts the gateway's actors; fails with data_dir_locked or config_error.
  static result<client> embedded(const embedded_options& options);

  client(client&&) noexcept;
  client& operator=(client&&) noexcept;
  /// Embedded: writes every state and releases the data dir. Remote: closes the connections.
  /// No call may be running.
  ~client();

  /// "remote" or "embedded".
  std::string_view mode() const;

  /// One answer from the waterfall.
  result<chat_result> chat(const std::vector<message>& messages, const chat_params& params = {});

  /// The same, streamed: `on_event` sees the routing and the text as they happen (on this
  /// thread). The result holds the whole text and the answering route; `body` is empty.
  result<chat_result> chat_stream(const std::vector<message>& messages, const chat_params& params,
                                  const stream_callback& on_event);

  /// One user message, the assistant's text back.
  result<std::string> ask(std::string_view text, const chat_params& params = {});

  /// The catalog with each route's health, in rank order (disabled routes included).
  result<std::vector<model_info>> models();

  /// Every provider's quotas now.
  result<std::vector<provider_status>> status();

  /// Remote only: starts an endpoint diagnosis run; returns its run id.
  result<std::string> start_diagnosis();
  /// Remote only: whether a run is going on and the last report.
  result<diagnosis_state> diagnosis();

private:
  explicit client(std::unique_ptr<detail::backend> impl);

  std::unique_ptr<detail::backend> impl_;
};

/// The full result as one JSON object: {"content","provider","route_id","model_id","attempts",
/// "body"} with `body` the provider's JSON (null when empty).
std::string to_json(const chat_result& result);

} // namespace freerouter
