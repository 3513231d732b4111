// A diagnosis report <-> JSON (reference §11.11 shape). The API answers it and the persistence
// actor stores it as it is, so that a restart shows the last report unchanged.
#pragma once

#include "catalog/diagnosis.hpp"
#include "core/expected.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace gw::catalog {

/// {"suggestion_id", "action", "provider_name", "model_id", "route_id", "title", "details",
///  "route": <route object> | null}
std::string suggestion_json(const suggestion& s);

/// A JSON array of suggestions.
std::string suggestions_json(const std::vector<suggestion>& list);

/// The inverse of suggestions_json (what maintenance applied, as stored).
gw::expected<std::vector<suggestion>> parse_suggestions_json(std::string_view json);

/// {"run_id", "started_at", "checked_at" (seconds, float), "providers": [...],
///  "suggestions": [...]}
std::string report_json(const diagnosis_report& report);

/// The inverse of report_json (a stored report); errc::invalid_request when it is not one.
gw::expected<diagnosis_report> parse_report_json(std::string_view json);

} // namespace gw::catalog
