#include "catalog/usage.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>

namespace gw::catalog {

namespace {

int64_t count_of(const rapidjson::Value& usage, const char* name) {
  auto it = usage.FindMember(name);
  if (it == usage.MemberEnd() || !it->value.IsNumber()) {
    return 0;
  }
  const auto& v = it->value;
  if (v.IsInt64()) {
    return std::max<int64_t>(0, v.GetInt64());
  }
  double d = v.GetDouble();
  // Counts above 2^53 are not real token counts; clamp rather than overflow.
  if (!std::isfinite(d) || d <= 0) {
    return 0;
  }
  return d >= 9.0e15 ? int64_t{9'000'000'000'000'000} : static_cast<int64_t>(d);
}

} // namespace

usage_counts usage_from_value(const rapidjson::Value& doc) {
  usage_counts out;
  if (!doc.IsObject()) {
    return out;
  }
  auto usage = doc.FindMember("usage");
  if (usage == doc.MemberEnd() || !usage->value.IsObject()) {
    return out;
  }
  out.present = true;
  out.prompt_tokens = count_of(usage->value, "prompt_tokens");
  out.completion_tokens = count_of(usage->value, "completion_tokens");
  out.total_tokens = count_of(usage->value, "total_tokens");
  if (out.total_tokens == 0) {
    out.total_tokens = out.prompt_tokens + out.completion_tokens;
  }
  return out;
}

} // namespace gw::catalog
