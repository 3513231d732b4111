// A diagnosis report <-> JSON. The reader is strict (every key the writer writes, with its
// type): it reads back a row this file wrote, and anything else is a corrupt row, reported as
// an error rather than half-read. Unknown keys are ignored, so a later version may add some.
#include "catalog/diagnosis_json.hpp"

#include "catalog/catalog_json.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>

namespace gw::catalog {

namespace {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;
using json_value = rapidjson::Value;

// Times are float seconds since the epoch, like the reference's time.time(). Readable range:
// up to the year 5000, where ms still convert to seconds and back exactly.
constexpr double max_seconds = 1.0e11;

void write_string(json_writer& w, const std::string& value) {
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void write_seconds(json_writer& w, int64_t ms) {
  w.Double(static_cast<double>(ms) / 1000.0);
}

void write_suggestion(json_writer& w, const suggestion& s) {
  w.StartObject();
  w.Key("suggestion_id");
  write_string(w, s.suggestion_id);
  w.Key("action");
  w.String(to_string(s.action));
  for (auto [key, value] : {std::pair{"provider_name", &s.provider_name},
                            std::pair{"model_id", &s.model_id}, std::pair{"route_id", &s.route_id},
                            std::pair{"title", &s.title}, std::pair{"details", &s.details}}) {
    w.Key(key);
    write_string(w, *value);
  }
  w.Key("route");
  if (s.new_route) {
    w.StartObject();
    write_route_fields(w, *s.new_route);
    w.EndObject();
  } else {
    w.Null();
  }
  w.EndObject();
}

void write_provider(json_writer& w, const provider_diagnosis& p) {
  w.StartObject();
  w.Key("provider_name");
  write_string(w, p.provider_name);
  w.Key("configured");
  w.Bool(p.configured);
  w.Key("ok");
  w.Bool(p.ok);
  for (auto [key, value] :
       {std::pair{"discovered_model_count", p.discovered_model_count},
        std::pair{"new_route_suggestion_count", p.new_route_suggestion_count},
        std::pair{"confirmed_route_count", p.confirmed_route_count},
        std::pair{"stale_route_suggestion_count", p.stale_route_suggestion_count},
        std::pair{"recovered_route_suggestion_count", p.recovered_route_suggestion_count}}) {
    w.Key(key);
    w.Int64(value);
  }
  w.Key("error");
  if (p.error.empty()) {
    w.Null();
  } else {
    write_string(w, p.error);
  }
  w.EndObject();
}

std::string take(const rapidjson::StringBuffer& buffer) {
  return {buffer.GetString(), buffer.GetSize()};
}

// ---- reading ----------------------------------------------------------------------------

gw::error invalid(const std::string& what) {
  return make_error(errc::invalid_request, "invalid diagnosis report: " + what);
}

// Reads the fields of one object; the first failure is kept and later reads are no-ops.
class object_reader {
public:
  object_reader(const json_value& object, std::string where, std::optional<gw::error>& failure)
      : object_(object), where_(std::move(where)), failure_(failure) {}

  void string(const char* key, std::string& out) {
    if (const auto* v = find(key, "a string", &json_value::IsString)) {
      out.assign(v->GetString(), v->GetStringLength());
    }
  }

  void integer(const char* key, int64_t& out) {
    if (const auto* v = find(key, "an integer", &json_value::IsInt64)) {
      out = v->GetInt64();
    }
  }

  void boolean(const char* key, bool& out) {
    if (const auto* v = find(key, "a boolean", &json_value::IsBool)) {
      out = v->GetBool();
    }
  }

  void optional_integer(const char* key, std::optional<int64_t>& out) {
    if (const auto* v = find(key, "an integer or null", &json_value::IsInt64, true)) {
      out = v->IsNull() ? std::nullopt : std::optional<int64_t>{v->GetInt64()};
    }
  }

  void optional_string(const char* key, std::string& out) {
    if (const auto* v = find(key, "a string or null", &json_value::IsString, true)) {
      out = v->IsNull() ? std::string{} : std::string{v->GetString(), v->GetStringLength()};
    }
  }

  void seconds(const char* key, int64_t& out_ms) {
    if (const auto* v = find(key, "a number of seconds", &json_value::IsNumber)) {
      double seconds = v->GetDouble();
      if (!(seconds >= 0.0 && seconds < max_seconds)) {
        fail(key, "a time between 1970 and the year 5000");
        return;
      }
      out_ms = std::llround(seconds * 1000.0);
    }
  }

  /// The member (object or array) for a nested reader; nullptr after a failure, or when it
  /// is null and `nullable`.
  const json_value* nested(const char* key, bool (json_value::*is)() const, const char* what,
                           bool nullable = false) {
    const auto* v = find(key, what, is, nullable);
    return v == nullptr || v->IsNull() ? nullptr : v;
  }

private:
  const json_value* find(const char* key, const char* what, bool (json_value::*is)() const,
                         bool nullable = false) {
    if (failure_) {
      return nullptr;
    }
    auto it = object_.FindMember(key);
    if (it == object_.MemberEnd()) {
      failure_ = invalid(where_ + ": missing '" + key + "'");
      return nullptr;
    }
    if (!(it->value.*is)() && !(nullable && it->value.IsNull())) {
      fail(key, what);
      return nullptr;
    }
    return &it->value;
  }

  void fail(const char* key, const char* what) {
    failure_ = invalid(where_ + ": '" + key + "' must be " + what);
  }

  const json_value& object_;
  std::string where_;
  std::optional<gw::error>& failure_;
};

route read_route(const json_value& v, const std::string& where, std::optional<gw::error>& failure) {
  route r;
  object_reader in{v, where, failure};
  in.string("route_id", r.route_id);
  in.string("provider_name", r.provider_name);
  in.string("model_id", r.model_id);
  in.string("display_name", r.display_name);
  in.integer("rank", r.rank);
  in.boolean("enabled", r.enabled);
  in.optional_integer("context_window", r.context_window);
  in.string("quality", r.quality);
  in.string("speed", r.speed);
  in.string("cost", r.cost);
  if (const auto* tags = in.nested("tags", &json_value::IsArray, "an array of strings")) {
    r.tags.clear();
    for (const auto& tag : tags->GetArray()) {
      if (!tag.IsString()) {
        failure = invalid(where + ": 'tags' must be an array of strings");
        break;
      }
      r.tags.emplace_back(tag.GetString(), tag.GetStringLength());
    }
  }
  in.string("notes", r.notes);
  in.string("source_url", r.source_url);
  in.optional_integer("rank_score", r.rank_score);
  in.string("rank_reason", r.rank_reason);
  in.string("rank_source", r.rank_source);
  return r;
}

suggestion read_suggestion(const json_value& v, const std::string& where,
                           std::optional<gw::error>& failure) {
  suggestion s;
  object_reader in{v, where, failure};
  in.string("suggestion_id", s.suggestion_id);
  std::string action;
  in.string("action", action);
  if (!failure) {
    if (auto parsed = suggestion_action_from(action)) {
      s.action = *parsed;
    } else {
      failure = invalid(where + ": unknown action '" + action + "'");
    }
  }
  in.string("provider_name", s.provider_name);
  in.string("model_id", s.model_id);
  in.string("route_id", s.route_id);
  in.string("title", s.title);
  in.string("details", s.details);
  if (const auto* r = in.nested("route", &json_value::IsObject, "a route object or null", true)) {
    s.new_route = read_route(*r, where + ".route", failure);
  }
  return s;
}

provider_diagnosis read_provider(const json_value& v, const std::string& where,
                                 std::optional<gw::error>& failure) {
  provider_diagnosis p;
  object_reader in{v, where, failure};
  in.string("provider_name", p.provider_name);
  in.boolean("configured", p.configured);
  in.boolean("ok", p.ok);
  in.integer("discovered_model_count", p.discovered_model_count);
  in.integer("new_route_suggestion_count", p.new_route_suggestion_count);
  in.integer("confirmed_route_count", p.confirmed_route_count);
  in.integer("stale_route_suggestion_count", p.stale_route_suggestion_count);
  in.integer("recovered_route_suggestion_count", p.recovered_route_suggestion_count);
  in.optional_string("error", p.error);
  return p;
}

std::vector<suggestion> read_suggestions(const json_value& list,
                                         std::optional<gw::error>& failure) {
  std::vector<suggestion> out;
  for (rapidjson::SizeType i = 0; i < list.Size() && !failure; ++i) {
    auto where = "suggestions[" + std::to_string(i) + "]";
    if (!list[i].IsObject()) {
      failure = invalid(where + " must be an object");
      break;
    }
    out.push_back(read_suggestion(list[i], where, failure));
  }
  return out;
}

} // namespace

std::string suggestion_json(const suggestion& s) {
  rapidjson::StringBuffer buffer;
  json_writer w{buffer};
  write_suggestion(w, s);
  return take(buffer);
}

std::string suggestions_json(const std::vector<suggestion>& list) {
  rapidjson::StringBuffer buffer;
  json_writer w{buffer};
  w.StartArray();
  for (const auto& s : list) {
    write_suggestion(w, s);
  }
  w.EndArray();
  return take(buffer);
}

std::string report_json(const diagnosis_report& report) {
  rapidjson::StringBuffer buffer;
  json_writer w{buffer};
  w.StartObject();
  w.Key("run_id");
  write_string(w, report.run_id);
  w.Key("started_at");
  write_seconds(w, report.started_ms);
  w.Key("checked_at");
  write_seconds(w, report.checked_at_ms);
  w.Key("providers");
  w.StartArray();
  for (const auto& p : report.providers) {
    write_provider(w, p);
  }
  w.EndArray();
  w.Key("suggestions");
  w.StartArray();
  for (const auto& s : report.suggestions) {
    write_suggestion(w, s);
  }
  w.EndArray();
  w.EndObject();
  return take(buffer);
}

gw::expected<diagnosis_report> parse_report_json(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(json.data(),
                                                                                    json.size());
  if (doc.HasParseError()) {
    return invalid("not JSON");
  }
  if (!doc.IsObject()) {
    return invalid("not an object");
  }
  diagnosis_report report;
  std::optional<gw::error> failure;
  object_reader in{doc, "report", failure};
  in.string("run_id", report.run_id);
  in.seconds("started_at", report.started_ms);
  in.seconds("checked_at", report.checked_at_ms);
  if (const auto* list = in.nested("providers", &json_value::IsArray, "an array")) {
    for (rapidjson::SizeType i = 0; i < list->Size() && !failure; ++i) {
      auto where = "providers[" + std::to_string(i) + "]";
      if (!(*list)[i].IsObject()) {
        failure = invalid(where + " must be an object");
        break;
      }
      report.providers.push_back(read_provider((*list)[i], where, failure));
    }
  }
  if (const auto* list = in.nested("suggestions", &json_value::IsArray, "an array")) {
    report.suggestions = read_suggestions(*list, failure);
  }
  if (failure) {
    return *failure;
  }
  return report;
}

gw::expected<std::vector<suggestion>> parse_suggestions_json(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(json.data(),
                                                                                    json.size());
  if (doc.HasParseError()) {
    return invalid("not JSON");
  }
  if (!doc.IsArray()) {
    return invalid("not an array");
  }
  std::optional<gw::error> failure;
  auto list = read_suggestions(doc, failure);
  if (failure) {
    return *failure;
  }
  return list;
}

} // namespace gw::catalog
