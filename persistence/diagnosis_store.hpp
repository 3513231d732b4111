// Endpoint diagnosis in SQLite: each run's report (the last few kept, the newest restored at
// start-up so a restart shows it) and the supervisor's verdicts (each model asked once).
#pragma once

#include "core/expected.hpp"
#include "persistence/records.hpp"
#include "persistence/sqlite.hpp"

#include <optional>
#include <vector>

namespace gw::persistence {

/// Reports kept; older runs are deleted when a new one is saved.
constexpr int64_t kept_diagnosis_runs = 20;

/// Stores the run (replacing a stored run with the same run_id: maintenance re-saves it).
std::optional<gw::error> save_diagnosis(database& db, const diagnosis_record& run);

/// The newest stored run, or nullopt when there is none.
gw::expected<std::optional<diagnosis_record>> load_last_diagnosis(const database& db);

/// Upserts one verdict.
std::optional<gw::error> save_verdict(database& db, const verdict_record& verdict);

/// Every stored verdict, by key.
gw::expected<std::vector<verdict_record>> load_verdicts(const database& db);

} // namespace gw::persistence
