#include "http/server/live_feed.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/atom.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <string>
#include <utility>

namespace gw::server {

namespace {

using namespace std::chrono;

// Private to the feed: nobody else sends these.
using feed_wake_atom = caf::atom_constant<caf::atom("lf_wake")>;
using feed_sent_atom = caf::atom_constant<caf::atom("lf_sent")>;
using feed_beat_atom = caf::atom_constant<caf::atom("lf_beat")>;
using feed_gone_atom = caf::atom_constant<caf::atom("lf_gone")>;

constexpr std::string_view heartbeat_chunk = ": heartbeat\n\n";

/// Delivers `xs...` to the feed if it still runs. Callbacks that outlive the feed (a ring
/// notify racing with unsubscribe, a write completing after the actor quit) hold only this
/// weak handle, so they neither keep the actor alive nor form a reference cycle with it.
template <class... Ts>
void tell(const caf::weak_actor_ptr& weak, Ts&&... xs) {
  if (auto strong = weak.lock()) {
    caf::anon_send(caf::actor_cast<caf::actor>(strong), std::forward<Ts>(xs)...);
  }
}

struct feed_state {
  std::shared_ptr<openai::live_ring> ring;
  openai::live_ring::subscriber_ptr subscription;
  exchange_ptr ex;
  live_feed_options options;
  caf::weak_actor_ptr weak_self;
  /// A chunk is with the exchange and not yet confirmed.
  bool writing = false;
  /// The response was ended (or the client is gone); nothing more is written.
  bool ended = false;
  steady_clock::time_point write_started;
  /// When output was last confirmed (or the feed started): the heartbeat's idle clock.
  steady_clock::time_point last_output;

  static inline const char* const name = "live_feed";

  ~feed_state() {
    // Runs however the actor terminates (quit, exit message, system shutdown).
    if (ring && subscription) {
      ring->unsubscribe(subscription);
    }
    if (ex && !ended) {
      ex->end_stream(true);
    }
  }
};

using feed_actor = caf::stateful_actor<feed_state>;

void write(feed_actor* self, std::string chunk) {
  auto& st = self->state;
  st.writing = true;
  st.write_started = steady_clock::now();
  st.ex->write_chunk(std::move(chunk),
                     [weak = st.weak_self](bool ok) { tell(weak, feed_sent_atom::value, ok); });
}

/// Hands the waiting events (at most max_batch) to the exchange as one chunk.
void pump(feed_actor* self) {
  auto& st = self->state;
  if (st.writing || st.ended) {
    return;
  }
  std::string chunk;
  for (size_t n = 0; n < st.options.max_batch; ++n) {
    auto event = st.subscription->pop();
    if (!event) {
      break;
    }
    chunk.append("data: ");
    chunk.append(openai::live_event_json(*event));
    chunk.append("\n\n");
  }
  if (!chunk.empty()) {
    write(self, std::move(chunk));
  }
}

/// Ends the response (complete, or cut when `abort`) and terminates the actor.
void finish(feed_actor* self, bool abort) {
  auto& st = self->state;
  if (!st.ended) {
    st.ended = true;
    st.ex->end_stream(abort);
  }
  self->quit();
}

void schedule_beat(feed_actor* self, steady_clock::duration delay) {
  self->delayed_send(self, duration_cast<milliseconds>(delay) + milliseconds(1),
                     feed_beat_atom::value);
}

caf::behavior live_feed(feed_actor* self, std::shared_ptr<openai::live_ring> ring, exchange_ptr ex,
                        live_feed_options options, const caf::actor& watch) {
  auto& st = self->state;
  st.ring = std::move(ring);
  st.ex = std::move(ex);
  st.options = options;
  st.weak_self = caf::actor_cast<caf::weak_actor_ptr>(self);
  st.last_output = steady_clock::now();

  st.ex->start_stream(200, "text/event-stream",
                      {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}});
  st.subscription =
    st.ring->subscribe([weak = st.weak_self] { tell(weak, feed_wake_atom::value); });
  st.ex->on_client_gone([weak = st.weak_self] { tell(weak, feed_gone_atom::value); });
  if (watch) {
    // The router terminates first during shutdown; the feed must not outlive it, or
    // ~actor_system would wait for a feed whose io_context no longer runs.
    self->monitor(watch);
    self->set_down_handler([self](caf::down_msg&) { finish(self, false); });
  }
  schedule_beat(self, options.heartbeat);

  return {
    [self](feed_wake_atom) {
      if (self->state.subscription->closed()) {
        // Shutdown: what was queued is dropped, the response ends complete.
        finish(self, false);
        return;
      }
      pump(self);
    },
    [self](feed_sent_atom, bool ok) {
      auto& s = self->state;
      s.writing = false;
      if (!ok) {
        // The client is gone or stopped reading for the server's write timeout.
        s.ended = true;
        self->quit();
        return;
      }
      s.last_output = steady_clock::now();
      pump(self);
    },
    [self](feed_beat_atom) {
      auto& s = self->state;
      if (s.ended) {
        return;
      }
      auto now = steady_clock::now();
      if (s.writing) {
        if (now - s.write_started >= s.options.stalled_write_limit) {
          finish(self, true);
          return;
        }
        schedule_beat(self, s.options.heartbeat);
        return;
      }
      auto idle = now - s.last_output;
      if (idle < s.options.heartbeat) {
        schedule_beat(self, s.options.heartbeat - idle);
        return;
      }
      write(self, std::string(heartbeat_chunk));
      schedule_beat(self, s.options.heartbeat);
    },
    [self](feed_gone_atom) { finish(self, true); },
  };
}

} // namespace

void start_live_feed(const gateway_context& ctx, const exchange_ptr& ex,
                     live_feed_options options) {
  caf::actor watch;
  if (ctx.router) {
    watch = caf::actor_cast<caf::actor>(ctx.router);
  }
  ctx.system->spawn(live_feed, ctx.live, ex, options, std::move(watch));
}

} // namespace gw::server
