// The router's side of endpoint diagnosis: the catalog with each route's health (what the
// listings are compared with), and the edits diagnosis decides, applied through the same path
// as the admin API (saved atomically, route actors brought in line, next request sees them).
#include "actors/router_internal.hpp"
#include "catalog/catalog_json.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace gw::actors::detail {

caf::result<catalog_entries> catalog_with_health(router_ptr self) {
  auto promise = self->make_response_promise<catalog_entries>();
  collect_health(self, [self, promise](health_map health) mutable {
    catalog_entries entries;
    const auto& routes = self->state.catalog->all();
    entries.reserve(routes.size());
    for (const auto& r : routes) {
      catalog::catalog_entry entry{r, catalog::health_status::active};
      if (auto it = health.find(r.route_id); it != health.end()) {
        entry.status =
          catalog::health_status_from(it->second.status).value_or(catalog::health_status::active);
      }
      entries.push_back(std::move(entry));
    }
    promise.deliver(std::move(entries));
  });
  return promise;
}

std::string apply_catalog_edit(router_ptr self, catalog_edit& edit) {
  auto& st = self->state;
  // A discovered route of a provider this gateway does not know could never be routed.
  std::vector<catalog::route> known;
  for (auto& r : edit.add) {
    if (st.wiring.specs.count(r.provider_name) != 0) {
      r.enabled = false;
      known.push_back(std::move(r));
    }
  }
  st.catalog->remove(edit.remove);
  st.catalog->add_discovered(std::move(known));
  std::string failure;
  if (!st.settings.catalog_path.empty()) {
    if (auto failed = catalog::save_catalog_file(st.settings.catalog_path, st.catalog->all())) {
      failure = "The catalog could not be saved: " + failed->message;
      st.settings.log.error("diagnosis apply: " + failure);
    }
  }
  sync_routes(self);
  for (const auto& route_id : edit.clear) {
    auto it = st.routes.find(route_id);
    if (it == st.routes.end()) {
      continue;
    }
    ++it->second.sent; // the snapshot is stale until the route applied the clear
    self->request(it->second.handle, std::chrono::seconds(10), atom::clear_v, atom::health_v)
      .then([](health_record&) {}, [](caf::error&) {});
  }
  return failure;
}

} // namespace gw::actors::detail
