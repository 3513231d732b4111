// The router's admin and status messages: catalog edits (saved atomically, applied to the
// next request without a restart) and views assembled from route, bucket and persistence
// actors by fan-out requests. The views are plain values: http/server renders them, on the
// caller's thread, so a large status page costs the router only the copy.
#include "actors/route.hpp"
#include "actors/router_internal.hpp"
#include "catalog/catalog_json.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <set>

namespace gw::actors::detail {

namespace {

constexpr auto fan_out_timeout = std::chrono::seconds(10);

admin_error refused(admin_refusal reason, std::string message) {
  return admin_error{reason, std::move(message)};
}

admin_error no_such_route(const std::string& route_id) {
  return refused(admin_refusal::unknown_route, "Unknown route_id: " + route_id);
}

/// Saves the catalog file; an I/O failure is reported, the in-memory catalog stays current.
std::optional<admin_error> save(router_ptr self) {
  const auto& path = self->state.settings.catalog_path;
  if (path.empty()) {
    return std::nullopt;
  }
  if (auto failed = catalog::save_catalog_file(path, self->state.catalog->all())) {
    return refused(admin_refusal::not_saved, "The catalog could not be saved: " + failed->message);
  }
  return std::nullopt;
}

/// Applies a catalog change: save, then bring the route actors in line.
caf::result<admin_result<catalog_view>> commit_catalog_change(router_ptr self) {
  if (auto failed = save(self)) {
    sync_routes(self);
    return admin_result<catalog_view>{*failed};
  }
  sync_routes(self);
  return current_catalog(self);
}

/// A new route naming an unknown provider is refused (a typo is told at once). One the catalog
/// already holds with that provider (loaded from the file, skipped) may go back unchanged, so
/// that the catalog as listed can always be saved again.
std::optional<std::string> unknown_provider(router_ptr self,
                                            const std::vector<catalog::route>& routes) {
  const auto& st = self->state;
  for (const auto& r : routes) {
    if (st.wiring.specs.count(r.provider_name) != 0) {
      continue;
    }
    const auto* kept = st.catalog->find(r.route_id);
    if (kept == nullptr || kept->provider_name != r.provider_name) {
      return "Route '" + r.route_id + "' names unknown provider '" + r.provider_name + "'";
    }
  }
  return std::nullopt;
}

/// Whether the gateway knows the provider a route names (else it is never routed).
bool provider_known(router_ptr self, const catalog::route& route) {
  return self->state.wiring.specs.count(route.provider_name) != 0;
}

/// Asks the route for its health (`ask` is get or clear) and answers the route's view.
template <class Ask>
caf::result<admin_result<route_with_health>>
answer_route_view(router_ptr self, const std::string& route_id, Ask ask) {
  auto it = self->state.routes.find(route_id);
  auto promise = self->make_response_promise<admin_result<route_with_health>>();
  self->request(it->second.handle, fan_out_timeout, ask, atom::health_v)
    .then(
      [self, promise, route_id](health_record& h) mutable {
        const auto* r = self->state.catalog->find(route_id);
        if (r == nullptr) { // the catalog changed meanwhile
          promise.deliver(admin_result<route_with_health>{no_such_route(route_id)});
          return;
        }
        promise.deliver(
          admin_result<route_with_health>{route_with_health{*r, h, provider_known(self, *r)}});
      },
      [promise](caf::error&) mutable {
        promise.deliver(admin_result<route_with_health>{
          refused(admin_refusal::route_unavailable, "The route did not answer")});
      });
  return promise;
}

} // namespace

void collect_health(router_ptr self, std::function<void(health_map)> done) {
  struct gather {
    health_map health;
    size_t left = 0;
    std::function<void(health_map)> done;
  };
  auto state = std::make_shared<gather>();
  state->done = std::move(done);
  // A current snapshot is the route's health as it is (the route pushes one after every
  // change): only routes whose snapshot is stale are asked, so a status page of thousands of
  // routes costs the router a copy instead of two messages per route.
  std::vector<route_actor> stale;
  for (const auto& [id, view] : self->state.routes) {
    if (view.current()) {
      state->health.emplace(id, to_health_record(view.entry, view.health));
    } else {
      stale.push_back(view.handle);
    }
  }
  state->left = stale.size();
  if (state->left == 0) {
    state->done(std::move(state->health));
    return;
  }
  auto arrive = [state] {
    if (--state->left == 0) {
      state->done(std::move(state->health));
    }
  };
  for (const auto& handle : stale) {
    self->request(handle, fan_out_timeout, caf::get_atom_v, atom::health_v)
      .then(
        [state, arrive](health_record& h) {
          auto key = h.route_id;
          state->health.insert_or_assign(std::move(key), std::move(h));
          arrive();
        },
        [arrive](caf::error&) { arrive(); });
  }
}

void collect_quotas(router_ptr self, std::function<void(quota_map)> done) {
  struct gather {
    quota_map quotas;
    size_t left = 0;
    std::function<void(quota_map)> done;
  };
  // Usage granted from snapshots reaches the buckets before they are asked (same mailbox
  // order), so the counters shown include every finished request.
  flush_usage(self);
  auto state = std::make_shared<gather>();
  state->left = self->state.wiring.buckets.size();
  state->done = std::move(done);
  if (state->left == 0) {
    state->done({});
    return;
  }
  for (const auto& [name, bucket] : self->state.wiring.buckets) {
    auto key = name;
    auto arrive = [state] {
      if (--state->left == 0) {
        state->done(std::move(state->quotas));
      }
    };
    self->request(bucket, fan_out_timeout, caf::get_atom_v, atom::quota_v)
      .then(
        [state, key, arrive](quota_view& view) {
          state->quotas.emplace(key, std::move(view));
          arrive();
        },
        [arrive](caf::error&) { arrive(); });
  }
}

caf::result<admin_result<catalog_view>> current_catalog(router_ptr self) {
  auto promise = self->make_response_promise<admin_result<catalog_view>>();
  collect_health(self, [self, promise](health_map health) mutable {
    auto& st = self->state;
    promise.deliver(admin_result<catalog_view>{catalog_view{
      st.catalog->all(), std::move(health), st.settings.catalog_path, st.wiring.provider_list}});
  });
  return promise;
}

caf::result<admin_result<catalog_view>> replace_catalog(router_ptr self, const std::string& body) {
  using result = admin_result<catalog_view>;
  auto routes = catalog::parse_catalog(body);
  if (!routes) {
    return result{refused(admin_refusal::invalid_catalog, routes.error().message)};
  }
  if (auto problem = unknown_provider(self, *routes)) {
    return result{refused(admin_refusal::unknown_provider, *problem)};
  }
  if (auto failed = self->state.catalog->replace(std::move(*routes))) {
    return result{refused(admin_refusal::invalid_catalog, failed->message)};
  }
  return commit_catalog_change(self);
}

caf::result<admin_result<catalog_view>> reset_catalog(router_ptr self) {
  self->state.catalog->reset_to_defaults();
  return commit_catalog_change(self);
}

caf::result<admin_result<catalog_view>> auto_rank_catalog(router_ptr self) {
  self->state.catalog->auto_rank();
  return commit_catalog_change(self);
}

caf::result<admin_result<route_with_health>>
set_route_enabled(router_ptr self, const std::string& route_id, bool enabled) {
  using result = admin_result<route_with_health>;
  auto& st = self->state;
  if (auto failed = st.catalog->set_enabled(route_id, enabled)) {
    return result{refused(admin_refusal::unknown_route, failed->message)};
  }
  if (auto failed = save(self)) {
    return result{*failed};
  }
  sync_routes(self);
  return answer_route_view(self, route_id, caf::get_atom_v);
}

caf::result<admin_result<route_with_health>> reset_route_health(router_ptr self,
                                                                const std::string& route_id) {
  auto& st = self->state;
  auto it = st.routes.find(route_id);
  if (it == st.routes.end() || st.catalog->find(route_id) == nullptr) {
    return admin_result<route_with_health>{no_such_route(route_id)};
  }
  ++it->second.sent; // the snapshot is stale until the route applied the clear
  return answer_route_view(self, route_id, atom::clear_v);
}

caf::result<providers_view> providers_status(router_ptr self) {
  auto promise = self->make_response_promise<providers_view>();
  collect_health(self, [self, promise](health_map health) mutable {
    collect_quotas(self, [self, promise, health = std::move(health)](quota_map quotas) mutable {
      auto finish = [self, promise, health, quotas](usage_map usage) mutable {
        auto& st = self->state;
        promise.deliver(providers_view{st.wiring.provider_list, std::move(quotas),
                                       st.catalog->all(), std::move(health), std::move(usage),
                                       st.wiring.now()});
      };
      auto& persistence = self->state.wiring.persistence;
      if (!persistence) {
        finish({});
        return;
      }
      self->request(persistence, fan_out_timeout, caf::get_atom_v, atom::usage_v)
        .then(
          [finish](usage_table& table) mutable {
            usage_map usage;
            for (auto& u : table) {
              auto key = u.route_id;
              usage.emplace(std::move(key), std::move(u));
            }
            finish(std::move(usage));
          },
          [finish](caf::error&) mutable { finish({}); });
    });
  });
  return promise;
}

caf::result<route_summary> summarize_routes(router_ptr self) {
  auto promise = self->make_response_promise<route_summary>();
  collect_health(self, [self, promise](health_map health) mutable {
    collect_quotas(self, [self, promise, health = std::move(health)](quota_map quotas) mutable {
      const auto& st = self->state;
      route_summary sum;
      sum.providers_total = static_cast<int64_t>(st.wiring.provider_list.size());
      for (const auto& p : st.wiring.provider_list) {
        if (!p.configured()) {
          continue;
        }
        ++sum.providers_configured;
        auto q = quotas.find(p.name);
        sum.providers_usable += (q == quotas.end() || q->second.available) ? 1 : 0;
      }
      const auto& routes = st.catalog->all();
      sum.routes_total = static_cast<int64_t>(routes.size());
      for (const auto& r : routes) {
        if (!r.enabled) {
          continue;
        }
        ++sum.routes_enabled;
        auto h = health.find(r.route_id);
        sum.routes_healthy += (h == health.end() || h->second.status == "active") ? 1 : 0;
      }
      promise.deliver(sum);
    });
  });
  return promise;
}

} // namespace gw::actors::detail
