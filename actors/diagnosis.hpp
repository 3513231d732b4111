// Diagnosis actor: endpoint diagnosis on timers and on demand (reference §13, issue 10).
//
// One run lists every configured provider's models at once through the provider's own actor
// (its client, key and base URL), compares each listing with the catalog (the pure rules of
// catalog/diagnosis.hpp) and probes the catalog routes a listing no longer shows. Every call
// is reserved in the provider's quota bucket like any request and reconciled after it, so a
// 429 cools the provider. A provider that fails or hangs ends with an error of its own (each
// step is bounded by REQUEST_TIMEOUT_SECONDS) and never holds up the others.
//
// Only one run at a time: a refresh during a run joins it. The report of each run is stored
// through the persistence actor and restored at start-up. Scheduled runs apply their safe
// suggestions (remove dead routes, restore recovered ones) when maintenance is on; add
// suggestions wait for a person. Models a listing does not prove free can be judged by an
// LLM asked through the gateway's own waterfall (the supervisor); its verdicts are stored.
#pragma once

#include "actors/clock.hpp"
#include "actors/protocol.hpp"
#include "catalog/diagnosis.hpp"
#include "catalog/provider_spec.hpp"
#include "core/log.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace gw::metrics {
class gateway_metrics;
} // namespace gw::metrics

namespace gw::actors {

struct diagnosis_settings {
  /// AUTO_ENDPOINT_DIAGNOSIS_ENABLED: scheduled runs (refresh works either way).
  bool scheduled = true;
  /// AUTO_ENDPOINT_MAINTENANCE_ENABLED: scheduled runs apply their safe suggestions.
  bool maintenance = true;
  std::chrono::milliseconds startup_delay{10'000};
  std::chrono::milliseconds interval{21'600'000};
  /// REQUEST_TIMEOUT_SECONDS: bounds each listing and probe.
  std::chrono::milliseconds request_timeout{90'000};
  /// ENDPOINT_DIAGNOSIS_SUPERVISOR_ENABLED / _MODEL (empty model = the alias).
  bool supervisor = false;
  std::string supervisor_model;
  /// GATEWAY_MODEL_NAME, the supervisor's model when none is set.
  std::string alias = "auto";
  /// Failed maintenance and an unreadable stored report are logged here.
  log::logger log;
};

/// One provider account as diagnosis sees it.
struct diagnosed_provider {
  std::shared_ptr<const catalog::provider_spec> spec;
  provider_actor client;
  /// Invalid = no quota tracking (tests).
  quota_bucket_actor bucket;
};

struct diagnosis_wiring {
  /// Registry order: the report lists providers in this order.
  std::vector<diagnosed_provider> providers;
  router_actor router;
  /// Invalid = nothing stored (tests).
  persistence_actor persistence;
  /// What the store held from the last run (restored at start-up).
  std::optional<diagnosis_record> restored;
  std::vector<verdict_record> verdicts;
  wall_clock now = system_wall_clock();
  /// Null = no metrics (tests). Must outlive the actor.
  metrics::gateway_metrics* metrics = nullptr;
};

/// One provider's part of the run going on.
struct provider_step {
  catalog::provider_diagnosis diagnosis;
  std::vector<catalog::suggestion> suggestions;
  bool done = false;
};

/// The run going on.
struct diagnosis_run {
  std::string run_id;
  int64_t started_ms = 0;
  /// Started by the timer: maintenance may apply its safe suggestions.
  bool scheduled = false;
  /// The catalog as it was when the run started.
  std::shared_ptr<const catalog_entries> catalog;
  std::vector<provider_step> steps;
  size_t left = 0;
};

struct diagnosis_state {
  static inline const char* const name = "diagnosis";
  diagnosis_settings settings;
  diagnosis_wiring wiring;
  std::optional<diagnosis_run> running;
  std::optional<catalog::diagnosis_report> last_report;
  std::vector<catalog::suggestion> last_auto_applied;
  /// Supervisor verdicts by "provider::model" (lowercase).
  std::unordered_map<std::string, catalog::supervisor_verdict> verdicts;
  /// Supervisor questions in flight, answered through atom::verdict.
  std::map<uint64_t, std::function<void(catalog::supervisor_verdict)>> asking;
  uint64_t next_question = 0;
  uint64_t runs_started = 0;
  int64_t next_run_at_ms = 0;
};

using diagnosis_ptr = diagnosis_actor::stateful_pointer<diagnosis_state>;

diagnosis_actor::behavior_type diagnosis(diagnosis_ptr self, diagnosis_settings settings,
                                         diagnosis_wiring wiring);

} // namespace gw::actors
