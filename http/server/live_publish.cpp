#include "http/server/live_publish.hpp"

#include "http/openai/error_body.hpp"
#include "http/openai/exact_json.hpp"
#include "http/openai/web_search.hpp"
#include "http/server/chat_replies.hpp"

#include <cmath>
#include <cstdio>
#include <utility>

namespace gw::server {

namespace {

/// The §12 limit for assistant_text (every other string: 1200).
constexpr size_t assistant_text_limit = 8000;

int64_t unix_now() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

/// Parses JSON text without recursion (upstream bodies may nest deeply); false on bad JSON.
bool parse_json(rapidjson::Document& doc, std::string_view text) {
  if (text.empty()) {
    return false;
  }
  doc.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  return !doc.HasParseError();
}

/// Builds one payload object: `{"k":v,...}` with keys in call order.
class payload_writer {
public:
  payload_writer() {
    out_.push_back('{');
  }

  payload_writer& raw(std::string_view key, std::string_view json) {
    append_key(key);
    out_.append(json);
    return *this;
  }

  payload_writer& text(std::string_view key, std::string_view value, size_t limit = 1200) {
    // StringRef rejects a null pointer, which an empty string_view may carry.
    const char* data = value.empty() ? "" : value.data();
    rapidjson::Value v(rapidjson::StringRef(data, static_cast<rapidjson::SizeType>(value.size())));
    return raw(key, openai::trim_payload(v, limit));
  }

  /// "" is written as null.
  payload_writer& text_or_null(std::string_view key, std::string_view value) {
    return value.empty() ? raw(key, "null") : text(key, value);
  }

  payload_writer& integer(std::string_view key, int64_t value) {
    return raw(key, std::to_string(value));
  }

  payload_writer& boolean(std::string_view key, bool value) {
    return raw(key, value ? "true" : "false");
  }

  payload_writer& value(std::string_view key, const rapidjson::Value& v) {
    return raw(key, openai::trim_payload(v));
  }

  /// JSON text, trimmed; text that does not parse is kept as a (trimmed) string.
  payload_writer& json_text(std::string_view key, std::string_view json) {
    rapidjson::Document doc;
    if (parse_json(doc, json)) {
      return value(key, doc);
    }
    return text(key, json);
  }

  /// Python's round(ms, 2); always a float literal ("12.0") as Python writes it.
  payload_writer& latency(double ms) {
    if (!std::isfinite(ms) || ms < 0) {
      ms = 0;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f", std::round(ms * 100.0) / 100.0);
    std::string number = buf;
    while (number.size() > 1 && number.back() == '0' && number[number.size() - 2] != '.') {
      number.pop_back();
    }
    return raw("latency_ms", number);
  }

  payload_writer& route(const live_route& r) {
    text("provider_name", r.provider_name);
    text("route_id", r.route_id);
    return text("model_id", r.model_id);
  }

  std::string finish() {
    out_.push_back('}');
    return std::move(out_);
  }

private:
  void append_key(std::string_view key) {
    if (out_.size() > 1) {
      out_.push_back(',');
    }
    openai::append_json_string(out_, key);
    out_.push_back(':');
  }

  std::string out_;
};

void publish(openai::live_ring& ring, const std::string& request_id, std::string_view type,
             payload_writer& payload) {
  ring.publish(type, request_id, unix_now(), payload.finish());
}

/// The most a deferred renderer may keep alive. The ring holds its last 1000 events, so a
/// renderer holding a whole request or answer kept up to 1000 bodies of up to
/// MAX_REQUEST_BODY_BYTES / MAX_UPSTREAM_RESPONSE_BYTES each (measured: +2.5 MB of resident
/// memory per 2 MB request, growing without end under such requests).
constexpr size_t deferred_capture_limit = size_t{64} * 1024;

/// Publishes an event whose payload `render` builds only when someone reads it: the hot path
/// (every chat request) then pays for a few copies, not for JSON parsing and writing. When
/// `captured_bytes` (what `render` keeps) is over deferred_capture_limit the payload is
/// rendered, trimmed, at once instead: the ring then holds kilobytes, not the body.
template <class Render>
void publish_deferred(openai::live_ring& ring, const std::string& request_id, std::string_view type,
                      size_t captured_bytes, Render&& render) {
  if (captured_bytes > deferred_capture_limit) {
    ring.publish(type, request_id, unix_now(), render());
    return;
  }
  ring.publish(type, request_id, unix_now(),
               openai::deferred_json::make(std::forward<Render>(render)));
}

/// The attempts count and the trimmed list; a value that is not an array counts 0.
void write_attempts(payload_writer& w, std::string_view attempts_detail_json) {
  rapidjson::Document doc;
  if (!parse_json(doc, attempts_detail_json) || !doc.IsArray()) {
    w.integer("attempts", 0).raw("attempts_detail", "[]");
    return;
  }
  w.integer("attempts", static_cast<int64_t>(doc.Size())).value("attempts_detail", doc);
}

/// The names of a route the waterfall shares (the catalog's record), for payloads rendered
/// later: the event keeps the record instead of copying its three strings.
live_route view_of(const catalog::route_ref& r) {
  return {r.provider_name, r.route_id, r.model_id};
}

const rapidjson::Value* member(const rapidjson::Value& v, const char* name) {
  if (!v.IsObject()) {
    return nullptr;
  }
  auto it = v.FindMember(name);
  return it == v.MemberEnd() ? nullptr : &it->value;
}

/// The payload of `request_started` for the client document `doc`.
std::string request_started_payload(std::string_view path, bool stream, std::string_view client_ip,
                                    const rapidjson::Value& doc) {
  payload_writer w;
  w.text("path", path).boolean("stream", stream);
  if (const auto* model = member(doc, "model"); model != nullptr) {
    w.value("model", *model);
  } else {
    w.raw("model", "null");
  }
  w.text_or_null("client_ip", client_ip).value("request_payload", doc);
  return w.finish();
}

} // namespace

double live_latency_ms(std::chrono::steady_clock::time_point started) {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now() - started).count();
}

std::string live_assistant_text(const rapidjson::Value& body) {
  return openai::assistant_text(body, openai::text_parts{'\n', false});
}

void publish_request_started(openai::live_ring& ring, const std::string& request_id,
                             std::string_view path, bool stream, std::string_view client_ip,
                             const rapidjson::Document& payload,
                             std::shared_ptr<const std::string> body) {
  if (!body || body->size() > deferred_capture_limit) {
    ring.publish("request_started", request_id, unix_now(),
                 request_started_payload(path, stream, client_ip, payload));
    return;
  }
  // Keeping the text, not the document: the ring frees each event long after its request,
  // when a document's pool would be cold memory; the text is the request's own (shared).
  size_t body_bytes = body->size(); // before the capture below moves `body`
  publish_deferred(ring, request_id, "request_started", body_bytes,
                   [path, stream, client_ip = std::string(client_ip), body = std::move(body)] {
                     rapidjson::Document doc;
                     // The same exact parse as parse_chat_request, which accepted this body.
                     openai::parse_exact(doc, *body);
                     return request_started_payload(path, stream, client_ip, doc);
                   });
}

void publish_request_rejected(openai::live_ring& ring, const std::string& request_id) {
  payload_writer w;
  w.integer("status_code", 429).text("reason", "request_queue_timeout");
  publish(ring, request_id, "request_rejected", w);
}

void publish_route_attempt(openai::live_ring& ring, const std::string& request_id,
                           std::string_view type, std::shared_ptr<const catalog::route_ref> route,
                           std::optional<std::string_view> reason) {
  publish_deferred(
    ring, request_id, "route_attempt", 0,
    [type = std::string(type), route = std::move(route), why = std::optional<std::string>(reason)] {
      payload_writer event;
      event.text("type", type).route(view_of(*route));
      if (why) {
        event.text_or_null("reason", *why);
      }
      payload_writer w;
      w.raw("route_event", event.finish());
      return w.finish();
    });
}

void publish_route_selected(openai::live_ring& ring, const std::string& request_id,
                            const live_route& route, std::string_view stream_event_json) {
  payload_writer w;
  w.route(route);
  if (!stream_event_json.empty()) {
    w.json_text("stream_event", stream_event_json);
  }
  publish(ring, request_id, "route_selected", w);
}

void publish_usage_update(openai::live_ring& ring, const std::string& request_id,
                          std::string_view usage_json) {
  payload_writer w;
  w.json_text("usage", usage_json);
  publish(ring, request_id, "usage_update", w);
}

void publish_response_content(openai::live_ring& ring, const std::string& request_id,
                              std::string_view stream_event_json, std::string_view content) {
  payload_writer w;
  w.json_text("stream_event", stream_event_json).text("content", content);
  publish(ring, request_id, "response_content", w);
}

void publish_request_completed(openai::live_ring& ring, const std::string& request_id,
                               std::shared_ptr<const catalog::route_ref> route,
                               std::vector<catalog::attempt_record> attempts,
                               std::string response_body, double latency_ms) {
  size_t body_bytes = response_body.size();
  publish_deferred(ring, request_id, "request_completed", body_bytes,
                   [route = std::move(route), attempts = std::move(attempts),
                    response_body = std::move(response_body), latency_ms] {
                     rapidjson::Document body;
                     bool parsed = parse_json(body, response_body);
                     payload_writer w;
                     w.integer("status_code", 200).route(view_of(*route));
                     write_attempts(w, attempts_json(attempts));
                     const rapidjson::Value* usage = parsed ? member(body, "usage") : nullptr;
                     if (usage != nullptr) {
                       w.value("usage", *usage);
                     } else {
                       w.raw("usage", "null");
                     }
                     w.text("assistant_text", parsed ? live_assistant_text(body) : std::string(),
                            assistant_text_limit);
                     if (parsed) {
                       w.value("response_body", body);
                     } else {
                       w.text("response_body", response_body);
                     }
                     w.latency(latency_ms);
                     return w.finish();
                   });
}

void publish_stream_completed(openai::live_ring& ring, const std::string& request_id,
                              int status_code, const live_route& route, double latency_ms) {
  payload_writer w;
  w.integer("status_code", status_code).route(route).latency(latency_ms);
  publish(ring, request_id, "request_completed", w);
}

void publish_stream_route_completed(openai::live_ring& ring, const std::string& request_id,
                                    const live_route& route, std::string_view assistant_text,
                                    std::string_view response_body_json, double latency_ms) {
  payload_writer event;
  event.text("type", "success").route(route);
  payload_writer w;
  w.integer("status_code", 200)
    .route(route)
    .raw("route_event", event.finish())
    .text("assistant_text", assistant_text, assistant_text_limit)
    .json_text("response_body", response_body_json)
    .latency(latency_ms);
  publish(ring, request_id, "request_completed", w);
}

void publish_request_failed(openai::live_ring& ring, const std::string& request_id,
                            const live_failure& failure) {
  payload_writer w;
  w.integer("status_code", failure.status_code).text("reason", failure.reason);
  if (failure.message) {
    w.text("message", *failure.message);
  }
  if (failure.attempts_detail_json) {
    write_attempts(w, *failure.attempts_detail_json);
  }
  if (failure.response_body_json) {
    w.json_text("response_body", *failure.response_body_json);
  }
  if (failure.latency_ms) {
    w.latency(*failure.latency_ms);
  }
  publish(ring, request_id, "request_failed", w);
}

void publish_validation_failed(openai::live_ring& ring, const std::string& request_id,
                               std::string_view message, bool stream, double latency_ms) {
  live_failure failure;
  failure.status_code = 400;
  failure.reason = "validation_error";
  failure.message = message;
  std::string detail;
  if (stream) {
    failure.latency_ms = latency_ms;
  } else {
    detail = "{\"detail\":";
    openai::append_json_string(detail, message);
    detail.push_back('}');
    failure.response_body_json = detail;
  }
  publish_request_failed(ring, request_id, failure);
}

void publish_waterfall_exhausted(openai::live_ring& ring, const std::string& request_id,
                                 std::string_view attempts_detail_json, double latency_ms) {
  live_failure failure;
  failure.status_code = 503;
  failure.reason = "waterfall_exhausted";
  failure.attempts_detail_json = attempts_detail_json;
  failure.latency_ms = latency_ms;
  publish_request_failed(ring, request_id, failure);
}

void publish_provider_error(openai::live_ring& ring, const std::string& request_id,
                            int upstream_status, std::string_view message,
                            std::string_view upstream_body, double latency_ms) {
  std::string body = R"({"error":{"message":)";
  openai::append_json_string(body, message);
  body.append(",\"status_code\":");
  body.append(upstream_status > 0 ? std::to_string(upstream_status) : std::string("null"));
  body.append(",\"body\":");
  openai::append_json_string(body, upstream_body);
  body.append("}}");
  live_failure failure;
  failure.status_code = upstream_status > 0 ? upstream_status : 502;
  failure.reason = "provider_error";
  failure.message = message;
  failure.response_body_json = body;
  failure.latency_ms = latency_ms;
  publish_request_failed(ring, request_id, failure);
}

void publish_request_closed(openai::live_ring& ring, const std::string& request_id,
                            double latency_ms) {
  payload_writer w;
  w.integer("status_code", 499).text("reason", "client_closed_or_stream_interrupted");
  w.latency(latency_ms);
  publish(ring, request_id, "request_closed", w);
}

} // namespace gw::server
