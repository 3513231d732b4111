#define CAF_SUITE core.providers
#include "catalog/providers.hpp"

#include <caf/test/unit_test.hpp>

#include "temp_dir.hpp"

using namespace gw;
using catalog::provider_spec;
using catalog::resolve_providers;
using config::env_map;

namespace {

struct fixture {
  test::temp_dir dir;

  std::vector<provider_spec> resolve_ok(const env_map& env, const std::string& json = "") {
    auto path = json.empty() ? dir.file("providers.json") : dir.write("providers.json", json);
    auto result = resolve_providers(env, path, false);
    if (!result) {
      CAF_FAIL("unexpected error: " << result.error().message);
    }
    return *result;
  }

  /// The error for `json`, with the file path replaced by "<path>" for readable expectations.
  std::string json_error(const std::string& json) {
    auto path = dir.write("providers.json", json);
    auto result = resolve_providers({}, path, false);
    if (result) {
      CAF_FAIL("expected an error for: " << json);
    }
    CAF_CHECK_EQUAL(to_string(result.error().code), std::string{"config_error"});
    auto msg = result.error().message;
    if (msg.rfind(path, 0) == 0) {
      msg.replace(0, path.size(), "<path>");
    }
    return msg;
  }
};

const provider_spec& get(const std::vector<provider_spec>& providers, std::string_view name) {
  auto p = catalog::find_provider(providers, name);
  if (p == nullptr) {
    CAF_FAIL("no provider " << name);
  }
  return *p;
}

std::vector<std::string> names(const std::vector<provider_spec>& providers) {
  std::vector<std::string> out;
  out.reserve(providers.size());
  for (const auto& p : providers) {
    out.push_back(p.name);
  }
  return out;
}

} // namespace

CAF_TEST(the builtin table lists the five reference providers in order) {
  auto providers = catalog::builtin_providers();
  CAF_CHECK_EQUAL(names(providers),
                  (std::vector<std::string>{"cerebras", "groq", "gemini", "nvidia", "openrouter"}));
  for (const auto& p : providers) {
    CAF_CHECK_EQUAL(p.api_key, "");
    CAF_CHECK_EQUAL(p.configured(), false);
  }
}

CAF_TEST(builtin base urls key variables models and context limits match the reference) {
  auto providers = catalog::builtin_providers();
  CAF_REQUIRE_EQUAL(providers.size(), 5u);
  const auto& cerebras = providers[0];
  CAF_CHECK_EQUAL(cerebras.base_url, "https://api.cerebras.ai/v1");
  CAF_CHECK_EQUAL(cerebras.api_key_env, "CEREBRAS_API_KEY");
  CAF_CHECK_EQUAL(cerebras.default_model, "llama3.1-8b");
  CAF_CHECK_EQUAL(cerebras.max_context_tokens.value_or(-1), 8192);
  const auto& groq = providers[1];
  CAF_CHECK_EQUAL(groq.base_url, "https://api.groq.com/openai/v1");
  CAF_CHECK_EQUAL(groq.api_key_env, "GROQ_API_KEY");
  CAF_CHECK_EQUAL(groq.default_model, "llama-3.1-8b-instant");
  CAF_CHECK_EQUAL(groq.max_context_tokens.value_or(-1), 8192);
  const auto& gemini = providers[2];
  CAF_CHECK_EQUAL(gemini.base_url, "https://generativelanguage.googleapis.com/v1beta/openai");
  CAF_CHECK_EQUAL(gemini.api_key_env, "GEMINI_API_KEY");
  CAF_CHECK_EQUAL(gemini.default_model, "gemini-2.0-flash");
  CAF_CHECK_EQUAL(gemini.max_context_tokens.value_or(-1), 1000000);
  const auto& nvidia = providers[3];
  CAF_CHECK_EQUAL(nvidia.base_url, "https://integrate.api.nvidia.com/v1");
  CAF_CHECK_EQUAL(nvidia.api_key_env, "NVIDIA_API_KEY");
  CAF_CHECK_EQUAL(nvidia.default_model, "meta/llama-3.1-8b-instruct");
  CAF_CHECK(!nvidia.max_context_tokens);
  const auto& openrouter = providers[4];
  CAF_CHECK_EQUAL(openrouter.base_url, "https://openrouter.ai/api/v1");
  CAF_CHECK_EQUAL(openrouter.api_key_env, "OPENROUTER_API_KEY");
  CAF_CHECK_EQUAL(openrouter.default_model, "meta-llama/llama-3.1-8b-instruct:free");
  CAF_CHECK(!openrouter.max_context_tokens);
}

CAF_TEST(only openrouter sends extra headers) {
  auto providers = catalog::builtin_providers();
  const auto& headers = providers[4].extra_headers;
  CAF_REQUIRE_EQUAL(headers.size(), 2u);
  CAF_CHECK_EQUAL(headers[0].first, "HTTP-Referer");
  CAF_CHECK_EQUAL(headers[0].second, "http://localhost:8000");
  CAF_CHECK_EQUAL(headers[1].first, "X-Title");
  CAF_CHECK_EQUAL(headers[1].second, "FreeRouter");
  for (size_t i = 0; i < 4; ++i) {
    CAF_CHECK(providers[i].extra_headers.empty());
  }
}

CAF_TEST(builtin quotas match the reference table) {
  auto providers = catalog::builtin_providers();
  const auto& cerebras = providers[0].quota;
  CAF_CHECK_EQUAL(cerebras.tokens_per_day.value_or(-1), 1000000);
  CAF_CHECK(!cerebras.requests_per_day && !cerebras.requests_per_minute
            && !cerebras.tokens_per_minute);
  const auto& groq = providers[1].quota;
  CAF_CHECK_EQUAL(groq.tokens_per_day.value_or(-1), 500000);
  CAF_CHECK_EQUAL(groq.requests_per_minute.value_or(-1), 30);
  CAF_CHECK(!groq.requests_per_day && !groq.tokens_per_minute);
  const auto& gemini = providers[2].quota;
  CAF_CHECK_EQUAL(gemini.requests_per_day.value_or(-1), 250);
  CAF_CHECK(!gemini.tokens_per_day && !gemini.requests_per_minute && !gemini.tokens_per_minute);
  CAF_CHECK_EQUAL(providers[2].day_reset_timezone, "America/Los_Angeles");
  CAF_CHECK(providers[3].quota.unlimited());
  CAF_CHECK(providers[4].quota.unlimited());
  for (size_t i : {0u, 1u, 3u, 4u}) {
    CAF_CHECK_EQUAL(providers[i].day_reset_timezone, "UTC");
  }
  for (const auto& p : providers) {
    CAF_CHECK(p.scope == catalog::rate_limit_scope::model);
    CAF_CHECK(!p.timeout_seconds);
  }
}

CAF_TEST_FIXTURE_SCOPE(resolve_tests, fixture)

CAF_TEST(with every key unset no provider is configured) {
  auto providers = resolve_ok({});
  CAF_CHECK_EQUAL(providers.size(), 5u);
  for (const auto& p : providers) {
    CAF_CHECK_EQUAL(p.configured(), false);
  }
}

CAF_TEST(a set key configures exactly its provider) {
  auto providers = resolve_ok({{"GROQ_API_KEY", "gsk-123"},
                               {"GEMINI_API_KEY", ""},
                               {"NVIDIA_API_KEY", "   "},
                               {"OPENROUTER_API_KEY", " or-1 \n"}});
  CAF_CHECK_EQUAL(get(providers, "groq").configured(), true);
  CAF_CHECK_EQUAL(get(providers, "groq").api_key, "gsk-123");
  CAF_CHECK_EQUAL(get(providers, "gemini").configured(), false);
  CAF_CHECK_EQUAL(get(providers, "nvidia").configured(), false);
  CAF_CHECK_EQUAL(get(providers, "cerebras").configured(), false);
  CAF_CHECK_EQUAL(get(providers, "openrouter").api_key, "or-1");
}

CAF_TEST(a base url variable overrides a builtin base url) {
  auto providers =
    resolve_ok({{"GROQ_BASE_URL", "http://127.0.0.1:9000/groq/v1/"}, {"CEREBRAS_BASE_URL", ""}});
  CAF_CHECK_EQUAL(get(providers, "groq").base_url, "http://127.0.0.1:9000/groq/v1");
  CAF_CHECK_EQUAL(get(providers, "cerebras").base_url, "https://api.cerebras.ai/v1");
  auto bad = resolve_providers({{"NVIDIA_BASE_URL", "ftp://host"}}, dir.file("none.json"), false);
  CAF_REQUIRE(!bad.has_value());
  CAF_CHECK_EQUAL(bad.error().message, "NVIDIA_BASE_URL: must start with http:// or https:// and "
                                       "name a host, got 'ftp://host'");
}

CAF_TEST(a providers file entry with a builtin name overrides only its fields) {
  auto providers = resolve_ok(
    {{"GROQ_BASE_URL", "http://127.0.0.1:1/ignored"}},
    R"([{"name": "groq", "base_url": "http://127.0.0.1:9000/groq/v1/", "requests_per_minute": 2,
         "tokens_per_day": null, "rate_limit_scope": "provider", "timeout_seconds": 2.5}])");
  CAF_CHECK_EQUAL(names(providers),
                  (std::vector<std::string>{"cerebras", "groq", "gemini", "nvidia", "openrouter"}));
  const auto& groq = get(providers, "groq");
  CAF_CHECK_EQUAL(groq.base_url, "http://127.0.0.1:9000/groq/v1");
  CAF_CHECK_EQUAL(groq.quota.requests_per_minute.value_or(-1), 2);
  CAF_CHECK(!groq.quota.tokens_per_day);
  CAF_CHECK_EQUAL(groq.api_key_env, "GROQ_API_KEY");
  CAF_CHECK_EQUAL(groq.default_model, "llama-3.1-8b-instant");
  CAF_CHECK_EQUAL(groq.max_context_tokens.value_or(-1), 8192);
  CAF_CHECK(groq.scope == catalog::rate_limit_scope::provider);
  CAF_CHECK_EQUAL(groq.timeout_seconds.value_or(-1), 2.5);
}

CAF_TEST(a providers file entry with a new name adds a provider) {
  auto providers = resolve_ok(
    {{"P1_API_KEY", "secret-1"}, {"MY_KEY", "secret-2"}},
    R"([{"name": "p1", "base_url": "http://127.0.0.1:9000/p1/v1", "requests_per_minute": 2,
         "requests_per_day": null, "tokens_per_minute": null, "tokens_per_day": 1000},
        {"name": "local-llm", "base_url": "https://llm.example/v1", "api_key_env": "my_key",
         "extra_headers": {"X-Team": "qa"}, "day_reset_timezone": "Europe/Berlin",
         "rate_limit_scope": "model", "default_model": "m1", "max_context_tokens": 32000,
         "timeout_seconds": 5}])");
  CAF_CHECK_EQUAL(names(providers),
                  (std::vector<std::string>{"cerebras", "groq", "gemini", "nvidia", "openrouter",
                                            "p1", "local-llm"}));
  const auto& p1 = get(providers, "p1");
  CAF_CHECK_EQUAL(p1.base_url, "http://127.0.0.1:9000/p1/v1");
  CAF_CHECK_EQUAL(p1.api_key_env, "P1_API_KEY");
  CAF_CHECK_EQUAL(p1.api_key, "secret-1");
  CAF_CHECK_EQUAL(p1.quota.requests_per_minute.value_or(-1), 2);
  CAF_CHECK(!p1.quota.requests_per_day && !p1.quota.tokens_per_minute);
  CAF_CHECK_EQUAL(p1.quota.tokens_per_day.value_or(-1), 1000);
  CAF_CHECK_EQUAL(p1.day_reset_timezone, "UTC");
  CAF_CHECK(p1.extra_headers.empty());
  const auto& local = get(providers, "local-llm");
  CAF_CHECK_EQUAL(local.api_key_env, "MY_KEY");
  CAF_CHECK_EQUAL(local.api_key, "secret-2");
  CAF_REQUIRE_EQUAL(local.extra_headers.size(), 1u);
  CAF_CHECK_EQUAL(local.extra_headers[0].first, "X-Team");
  CAF_CHECK_EQUAL(local.extra_headers[0].second, "qa");
  CAF_CHECK_EQUAL(local.day_reset_timezone, "Europe/Berlin");
  CAF_CHECK_EQUAL(local.default_model, "m1");
  CAF_CHECK_EQUAL(local.max_context_tokens.value_or(-1), 32000);
  CAF_CHECK_EQUAL(local.timeout_seconds.value_or(-1), 5.0);
  CAF_CHECK(local.quota.unlimited());
}

CAF_TEST(a new provider name with a dash defaults its key variable with an underscore) {
  auto providers = resolve_ok({{"MY_LLM_API_KEY", "k"}},
                              R"([{"name": "my-llm", "base_url": "http://127.0.0.1:1/v1"}])");
  CAF_CHECK_EQUAL(get(providers, "my-llm").api_key_env, "MY_LLM_API_KEY");
  CAF_CHECK_EQUAL(get(providers, "my-llm").configured(), true);
}

CAF_TEST(an empty providers array changes nothing) {
  auto providers = resolve_ok({}, "[]");
  CAF_CHECK_EQUAL(providers.size(), 5u);
}

CAF_TEST(a required providers file must exist and an optional one may be absent) {
  auto missing = dir.file("absent.json");
  auto optional = resolve_providers({}, missing, false);
  CAF_REQUIRE(optional.has_value());
  CAF_CHECK_EQUAL(optional->size(), 5u);
  auto required = resolve_providers({}, missing, true);
  CAF_REQUIRE(!required.has_value());
  CAF_CHECK_EQUAL(to_string(required.error().code), std::string{"config_error"});
  CAF_CHECK_EQUAL(required.error().message, missing + ": no such file (named by PROVIDERS_PATH)");
}

CAF_TEST(file level errors name the file) {
  CAF_CHECK_EQUAL(json_error("[{\"name\": "), "<path>: invalid JSON at offset 10: Invalid value.");
  CAF_CHECK_EQUAL(json_error("{\"name\": \"p1\"}"),
                  "<path>: expected a JSON array of provider objects");
}

CAF_TEST(every entry error names the file the entry and the problem) {
  CAF_CHECK_EQUAL(json_error("[42]"), "<path>: entry 0 (unnamed): expected an object");
  CAF_CHECK_EQUAL(json_error(R"([{"base_url": "http://x"}])"),
                  "<path>: entry 0 (unnamed): missing required field 'name'");
  CAF_CHECK_EQUAL(json_error(R"([{"name": 7}])"),
                  "<path>: entry 0 (unnamed): 'name' must be a string");
  CAF_CHECK_EQUAL(json_error(R"([{"name": "groq"}, {"name": "Bad Name"}])"),
                  "<path>: entry 1 (Bad Name): 'name' must match [a-z0-9_-]+");
  CAF_CHECK_EQUAL(json_error(R"([{"name": "p1"}])"),
                  "<path>: entry 0 (p1): a new provider needs 'base_url'");
  CAF_CHECK_EQUAL(json_error(R"([{"name": "p1", "base_url": "ftp://x"}])"),
                  "<path>: entry 0 (p1): 'base_url' must start with http:// or https:// and "
                  "name a host, got 'ftp://x'");
  CAF_CHECK_EQUAL(json_error(R"([{"name": "p1", "base_url": 5}])"),
                  "<path>: entry 0 (p1): 'base_url' must be a non-empty string");
  CAF_CHECK_EQUAL(
    json_error(R"([{"name": "groq", "requests_per_minute": -1}])"),
    "<path>: entry 0 (groq): 'requests_per_minute' must be a positive integer or null");
  CAF_CHECK_EQUAL(json_error(R"([{"name": "groq", "requests_per_day": "10"}])"),
                  "<path>: entry 0 (groq): 'requests_per_day' must be a positive integer or null");
  CAF_CHECK_EQUAL(json_error(R"([{"name": "groq", "tokens_per_minute": 1.5}])"),
                  "<path>: entry 0 (groq): 'tokens_per_minute' must be a positive integer or null");
  CAF_CHECK_EQUAL(json_error(R"([{"name": "groq", "tokens_per_day": 0}])"),
                  "<path>: entry 0 (groq): 'tokens_per_day' must be a positive integer or null");
  CAF_CHECK_EQUAL(json_error(R"([{"name": "groq", "max_context_tokens": "big"}])"),
                  "<path>: entry 0 (groq): 'max_context_tokens' must be a positive integer or "
                  "null");
  CAF_CHECK_EQUAL(json_error(R"([{"name": "groq", "api_key_env": "MY KEY"}])"),
                  "<path>: entry 0 (groq): 'api_key_env' must be a variable name "
                  "([A-Za-z_][A-Za-z0-9_]*), got 'MY KEY'");
  CAF_CHECK_EQUAL(json_error(R"([{"name": "groq", "extra_headers": ["x"]}])"),
                  "<path>: entry 0 (groq): 'extra_headers' must be an object of strings");
  CAF_CHECK_EQUAL(json_error(R"([{"name": "groq", "extra_headers": {"X-A": 1}}])"),
                  "<path>: entry 0 (groq): 'extra_headers' value of 'X-A' must be a string");
  CAF_CHECK_EQUAL(json_error(R"([{"name": "groq", "extra_headers": {"X-A": "a\r\nB: c"}}])"),
                  "<path>: entry 0 (groq): 'extra_headers' has an invalid header 'X-A'");
  CAF_CHECK_EQUAL(json_error(R"([{"name": "groq", "day_reset_timezone": "Mars/Olympus"}])"),
                  "<path>: entry 0 (groq): 'day_reset_timezone' is not a known IANA time zone: "
                  "'Mars/Olympus'");
  CAF_CHECK_EQUAL(json_error(R"([{"name": "groq", "rate_limit_scope": "route"}])"),
                  "<path>: entry 0 (groq): 'rate_limit_scope' must be \"model\" or \"provider\"");
  CAF_CHECK_EQUAL(json_error(R"([{"name": "groq", "timeout_seconds": 0}])"),
                  "<path>: entry 0 (groq): 'timeout_seconds' must be a positive number or null");
  CAF_CHECK_EQUAL(json_error(R"([{"name": "groq", "default_model": ""}])"),
                  "<path>: entry 0 (groq): 'default_model' must be a non-empty string");
  CAF_CHECK_EQUAL(json_error(R"([{"name": "groq", "requests_per_minut": 3}])"),
                  "<path>: entry 0 (groq): unknown field 'requests_per_minut'");
  CAF_CHECK_EQUAL(json_error(R"([{"name": "groq"}, {"name": "p1", "base_url": "http://h"},
                                 {"name": "p1", "base_url": "http://h"}])"),
                  "<path>: entry 2 (p1): duplicate name (also entry 1)");
}

CAF_TEST(find provider returns the named provider or null) {
  auto providers = catalog::builtin_providers();
  auto gemini = catalog::find_provider(providers, "gemini");
  CAF_REQUIRE(gemini != nullptr);
  CAF_CHECK_EQUAL(gemini->base_url, "https://generativelanguage.googleapis.com/v1beta/openai");
  CAF_CHECK(catalog::find_provider(providers, "nope") == nullptr);
  CAF_CHECK(catalog::find_provider(providers, "GEMINI") == nullptr);
}

CAF_TEST_FIXTURE_SCOPE_END()
