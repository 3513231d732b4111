// The provider registry: the five built-in free-tier providers (reference-behavior.md §3.1),
// adjusted by <NAME>_BASE_URL and an optional providers.json (contract §3), with keys resolved.
#pragma once

#include "catalog/provider_spec.hpp"
#include "core/env_file.hpp"
#include "core/expected.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace gw::catalog {

/// cerebras, groq, gemini, nvidia, openrouter, in this order, with their reference quotas.
/// api_key is empty.
std::vector<provider_spec> builtin_providers();

/// The providers the gateway runs with: the built-ins, then <NAME>_BASE_URL overrides, then
/// the entries of `providers_json_path` when that file exists (a built-in name overrides only
/// the fields the entry has; a new name adds a provider). Finally each api_key is taken from
/// `environment[api_key_env]`. Every problem is errc::config_error; problems in the file read
/// "<path>: entry <i> (<name>): <problem>" with a 0-based index. A missing file is an error only
/// when `providers_file_required` (PROVIDERS_PATH was given).
gw::expected<std::vector<provider_spec>> resolve_providers(const config::env_map& environment,
                                                           const std::string& providers_json_path,
                                                           bool providers_file_required);

/// The provider called `name`, or nullptr.
const provider_spec* find_provider(const std::vector<provider_spec>& providers,
                                   std::string_view name);

/// The env-variable stem of a provider name: upper-case, '-' -> '_' ("my-llm" -> "MY_LLM").
std::string provider_env_stem(std::string_view name);

} // namespace gw::catalog
