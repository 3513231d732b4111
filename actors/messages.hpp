// Value types carried in actor messages (see protocol.hpp for who sends what).
// Each has a CAF 0.17 inspect() so that test-DSL failures and logs print their fields.
#pragma once

#include "actors/chat_job.hpp"
#include "catalog/diagnosis.hpp"
#include "catalog/failure_classifier.hpp"
#include "catalog/provider_spec.hpp"
#include "catalog/route.hpp"
#include "catalog/route_health.hpp"
#include "persistence/records.hpp"

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace gw::actors {

/// Asked of a route before an upstream call (router -> route).
struct attempt_request {
  int64_t prompt_tokens = 0;
  /// Prompt estimate + requested completion tokens: what a quota must be able to absorb.
  int64_t total_tokens = 0;
  /// False once this request already probed a recovering route of the same provider.
  bool probe_allowed = true;
};

/// A route's answer: go ahead (quota reserved) or skip, and why.
struct route_ticket {
  bool granted = false;
  /// Skip reason (reference §7.4 names: missing_api_key, rpm_limit, route_rate_limited...).
  std::string skip_reason;
  /// When the route or quota frees up (ms since epoch; 0 = unknown).
  int64_t retry_at_ms = 0;
  /// This call is the single in-flight probe of a recovering route.
  bool probe = false;
  /// Tokens reserved in the quota bucket, to reconcile afterwards.
  int64_t reserved_tokens = 0;
  /// Identifies the reservation in the bucket (0 = none was made).
  uint64_t reservation_id = 0;
  /// Granted by the router from the route's and the bucket's snapshots: nothing was reserved,
  /// the router tells the bucket what was used (usage_batch) once the attempt ended.
  bool from_snapshot = false;
};

/// What happened to a granted attempt (router -> route), for health and quota accounting.
struct attempt_report {
  catalog::outcome_kind kind = catalog::outcome_kind::success;
  int status = 0;
  /// False when the request never reached the provider (connect/TLS failure): quota released.
  bool reached_provider = true;
  bool probe = false;
  int64_t reserved_tokens = 0;
  uint64_t reservation_id = 0;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t total_tokens = 0;
  /// From rate-limit hints (headers or body); 0 = none given.
  int64_t cooldown_until_ms = 0;
  /// x-ratelimit-remaining-* reached 0 on this answer.
  bool remaining_exhausted = false;
  int64_t latency_ms = 0;
  /// The call was made for the account, not for a route (diagnosis listing models): a 429
  /// cools the whole provider whatever its rate_limit_scope.
  bool provider_wide = false;
};

/// How a granted non-streamed attempt ended: sent by its completion (on the I/O thread, which
/// already answered the client when the attempt was final) to the router for accounting.
struct call_settlement {
  route_ticket ticket;
  attempt_report report;
  /// The completion answered the client (success or a caller error): only account.
  bool answered = false;
  /// The client left while the call was in flight: release quota and probe, no verdict, stop.
  bool abandoned = false;
};

/// GET /v1/models: the alias and every enabled route in rank order.
struct model_list {
  std::string alias;
  std::vector<catalog::route_ref> routes;
};

// The durable records (quota_record, health_record, usage_event, route_usage) live beside the
// store that writes them: persistence/records.hpp.
using persistence::diagnosis_record;
using persistence::health_record;
using persistence::quota_record;
using persistence::route_usage;
using persistence::usage_event;
using persistence::usage_table;
using persistence::verdict_record;

/// A quota bucket's state for status pages: the counters, the limits and whether a request
/// (of zero tokens) would be granted now.
struct quota_view {
  quota_record record;
  int64_t requests_this_minute = 0;
  int64_t tokens_this_minute = 0;
  /// -1 = unlimited.
  int64_t limit_rpm = -1;
  int64_t limit_rpd = -1;
  int64_t limit_tpm = -1;
  int64_t limit_tpd = -1;
  bool available = true;
  std::string unavailable_reason;
  int64_t retry_at_ms = 0;
};

/// Pushed by a route actor to the router whenever its health changed. The router decides the
/// common case from it (one place, no hop) and asks the route itself only while the snapshot
/// is stale or a probe is due: the route stays the only writer of its health.
struct route_snapshot {
  std::string route_id;
  catalog::route_health health;
  /// How many health-changing router messages (report, clear) the route had applied: the
  /// router trusts the snapshot only once it matches what it sent.
  uint64_t applied = 0;
};

/// Pushed by a quota bucket to the router whenever its availability may have changed.
struct bucket_snapshot {
  std::string provider_name;
  /// No request or token limit: the router grants without asking and reports what was used
  /// in `usage_batch`es. Limited buckets are always asked (exact, persisted before granted).
  bool unlimited = false;
  int64_t cooldown_until_ms = 0;
  bool key_failing = false;
  /// How many reconciles the bucket had applied (see route_snapshot::applied).
  uint64_t applied = 0;
};

/// Requests that the router granted from an unlimited bucket's snapshot, and their tokens;
/// sent in batches so that the bucket's counters (status page) stay right.
struct usage_batch {
  int64_t requests = 0;
  int64_t tokens = 0;
};

/// Every catalog route with its health (diagnosis compares them with the listings).
using catalog_entries = std::vector<catalog::catalog_entry>;

/// A catalog change decided by endpoint diagnosis, applied by the router in one saved edit.
struct catalog_edit {
  /// Discovered routes to add (disabled until a person enables them).
  std::vector<catalog::route> add;
  /// Route ids to remove, and route ids whose health flags to clear.
  std::vector<std::string> remove;
  std::vector<std::string> clear;
};

/// POST .../refresh: the run going on, started by this call or joined.
struct diagnosis_ticket {
  std::string run_id;
  bool joined = false;
};

/// GET /v1/gateway/endpoint-diagnosis (reference §11.11, plus the run going on).
struct diagnosis_status {
  /// AUTO_ENDPOINT_DIAGNOSIS_ENABLED: runs on a timer.
  bool enabled = false;
  /// Safe suggestions of scheduled runs are applied automatically.
  bool auto_maintenance_enabled = false;
  bool supervisor_enabled = false;
  /// A run is going on: its id and start.
  bool running = false;
  std::string run_id;
  int64_t running_since_ms = 0;
  /// When the next scheduled run starts (0 = none scheduled).
  int64_t next_run_at_ms = 0;
  std::optional<catalog::diagnosis_report> last_report;
  std::vector<catalog::suggestion> last_auto_applied;
};

/// POST .../apply: the suggestions applied, or why the catalog could not be saved.
struct applied_suggestions {
  std::vector<catalog::suggestion> applied;
  std::string error;
};

// -- admin and status views (http/server renders them) ------------------------------------

using health_map = std::map<std::string, health_record>;
using quota_map = std::map<std::string, quota_view>;
using usage_map = std::map<std::string, route_usage>;

/// GET/PUT /v1/gateway/models and every catalog edit: the catalog with each route's health.
struct catalog_view {
  std::vector<catalog::route> routes;
  /// Routes without a record yet are active.
  health_map health;
  std::string catalog_path;
  /// The providers the gateway knows, in registry order; a route naming another one is kept
  /// but never routed.
  std::vector<catalog::provider_spec> providers;
};

/// One route after enable, disable or a health reset.
struct route_with_health {
  catalog::route route;
  health_record health;
  bool provider_known = true;
};

/// GET /v1/providers/status: every provider's quota with its routes' health and usage.
struct providers_view {
  std::vector<catalog::provider_spec> providers;
  quota_map quotas;
  std::vector<catalog::route> routes;
  health_map health;
  usage_map usage;
  int64_t now_ms = 0;
};

/// GET /v1/gateway/health.json: how much of the gateway can serve now.
struct route_summary {
  int64_t providers_total = 0;
  /// With a key.
  int64_t providers_configured = 0;
  /// With a key, and its bucket would grant a request now (no cooldown, no failing key, quota
  /// left).
  int64_t providers_usable = 0;
  int64_t routes_total = 0;
  int64_t routes_enabled = 0;
  /// Enabled and active.
  int64_t routes_healthy = 0;
};

/// Why the router refused an admin call; http/ chooses the status and the error code.
enum class admin_refusal : uint8_t {
  /// The new catalog does not parse or validate.
  invalid_catalog,
  /// A new route names a provider the gateway does not know.
  unknown_provider,
  /// No route has that id.
  unknown_route,
  /// The catalog file could not be written (the change holds in memory).
  not_saved,
  /// The route actor did not answer.
  route_unavailable,
};

struct admin_error {
  admin_refusal reason = admin_refusal::invalid_catalog;
  std::string message;
};

/// An admin call's answer: the view, or why not.
template <class View>
using admin_result = std::variant<View, admin_error>;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, quota_view& x) {
  return f(caf::meta::type_name("quota_view"), x.record, x.requests_this_minute,
           x.tokens_this_minute, x.limit_rpm, x.limit_rpd, x.limit_tpm, x.limit_tpd, x.available,
           x.unavailable_reason, x.retry_at_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, diagnosis_ticket& x) {
  return f(caf::meta::type_name("diagnosis_ticket"), x.run_id, x.joined);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, route_summary& x) {
  return f(caf::meta::type_name("route_summary"), x.providers_total, x.providers_configured,
           x.providers_usable, x.routes_total, x.routes_enabled, x.routes_healthy);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, attempt_request& x) {
  return f(caf::meta::type_name("attempt_request"), x.prompt_tokens, x.total_tokens,
           x.probe_allowed);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, route_ticket& x) {
  return f(caf::meta::type_name("route_ticket"), x.granted, x.skip_reason, x.retry_at_ms, x.probe,
           x.reserved_tokens, x.reservation_id, x.from_snapshot);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, attempt_report& x) {
  auto kind = static_cast<uint8_t>(x.kind);
  return f(caf::meta::type_name("attempt_report"), kind, x.status, x.reached_provider, x.probe,
           x.reserved_tokens, x.reservation_id, x.prompt_tokens, x.completion_tokens,
           x.total_tokens, x.cooldown_until_ms, x.remaining_exhausted, x.latency_ms,
           x.provider_wide);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, route_snapshot& x) {
  auto status = static_cast<uint8_t>(x.health.status);
  auto& h = x.health;
  return f(caf::meta::type_name("route_snapshot"), x.route_id, status, h.reason,
           h.consecutive_failures, h.rate_limited_until_ms, h.next_probe_at_ms, h.probe_in_flight,
           x.applied);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, bucket_snapshot& x) {
  return f(caf::meta::type_name("bucket_snapshot"), x.provider_name, x.unlimited,
           x.cooldown_until_ms, x.key_failing, x.applied);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, usage_batch& x) {
  return f(caf::meta::type_name("usage_batch"), x.requests, x.tokens);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, call_settlement& x) {
  return f(caf::meta::type_name("call_settlement"), x.ticket, x.report, x.answered, x.abandoned);
}

} // namespace gw::actors

// CAF finds inspect() by argument-dependent lookup: the records' overloads sit in their own
// namespace, here, so that persistence/ itself never includes CAF.
namespace gw::persistence {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, quota_record& x) {
  return f(caf::meta::type_name("quota_record"), x.key, x.day, x.requests_today, x.tokens_today,
           x.minute_times_ms, x.minute_tokens, x.cooldown_until_ms, x.key_failing, x.updated_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, health_record& x) {
  return f(caf::meta::type_name("health_record"), x.route_id, x.provider_name, x.model_id, x.status,
           x.reason, x.consecutive_failures, x.rate_limited_until_ms, x.next_probe_at_ms,
           x.updated_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, usage_event& x) {
  return f(caf::meta::type_name("usage_event"), x.route_id, x.provider_name, x.model_id, x.outcome,
           x.status_code, x.prompt_tokens, x.completion_tokens, x.total_tokens, x.latency_ms,
           x.at_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, diagnosis_record& x) {
  return f(caf::meta::type_name("diagnosis_record"), x.run_id, x.started_ms, x.checked_at_ms,
           x.report_json, x.auto_applied_json);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, verdict_record& x) {
  return f(caf::meta::type_name("verdict_record"), x.key, x.free_chat_model, x.confidence, x.reason,
           x.sources, x.at_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, route_usage& x) {
  return f(caf::meta::type_name("route_usage"), x.route_id, x.total_events, x.successes, x.failures,
           x.rate_limits, x.timeouts, x.not_found, x.prompt_tokens, x.completion_tokens,
           x.total_tokens, x.last_used_at_ms, x.last_status_code);
}

} // namespace gw::persistence
