#include "actors/router.hpp"

#include "actors/route.hpp"
#include "actors/router_internal.hpp"
#include "metrics/gateway_metrics.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace gw::actors {

namespace detail {

namespace {

void spawn_route(router_ptr self, const catalog::route& r) {
  auto& st = self->state;
  auto& wiring = st.wiring;
  route_wiring rw;
  if (auto it = wiring.specs.find(r.provider_name); it != wiring.specs.end()) {
    rw.spec = it->second;
  }
  if (auto it = wiring.buckets.find(r.provider_name); it != wiring.buckets.end()) {
    rw.bucket = it->second;
  }
  rw.persistence = wiring.persistence;
  rw.now = wiring.now;
  rw.metrics = wiring.metrics;
  rw.listener = caf::actor_cast<snapshot_listener_actor>(self);
  if (auto it = wiring.restored_health.find(r.route_id); it != wiring.restored_health.end()) {
    // A restored record only applies to the same provider model (ids can be reused).
    if (it->second.provider_name == r.provider_name && it->second.model_id == r.model_id) {
      rw.restored = it->second;
    }
    wiring.restored_health.erase(it);
  }
  route_view view;
  view.entry = r;
  view.handle = self->spawn<caf::linked>(route, r, std::move(rw));
  st.routes[r.route_id] = std::move(view);
}

/// One view per configured provider; its bucket starts pushing snapshots.
void watch_providers(router_ptr self) {
  auto& st = self->state;
  for (const auto& [name, spec] : st.wiring.specs) {
    provider_view view;
    view.spec = spec;
    view.json_headers = render_provider_headers(*spec, false);
    view.stream_headers = render_provider_headers(*spec, true);
    if (auto it = st.wiring.transports.find(name); it != st.wiring.transports.end()) {
      view.transport = it->second;
    }
    auto link = std::make_shared<provider_link>();
    if (auto it = st.wiring.series.find(name); it != st.wiring.series.end()) {
      link->series = it->second;
    }
    link->now = st.wiring.now;
    link->redact = st.settings.redact;
    view.link = std::move(link);
    if (auto it = st.wiring.buckets.find(name); it != st.wiring.buckets.end()) {
      view.bucket = it->second;
      self->send(view.bucket, atom::watch_v, caf::actor_cast<snapshot_listener_actor>(self));
    }
    st.providers.emplace(name, std::move(view));
  }
}

model_list enabled_models(const router_state& st) {
  model_list list;
  list.alias = st.settings.alias;
  for (const auto& r : st.catalog->all()) {
    if (r.enabled) {
      list.routes.push_back({r.route_id, r.provider_name, r.model_id});
    }
  }
  return list;
}

} // namespace

void sync_routes(router_ptr self) {
  auto& st = self->state;
  std::unordered_map<std::string, route_view> kept;
  for (const auto& r : st.catalog->all()) {
    auto it = st.routes.find(r.route_id);
    if (it != st.routes.end() && it->second.entry.provider_name != r.provider_name) {
      // Same id, another provider: a different route (spec, bucket, health). Start afresh.
      self->send_exit(it->second.handle, caf::exit_reason::user_shutdown);
      st.routes.erase(it);
      it = st.routes.end();
    }
    if (it == st.routes.end()) {
      spawn_route(self, r);
      kept[r.route_id] = std::move(st.routes[r.route_id]);
      continue;
    }
    self->send(it->second.handle, atom::update_v, r);
    it->second.entry = r;
    kept[r.route_id] = std::move(it->second);
  }
  for (auto& [id, view] : st.routes) {
    if (view.handle && kept.count(id) == 0) {
      self->send_exit(view.handle, caf::exit_reason::user_shutdown);
      if (auto* m = st.wiring.metrics) {
        // Removed routes drop their health gauges; their counters are history and stay.
        m->forget_route(view.entry.provider_name, id);
      }
    }
  }
  st.routes = std::move(kept);
}

} // namespace detail

using namespace detail;

router_actor::behavior_type router(router_actor::stateful_pointer<router_state> self,
                                   catalog::model_catalog catalog, router_wiring wiring,
                                   router_settings settings) {
  auto& st = self->state;
  st.catalog = std::make_unique<catalog::model_catalog>(std::move(catalog));
  st.wiring = std::move(wiring);
  st.settings = std::move(settings);
  if (st.wiring.metrics != nullptr) {
    st.counters = metrics::waterfall_metrics(*st.wiring.metrics);
  }
  watch_providers(self);
  for (const auto& r : st.catalog->all()) {
    spawn_route(self, r);
  }
  return {
    [self](atom::health, route_snapshot& snap) {
      auto it = self->state.routes.find(snap.route_id);
      // A route replaced by a catalog edit may still have a snapshot under way: only the
      // current actor of that id speaks for it.
      if (it == self->state.routes.end() || self->current_sender() != it->second.handle.address()) {
        return;
      }
      auto& view = it->second;
      view.health = std::move(snap.health);
      view.applied = snap.applied;
      view.known = true;
    },
    [self](atom::quota, bucket_snapshot& snap) {
      auto it = self->state.providers.find(snap.provider_name);
      if (it != self->state.providers.end()) {
        it->second.snapshot = std::move(snap);
        it->second.known = true;
      }
    },
    [self](atom::dispatch, chat_job_ptr& job) { run_waterfall(self, job); },
    [self](atom::call_done, chat_job_ptr& job, uint64_t index, call_settlement& settlement) {
      if (index < job->candidates.size()) {
        on_call_done(self, job, static_cast<size_t>(index), settlement);
      }
    },
    [self](atom::stream_done, chat_job_ptr& job, uint64_t index, stream_outcome& outcome) {
      self->state.active_streams.erase(job.get());
      if (index < job->candidates.size()) {
        on_stream_done(self, job, static_cast<size_t>(index), outcome);
      }
    },
    [self](atom::tick) { flush_usage(self); },
    [self](atom::flush) -> caf::result<bool> {
      flush_usage(self);
      auto& persistence = self->state.wiring.persistence;
      if (!persistence) {
        return true;
      }
      return self->delegate(persistence, atom::flush_v);
    },
    [self](atom::list_models) { return enabled_models(self->state); },
    [self](atom::catalog) { return current_catalog(self); },
    [self](atom::replace, const std::string& body) { return replace_catalog(self, body); },
    [self](atom::reset) { return reset_catalog(self); },
    [self](atom::auto_rank) { return auto_rank_catalog(self); },
    [self](atom::enable, const std::string& route_id, bool enabled) {
      return set_route_enabled(self, route_id, enabled);
    },
    [self](atom::clear, atom::health, const std::string& route_id) {
      return reset_route_health(self, route_id);
    },
    [self](atom::providers) { return providers_status(self); },
    [self](atom::summary) { return summarize_routes(self); },
    [self](atom::catalog, atom::health) { return catalog_with_health(self); },
    [self](atom::apply, catalog_edit& edit) { return apply_catalog_edit(self, edit); },
  };
}

} // namespace gw::actors
