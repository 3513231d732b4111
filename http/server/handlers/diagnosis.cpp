// Endpoint diagnosis (reference §11.11-11.13, issue 10): the status with the last report, a
// refresh that answers at once with the run's id (the run goes on in the diagnosis actor;
// the status shows it running, then its report), and applying suggestions.
#include "actors/protocol.hpp"
#include "catalog/diagnosis_json.hpp"
#include "http/server/handlers/handlers.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>

namespace gw::server {

namespace {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;
constexpr auto diagnosis_timeout = std::chrono::seconds(30);

void write_string(json_writer& w, const std::string& value) {
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

/// Instants as Unix seconds with milliseconds, null when unknown.
void write_instant(json_writer& w, int64_t ms) {
  if (ms <= 0) {
    w.Null();
  } else {
    w.Double(static_cast<double>(ms) / 1000.0);
  }
}

void write_raw(json_writer& w, const std::string& json) {
  w.RawValue(json.data(), json.size(), rapidjson::kObjectType);
}

std::string status_json(const actors::diagnosis_status& s) {
  rapidjson::StringBuffer out;
  json_writer w(out);
  w.StartObject();
  w.Key("enabled");
  w.Bool(s.enabled);
  w.Key("auto_maintenance_enabled");
  w.Bool(s.auto_maintenance_enabled);
  w.Key("supervisor_enabled");
  w.Bool(s.supervisor_enabled);
  w.Key("running");
  w.Bool(s.running);
  w.Key("run_id");
  if (s.run_id.empty()) {
    w.Null();
  } else {
    write_string(w, s.run_id);
  }
  w.Key("running_since");
  write_instant(w, s.running ? s.running_since_ms : 0);
  w.Key("next_run_at");
  write_instant(w, s.next_run_at_ms);
  w.Key("last_auto_applied");
  write_raw(w, catalog::suggestions_json(s.last_auto_applied));
  w.Key("last_report");
  if (s.last_report) {
    write_raw(w, catalog::report_json(*s.last_report));
  } else {
    w.Null();
  }
  w.EndObject();
  return {out.GetString(), out.GetSize()};
}

server_response unavailable() {
  return error_response(503, "Endpoint diagnosis is not available", "server_error",
                        "diagnosis_unavailable");
}

/// {"suggestion_ids": ["...", ...]}, or nullopt when the body is not that.
std::optional<std::vector<std::string>> suggestion_ids(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return std::nullopt;
  }
  auto it = doc.FindMember("suggestion_ids");
  if (it == doc.MemberEnd() || !it->value.IsArray()) {
    return std::nullopt;
  }
  std::vector<std::string> ids;
  for (const auto& id : it->value.GetArray()) {
    if (!id.IsString()) {
      return std::nullopt;
    }
    ids.emplace_back(id.GetString(), id.GetStringLength());
  }
  return ids;
}

} // namespace

void handle_diagnosis_status(const gateway_context& ctx, server_request&, const exchange_ptr& ex,
                             const path_params&) {
  if (!ctx.diagnosis) {
    ex->respond(unavailable());
    return;
  }
  auto bridge = [](caf::event_based_actor* self, const actors::diagnosis_actor& diagnosis,
                   const exchange_ptr& client) {
    self->request(diagnosis, diagnosis_timeout, caf::get_atom_v, atom::diagnosis_v)
      .then(
        [client](actors::diagnosis_status& status) {
          client->respond(json_response(200, status_json(status)));
        },
        [client](caf::error&) { client->respond(unavailable()); });
  };
  ctx.system->spawn(bridge, ctx.diagnosis, ex);
}

void handle_diagnosis_refresh(const gateway_context& ctx, server_request&, const exchange_ptr& ex,
                              const path_params&) {
  if (!ctx.diagnosis) {
    ex->respond(unavailable());
    return;
  }
  auto bridge = [](caf::event_based_actor* self, const actors::diagnosis_actor& diagnosis,
                   const exchange_ptr& client) {
    self->request(diagnosis, diagnosis_timeout, atom::refresh_v)
      .then(
        [client](actors::diagnosis_ticket& ticket) {
          rapidjson::StringBuffer out;
          json_writer w(out);
          w.StartObject();
          w.Key("run_id");
          write_string(w, ticket.run_id);
          w.Key("running");
          w.Bool(true);
          w.Key("joined");
          w.Bool(ticket.joined);
          w.Key("status_url");
          w.String("/v1/gateway/endpoint-diagnosis");
          w.EndObject();
          client->respond(json_response(202, {out.GetString(), out.GetSize()}));
        },
        [client](caf::error&) { client->respond(unavailable()); });
  };
  ctx.system->spawn(bridge, ctx.diagnosis, ex);
}

void handle_diagnosis_apply(const gateway_context& ctx, server_request& req, const exchange_ptr& ex,
                            const path_params&) {
  auto ids = suggestion_ids(req.body);
  if (!ids) {
    ex->respond(error_response(400, "Expected { suggestion_ids: [string, ...] }",
                               "invalid_request_error", "invalid_suggestion_ids",
                               "suggestion_ids"));
    return;
  }
  if (!ctx.diagnosis) {
    ex->respond(unavailable());
    return;
  }
  auto bridge = [](caf::event_based_actor* self, const actors::diagnosis_actor& diagnosis,
                   const exchange_ptr& client, std::vector<std::string> wanted) {
    self->request(diagnosis, diagnosis_timeout, atom::apply_v, std::move(wanted))
      .then(
        [client](actors::applied_suggestions& result) {
          if (!result.error.empty()) {
            client->respond(
              error_response(500, result.error, "server_error", "catalog_write_failed"));
            return;
          }
          client->respond(
            json_response(200, "{\"data\":" + catalog::suggestions_json(result.applied) + "}"));
        },
        [client](caf::error&) { client->respond(unavailable()); });
  };
  ctx.system->spawn(bridge, ctx.diagnosis, ex, std::move(*ids));
}

} // namespace gw::server
