#include "catalog/ranking.hpp"

#include "catalog/tags.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

namespace gw::catalog {

namespace {

// Benchmark scale: one index point outweighs every size/keyword nudge combined.
constexpr int64_t index_scale = 3000;

// Artificial-Analysis-style intelligence index per model family, as in the reference.
// Looked up longest key first (see benchmark_by_length), so "gemini-2.5-flash-lite" wins
// over its prefix "gemini-2.5-flash".
constexpr std::array<std::pair<std::string_view, int64_t>, 51> benchmark_table{{
  {"gemini-3.1-pro", 57},
  {"kimi-k2-thinking", 54},
  {"deepseek-v4-pro", 52},
  {"minimax-m2.7", 50},
  {"deepseek-v4-flash", 47},
  {"gemini-3-flash", 46},
  {"qwen-3-235b", 42},
  {"hy3-preview", 42},
  {"deepseek-v3.1", 39},
  {"glm-4.5-air", 39},
  {"gemma-4-31b", 39},
  {"step-3.5-flash", 38},
  {"kimi-k2-instruct-0905", 37},
  {"kimi-k2-instruct", 37},
  {"nemotron-3-super-120b", 36},
  {"gemini-2.5-pro", 35},
  {"ling-2.6-1t", 34},
  {"gemini-3.1-flash-lite", 34},
  {"seed-oss-36b", 34},
  {"gpt-oss-120b", 33},
  {"gemma-4-26b", 31},
  {"gemini-2.5-flash", 30},
  {"qwen3-coder", 28},
  {"qwen3-next-80b", 27},
  {"ling-2.6-flash", 26},
  {"qwen3-32b", 25},
  {"gpt-oss-20b", 24},
  {"nemotron-3-nano-30b", 24},
  {"nemotron-3-nano-omni", 24},
  {"mistral-large-3", 23},
  {"devstral-2", 22},
  {"gemini-2.5-flash-lite", 22},
  {"mistral-nemotron", 19},
  {"magistral-small", 18},
  {"llama-4-maverick", 18},
  {"llama-3.1-405b", 17},
  {"nemotron-nano-12b", 15},
  {"nemotron-nano-9b", 15},
  {"llama-3.3-70b", 14},
  {"llama-4-scout", 14},
  {"gemma-3-27b", 12},
  {"dolphin-mistral-24b", 12},
  {"pixtral-12b", 10},
  {"phi-4-multimodal", 10},
  {"gemma-3-12b", 9},
  {"lfm-2.5-1.2b", 8},
  {"gemma-3-4b", 8},
  {"gemma-3n-e4b", 8},
  {"gemma-2-2b", 7},
  {"gemma-3n-e2b", 6},
  {"openrouter/free", 1},
}};

using benchmark_entry = std::pair<std::string_view, int64_t>;

// The table sorted by decreasing key length, ties in table order (a stable sort, as the
// reference's sorted(..., reverse=True) is). Built once; immutable afterwards.
const std::array<benchmark_entry, benchmark_table.size()>& benchmark_by_length() {
  static const auto sorted = [] {
    auto copy = benchmark_table;
    std::stable_sort(copy.begin(), copy.end(),
                     [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
    return copy;
  }();
  return sorted;
}

int64_t quality_points(const std::string& quality) {
  static constexpr std::array<std::pair<std::string_view, int64_t>, 9> points{{
    {"very high", 26},
    {"high", 22},
    {"agentic", 21},
    {"good", 14},
    {"vision", 10},
    {"utility", 8},
    {"translation", 6},
    {"safety", -100},
    {"unknown", 10},
  }};
  auto lower = ascii_lower(quality);
  for (const auto& [name, value] : points) {
    if (lower == name) {
      return value;
    }
  }
  return 10;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// First match of the regex `(\d+(?:\.\d+)?)<suffix>` in text; returns the number. Backtracking
// of that regex can only drop the decimal part, so two tries per start position suffice.
std::optional<double> first_size(const std::string& text, char suffix) {
  for (size_t start = 0; start < text.size(); ++start) {
    if (!is_digit(text[start])) {
      continue;
    }
    size_t int_end = start;
    while (int_end < text.size() && is_digit(text[int_end])) {
      ++int_end;
    }
    if (int_end + 1 < text.size() && text[int_end] == '.' && is_digit(text[int_end + 1])) {
      size_t end = int_end + 1;
      while (end < text.size() && is_digit(text[end])) {
        ++end;
      }
      if (end < text.size() && text[end] == suffix) {
        return std::strtod(text.substr(start, end - start).c_str(), nullptr);
      }
    }
    if (int_end < text.size() && text[int_end] == suffix) {
      return std::strtod(text.substr(start, int_end - start).c_str(), nullptr);
    }
  }
  return std::nullopt;
}

// min(floor(number * factor), 900), safe for absurdly long digit runs.
int64_t size_bonus(double number, double factor) {
  double scaled = number * factor;
  if (!(scaled < 900.0)) {
    return 900;
  }
  return static_cast<int64_t>(scaled);
}

bool contains(const std::string& text, std::string_view word) {
  return text.find(word) != std::string::npos;
}

} // namespace

int64_t rank_score(const route& r) {
  std::string text = r.display_name + " " + r.model_id + " ";
  for (size_t i = 0; i < r.tags.size(); ++i) {
    text += (i == 0 ? "" : " ") + r.tags[i];
  }
  text = ascii_lower(text);

  for (std::string_view word : {"safety", "guard", "pii", "translate", "paligemma"}) {
    if (contains(text, word)) {
      return -500000;
    }
  }

  int64_t score = 0;
  for (const auto& [key, value] : benchmark_by_length()) {
    if (contains(text, key)) {
      score = value * index_scale;
      break;
    }
  }
  if (score == 0) {
    score = quality_points(r.quality) * index_scale;
  }

  if (auto billions = first_size(text, 'b')) {
    score += size_bonus(*billions, 2.0);
  }
  if (auto trillions = first_size(text, 't')) {
    score += size_bonus(*trillions, 600.0);
  }

  static constexpr std::array<std::pair<std::string_view, int64_t>, 10> keywords{{
    {"pro", 25},
    {"large", 20},
    {"versatile", 10},
    {"flash", 5},
    {"lite", -5},
    {"mini", -10}, // also matches "gemini": faithful to the reference
    {"nano", -15},
    {"vision", -5},
    {"coder", 10},
    {"reasoning", 15},
  }};
  for (const auto& [word, delta] : keywords) {
    if (contains(text, word)) {
      score += delta;
    }
  }
  return score;
}

int64_t provider_score(std::string_view provider_name) {
  auto name = ascii_lower(provider_name);
  if (name == "gemini") {
    return 100;
  }
  if (name == "groq") {
    return 90;
  }
  if (name == "cerebras") {
    return 80;
  }
  if (name == "nvidia") {
    return 70;
  }
  if (name == "openrouter") {
    return 60;
  }
  return 0;
}

namespace {

// The sort key after the score: (provider_score, provider_name, model_id), descending.
bool tie_break_greater(const route& a, const route& b) {
  auto pa = provider_score(a.provider_name);
  auto pb = provider_score(b.provider_name);
  if (pa != pb) {
    return pa > pb;
  }
  if (a.provider_name != b.provider_name) {
    return a.provider_name > b.provider_name;
  }
  return a.model_id > b.model_id;
}

} // namespace

bool rank_sort_greater(const route& a, const route& b) {
  auto sa = rank_score(a);
  auto sb = rank_score(b);
  if (sa != sb) {
    return sa > sb;
  }
  return tie_break_greater(a, b);
}

void auto_rank(std::vector<route>& routes) {
  routes.erase(std::remove_if(routes.begin(), routes.end(),
                              [](const route& r) { return !is_text_chat_route(r); }),
               routes.end());
  // Scores are computed once per route, on the tags as they came in (like the reference),
  // and stable_sort keeps full-key ties in input order.
  std::vector<std::pair<int64_t, route>> scored;
  scored.reserve(routes.size());
  for (auto& r : routes) {
    auto score = rank_score(r);
    scored.emplace_back(score, std::move(r));
  }
  std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) {
      return a.first > b.first;
    }
    return tie_break_greater(a.second, b.second);
  });
  routes.clear();
  int64_t rank = 0;
  for (auto& [score, r] : scored) {
    r.rank = ++rank;
    r.rank_score = score;
    r.tags = canonical_tags(r.tags);
    if (r.rank_reason.empty()) {
      r.rank_reason = "deterministic_quality_score";
    }
    if (r.rank_source.empty()) {
      r.rank_source = "heuristic";
    }
    routes.push_back(std::move(r));
  }
}

} // namespace gw::catalog
