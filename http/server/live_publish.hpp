// What the gateway tells the live monitor (reference §12 event table): one function per event,
// payload keys and their order exactly as in the table, every client- or upstream-supplied
// value trimmed. Called from handlers and the router on any thread; each call is one O(1)
// publish into the ring (slow feed subscribers drop their oldest events instead of waiting).
// The per-request events render their payload only when first read (deferred_json).
#pragma once

#include "catalog/attempt.hpp"
#include "http/openai/live_events.hpp"

#include <rapidjson/document.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gw::server {

/// The route a live event talks about.
struct live_route {
  std::string_view provider_name;
  std::string_view route_id;
  std::string_view model_id;
};

/// Milliseconds since `started`, the `latency_ms` of terminal events.
double live_latency_ms(std::chrono::steady_clock::time_point started);

/// `request_started` {path, stream, model, client_ip, request_payload}: `path` is text with
/// static storage (an endpoint's pattern), kept as a view; `model` is the
/// payload's own `model` value (null when absent), `request_payload` the trimmed payload.
/// `payload` is the client document parsed (by parse_chat_request) from `body`. A small
/// body is kept (shared, not copied) and parsed again only if the event is read, so the
/// document itself is freed with the request; a large or absent one is rendered from
/// `payload` at once.
void publish_request_started(openai::live_ring& ring, const std::string& request_id,
                             std::string_view path, bool stream, std::string_view client_ip,
                             const rapidjson::Document& payload,
                             std::shared_ptr<const std::string> body);

/// `request_rejected` {status_code: 429, reason: "request_queue_timeout"} (limiter refusal).
void publish_request_rejected(openai::live_ring& ring, const std::string& request_id);

/// `route_attempt` {route_event: {type, provider_name, route_id, model_id[, reason]}};
/// `type` is route_trying, route_skip, route_fail or route_flagged. `reason`: nullopt leaves
/// the key out (OpenAI-stream route_trying), "" writes null (stream-route route_trying).
void publish_route_attempt(openai::live_ring& ring, const std::string& request_id,
                           std::string_view type, std::shared_ptr<const catalog::route_ref> route,
                           std::optional<std::string_view> reason);

/// `route_selected` {provider_name, route_id, model_id[, stream_event]}; `stream_event_json`
/// (stream-route only) is the protocol event as JSON text, left out when empty.
void publish_route_selected(openai::live_ring& ring, const std::string& request_id,
                            const live_route& route, std::string_view stream_event_json = {});

/// `usage_update` {usage}; `usage_json` is the upstream usage object as JSON text.
void publish_usage_update(openai::live_ring& ring, const std::string& request_id,
                          std::string_view usage_json);

/// `response_content` {stream_event, content} (stream-route only).
void publish_response_content(openai::live_ring& ring, const std::string& request_id,
                              std::string_view stream_event_json, std::string_view content);

/// Non-streaming success: `request_completed` {status_code: 200, provider_name, route_id,
/// model_id, attempts, usage, attempts_detail, assistant_text, response_body, latency_ms}.
/// `attempts` counts the entries of `attempts_detail_json` (the attempts array as JSON text);
/// usage, assistant text (limit 8000, parts joined with "\n") and the trimmed body are
/// taken from `response_body` (the upstream's JSON text); a large body is rendered at once
/// rather than kept in the ring until read.
void publish_request_completed(openai::live_ring& ring, const std::string& request_id,
                               std::shared_ptr<const catalog::route_ref> route,
                               std::vector<catalog::attempt_record> attempts,
                               std::string response_body, double latency_ms);

/// OpenAI-stream success: `request_completed` {status_code, provider_name, route_id,
/// model_id, latency_ms}.
void publish_stream_completed(openai::live_ring& ring, const std::string& request_id,
                              int status_code, const live_route& route, double latency_ms);

/// Stream-route success: `request_completed` {status_code: 200, provider_name, route_id,
/// model_id, route_event: {type: "success", provider_name, route_id, model_id},
/// assistant_text, response_body, latency_ms}; `response_body_json` is JSON text.
void publish_stream_route_completed(openai::live_ring& ring, const std::string& request_id,
                                    const live_route& route, std::string_view assistant_text,
                                    std::string_view response_body_json, double latency_ms);

/// Any `request_failed`. Keys appear in this order; an unset optional (or empty JSON text)
/// leaves its key out.
struct live_failure {
  int status_code = 502;
  std::string_view reason;
  std::optional<std::string_view> message;
  /// The attempts array as JSON text; also yields `attempts` (its length) before it.
  std::optional<std::string_view> attempts_detail_json;
  /// JSON text, trimmed; text that is not JSON is written as a (trimmed) string.
  std::optional<std::string_view> response_body_json;
  std::optional<double> latency_ms;
};

void publish_request_failed(openai::live_ring& ring, const std::string& request_id,
                            const live_failure& failure);

/// 400 validation_error: non-streaming {status_code, reason, message, response_body:
/// {"detail": message}}; streaming {status_code, reason, message, latency_ms}.
void publish_validation_failed(openai::live_ring& ring, const std::string& request_id,
                               std::string_view message, bool stream, double latency_ms);

/// 503 waterfall_exhausted {status_code, reason, attempts, attempts_detail, latency_ms}.
void publish_waterfall_exhausted(openai::live_ring& ring, const std::string& request_id,
                                 std::string_view attempts_detail_json, double latency_ms);

/// provider_error {status_code (upstream status, 502 when 0), reason, message, response_body:
/// {error: {message, status_code, body}}, latency_ms}; `upstream_body` is the raw body text.
void publish_provider_error(openai::live_ring& ring, const std::string& request_id,
                            int upstream_status, std::string_view message,
                            std::string_view upstream_body, double latency_ms);

/// `request_closed` {status_code: 499, reason: "client_closed_or_stream_interrupted",
/// latency_ms} (stream-route ended without done/error).
void publish_request_closed(openai::live_ring& ring, const std::string& request_id,
                            double latency_ms);

/// The monitor's assistant text of a chat answer: the first non-blank of top-level
/// `content`, `message.content`, `choices[0].message.content`, `choices[0].text`; a list of
/// parts is joined with "\n" (strings as they are, objects by a string `text` or `content`).
std::string live_assistant_text(const rapidjson::Value& body);

} // namespace gw::server
