// How one finished attempt changes the all-time usage counters (reference §5.11, with every
// non-success outcome counted as a failure). One rule shared by the SQL UPSERT in the store
// and the persistence actor's in-memory copy, so both always agree.
#pragma once

#include "persistence/records.hpp"

#include <cstdint>
#include <string_view>

namespace gw::persistence {

/// The counter increments (0 or 1) an event's outcome contributes.
struct outcome_counts {
  int64_t success = 0;
  int64_t failure = 0;
  int64_t rate_limit = 0;
  int64_t timeout = 0;
  int64_t not_found = 0;
};

/// "success" is the only success; "rate_limited", "timeout" and "model_not_found" also feed
/// their own counters; any other outcome name is a plain failure.
outcome_counts classify_outcome(std::string_view outcome);

/// Adds `event` to `row`. last_status_code follows the newest event: a later or equal
/// at_ms wins, so of two events in the same millisecond the one recorded last counts.
void apply_event(route_usage& row, const usage_event& event);

} // namespace gw::persistence
