// Reading the gateway's status bodies into the public values. Remote mode gets these bodies
// over HTTP, embedded mode from the router (the same JSON), so both parse them here.
#pragma once

#include "freerouter/result.hpp"
#include "freerouter/types.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace freerouter::detail {

/// GET /v1/gateway/models: {"data": [route + "health"]} -> sorted by rank (stable).
result<std::vector<model_info>> parse_models(std::string_view body);

/// GET /v1/providers/status. `now_ms` (epoch) dates the time until each day window resets.
result<std::vector<provider_status>> parse_status(std::string_view body, int64_t now_ms);

/// GET /v1/gateway/endpoint-diagnosis.
result<diagnosis_state> parse_diagnosis(std::string_view body);

/// POST /v1/gateway/endpoint-diagnosis/refresh: {"run_id": ..., "running": true}.
result<std::string> parse_diagnosis_started(std::string_view body);

/// The protocol_error for a body that is not what the API promises.
error unexpected_body(std::string_view what);

} // namespace freerouter::detail
