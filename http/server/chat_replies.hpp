// The one place where a chat request's typed outcome becomes HTTP: status, X-Gateway-*
// headers and the OpenAI JSON body (contract §5, §6.3, §6.9). Pure functions of the outcome
// and the job's attempt record, so every reply shape is unit-tested without actors.
#pragma once

#include "actors/chat_job.hpp"
#include "catalog/attempt.hpp"
#include "http/server/http_types.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gw::server {

/// The attempts list as JSON (reference §7.5 field order; empty reason/status = null).
std::string attempts_json(const std::vector<catalog::attempt_record>& attempts);

/// The client's answer for `outcome` (not called for chat_streamed: the stream was the answer).
///  - served: 200 with the upstream body unchanged plus the X-Gateway-* headers;
///  - exhausted: 503 waterfall_exhausted with the attempts and, when known, Retry-After;
///  - deadline: 504 request_deadline_exceeded;
///  - caller error: the provider's status and message (contract §6.9).
/// A served answer's body is moved out of `outcome` into the response, not copied; the rest
/// of `outcome` stays as it was.
server_response chat_response(actors::chat_outcome& outcome, const actors::chat_job& job);

/// The message of a non-served outcome, for stream-route `error` events and the live monitor.
std::string chat_error_message(const actors::chat_outcome& outcome);

/// The error code of a non-served outcome (the `code` of its JSON reply), for stream-route
/// `error` events: waterfall_exhausted, request_deadline_exceeded, or a caller error's code.
std::string chat_error_code(const actors::chat_outcome& outcome);

/// GET /v1/models: the alias first, then every enabled route in rank order.
std::string model_list_json(std::string_view alias, const std::vector<catalog::route_ref>& routes,
                            int64_t created);

} // namespace gw::server
