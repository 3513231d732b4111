#include "tests/support/fake_responses.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <ctime>

namespace gw::fake {

namespace {

using writer_type = rapidjson::Writer<rapidjson::StringBuffer>;

void put(writer_type& w, std::string_view text) {
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void write_usage(writer_type& w, usage_counts usage) {
  w.Key("usage");
  w.StartObject();
  w.Key("prompt_tokens");
  w.Int64(usage.prompt_tokens);
  w.Key("completion_tokens");
  w.Int64(usage.completion_tokens);
  w.Key("total_tokens");
  w.Int64(usage.prompt_tokens + usage.completion_tokens);
  w.EndObject();
}

void write_header(writer_type& w, std::string_view id, std::string_view object,
                  std::string_view model) {
  w.Key("id");
  put(w, id);
  w.Key("object");
  put(w, object);
  w.Key("created");
  w.Int64(static_cast<int64_t>(std::time(nullptr)));
  w.Key("model");
  put(w, model);
}

} // namespace

std::string completion_json(std::string_view id, std::string_view model, std::string_view content,
                            usage_counts usage) {
  rapidjson::StringBuffer sb;
  writer_type w(sb);
  w.StartObject();
  write_header(w, id, "chat.completion", model);
  w.Key("choices");
  w.StartArray();
  w.StartObject();
  w.Key("index");
  w.Int(0);
  w.Key("message");
  w.StartObject();
  w.Key("role");
  w.String("assistant");
  w.Key("content");
  put(w, content);
  w.EndObject();
  w.Key("finish_reason");
  w.String("stop");
  w.EndObject();
  w.EndArray();
  write_usage(w, usage);
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

std::string chunk_json(std::string_view id, std::string_view model, std::string_view content,
                       bool with_role, bool last) {
  rapidjson::StringBuffer sb;
  writer_type w(sb);
  w.StartObject();
  write_header(w, id, "chat.completion.chunk", model);
  w.Key("choices");
  w.StartArray();
  w.StartObject();
  w.Key("index");
  w.Int(0);
  w.Key("delta");
  w.StartObject();
  if (with_role) {
    w.Key("role");
    w.String("assistant");
  }
  w.Key("content");
  put(w, content);
  w.EndObject();
  w.Key("finish_reason");
  if (last) {
    w.String("stop");
  } else {
    w.Null();
  }
  w.EndObject();
  w.EndArray();
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

std::string usage_chunk_json(std::string_view id, std::string_view model, usage_counts usage) {
  rapidjson::StringBuffer sb;
  writer_type w(sb);
  w.StartObject();
  write_header(w, id, "chat.completion.chunk", model);
  w.Key("choices");
  w.StartArray();
  w.EndArray();
  write_usage(w, usage);
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

std::string error_json(std::string_view message, std::string_view type, std::string_view code,
                       std::string_view retry_delay) {
  rapidjson::StringBuffer sb;
  writer_type w(sb);
  w.StartObject();
  w.Key("error");
  w.StartObject();
  w.Key("message");
  put(w, message);
  w.Key("type");
  put(w, type);
  w.Key("param");
  w.Null();
  w.Key("code");
  put(w, code);
  if (!retry_delay.empty()) {
    w.Key("status");
    w.String("RESOURCE_EXHAUSTED");
    w.Key("details");
    w.StartArray();
    w.StartObject();
    w.Key("@type");
    w.String("type.googleapis.com/google.rpc.RetryInfo");
    w.Key("retryDelay");
    put(w, retry_delay);
    w.EndObject();
    w.EndArray();
  }
  w.EndObject();
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

std::string models_json(const std::vector<std::string>& ids) {
  rapidjson::StringBuffer sb;
  writer_type w(sb);
  w.StartObject();
  w.Key("object");
  w.String("list");
  w.Key("data");
  w.StartArray();
  for (const auto& id : ids) {
    w.StartObject();
    w.Key("id");
    put(w, id);
    w.Key("object");
    w.String("model");
    w.Key("owned_by");
    w.String("fake");
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

} // namespace gw::fake
