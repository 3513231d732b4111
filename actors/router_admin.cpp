// The router's admin and status messages: catalog edits (saved atomically, applied to the
// next request without a restart) and views assembled from route, bucket and persistence
// actors by fan-out requests.
#include "actors/router_internal.hpp"
#include "catalog/catalog_json.hpp"
#include "http/openai/error_body.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <set>

namespace gw::actors::detail {

namespace {

constexpr auto fan_out_timeout = std::chrono::seconds(10);

admin_reply error_reply(int status, const std::string& message, const char* code) {
  auto type = status == 404 ? "not_found_error" : "invalid_request_error";
  return {status, openai::error_json(message, type, code)};
}

/// Saves the catalog file; an I/O failure is reported, the in-memory catalog stays current.
std::optional<admin_reply> save(router_ptr self) {
  const auto& path = self->state.settings.catalog_path;
  if (path.empty()) {
    return std::nullopt;
  }
  if (auto failed = catalog::save_catalog_file(path, self->state.catalog->all())) {
    return admin_reply{500, openai::error_json("The catalog could not be saved: " + failed->message,
                                               "server_error", "catalog_write_failed")};
  }
  return std::nullopt;
}

/// Applies a catalog change: save, then bring the route actors in line.
caf::result<admin_reply> commit_catalog_change(router_ptr self) {
  if (auto failed = save(self)) {
    sync_routes(self);
    return *failed;
  }
  sync_routes(self);
  return catalog_view(self);
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

} // namespace

void collect_health(router_ptr self, std::function<void(health_map)> done) {
  struct gather {
    health_map health;
    size_t left = 0;
    std::function<void(health_map)> done;
  };
  auto state = std::make_shared<gather>();
  state->left = self->state.routes.size();
  state->done = std::move(done);
  if (state->left == 0) {
    state->done({});
    return;
  }
  auto arrive = [state] {
    if (--state->left == 0) {
      state->done(std::move(state->health));
    }
  };
  for (const auto& [id, view] : self->state.routes) {
    self->request(view.handle, fan_out_timeout, caf::get_atom_v, atom::health_v)
      .then(
        [state, arrive](health_record& h) {
          auto key = h.route_id;
          state->health.emplace(std::move(key), std::move(h));
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

caf::result<admin_reply> catalog_view(router_ptr self, int status) {
  auto promise = self->make_response_promise<admin_reply>();
  collect_health(self, [self, promise, status](health_map health) mutable {
    auto& st = self->state;
    promise.deliver(
      admin_reply{status, catalog_view_json(st.catalog->all(), health, st.settings.catalog_path,
                                            st.wiring.provider_list)});
  });
  return promise;
}

caf::result<admin_reply> replace_catalog(router_ptr self, const std::string& body) {
  auto routes = catalog::parse_catalog(body);
  if (!routes) {
    return error_reply(400, routes.error().message, "invalid_catalog");
  }
  if (auto problem = unknown_provider(self, *routes)) {
    return error_reply(400, *problem, "unknown_provider");
  }
  if (auto failed = self->state.catalog->replace(std::move(*routes))) {
    return error_reply(400, failed->message, "invalid_catalog");
  }
  return commit_catalog_change(self);
}

caf::result<admin_reply> reset_catalog(router_ptr self) {
  self->state.catalog->reset_to_defaults();
  return commit_catalog_change(self);
}

caf::result<admin_reply> auto_rank_catalog(router_ptr self) {
  self->state.catalog->auto_rank();
  return commit_catalog_change(self);
}

caf::result<admin_reply> set_route_enabled(router_ptr self, const std::string& route_id,
                                           bool enabled) {
  auto& st = self->state;
  if (auto failed = st.catalog->set_enabled(route_id, enabled)) {
    return error_reply(404, failed->message, "unknown_route");
  }
  if (auto failed = save(self)) {
    return *failed;
  }
  sync_routes(self);
  auto it = st.routes.find(route_id);
  auto promise = self->make_response_promise<admin_reply>();
  self->request(it->second.handle, fan_out_timeout, caf::get_atom_v, atom::health_v)
    .then(
      [self, promise, route_id](health_record& h) mutable {
        const auto* r = self->state.catalog->find(route_id);
        if (r == nullptr) { // the catalog changed meanwhile
          promise.deliver(error_reply(404, "Unknown route_id: " + route_id, "unknown_route"));
          return;
        }
        promise.deliver(admin_reply{200, route_view_json(*r, h, provider_known(self, *r))});
      },
      [promise](caf::error&) mutable {
        promise.deliver(error_reply(503, "The route did not answer", "route_unavailable"));
      });
  return promise;
}

caf::result<admin_reply> reset_route_health(router_ptr self, const std::string& route_id) {
  auto& st = self->state;
  auto it = st.routes.find(route_id);
  if (it == st.routes.end() || st.catalog->find(route_id) == nullptr) {
    return error_reply(404, "Unknown route_id: " + route_id, "unknown_route");
  }
  auto promise = self->make_response_promise<admin_reply>();
  ++it->second.sent; // the snapshot is stale until the route applied the clear
  self->request(it->second.handle, fan_out_timeout, atom::clear_v, atom::health_v)
    .then(
      [self, promise, route_id](health_record& h) mutable {
        const auto* r = self->state.catalog->find(route_id);
        if (r == nullptr) {
          promise.deliver(error_reply(404, "Unknown route_id: " + route_id, "unknown_route"));
          return;
        }
        promise.deliver(admin_reply{200, route_view_json(*r, h, provider_known(self, *r))});
      },
      [promise](caf::error&) mutable {
        promise.deliver(error_reply(503, "The route did not answer", "route_unavailable"));
      });
  return promise;
}

caf::result<admin_reply> providers_status(router_ptr self) {
  auto promise = self->make_response_promise<admin_reply>();
  collect_health(self, [self, promise](health_map health) mutable {
    collect_quotas(self, [self, promise, health = std::move(health)](quota_map quotas) mutable {
      auto finish = [self, promise, health, quotas](usage_map usage) mutable {
        auto& st = self->state;
        promise.deliver(
          admin_reply{200, providers_status_json(st.wiring.provider_list, quotas, st.catalog->all(),
                                                 health, usage, st.wiring.now())});
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

caf::result<admin_reply> route_summary(router_ptr self) {
  auto promise = self->make_response_promise<admin_reply>();
  collect_health(self, [self, promise](health_map health) mutable {
    collect_quotas(self, [self, promise, health = std::move(health)](quota_map quotas) mutable {
      auto& st = self->state;
      promise.deliver(admin_reply{
        200, route_summary_json(st.wiring.provider_list, quotas, st.catalog->all(), health)});
    });
  });
  return promise;
}

} // namespace gw::actors::detail
