// GET /v1/gateway/usage/series: per-route requests, failures and tokens over time for the
// /status plots, from the persistence actor's per-minute aggregates (bounded: see
// usage_series.hpp).
#include "actors/protocol.hpp"
#include "http/server/handlers/handlers.hpp"
#include "persistence/usage_series.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include <charconv>
#include <chrono>
#include <string_view>

namespace gw::server {

namespace {

/// The integer value of `key` in a query string ("hours=24&bucket_minutes=10"), or `fallback`.
int64_t query_int(std::string_view query, std::string_view key, int64_t fallback) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos || pair.substr(0, eq) != key) {
      continue;
    }
    auto value = pair.substr(eq + 1);
    int64_t out = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
    if (ec == std::errc{} && end == value.data() + value.size()) {
      return out;
    }
  }
  return fallback;
}

} // namespace

void handle_usage_series(const gateway_context& ctx, server_request& req, const exchange_ptr& ex,
                         const path_params&) {
  auto store = caf::actor_cast<actors::persistence_actor>(ctx.persistence.lock());
  if (!store) {
    ex->respond(error_response(503, "Usage history is not available", "server_error",
                               "persistence_unavailable"));
    return;
  }
  using namespace std::chrono;
  auto now_ms = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  auto window = persistence::make_series_window(now_ms, query_int(req.query, "hours", 24),
                                                query_int(req.query, "bucket_minutes", 10));
  auto bridge = [](caf::event_based_actor* self, const actors::router_actor& router,
                   const actors::persistence_actor& persistence, const exchange_ptr& client,
                   int64_t from_ms, int64_t to_ms, int64_t bucket_ms) {
    auto query = [self, persistence, client, from_ms, to_ms, bucket_ms] {
      self
        ->request(persistence, seconds(10), caf::get_atom_v, atom::usage_v, from_ms, to_ms,
                  bucket_ms)
        .then([client](std::string& body) { client->respond(json_response(200, std::move(body))); },
              [client](caf::error& err) {
                client->respond(error_response(503, "Usage history query failed: " + to_string(err),
                                               "server_error", "persistence_unavailable"));
              });
    };
    // The router batches finished attempts (usage_batch_delay): have it hand them over and
    // the store commit them first, so that the series include every request answered so far.
    self->request(router, seconds(10), atom::flush_v)
      .then([query](bool) { query(); }, [query](caf::error&) { query(); });
  };
  ctx.system->spawn(bridge, ctx.router, store, ex, window.from_ms, window.to_ms, window.bucket_ms);
}

} // namespace gw::server
