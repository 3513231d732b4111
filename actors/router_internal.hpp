// Pieces of the router shared by its translation units (waterfall, accounting and admin). Not
// a public interface: include only from actors/router*.cpp and actors/waterfall.cpp.
#pragma once

#include "actors/router.hpp"

#include <functional>

namespace gw::actors::detail {

using router_ptr = router_actor::stateful_pointer<router_state>;

// -- waterfall.cpp ----------------------------------------------------------------------

/// Fills the job's candidates and starts walking them.
void run_waterfall(router_ptr self, const chat_job_ptr& job);

/// A non-streamed attempt ended: account for it, then go on with the next route or stop.
void on_call_done(router_ptr self, const chat_job_ptr& job, size_t index,
                  const call_settlement& settlement);

/// A streamed attempt ended (its relay reported): account, then finish or go on.
void on_stream_done(router_ptr self, const chat_job_ptr& job, size_t index,
                    stream_outcome& outcome);

// -- router_accounting.cpp --------------------------------------------------------------

/// Tells the owners how a granted attempt ended: the bucket (reconcile now, or a usage batch
/// for a grant from its snapshot), the route (a health report, unless it changes nothing),
/// the persistence actor (a usage event, batched) and the attempt counters (under
/// `attempt_label`; empty = not counted, e.g. abandoned by the client).
void account(router_ptr self, const catalog::route_ref& route, const route_ticket& ticket,
             const attempt_report& report, std::string_view attempt_label);

/// Sends a health report to the route and marks its snapshot stale until it is applied.
void report_to_route(router_ptr self, const std::string& route_id, const attempt_report& report);

/// Sends the usage batches (to the buckets and the persistence actor) now.
void flush_usage(router_ptr self);

// -- router.cpp -------------------------------------------------------------------------

/// Spawns route actors for new catalog entries, updates changed ones, stops removed ones.
void sync_routes(router_ptr self);

// -- router_admin.cpp -------------------------------------------------------------------

/// Asks every route actor for its health; `done` runs once with all answers.
void collect_health(router_ptr self, std::function<void(health_map)> done);

/// Asks every quota bucket for its view; `done` runs once with all answers.
void collect_quotas(router_ptr self, std::function<void(quota_map)> done);

caf::result<admin_result<catalog_view>> current_catalog(router_ptr self);
caf::result<admin_result<catalog_view>> replace_catalog(router_ptr self, const std::string& body);
caf::result<admin_result<catalog_view>> reset_catalog(router_ptr self);
caf::result<admin_result<catalog_view>> auto_rank_catalog(router_ptr self);
caf::result<admin_result<route_with_health>>
set_route_enabled(router_ptr self, const std::string& route_id, bool enabled);
caf::result<admin_result<route_with_health>> reset_route_health(router_ptr self,
                                                                const std::string& route_id);
caf::result<providers_view> providers_status(router_ptr self);
caf::result<route_summary> summarize_routes(router_ptr self);

// -- router_diagnosis.cpp ---------------------------------------------------------------

/// Every catalog route with its health status, catalog order.
caf::result<catalog_entries> catalog_with_health(router_ptr self);

/// Applies a diagnosis edit (remove, add disabled + re-rank, clear health) and saves it;
/// "" or why the file could not be written (the catalog in memory is current either way).
std::string apply_catalog_edit(router_ptr self, catalog_edit& edit);

} // namespace gw::actors::detail
