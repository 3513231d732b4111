#include "actors/provider.hpp"

#include "actors/upstream_call.hpp"

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace gw::actors {

provider_actor::behavior_type provider(provider_actor::stateful_pointer<provider_state> self,
                                       std::shared_ptr<const catalog::provider_spec> spec,
                                       transport_ptr transport, metrics::provider_metrics series) {
  self->state.spec = std::move(spec);
  self->state.transport = std::move(transport);
  self->state.series = std::move(series);
  return {
    [self](atom::call, upstream::upstream_request& req) {
      auto& st = self->state;
      add_provider_headers(req, *st.spec, false);
      auto id = st.next_call_id++;
      auto promise = self->make_response_promise<upstream::upstream_result>();
      st.pending.emplace(id, promise);
      // The transport completes on an I/O thread; hop back into this actor's mailbox
      // instead of touching the promise from a foreign thread.
      auto me = provider_actor{self};
      st.transport->send(std::move(req), [me, id](upstream::upstream_result result) {
        caf::anon_send(me, atom::call_done_v, id, std::move(result));
      });
      return promise;
    },
    [self](atom::call_done, uint64_t id, upstream::upstream_result& result) {
      auto& pending = self->state.pending;
      self->state.series.observe_upstream_duration(
        std::chrono::duration<double>(result.elapsed).count());
      if (auto it = pending.find(id); it != pending.end()) {
        it->second.deliver(std::move(result));
        pending.erase(it);
      }
    },
  };
}

} // namespace gw::actors
