// The values the FreeRouter client sends and receives. Plain structs, standard library only.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace freerouter {

/// One chat message; `content` is plain text.
struct message {
  std::string role;
  std::string content;
};

/// What the request asks besides the messages.
struct chat_params {
  /// "auto" (the whole waterfall), or a route id / provider model id tried first.
  std::string model = "auto";
  std::optional<double> temperature;
  std::optional<int64_t> max_tokens;
  /// A JSON object whose members are added to the request body as they are, e.g.
  /// `{"top_p":0.9,"stop":["\n"]}`. Empty = none. Not an object = invalid_request.
  std::string extra_json;
};

/// A chat answer and where it came from.
struct chat_result {
  /// The assistant's text (choices[0].message.content; streams: every delta joined).
  std::string content;
  /// The provider's JSON body as the gateway returned it (empty for streams).
  std::string body;
  std::string provider;
  std::string route_id;
  /// The route's provider model id.
  std::string model_id;
  /// Upstream calls made, the answering one included (X-Gateway-Attempts).
  int attempts = 0;
};

/// One step of a streamed answer, in the order the gateway produced it.
enum class event_kind {
  /// A route was skipped (reason: missing_api_key, rpm_limit, route_rate_limited, ...).
  route_skip,
  /// A route is being called.
  route_trying,
  /// A called route failed before it sent any text; the next one is tried.
  route_fail,
  /// A route's health was flagged (rate_limited, too_slow, ...).
  route_flagged,
  /// A route sent its first text: it is the one answering.
  route_selected,
  /// A piece of the answer (`text`).
  content,
  /// Token usage reported by the provider (`prompt_tokens`...).
  usage,
  /// The end: `text` holds the whole answer.
  done,
};

/// "route_skip", "content", ... (the gateway's event type names).
const char* to_string(event_kind kind);

struct stream_event {
  event_kind kind = event_kind::content;
  std::string provider;
  std::string route_id;
  std::string model_id;
  /// route_skip / route_fail / route_flagged: why.
  std::string reason;
  /// content: the delta; done: the whole answer.
  std::string text;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t total_tokens = 0;
};

/// Called on the thread that called chat_stream(), once per event, in order.
using stream_callback = std::function<void(const stream_event&)>;

/// A catalog route with its health (models()).
struct model_info {
  std::string route_id;
  std::string provider;
  std::string model_id;
  std::string display_name;
  /// Lower is tried first.
  int64_t rank = 0;
  bool enabled = true;
  int64_t context_window = 0;
  std::vector<std::string> tags;
  /// active, rate_limited, too_slow, potentially_outdated, ...
  std::string health = "active";
  std::string health_reason;
};

/// A limit and how much of it is used; `limit` empty = unlimited.
struct quota_use {
  int64_t used = 0;
  std::optional<int64_t> limit;
};

/// One provider account's quotas now (status()).
struct provider_status {
  std::string name;
  /// Its API key variable is set.
  bool configured = false;
  /// A request would be granted now (ignoring `configured`).
  bool available = true;
  std::string unavailable_reason;
  /// When it is unavailable: seconds until it frees up, if known.
  std::optional<int64_t> retry_after_seconds;
  quota_use requests_minute;
  quota_use requests_day;
  quota_use tokens_minute;
  quota_use tokens_day;
  /// Seconds until the day window resets (midnight of day_reset_timezone); empty = unknown.
  std::optional<int64_t> seconds_until_day_reset;
  std::string day_reset_timezone;
  /// Epoch seconds; 0 = no cooldown.
  int64_t cooldown_until = 0;
  bool key_failing = false;
  /// Catalog routes of this provider.
  int route_count = 0;
};

/// One provider's line of a diagnosis report.
struct diagnosis_provider {
  std::string provider;
  bool configured = false;
  bool ok = false;
  int64_t discovered_models = 0;
  int64_t new_routes = 0;
  int64_t confirmed_routes = 0;
  int64_t stale_routes = 0;
  int64_t recovered_routes = 0;
  std::string error;
};

/// A change the diagnosis proposes for the catalog.
struct diagnosis_suggestion {
  std::string id;
  /// add_route, remove_route, clear_stale, ...
  std::string action;
  std::string provider;
  std::string model_id;
  std::string route_id;
  std::string title;
  std::string details;
};

struct diagnosis_report {
  std::string run_id;
  std::string started_at;
  std::string checked_at;
  std::vector<diagnosis_provider> providers;
  std::vector<diagnosis_suggestion> suggestions;
};

/// GET /v1/gateway/endpoint-diagnosis.
struct diagnosis_state {
  bool enabled = false;
  bool running = false;
  /// The run in progress, else the last one.
  std::string run_id;
  std::optional<diagnosis_report> last_report;
};

} // namespace freerouter
