#include "catalog/default_catalog.hpp"

#include "catalog/ranking.hpp"
#include "catalog/tags.hpp"

#include <array>
#include <string_view>

namespace gw::catalog {

namespace {

// One row per default route, already in the order auto_rank() produces (a unit test proves
// that). Codes keep the table readable:
//   quality: VH very high, H high, G good, A agentic, U utility
//   speed:   VF very fast, F fast, M medium, V variable
//   tags (after the implicit `text`, in stored order): R reasoning, C coding, T tool-use,
//         W web-search, V vision, A audio, G rag
//   note: empty = the provider's standard note below.
struct row {
  std::string_view provider;
  std::string_view model_id;
  std::string_view display_name;
  int64_t context_window;
  std::string_view quality;
  std::string_view speed;
  std::string_view tags;
  std::string_view note = {};
};

constexpr std::string_view cerebras_retiring =
  "Cerebras free tier (limits per the provider's model docs). Announced for retirement at the "
  "end of May 2026.";
constexpr std::string_view nvidia_deprecating =
  "Free endpoint in the NVIDIA Build catalog, flagged there for near-term deprecation.";
constexpr std::string_view nvidia_noncommercial =
  "Free endpoint in the NVIDIA Build catalog, labelled for non-commercial use.";
constexpr std::string_view openrouter_router =
  "OpenRouter's router over whichever zero-cost models are currently available; supports "
  "OpenRouter's server-side web search tool.";

// clang-format off
constexpr std::array<row, 71> rows{{
  {"gemini", "gemini-3.1-pro-preview", "Gemini 3.1 Pro Preview", 2097152, "VH", "M", "RVA"},
  {"nvidia", "moonshotai/kimi-k2-thinking", "Kimi K2 Thinking", 256000, "H", "F", "RT"},
  {"nvidia", "deepseek-ai/deepseek-v4-pro", "DeepSeek V4 Pro", 1000000, "VH", "F", "C"},
  {"nvidia", "minimaxai/minimax-m2.7", "MiniMax M2.7", 128000, "H", "F", "CR"},
  {"nvidia", "deepseek-ai/deepseek-v4-flash", "DeepSeek V4 Flash", 1000000, "H", "VF", "C"},
  {"gemini", "gemini-3-flash-preview", "Gemini 3 Flash Preview", 1048576, "H", "F", "VA"},
  {"cerebras", "qwen-3-235b-a22b-instruct-2507", "Qwen 3 235B Instruct", 8192, "H", "VF", "R", cerebras_retiring},
  {"openrouter", "tencent/hy3-preview:free", "Tencent: Hy3 Preview", 262144, "G", "V", "TW"},
  {"openrouter", "google/gemma-4-31b-it:free", "Google: Gemma 4 31B", 262144, "G", "V", "VTW"},
  {"nvidia", "deepseek-ai/deepseek-v3.1-terminus", "DeepSeek V3.1 Terminus", 128000, "H", "F", "T", nvidia_deprecating},
  {"openrouter", "z-ai/glm-4.5-air:free", "Z.ai: GLM 4.5 Air", 131072, "G", "V", "TW"},
  {"nvidia", "stepfun-ai/step-3.5-flash", "Step 3.5 Flash", 128000, "H", "F", "R"},
  {"nvidia", "moonshotai/kimi-k2-instruct-0905", "Kimi K2 Instruct 0905", 256000, "H", "F", "R"},
  {"nvidia", "moonshotai/kimi-k2-instruct", "Kimi K2 Instruct", 128000, "H", "F", "C"},
  {"openrouter", "nvidia/nemotron-3-super-120b-a12b:free", "NVIDIA: Nemotron 3 Super", 262144, "G", "V", "TW"},
  {"gemini", "gemini-2.5-pro", "Gemini 2.5 Pro", 1000000, "VH", "M", "RVA"},
  {"openrouter", "inclusionai/ling-2.6-1t:free", "inclusionAI: Ling-2.6-1T", 262144, "G", "V", "RTW"},
  {"nvidia", "bytedance/seed-oss-36b-instruct", "Seed OSS 36B Instruct", 128000, "G", "F", ""},
  {"gemini", "gemini-3.1-flash-lite-preview", "Gemini 3.1 Flash-Lite Preview", 1048576, "G", "VF", "VA"},
  {"groq", "openai/gpt-oss-120b", "GPT OSS 120B", 131072, "H", "VF", "R"},
  {"openrouter", "openai/gpt-oss-120b:free", "OpenAI: GPT OSS 120B", 131072, "G", "V", "RTW"},
  {"openrouter", "google/gemma-4-26b-a4b-it:free", "Google: Gemma 4 26B A4B", 262144, "G", "V", "VTW"},
  {"gemini", "gemini-2.5-flash", "Gemini 2.5 Flash", 1000000, "H", "F", "VA"},
  {"openrouter", "qwen/qwen3-coder:free", "Qwen: Qwen3 Coder 480B A35B", 262000, "G", "V", "RCTW"},
  {"nvidia", "qwen/qwen3-coder-480b-a35b-instruct", "Qwen3 Coder 480B A35B", 256000, "H", "F", "C"},
  {"openrouter", "qwen/qwen3-next-80b-a3b-instruct:free", "Qwen: Qwen3 Next 80B A3B Instruct", 262144, "G", "V", "RTW"},
  {"openrouter", "inclusionai/ling-2.6-flash:free", "inclusionAI: Ling-2.6 Flash", 262144, "G", "V", "RTW"},
  {"groq", "qwen/qwen3-32b", "Qwen3 32B", 131072, "H", "VF", "R"},
  {"nvidia", "nvidia/nemotron-3-nano-omni-30b-a3b-reasoning", "Nemotron-3 Nano Omni 30B", 256000, "H", "F", "R"},
  {"groq", "openai/gpt-oss-20b", "GPT OSS 20B", 131072, "G", "VF", "R"},
  {"openrouter", "openai/gpt-oss-20b:free", "OpenAI: GPT OSS 20B", 131072, "G", "V", "RTW"},
  {"openrouter", "nvidia/nemotron-3-nano-30b-a3b:free", "NVIDIA: Nemotron 3 Nano 30B A3B", 256000, "G", "V", "TW"},
  {"nvidia", "mistralai/mistral-large-3-675b-instruct-2512", "Mistral Large 3 675B Instruct", 256000, "VH", "F", "V"},
  {"nvidia", "mistralai/devstral-2-123b-instruct-2512", "Devstral 2 123B Instruct", 256000, "H", "F", "CR"},
  {"gemini", "gemini-2.5-flash-lite", "Gemini 2.5 Flash-Lite", 1000000, "G", "VF", "VA"},
  {"groq", "groq/compound", "Groq Compound", 131072, "A", "F", "TW"},
  {"groq", "groq/compound-mini", "Groq Compound Mini", 131072, "A", "F", "TW"},
  {"nvidia", "mistralai/mistral-nemotron", "Mistral Nemotron", 128000, "G", "F", "CT"},
  {"nvidia", "meta/llama-4-maverick-17b-128e-instruct", "Llama 4 Maverick 17B 128E", 128000, "H", "F", "V"},
  {"nvidia", "mistralai/magistral-small-2506", "Magistral Small 2506", 128000, "G", "F", "RC"},
  {"openrouter", "nousresearch/hermes-3-llama-3.1-405b:free", "Nous: Hermes 3 405B Instruct", 131072, "G", "V", "RTW"},
  {"openrouter", "meta-llama/llama-3.1-405b-instruct:free", "Meta: Llama 3.1 405B Instruct", 128000, "G", "V", "TW"},
  {"openrouter", "nvidia/nemotron-nano-12b-v2-vl:free", "NVIDIA: Nemotron Nano 12B V2 VL", 128000, "G", "V", "VTW"},
  {"openrouter", "nvidia/nemotron-nano-9b-v2:free", "NVIDIA: Nemotron Nano 9B V2", 128000, "G", "V", "TW"},
  {"groq", "llama-3.3-70b-versatile", "Llama 3.3 70B Versatile", 131072, "H", "VF", ""},
  {"nvidia", "abacusai/dracarys-llama-3.1-70b-instruct", "Dracarys Llama 3.1 70B Instruct", 128000, "G", "F", "C"},
  {"openrouter", "meta-llama/llama-3.3-70b-instruct:free", "Meta: Llama 3.3 70B Instruct", 65536, "G", "V", "TW"},
  {"groq", "meta-llama/llama-4-scout-17b-16e-instruct", "Llama 4 Scout 17B 16E", 131072, "H", "VF", "V"},
  {"nvidia", "upstage/solar-10.7b-instruct", "Solar 10.7B Instruct", 4096, "G", "F", "", nvidia_noncommercial},
  {"groq", "llama-3.1-8b-instant", "Llama 3.1 8B Instant", 131072, "G", "VF", ""},
  {"cerebras", "llama3.1-8b", "Llama 3.1 8B", 8192, "G", "VF", "", cerebras_retiring},
  {"openrouter", "meta-llama/llama-3.2-3b-instruct:free", "Meta: Llama 3.2 3B Instruct", 131072, "G", "V", "TW"},
  {"openrouter", "poolside/laguna-xs.2:free", "Poolside: Laguna XS.2", 131072, "G", "V", "TW"},
  {"openrouter", "poolside/laguna-m.1:free", "Poolside: Laguna M.1", 131072, "G", "V", "TW"},
  {"openrouter", "minimax/minimax-m2.5:free", "MiniMax: MiniMax M2.5", 196608, "G", "V", "TW"},
  {"nvidia", "google/gemma-3-27b-it", "Gemma 3 27B IT", 131072, "G", "F", "V"},
  {"openrouter", "google/gemma-3-27b-it:free", "Google: Gemma 3 27B", 131072, "G", "V", "VTW"},
  {"openrouter", "cognitivecomputations/dolphin-mistral-24b-venice-edition:free", "Venice: Uncensored", 32768, "G", "V", "TW"},
  {"openrouter", "mistralai/pixtral-12b:free", "Mistral: Pixtral 12B", 128000, "G", "V", "VTW"},
  {"nvidia", "microsoft/phi-4-multimodal-instruct", "Phi 4 Multimodal Instruct", 128000, "G", "F", "VA"},
  {"openrouter", "google/gemma-3-12b-it:free", "Google: Gemma 3 12B", 32768, "G", "V", "VTW"},
  {"openrouter", "liquid/lfm-2.5-1.2b-thinking:free", "LiquidAI: LFM2.5 1.2B Thinking", 32768, "G", "V", "RTW"},
  {"nvidia", "google/gemma-3n-e4b-it", "Gemma 3n E4B IT", 8192, "G", "F", "VA"},
  {"openrouter", "google/gemma-3n-e4b-it:free", "Google: Gemma 3n 4B", 8192, "G", "V", "VTW"},
  {"openrouter", "google/gemma-3-4b-it:free", "Google: Gemma 3 4B", 32768, "G", "V", "VTW"},
  {"openrouter", "liquid/lfm-2.5-1.2b-instruct:free", "LiquidAI: LFM2.5 1.2B Instruct", 32768, "G", "V", "TW"},
  {"nvidia", "nvidia/nemotron-mini-4b-instruct", "Nemotron Mini 4B Instruct", 8192, "U", "VF", "GT"},
  {"nvidia", "google/gemma-2-2b-it", "Gemma 2 2B IT", 8192, "U", "VF", ""},
  {"nvidia", "google/gemma-3n-e2b-it", "Gemma 3n E2B IT", 8192, "G", "F", "VA"},
  {"openrouter", "google/gemma-3n-e2b-it:free", "Google: Gemma 3n 2B", 8192, "G", "V", "VTW"},
  {"openrouter", "openrouter/free", "Free Models Router", 200000, "G", "V", "TW", openrouter_router},
}};
// clang-format on

std::string_view expand_quality(std::string_view code) {
  if (code == "VH") {
    return "very high";
  }
  if (code == "H") {
    return "high";
  }
  if (code == "A") {
    return "agentic";
  }
  if (code == "U") {
    return "utility";
  }
  return "good";
}

std::string_view expand_speed(std::string_view code) {
  if (code == "VF") {
    return "very fast";
  }
  if (code == "F") {
    return "fast";
  }
  if (code == "M") {
    return "medium";
  }
  return "variable";
}

std::vector<std::string> expand_tags(std::string_view codes) {
  std::vector<std::string> tags{"text"};
  for (char c : codes) {
    switch (c) {
    case 'R':
      tags.emplace_back("reasoning");
      break;
    case 'C':
      tags.emplace_back("coding");
      break;
    case 'T':
      tags.emplace_back("tool-use");
      break;
    case 'W':
      tags.emplace_back("web-search");
      break;
    case 'V':
      tags.emplace_back("vision");
      break;
    case 'A':
      tags.emplace_back("audio");
      break;
    case 'G':
      tags.emplace_back("rag");
      break;
    default:
      break;
    }
  }
  return tags;
}

std::string standard_note(std::string_view provider) {
  if (provider == "groq") {
    return "Groq free plan; per-model request and token limits are on Groq's rate-limit page.";
  }
  if (provider == "gemini") {
    return "Gemini API free tier; quotas are dynamic and vary per project (see AI Studio).";
  }
  if (provider == "nvidia") {
    return "Free endpoint in the NVIDIA Build catalog; limits are not published.";
  }
  if (provider == "openrouter") {
    return "Listed at zero prompt and completion price in OpenRouter's public model list.";
  }
  return "Free tier; see the provider's model documentation for limits.";
}

std::string source_url(std::string_view provider, std::string_view model_id) {
  if (provider == "cerebras") {
    return "https://inference-docs.cerebras.ai/models/overview";
  }
  if (provider == "groq") {
    return "https://console.groq.com/docs/rate-limits";
  }
  if (provider == "gemini") {
    return "https://ai.google.dev/gemini-api/docs/models";
  }
  if (provider == "nvidia") {
    return "https://build.nvidia.com/" + std::string{model_id};
  }
  if (model_id == "openrouter/free") {
    return "https://openrouter.ai/openrouter/free";
  }
  return "https://openrouter.ai/api/v1/models";
}

} // namespace

std::vector<route> default_catalog() {
  std::vector<route> out;
  out.reserve(rows.size());
  for (const auto& x : rows) {
    route r;
    r.route_id = route_slug(x.provider, x.model_id);
    r.provider_name = std::string{x.provider};
    r.model_id = std::string{x.model_id};
    r.display_name = std::string{x.display_name};
    r.rank = static_cast<int64_t>(out.size()) + 1;
    r.enabled = true;
    r.context_window = x.context_window;
    r.quality = std::string{expand_quality(x.quality)};
    r.speed = std::string{expand_speed(x.speed)};
    r.cost = "free-tier";
    r.tags = expand_tags(x.tags);
    r.notes = x.note.empty() ? standard_note(x.provider) : std::string{x.note};
    r.source_url = source_url(x.provider, x.model_id);
    r.rank_score = rank_score(r);
    r.rank_reason = "deterministic_quality_score";
    r.rank_source = "heuristic";
    out.push_back(std::move(r));
  }
  return out;
}

} // namespace gw::catalog
