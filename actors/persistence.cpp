#include "actors/persistence.hpp"

#include "persistence/state_store.hpp"
#include "persistence/usage_aggregate.hpp"

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace gw::actors {

namespace {

using self_pointer = persistence_actor::stateful_pointer<persistence_state>;

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

template <class Map>
auto values_of(const Map& map) {
  std::vector<typename Map::mapped_type> out;
  out.reserve(map.size());
  for (const auto& entry : map) {
    out.push_back(entry.second);
  }
  return out;
}

/// Writes everything pending in one transaction and answers the waiting callers.
/// On failure the events are dropped (an unbounded backlog is worse than a gap in the log)
/// while the coalesced quota and health rows stay queued for the next batch: they are
/// bounded by the number of keys and routes, and a newer record replaces them anyway.
/// `observe`: the batch counts for the metrics (settings.on_batch); the final and the
/// explicit flush do not.
bool commit_pending(persistence::state_store& store, pending_writes& pending,
                    const persistence_settings& settings, bool observe) {
  bool ok = true;
  if (pending.size() > 0) {
    if (observe && settings.on_batch) {
      auto lag =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - pending.first_queued)
          .count();
      settings.on_batch(pending.size(), lag);
    }
    pending.first_queued = {};
    auto err =
      store.write_batch(values_of(pending.quotas), values_of(pending.health), pending.events);
    if (err) {
      ok = false;
      if (pending.failed_batches++ == 0) {
        settings.log.error("persistence: write_batch failed", {},
                           {{"error", gw::to_string(err->code)},
                            {"dropped_events", std::to_string(pending.events.size())},
                            {"message", err->message}});
      }
      pending.dropped_events += pending.events.size();
    } else {
      if (pending.failed_batches > 0) {
        settings.log.warn("persistence: writes succeed again", {},
                          {{"failed_batches", std::to_string(pending.failed_batches)},
                           {"dropped_events", std::to_string(pending.dropped_events)}});
        pending.failed_batches = 0;
        pending.dropped_events = 0;
      }
      pending.quotas.clear();
      pending.health.clear();
    }
    pending.events.clear();
  }
  auto waiting = std::move(pending.waiting);
  pending.waiting.clear();
  for (auto& promise : waiting) {
    promise.deliver(ok);
  }
  return ok;
}

void prune_old_events(persistence_state& st) {
  if (st.settings.event_retention_days <= 0) {
    return;
  }
  auto cutoff = now_ms() - int64_t{st.settings.event_retention_days} * 86'400'000;
  auto deleted = st.store->prune_events(cutoff);
  if (!deleted) {
    st.settings.log.error("persistence: prune failed", {}, {{"message", deleted.error().message}});
  }
}

/// Called after every queued record: commit at once when the batch is full, otherwise make
/// sure a tick follows the messages already in the mailbox (group commit).
void after_enqueue(self_pointer self) {
  auto& st = self->state;
  if (st.pending.first_queued == std::chrono::steady_clock::time_point{}) {
    st.pending.first_queued = std::chrono::steady_clock::now();
  }
  if (st.pending.size() >= st.settings.max_batch) {
    commit_pending(*st.store, st.pending, st.settings, true);
    return;
  }
  if (!st.commit_scheduled) {
    st.commit_scheduled = true;
    self->send(self, atom::tick_v);
  }
}

/// Ticks are interchangeable (see persistence_state::commit_scheduled): every tick commits;
/// the one not accounted for by a scheduled commit is the prune timer's and re-arms it.
void on_tick(self_pointer self) {
  auto& st = self->state;
  commit_pending(*st.store, st.pending, st.settings, true);
  if (st.commit_scheduled) {
    st.commit_scheduled = false;
    return;
  }
  if (st.settings.prune_interval.count() > 0) {
    prune_old_events(st);
    self->delayed_send(self, st.settings.prune_interval, atom::tick_v);
  }
}

} // namespace

persistence_state::~persistence_state() {
  if (store) {
    commit_pending(*store, pending, settings, false);
  }
}

persistence_actor::behavior_type persistence(self_pointer self,
                                             std::shared_ptr<persistence::state_store> store,
                                             const persistence_settings& settings) {
  auto& st = self->state;
  st.store = std::move(store);
  st.settings = settings;
  if (auto loaded = st.store->load_usage()) {
    for (auto& row : *loaded) {
      auto key = row.route_id;
      st.usage.emplace(std::move(key), std::move(row));
    }
  } else {
    settings.log.error("persistence: cannot load usage, starting from zero", {},
                       {{"message", loaded.error().message}});
  }
  if (settings.prune_interval.count() > 0) {
    prune_old_events(st);
    self->delayed_send(self, settings.prune_interval, atom::tick_v);
  }
  return {
    [self](atom::persist, quota_record& rec) {
      auto& pending = self->state.pending;
      auto promise = self->make_response_promise<bool>();
      pending.waiting.push_back(promise);
      auto key = rec.key;
      pending.quotas.insert_or_assign(std::move(key), std::move(rec));
      after_enqueue(self);
      return promise;
    },
    [self](atom::persist, health_record& rec) {
      auto key = rec.route_id;
      self->state.pending.health.insert_or_assign(std::move(key), std::move(rec));
      after_enqueue(self);
    },
    [self](atom::persist, usage_event& event) {
      persistence::apply_event(self->state.usage[event.route_id], event);
      self->state.pending.events.push_back(std::move(event));
      after_enqueue(self);
    },
    [self](atom::persist, std::vector<usage_event>& events) {
      auto& state = self->state;
      for (auto& event : events) {
        persistence::apply_event(state.usage[event.route_id], event);
        state.pending.events.push_back(std::move(event));
      }
      after_enqueue(self);
    },
    [self](atom::flush) {
      return commit_pending(*self->state.store, self->state.pending, self->state.settings, false);
    },
    [self](caf::get_atom, atom::usage) {
      usage_table table;
      table.reserve(self->state.usage.size());
      for (const auto& entry : self->state.usage) {
        table.push_back(entry.second);
      }
      return table;
    },
    [self](caf::get_atom, atom::usage, int64_t from_ms, int64_t to_ms,
           int64_t bucket_ms) -> caf::result<std::string> {
      // Commit first, so that the plots include the attempts of the last few milliseconds.
      commit_pending(*self->state.store, self->state.pending, self->state.settings, true);
      persistence::series_window window{from_ms, to_ms, bucket_ms};
      auto routes = self->state.store->load_usage_series(window);
      if (!routes) {
        return caf::make_error(caf::sec::runtime_error, routes.error().message);
      }
      return persistence::usage_series_json(window, *routes);
    },
    [self](atom::persist, const diagnosis_record& run) {
      if (auto err = self->state.store->save_diagnosis(run)) {
        self->state.settings.log.error("persistence: diagnosis report not saved", {},
                                       {{"message", err->message}});
        return false;
      }
      return true;
    },
    [self](atom::persist, const verdict_record& verdict) {
      if (auto err = self->state.store->save_verdict(verdict)) {
        self->state.settings.log.error("persistence: supervisor verdict not saved", {},
                                       {{"message", err->message}});
      }
    },
    [self](atom::tick) { on_tick(self); },
  };
}

persistence_actor spawn_persistence(caf::actor_system& sys,
                                    std::shared_ptr<persistence::state_store> store,
                                    persistence_settings settings, bool detached) {
  if (detached) {
    return sys.spawn<caf::detached>(persistence, std::move(store), settings);
  }
  return sys.spawn(persistence, std::move(store), settings);
}

} // namespace gw::actors
