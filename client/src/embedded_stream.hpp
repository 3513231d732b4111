// The byte path of one streamed chat in embedded mode (actors::stream_sink): the router picks
// the routes, this pulls the chosen upstream's SSE body on the I/O side, applies the gateway's
// first-byte commit rule (openai::classify_chunk) and turns what it reads into stream-route
// events for the caller's thread (event_channel). It reports each attempt's end to the router
// like the server's relay (http/server/stream_relay.cpp), whose rules it follows for the
// stream-route protocol: route_selected on commit, content per chunk, usage and done at the
// end, an error event (stream_interrupted) when the upstream breaks after commit.
#pragma once

#include "actors/stream_sink.hpp"
#include "client/src/event_channel.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>

namespace gw::upstream {
class upstream_stream;
} // namespace gw::upstream

namespace freerouter::detail {

struct attempt_parse;

class embedded_stream final : public gw::actors::stream_sink,
                              public std::enable_shared_from_this<embedded_stream> {
public:
  using attempt_end_handler = std::function<void(size_t index, gw::actors::stream_outcome)>;

  embedded_stream(std::shared_ptr<event_channel> channel,
                  std::chrono::milliseconds first_token_timeout);
  ~embedded_stream() override;
  embedded_stream(const embedded_stream&) = delete;
  embedded_stream& operator=(const embedded_stream&) = delete;

  /// Sends stream_done to the router (set once the job exists).
  void set_attempt_end_handler(attempt_end_handler handler);

  // -- actors::stream_sink ----------------------------------------------------------------
  void begin_attempt(size_t index, gw::catalog::route_ref route, int upstream_calls) override;
  void on_head(const gw::upstream::upstream_result& head,
               std::shared_ptr<gw::upstream::upstream_stream> body) override;
  void route_event(std::string_view type, const gw::catalog::route_ref& route,
                   std::string_view reason) override;

  /// The caller stopped listening: cancel the body; the attempt ends as client_gone.
  void abandon();

private:
  void read_next();
  void on_data(std::string_view data, bool done, gw::upstream::transport_failure failure);
  void handle_event(const std::string& data);
  void fail_before_commit(gw::catalog::outcome_kind kind, std::string reason);
  void interrupt(gw::catalog::outcome_kind kind, const std::string& message);
  void finish_success();
  void end_attempt(gw::actors::stream_outcome outcome);
  gw::actors::stream_outcome gone_outcome() const;

  std::shared_ptr<event_channel> channel_;
  std::chrono::milliseconds first_token_timeout_;
  attempt_end_handler on_attempt_end_;
  /// Recursive: a transport may complete a read synchronously inside read_next().
  std::recursive_mutex mutex_;

  size_t index_ = 0;
  gw::catalog::route_ref route_;
  std::chrono::steady_clock::time_point attempt_started_;
  std::shared_ptr<gw::upstream::upstream_stream> body_;
  std::unique_ptr<attempt_parse> parse_;
  bool attempt_open_ = false;
  bool read_pending_ = false;
  bool committed_ = false;
  bool gone_ = false;
};

} // namespace freerouter::detail
