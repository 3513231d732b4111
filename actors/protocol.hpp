// Every actor interface of the gateway, in one place. Read this file first.
//
// One non-streaming chat request, common case (healthy route, unlimited provider):
//
//   frontend (I/O)      router (CAF)                         provider transport (I/O)
//      | dispatch(job)     |                                          |
//      |------------------>| decide from snapshots: static checks,    |
//      |                   | route health, bucket availability        |
//      |                   | send(upstream_request) ----------------->|
//      |                   |                                          | completion: classify,
//      |<----------------------------------------------- job.finish(outcome) (to the client's loop)
//      |                   |<--------- call_done(settlement) ---------|
//      |                   | account: counters, batched usage (-> bucket, persistence),
//      |                   | health report to the route only when it changes something
//
// Otherwise the router asks before calling: the route (acquire) while its snapshot is stale
// or a probe is due, the bucket (reserve) when its provider has limits, a cooldown or a
// failing key. A retryable failure comes back as call_done and the router tries the next
// route; the reconcile reaches the bucket before the next route is asked.
//
//   route[i] --health(route_snapshot)--> router     (after every change of its health)
//   bucket   --quota(bucket_snapshot)--> router     (after watch and every reconcile)
//   router   --usage(usage_batch)------> bucket     (requests granted from the snapshot)
//   router   --persist(usage events)---> persistence (one batch per flush)
//
// The frontend never blocks on an actor: it sends `dispatch` and the answer arrives as a
// typed chat_outcome through chat_job::finish, which dispatches onto the connection's loop;
// http/server/chat_replies.cpp turns it into HTTP.
//
// Streams (stream_sink.hpp) take the same decisions; the router opens the upstream stream
// and hands its body to the job's relay, which relays bytes on the client connection's
// loop and sends the router one `stream_done` per attempt. Tokens never enter a mailbox.
//
// Limited quota buckets grant a reservation only once the persistence actor (SQLite) has
// committed a state that covers it, so a crash never forgets a granted request. A grant write
// persists headroom too (catalog/grant_lease.hpp): grants inside it are answered at once. One
// such write is in flight per bucket; reservations made meanwhile are covered by the next one.
#pragma once

#include "actors/messages.hpp"
#include "actors/stream_sink.hpp"
#include "catalog/route.hpp"
#include "http/upstream/upstream_types.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/replies_to.hpp>
#include <caf/type_id.hpp>
#include <caf/typed_actor.hpp>

#include <string>

CAF_BEGIN_TYPE_ID_BLOCK(gw, caf::first_custom_type_id)

  CAF_ADD_ATOM(gw, gw::atom, dispatch, "dispatch")
  CAF_ADD_ATOM(gw, gw::atom, acquire, "acquire")
  CAF_ADD_ATOM(gw, gw::atom, report, "report")
  CAF_ADD_ATOM(gw, gw::atom, call, "call")
  CAF_ADD_ATOM(gw, gw::atom, call_done, "call_done")
  CAF_ADD_ATOM(gw, gw::atom, reserve, "reserve")
  CAF_ADD_ATOM(gw, gw::atom, reconcile, "reconcile")
  CAF_ADD_ATOM(gw, gw::atom, list_models, "list_model")
  CAF_ADD_ATOM(gw, gw::atom, persist, "persist")
  CAF_ADD_ATOM(gw, gw::atom, flush, "flush")
  CAF_ADD_ATOM(gw, gw::atom, tick, "tick")
  CAF_ADD_ATOM(gw, gw::atom, usage, "usage")
  CAF_ADD_ATOM(gw, gw::atom, quota, "quota")
  CAF_ADD_ATOM(gw, gw::atom, health, "health")
  CAF_ADD_ATOM(gw, gw::atom, clear, "clear")
  CAF_ADD_ATOM(gw, gw::atom, update, "update")
  CAF_ADD_ATOM(gw, gw::atom, catalog, "catalog")
  CAF_ADD_ATOM(gw, gw::atom, replace, "replace")
  CAF_ADD_ATOM(gw, gw::atom, reset, "reset")
  CAF_ADD_ATOM(gw, gw::atom, auto_rank, "auto_rank")
  CAF_ADD_ATOM(gw, gw::atom, enable, "enable")
  CAF_ADD_ATOM(gw, gw::atom, providers, "providers")
  CAF_ADD_ATOM(gw, gw::atom, summary, "summary")
  CAF_ADD_ATOM(gw, gw::atom, stream_done, "strm_done")
  CAF_ADD_ATOM(gw, gw::atom, watch, "watch")
  CAF_ADD_ATOM(gw, gw::atom, refresh, "refresh")
  CAF_ADD_ATOM(gw, gw::atom, diagnosis, "diagnosis")
  CAF_ADD_ATOM(gw, gw::atom, apply, "apply")
  CAF_ADD_ATOM(gw, gw::atom, verdict, "verdict")

CAF_END_TYPE_ID_BLOCK(gw)

// Pointers and Beast-free transport values are local-only messages: never serialized.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gw::actors::chat_job_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gw::upstream::upstream_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gw::upstream::upstream_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gw::catalog::route)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gw::actors::stream_outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gw::actors::model_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gw::actors::diagnosis_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gw::actors::catalog_edit)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gw::actors::catalog_entries)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gw::actors::applied_suggestions)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gw::actors::admin_result<gw::actors::catalog_view>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gw::actors::admin_result<gw::actors::route_with_health>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gw::actors::providers_view)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(gw::catalog::supervisor_verdict)

namespace gw::actors {

/// The only writer of SQLite (WAL). Batches writes into one transaction per mailbox drain.
using persistence_actor = caf::typed_actor<
  // Durably records a bucket's state; the reply comes after the commit, so a quota bucket
  // grants a reservation only once it survives a crash (kill -9).
  caf::replies_to<atom::persist, quota_record>::with<bool>,
  // Records a route's health (coalesced per route, written in the next batch).
  caf::reacts_to<atom::persist, health_record>,
  // Records one finished attempt: aggregate counters + raw event log.
  caf::reacts_to<atom::persist, usage_event>,
  // Records a batch of finished attempts (the router's usage batches).
  caf::reacts_to<atom::persist, std::vector<usage_event>>,
  // Commits everything queued so far; replies once it is on disk (shutdown, tests).
  caf::replies_to<atom::flush>::with<bool>,
  // All-time usage aggregates of every route that has any.
  caf::replies_to<caf::get_atom, atom::usage>::with<usage_table>,
  // Per-route usage over time as JSON (GET /v1/gateway/usage/series): commits what is
  // pending, then groups the event log in [from_ms, to_ms] into buckets of bucket_ms.
  caf::replies_to<caf::get_atom, atom::usage, int64_t, int64_t, int64_t>::with<std::string>,
  // Stores a diagnosis run (its report and what maintenance applied); replies once committed.
  caf::replies_to<atom::persist, diagnosis_record>::with<bool>,
  // Stores one supervisor verdict (each listed model is asked once).
  caf::reacts_to<atom::persist, verdict_record>,
  // Internal timer: commit the pending batch, prune raw events past EVENT_RETENTION_DAYS.
  caf::reacts_to<atom::tick>>;

/// One provider account: owns its HTTP(S) client and its API key.
using provider_actor = caf::typed_actor<
  // Performs one upstream exchange (adds auth + extra headers) and replies with its result.
  caf::replies_to<atom::call, upstream::upstream_request>::with<upstream::upstream_result>,
  // Internal: the transport finished call `id` (sent by the I/O thread to the actor itself).
  caf::reacts_to<atom::call_done, uint64_t, upstream::upstream_result>>;

/// Receives the snapshots that routes and buckets push (the router).
using snapshot_listener_actor = caf::typed_actor<
  // A route's health changed (or it was spawned).
  caf::reacts_to<atom::health, route_snapshot>,
  // A bucket's availability may have changed (watch, reconcile).
  caf::reacts_to<atom::quota, bucket_snapshot>>;

/// Local quota of one provider (requests and tokens per minute and per day).
using quota_bucket_actor = caf::typed_actor<
  // Atomically reserves one request + `tokens`, or says why not (rpm_limit, cooldown ...).
  caf::replies_to<atom::reserve, int64_t>::with<route_ticket>,
  // The same for the single probe of a recovering route: the ticket says `probe`, so that the
  // router frees the probe when the quota says no.
  caf::replies_to<atom::reserve, int64_t, bool>::with<route_ticket>,
  // Replaces a reservation with what the attempt really used (or releases it); applies
  // provider-wide cooldowns (scope "provider": 429s, remaining=0 hints) and the failing-key flag.
  caf::reacts_to<atom::reconcile, attempt_report>,
  // The counters, limits and availability now (GET /v1/providers/status).
  caf::replies_to<caf::get_atom, atom::quota>::with<quota_view>,
  // Internal: write the deferred snapshot of an unlimited bucket (at most once a second).
  caf::reacts_to<atom::tick>,
  // Internal timer: refuse the grants of a write left unanswered for grant_write_timeout.
  caf::reacts_to<atom::persist, atom::tick>,
  // Writes the current state now; replies once it is committed (shutdown).
  caf::replies_to<atom::flush>::with<bool>,
  // Pushes a bucket_snapshot to the listener now and after every reconcile.
  caf::reacts_to<atom::watch, snapshot_listener_actor>,
  // Counts requests the router granted from the snapshot (unlimited buckets only).
  caf::reacts_to<atom::usage, usage_batch>>;

/// One catalog route: decides whether it may be tried now and keeps its health.
using route_actor = caf::typed_actor<
  // Runs the skip checks (key, context window, health, quota) and reserves on success.
  caf::replies_to<atom::acquire, attempt_request>::with<route_ticket>,
  // Records the outcome of a granted attempt (health transition); the router sends the
  // quota reconcile to the bucket and the usage event to persistence itself.
  caf::reacts_to<atom::report, attempt_report>,
  // The route's health now.
  caf::replies_to<caf::get_atom, atom::health>::with<health_record>,
  // Clears the health flags (POST .../health/reset) and answers the new state.
  caf::replies_to<atom::clear, atom::health>::with<health_record>,
  // The catalog entry changed (rank, enabled, metadata) but the route id stayed.
  caf::reacts_to<atom::update, catalog::route>>;

/// The waterfall: owns the catalog and walks its routes in rank order.
using router_actor = snapshot_listener_actor::extend<
  // Runs the waterfall for one chat request; answers through job->finish().
  caf::reacts_to<atom::dispatch, chat_job_ptr>,
  // A non-streamed attempt ended (sent by its completion): account, then go on or stop.
  caf::reacts_to<atom::call_done, chat_job_ptr, uint64_t, call_settlement>,
  // Internal timer: send the usage batches to the buckets and the persistence actor.
  caf::reacts_to<atom::tick>,
  // Sends the usage batches now; replies once the persistence actor has committed them.
  caf::replies_to<atom::flush>::with<bool>,
  // A streamed attempt ended (sent by the job's relay): record it, then go on or finish.
  caf::reacts_to<atom::stream_done, chat_job_ptr, uint64_t, stream_outcome>,
  // GET /v1/models: the alias and the enabled routes in rank order.
  caf::replies_to<atom::list_models>::with<model_list>,
  // GET /v1/gateway/models: the catalog with each route's health.
  caf::replies_to<atom::catalog>::with<admin_result<catalog_view>>,
  // PUT /v1/gateway/models: validates, saves atomically, respawns changed routes.
  caf::replies_to<atom::replace, std::string>::with<admin_result<catalog_view>>,
  // POST /v1/gateway/models/reset: the default catalog.
  caf::replies_to<atom::reset>::with<admin_result<catalog_view>>,
  // POST /v1/gateway/models/auto-rank: re-rank with the heuristic, save.
  caf::replies_to<atom::auto_rank>::with<admin_result<catalog_view>>,
  // POST /v1/gateway/models/{id}/enable|disable.
  caf::replies_to<atom::enable, std::string, bool>::with<admin_result<route_with_health>>,
  // POST /v1/gateway/models/{id}/health/reset.
  caf::replies_to<atom::clear, atom::health, std::string>::with<admin_result<route_with_health>>,
  // GET /v1/providers/status: quotas, cooldowns, routes with health and usage.
  caf::replies_to<atom::providers>::with<providers_view>,
  // GET /v1/gateway/health.json: provider (configured / usable) and route (enabled / healthy)
  // counts.
  caf::replies_to<atom::summary>::with<route_summary>,
  // Endpoint diagnosis: every catalog route with its health status, catalog order.
  caf::replies_to<atom::catalog, atom::health>::with<catalog_entries>,
  // Endpoint diagnosis apply: adds (disabled, re-ranked), removes and clears routes in one
  // saved edit, as the admin API does; replies "" or why the catalog could not be saved.
  caf::replies_to<atom::apply, catalog_edit>::with<std::string>>;

/// Endpoint diagnosis: compares each provider's model listing with the catalog, on timers and
/// on demand, and keeps the last report (reference §13).
using diagnosis_actor = caf::typed_actor<
  // POST .../refresh: starts a run, or joins the one going on; answers at once.
  caf::replies_to<atom::refresh>::with<diagnosis_ticket>,
  // GET /v1/gateway/endpoint-diagnosis: settings, the run going on, the last report.
  caf::replies_to<caf::get_atom, atom::diagnosis>::with<diagnosis_status>,
  // POST .../apply: applies the last report's suggestions with these ids; answers those
  // applied (unknown ids are ignored).
  caf::replies_to<atom::apply, std::vector<std::string>>::with<applied_suggestions>,
  // Internal timer: the scheduled run (after the start-up delay, then every interval).
  caf::reacts_to<atom::tick>,
  // Internal: the supervisor's answer to question `id` (asked through the waterfall).
  caf::reacts_to<atom::verdict, uint64_t, catalog::supervisor_verdict>>;

} // namespace gw::actors
