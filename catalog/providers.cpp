#include "catalog/providers.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace gw::catalog {

namespace {

provider_spec make_builtin(std::string name, std::string base_url, std::string default_model,
                           std::optional<int64_t> max_context_tokens) {
  provider_spec spec;
  spec.api_key_env = provider_env_stem(name) + "_API_KEY";
  spec.name = std::move(name);
  spec.base_url = std::move(base_url);
  spec.default_model = std::move(default_model);
  spec.max_context_tokens = max_context_tokens;
  return spec;
}

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) {
    return false;
  }
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) {
      return false;
    }
  }
  return true;
}

/// Strips trailing '/', requires http(s)://host. nullopt = unusable.
std::optional<std::string> normal_base_url(std::string_view url) {
  while (!url.empty() && std::isspace(static_cast<unsigned char>(url.back()))) {
    url.remove_suffix(1);
  }
  while (!url.empty() && std::isspace(static_cast<unsigned char>(url.front()))) {
    url.remove_prefix(1);
  }
  while (!url.empty() && url.back() == '/') {
    url.remove_suffix(1);
  }
  size_t scheme = starts_with_ci(url, "https://") ? 8 : starts_with_ci(url, "http://") ? 7 : 0;
  if (scheme == 0 || url.size() == scheme) {
    return std::nullopt;
  }
  for (char c : url) {
    if (std::isspace(static_cast<unsigned char>(c))
        || std::iscntrl(static_cast<unsigned char>(c))) {
      return std::nullopt;
    }
  }
  return std::string{url};
}

bool valid_provider_name(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  for (char c : name) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c))
          || c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

bool valid_env_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) {
    return false;
  }
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) {
      return false;
    }
  }
  return true;
}

/// Header names are tokens; values must not smuggle in CR/LF (header injection).
bool valid_header(std::string_view name, std::string_view value) {
  if (name.empty()) {
    return false;
  }
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c))
          || std::string_view{"!#$%&'*+-.^_`|~"}.find(c) != std::string_view::npos)) {
      return false;
    }
  }
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') {
      return false;
    }
  }
  return true;
}

/// An IANA name; checked against the system zone database when the machine has one.
bool valid_time_zone(std::string_view zone) {
  if (zone.empty() || zone.front() == '/' || zone.find("..") != std::string_view::npos) {
    return false;
  }
  for (char c : zone) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '+'
          || c == '/')) {
      return false;
    }
  }
  std::error_code ec;
  const std::filesystem::path zoneinfo{"/usr/share/zoneinfo"};
  if (!std::filesystem::is_directory(zoneinfo, ec)) {
    return true;
  }
  return std::filesystem::is_regular_file(zoneinfo / std::string{zone}, ec);
}

/// Formats "<path>: entry <i> (<name>): <problem>".
struct entry_context {
  const std::string& path;
  size_t index;
  std::string name;

  gw::error fail(const std::string& problem) const {
    return gw::make_error(errc::config_error, path + ": entry " + std::to_string(index) + " ("
                                                + (name.empty() ? "unnamed" : name)
                                                + "): " + problem);
  }
};

using json_value = rapidjson::Value;

/// A quota or token count: a positive integer, or null for "unlimited / unset".
std::optional<gw::error> read_count(const entry_context& ctx, const char* field,
                                    const json_value& v, std::optional<int64_t>& out) {
  if (v.IsNull()) {
    out.reset();
    return std::nullopt;
  }
  if (!v.IsInt64() || v.GetInt64() < 1) {
    return ctx.fail(std::string{"'"} + field + "' must be a positive integer or null");
  }
  out = v.GetInt64();
  return std::nullopt;
}

std::optional<gw::error> read_string(const entry_context& ctx, const char* field,
                                     const json_value& v, std::string& out) {
  if (!v.IsString() || v.GetStringLength() == 0) {
    return ctx.fail(std::string{"'"} + field + "' must be a non-empty string");
  }
  out.assign(v.GetString(), v.GetStringLength());
  return std::nullopt;
}

/// Applies one field of an entry to `spec`.
std::optional<gw::error> apply_field(const entry_context& ctx, std::string_view field,
                                     const json_value& v, provider_spec& spec) {
  if (field == "name") {
    return std::nullopt; // checked by the caller
  }
  if (field == "base_url") {
    std::string raw;
    if (auto err = read_string(ctx, "base_url", v, raw)) {
      return err;
    }
    auto url = normal_base_url(raw);
    if (!url) {
      return ctx.fail("'base_url' must start with http:// or https:// and name a host, got '" + raw
                      + "'");
    }
    spec.base_url = std::move(*url);
    return std::nullopt;
  }
  if (field == "api_key_env") {
    std::string name;
    if (auto err = read_string(ctx, "api_key_env", v, name)) {
      return err;
    }
    if (!valid_env_name(name)) {
      return ctx.fail("'api_key_env' must be a variable name ([A-Za-z_][A-Za-z0-9_]*), got '" + name
                      + "'");
    }
    spec.api_key_env = config::upper_key(name);
    return std::nullopt;
  }
  if (field == "requests_per_minute") {
    return read_count(ctx, "requests_per_minute", v, spec.quota.requests_per_minute);
  }
  if (field == "requests_per_day") {
    return read_count(ctx, "requests_per_day", v, spec.quota.requests_per_day);
  }
  if (field == "tokens_per_minute") {
    return read_count(ctx, "tokens_per_minute", v, spec.quota.tokens_per_minute);
  }
  if (field == "tokens_per_day") {
    return read_count(ctx, "tokens_per_day", v, spec.quota.tokens_per_day);
  }
  if (field == "max_context_tokens") {
    return read_count(ctx, "max_context_tokens", v, spec.max_context_tokens);
  }
  if (field == "default_model") {
    return read_string(ctx, "default_model", v, spec.default_model);
  }
  if (field == "extra_headers") {
    if (!v.IsObject() && !v.IsNull()) {
      return ctx.fail("'extra_headers' must be an object of strings");
    }
    spec.extra_headers.clear();
    if (v.IsNull()) {
      return std::nullopt;
    }
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
      std::string name{m->name.GetString(), m->name.GetStringLength()};
      if (!m->value.IsString()) {
        return ctx.fail("'extra_headers' value of '" + name + "' must be a string");
      }
      std::string value{m->value.GetString(), m->value.GetStringLength()};
      if (!valid_header(name, value)) {
        return ctx.fail("'extra_headers' has an invalid header '" + name + "'");
      }
      spec.extra_headers.emplace_back(std::move(name), std::move(value));
    }
    return std::nullopt;
  }
  if (field == "day_reset_timezone") {
    std::string zone;
    if (auto err = read_string(ctx, "day_reset_timezone", v, zone)) {
      return err;
    }
    if (!valid_time_zone(zone)) {
      return ctx.fail("'day_reset_timezone' is not a known IANA time zone: '" + zone + "'");
    }
    spec.day_reset_timezone = std::move(zone);
    return std::nullopt;
  }
  if (field == "rate_limit_scope") {
    std::string_view scope = v.IsString() ? v.GetString() : "";
    if (scope == "model") {
      spec.scope = rate_limit_scope::model;
    } else if (scope == "provider") {
      spec.scope = rate_limit_scope::provider;
    } else {
      return ctx.fail(R"('rate_limit_scope' must be "model" or "provider")");
    }
    return std::nullopt;
  }
  if (field == "timeout_seconds") {
    if (v.IsNull()) {
      spec.timeout_seconds.reset();
      return std::nullopt;
    }
    if (!v.IsNumber() || !(v.GetDouble() > 0)) {
      return ctx.fail("'timeout_seconds' must be a positive number or null");
    }
    spec.timeout_seconds = v.GetDouble();
    return std::nullopt;
  }
  return ctx.fail("unknown field '" + std::string{field} + "'");
}

/// Merges one providers.json entry into `providers`.
std::optional<gw::error> apply_entry(const std::string& path, size_t index, const json_value& entry,
                                     std::vector<provider_spec>& providers,
                                     std::vector<std::string>& seen) {
  entry_context ctx{path, index, {}};
  if (!entry.IsObject()) {
    return ctx.fail("expected an object");
  }
  auto name_it = entry.FindMember("name");
  if (name_it == entry.MemberEnd()) {
    return ctx.fail("missing required field 'name'");
  }
  if (!name_it->value.IsString()) {
    return ctx.fail("'name' must be a string");
  }
  ctx.name.assign(name_it->value.GetString(), name_it->value.GetStringLength());
  if (!valid_provider_name(ctx.name)) {
    return ctx.fail("'name' must match [a-z0-9_-]+");
  }
  for (size_t j = 0; j < seen.size(); ++j) {
    if (seen[j] == ctx.name) {
      return ctx.fail("duplicate name (also entry " + std::to_string(j) + ")");
    }
  }
  seen.push_back(ctx.name);
  provider_spec* target = nullptr;
  for (auto& p : providers) {
    if (p.name == ctx.name) {
      target = &p;
    }
  }
  provider_spec added;
  if (target == nullptr) {
    if (!entry.HasMember("base_url")) {
      return ctx.fail("a new provider needs 'base_url'");
    }
    added.name = ctx.name;
    added.api_key_env = provider_env_stem(ctx.name) + "_API_KEY";
    target = &added;
  }
  // Work on a copy so a half-applied entry never leaks out.
  provider_spec spec = *target;
  for (auto m = entry.MemberBegin(); m != entry.MemberEnd(); ++m) {
    if (auto err =
          apply_field(ctx, {m->name.GetString(), m->name.GetStringLength()}, m->value, spec)) {
      return err;
    }
  }
  if (target == &added) {
    providers.push_back(std::move(spec));
  } else {
    *target = std::move(spec);
  }
  return std::nullopt;
}

/// The file text; nullopt when the file is absent and optional.
gw::expected<std::optional<std::string>> read_providers_file(const std::string& path,
                                                             bool required) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (required) {
      return gw::make_error(errc::config_error, path + ": no such file (named by PROVIDERS_PATH)");
    }
    return std::optional<std::string>{};
  }
  if (!std::filesystem::is_regular_file(path, ec)) {
    return gw::make_error(errc::config_error, path + ": not a regular file");
  }
  std::ifstream in{path, std::ios::binary};
  if (!in) {
    return gw::make_error(errc::config_error, path + ": cannot be opened");
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) {
    return gw::make_error(errc::config_error, path + ": read failed");
  }
  return std::optional<std::string>{buf.str()};
}

} // namespace

std::string provider_env_stem(std::string_view name) {
  auto stem = config::upper_key(name);
  for (auto& c : stem) {
    if (c == '-') {
      c = '_';
    }
  }
  return stem;
}

std::vector<provider_spec> builtin_providers() {
  std::vector<provider_spec> out;
  auto& cerebras =
    out.emplace_back(make_builtin("cerebras", "https://api.cerebras.ai/v1", "llama3.1-8b", 8192));
  cerebras.quota.tokens_per_day = 1'000'000;
  auto& groq = out.emplace_back(
    make_builtin("groq", "https://api.groq.com/openai/v1", "llama-3.1-8b-instant", 8192));
  groq.quota.tokens_per_day = 500'000;
  groq.quota.requests_per_minute = 30;
  auto& gemini = out.emplace_back(
    make_builtin("gemini", "https://generativelanguage.googleapis.com/v1beta/openai",
                 "gemini-2.0-flash", 1'000'000));
  gemini.quota.requests_per_day = 250;
  // Gemini's free tier resets at midnight Pacific time, not UTC.
  gemini.day_reset_timezone = "America/Los_Angeles";
  out.emplace_back(make_builtin("nvidia", "https://integrate.api.nvidia.com/v1",
                                "meta/llama-3.1-8b-instruct", std::nullopt));
  auto& openrouter =
    out.emplace_back(make_builtin("openrouter", "https://openrouter.ai/api/v1",
                                  "meta-llama/llama-3.1-8b-instruct:free", std::nullopt));
  // OpenRouter attributes traffic to the calling app by these two headers.
  openrouter.extra_headers = {{"HTTP-Referer", "http://localhost:8000"}, {"X-Title", "FreeRouter"}};
  return out;
}

gw::expected<std::vector<provider_spec>> resolve_providers(const config::env_map& environment,
                                                           const std::string& providers_json_path,
                                                           bool providers_file_required) {
  auto providers = builtin_providers();
  for (auto& p : providers) {
    auto key = provider_env_stem(p.name) + "_BASE_URL";
    auto it = environment.find(key);
    if (it == environment.end() || it->second.find_first_not_of(" \t") == std::string::npos) {
      continue;
    }
    auto url = normal_base_url(it->second);
    if (!url) {
      return gw::make_error(errc::config_error, key
                                                  + ": must start with http:// or https:// and "
                                                    "name a host, got '"
                                                  + it->second + "'");
    }
    p.base_url = std::move(*url);
  }
  auto text = read_providers_file(providers_json_path, providers_file_required);
  if (!text) {
    return text.error();
  }
  if (*text) {
    rapidjson::Document doc;
    doc.Parse(text->value().data(), text->value().size());
    if (doc.HasParseError()) {
      return gw::make_error(errc::config_error,
                            providers_json_path + ": invalid JSON at offset "
                              + std::to_string(doc.GetErrorOffset()) + ": "
                              + rapidjson::GetParseError_En(doc.GetParseError()));
    }
    if (!doc.IsArray()) {
      return gw::make_error(errc::config_error,
                            providers_json_path + ": expected a JSON array of provider objects");
    }
    std::vector<std::string> seen;
    for (rapidjson::SizeType i = 0; i < doc.Size(); ++i) {
      if (auto err = apply_entry(providers_json_path, i, doc[i], providers, seen)) {
        return *err;
      }
    }
  }
  for (auto& p : providers) {
    auto it = environment.find(p.api_key_env);
    p.api_key.clear();
    if (it != environment.end()) {
      auto first = it->second.find_first_not_of(" \t\r\n");
      if (first != std::string::npos) {
        p.api_key = it->second.substr(first, it->second.find_last_not_of(" \t\r\n") - first + 1);
      }
    }
  }
  return providers;
}

const provider_spec* find_provider(const std::vector<provider_spec>& providers,
                                   std::string_view name) {
  for (const auto& p : providers) {
    if (p.name == name) {
      return &p;
    }
  }
  return nullptr;
}

} // namespace gw::catalog
