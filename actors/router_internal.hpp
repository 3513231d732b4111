// Pieces of the router shared by its translation units (waterfall and admin). Not a public
// interface: include only from actors/router*.cpp.
#pragma once

#include "actors/admin_views.hpp"
#include "actors/router.hpp"

#include <functional>

namespace gw::actors::detail {

using router_ptr = router_actor::stateful_pointer<router_state>;

// -- router.cpp -------------------------------------------------------------------------

/// Fills the job's candidates and starts walking them.
void run_waterfall(router_ptr self, const chat_job_ptr& job);

/// Spawns route actors for new catalog entries, updates changed ones, stops removed ones.
void sync_routes(router_ptr self);

// -- router_admin.cpp -------------------------------------------------------------------

/// Asks every route actor for its health; `done` runs once with all answers.
void collect_health(router_ptr self, std::function<void(health_map)> done);

/// Asks every quota bucket for its view; `done` runs once with all answers.
void collect_quotas(router_ptr self, std::function<void(quota_map)> done);

caf::result<admin_reply> catalog_view(router_ptr self, int status = 200);
caf::result<admin_reply> replace_catalog(router_ptr self, const std::string& body);
caf::result<admin_reply> reset_catalog(router_ptr self);
caf::result<admin_reply> auto_rank_catalog(router_ptr self);
caf::result<admin_reply> set_route_enabled(router_ptr self, const std::string& route_id,
                                           bool enabled);
caf::result<admin_reply> reset_route_health(router_ptr self, const std::string& route_id);
caf::result<admin_reply> providers_status(router_ptr self);
caf::result<admin_reply> route_summary(router_ptr self);

} // namespace gw::actors::detail
