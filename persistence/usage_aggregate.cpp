#include "persistence/usage_aggregate.hpp"

#include <algorithm>

namespace gw::persistence {

outcome_counts classify_outcome(std::string_view outcome) {
  outcome_counts counts;
  if (outcome == "success") {
    counts.success = 1;
    return counts;
  }
  counts.failure = 1;
  if (outcome == "rate_limited") {
    counts.rate_limit = 1;
  } else if (outcome == "timeout") {
    counts.timeout = 1;
  } else if (outcome == "model_not_found") {
    counts.not_found = 1;
  }
  return counts;
}

void apply_event(route_usage& row, const usage_event& event) {
  auto counts = classify_outcome(event.outcome);
  if (row.route_id.empty()) {
    row.route_id = event.route_id;
  }
  row.total_events += 1;
  row.successes += counts.success;
  row.failures += counts.failure;
  row.rate_limits += counts.rate_limit;
  row.timeouts += counts.timeout;
  row.not_found += counts.not_found;
  row.prompt_tokens += event.prompt_tokens;
  row.completion_tokens += event.completion_tokens;
  row.total_tokens += event.total_tokens;
  if (row.total_events == 1 || event.at_ms >= row.last_used_at_ms) {
    row.last_status_code = event.status_code;
  }
  row.last_used_at_ms = std::max(row.last_used_at_ms, event.at_ms);
}

} // namespace gw::persistence
