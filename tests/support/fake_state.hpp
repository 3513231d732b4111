// What the fake provider has seen: counters and the last requests per URL prefix, served as
// JSON by /_fake/stats and /_fake/requests. Shared by all io threads (one mutex).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gw::fake {

struct logged_request {
  std::string method;
  std::string target;
  /// Header names lower-cased.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

class fake_state {
public:
  /// Requests kept per prefix for /_fake/requests.
  static constexpr size_t log_depth = 50;

  /// Counts a provider request when it arrives (before any delay). `model` may be empty
  /// (model listings). Returns a sequence number for response ids.
  uint64_t count_request(const std::string& prefix, const std::string& model, logged_request req);

  void connection_opened();
  void connection_closed();

  /// {"total","by_prefix","by_model","connections" (accepted since reset),"open_connections"}
  std::string stats_json() const;
  /// {"requests":[{"method","target","headers":{},"body":<JSON or string>}]}, oldest first;
  /// all prefixes when `prefix` is empty.
  std::string requests_json(std::optional<std::string> prefix) const;
  /// Clears counters and logs (open_connections stays: those sockets still exist).
  void reset();

  /// What `GET <prefix>/models` answers from now on (tests change a provider's catalog
  /// between diagnosis runs); kept across reset().
  struct listing {
    int status = 200;
    std::string body;
    /// Answered this long after the request arrived.
    int64_t delay_ms = 0;
  };
  void set_listing(const std::string& prefix, listing answer);
  /// The listing set for `prefix`, if any.
  std::optional<listing> listing_for(const std::string& prefix) const;

private:
  mutable std::mutex mutex_;
  uint64_t sequence_ = 0;
  uint64_t total_ = 0;
  uint64_t connections_ = 0;
  int64_t open_connections_ = 0;
  std::map<std::string, uint64_t> by_prefix_;
  std::map<std::string, uint64_t> by_model_;
  std::map<std::string, std::deque<logged_request>> log_;
  std::map<std::string, listing> listings_;
};

} // namespace gw::fake
