// The bodies and headers the waterfall answers with. Pure functions of the job's record,
// so every reply shape is unit-tested without actors.
#pragma once

#include "actors/chat_job.hpp"
#include "catalog/model_catalog.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gw::actors {

/// The attempts list as JSON (reference §7.5 field order; empty reason/status = null).
std::string attempts_json(const std::vector<attempt_record>& attempts);

/// 200 with the upstream body unchanged plus the X-Gateway-* headers of contract §5.
chat_reply success_reply(const chat_job& job, const candidate& winner, std::string body);

/// 503 waterfall_exhausted with the attempts and, when known, Retry-After (contract §6.3).
chat_reply exhausted_reply(const chat_job& job, int64_t now_ms);

/// 504 when REQUEST_DEADLINE_SECONDS elapsed before any route answered.
chat_reply deadline_reply(const chat_job& job, int64_t deadline_seconds);

/// The caller's own mistake reported by a provider: upstream status and message (contract §6.9).
chat_reply caller_error_reply(const chat_job& job, const candidate& route, int status,
                              std::string_view upstream_body);

/// GET /v1/models: the alias first, then every enabled route in rank order.
std::string model_list_json(const catalog::model_catalog& catalog, std::string_view alias,
                            int64_t created);

} // namespace gw::actors
