#include "catalog/failure_classifier.hpp"

#include "catalog/tags.hpp"

#include <rapidjson/reader.h>
#include <rapidjson/stream.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

namespace gw::catalog {

namespace {

// Only the head of an error body is searched: error texts are short, bodies may not be.
constexpr size_t searched_body_bytes = size_t{16} * 1024;

template <size_t N>
bool mentions_any(std::string_view text, const std::array<std::string_view, N>& needles) {
  for (auto needle : needles) {
    if (text.find(needle) != std::string_view::npos) {
      return true;
    }
  }
  return false;
}

// Wording of §3.5 that, next to "model", says the model id is unknown.
constexpr std::array<std::string_view, 4> missing_model_terms{"not found", "does not exist",
                                                              "not exist", "unknown model"};

// A model the provider retired: the route is outdated, not the caller wrong.
constexpr std::array<std::string_view, 3> retired_model_terms{
  "decommissioned", "no longer supported", "no longer available"};

// Errors that another route may not have: context size, unsupported features, credits,
// region/tier availability.
constexpr std::array<std::string_view, 24> route_specific_terms{"context_length",
                                                                "context length",
                                                                "context window",
                                                                "maximum context",
                                                                "too many tokens",
                                                                "max_tokens",
                                                                "max_completion_tokens",
                                                                "prompt is too long",
                                                                "input is too long",
                                                                "reduce the length",
                                                                "token limit",
                                                                "tokens exceed",
                                                                "not supported",
                                                                "unsupported",
                                                                "does not support",
                                                                "doesn't support",
                                                                "not support",
                                                                "tool_use_failed",
                                                                "not available",
                                                                "insufficient",
                                                                "credit",
                                                                "quota",
                                                                "payment",
                                                                "billing"};

std::string lowered_head(std::string_view body) {
  return ascii_lower(body.substr(0, searched_body_bytes));
}

/// Reads what classify needs from a 2xx body in one SAX pass, without building a document:
/// whether it is a JSON object, its first "error" member (null or not), whether it has
/// "choices", and the counts of its first "usage" object. The same answers as reading a
/// parsed document with FindMember/HasMember (first occurrence wins), without the document
/// (callgrind: 11.3k → 7.3k instructions for a 255-byte completion, read on every answer).
class answer_scan : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, answer_scan> {
public:
  bool top_is_object = false;
  bool error_not_null = false;
  bool has_error = false;
  bool has_choices = false;
  usage_counts usage;

  bool StartObject() {
    if (depth_ >= max_depth) {
      return false;
    }
    if (depth_ == 0) {
      top_is_object = true;
    } else if (depth_ == 1 && member_ == member::usage) {
      usage.present = true;
      in_usage_ = true;
    }
    enter();
    return true;
  }
  bool EndObject(rapidjson::SizeType) {
    leave();
    return true;
  }
  bool StartArray() {
    if (depth_ >= max_depth) {
      return false;
    }
    enter();
    return true;
  }
  bool EndArray(rapidjson::SizeType) {
    leave();
    return true;
  }
  bool Key(const char* text, rapidjson::SizeType length, bool) {
    std::string_view key(text, length);
    member_ = member::other;
    if (depth_ == 1) {
      if (key == "error" && !has_error) {
        has_error = true;
        member_ = member::error;
      } else if (key == "choices") {
        has_choices = true;
      } else if (key == "usage" && !seen_usage_) {
        seen_usage_ = true;
        member_ = member::usage;
      }
    } else if (depth_ == 2 && in_usage_) {
      count_ = nullptr;
      take_first(key, "prompt_tokens", usage.prompt_tokens, seen_prompt_);
      take_first(key, "completion_tokens", usage.completion_tokens, seen_completion_);
      take_first(key, "total_tokens", usage.total_tokens, seen_total_);
    }
    return true;
  }
  bool Null() {
    return scalar(false);
  }
  bool Int(int value) {
    return number(value);
  }
  bool Uint(unsigned value) {
    return number(value);
  }
  bool Int64(int64_t value) {
    return number(value);
  }
  bool Uint64(uint64_t value) {
    return value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
             ? Double(static_cast<double>(value))
             : number(static_cast<int64_t>(value));
  }
  bool Double(double value) {
    // Counts above 2^53 are not real token counts; clamp rather than overflow.
    if (!std::isfinite(value) || value <= 0) {
      return number(0);
    }
    return number(value >= 9.0e15 ? int64_t{9'000'000'000'000'000} : static_cast<int64_t>(value));
  }
  /// Strings and booleans: not a count, and (for "error") not null.
  bool Default() {
    return scalar(true);
  }

private:
  enum class member : uint8_t { other, error, usage };
  /// The recursive parser (faster than the iterative one) stops here, long before the stack
  /// could run out; no real answer nests this deep, so such a body is malformed.
  static constexpr int max_depth = 128;

  void enter() {
    if (depth_ == 1 && member_ == member::error) {
      error_not_null = true; // an object or array
    }
    ++depth_;
    count_ = nullptr;
  }
  void leave() {
    --depth_;
    if (depth_ == 1) {
      in_usage_ = false;
      member_ = member::other;
    }
    count_ = nullptr;
  }
  void take_first(std::string_view key, std::string_view name, int64_t& slot, bool& seen) {
    if (key == name && !seen) {
      seen = true;
      count_ = &slot;
    }
  }
  bool scalar(bool not_null) {
    if (depth_ == 1 && member_ == member::error) {
      error_not_null = not_null;
    }
    count_ = nullptr;
    return true;
  }
  bool number(int64_t value) {
    if (count_ != nullptr) {
      *count_ = std::max<int64_t>(0, value);
    }
    return scalar(true);
  }

  int depth_ = 0;
  member member_ = member::other;
  bool seen_usage_ = false;
  bool in_usage_ = false;
  bool seen_prompt_ = false;
  bool seen_completion_ = false;
  bool seen_total_ = false;
  /// The usage count the next number belongs to, if any.
  int64_t* count_ = nullptr;
};

// 2xx bodies: a JSON object that is not an error envelope (OpenRouter reports some upstream
// failures as 200 {"error": {...}} without choices).
// The body is read in place from a NUL-terminated copy (on the stack when it is short, as
// completions are): a pointer and no bounds check per character, and no string copied to the
// reader's stack (callgrind, a 255-byte completion: 6.3k → 4.6k instructions). The reader ends
// the text at a NUL, as it did at an embedded one before.
bool is_answer_object(const std::string& body, usage_counts& usage) {
  answer_scan scan;
  // The reader's stack allocator lives here: left to itself, the reader allocates one.
  rapidjson::CrtAllocator stack_allocator;
  rapidjson::Reader reader(&stack_allocator);
  // Like Document::Parse(data, size): the bytes of a UTF-8 byte order mark (EF BB BF) are
  // skipped, each if present in that order, so a stray one too.
  const char* text = body.c_str();
  for (unsigned mark : {0xEFu, 0xBBu, 0xBFu}) {
    text += static_cast<unsigned char>(*text) == mark ? 1 : 0;
  }
  size_t size = body.size() - static_cast<size_t>(text - body.c_str());
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init): written before it is read
  std::array<char, 1024> short_copy;
  std::string long_copy;
  char* copy = short_copy.data();
  if (size >= short_copy.size()) {
    long_copy.assign(text, size);
    copy = long_copy.data();
  } else {
    std::memcpy(copy, text, size + 1); // with the string's NUL
  }
  rapidjson::InsituStringStream stream(copy);
  if (reader.Parse<rapidjson::kParseInsituFlag>(stream, scan).IsError() || !scan.top_is_object) {
    return false;
  }
  bool error_only = scan.error_not_null && !scan.has_choices;
  if (!error_only) {
    usage = scan.usage;
    if (usage.present && usage.total_tokens == 0) {
      usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
    }
  }
  return !error_only;
}

attempt_outcome verdict(outcome_kind kind, int status) {
  attempt_outcome out;
  out.kind = kind;
  out.status = status;
  out.fall_through = kind != outcome_kind::caller_error;
  switch (kind) {
  case outcome_kind::success:
    break;
  case outcome_kind::rate_limited:
    out.reason = "provider_429";
    break;
  default:
    out.reason = to_string(kind);
  }
  return out;
}

} // namespace

bool looks_like_missing_model(int status, std::string_view body) {
  if (status == 404 || status == 410) {
    return true;
  }
  if ((status != 400 && status != 422) || body.empty()) {
    return false;
  }
  auto text = lowered_head(body);
  return text.find("model") != std::string::npos && mentions_any(text, missing_model_terms);
}

attempt_outcome classify(const gw::catalog::upstream_result& result) {
  using gw::catalog::transport_failure;
  if (!result.ok()) {
    attempt_outcome out;
    out.kind = result.failure == transport_failure::timeout ? outcome_kind::timeout
                                                            : outcome_kind::transport_error;
    out.reason = gw::catalog::to_string(result.failure);
    return out;
  }
  auto status = result.status;
  if (status >= 200 && status < 300) {
    usage_counts usage;
    auto out = verdict(is_answer_object(result.body, usage) ? outcome_kind::success
                                                            : outcome_kind::malformed_response,
                       status);
    out.usage = usage;
    return out;
  }
  if (status == 429) {
    return verdict(outcome_kind::rate_limited, status);
  }
  if (status >= 500) {
    return verdict(outcome_kind::provider_5xx, status);
  }
  if (status < 400) { // 1xx leftovers and 3xx (redirects are not followed)
    return verdict(outcome_kind::malformed_response, status);
  }
  switch (status) {
  case 413:
    return verdict(outcome_kind::request_too_large, status);
  case 401:
  case 403:
    return verdict(outcome_kind::auth_error, status);
  case 408: // the upstream gave up waiting: a slow exchange, not a bad request
    return verdict(outcome_kind::timeout, status);
  case 402: // payment / credits
  case 451: // unavailable in this region
    return verdict(outcome_kind::route_rejected, status);
  default:
    break;
  }
  if (looks_like_missing_model(status, result.body)) {
    return verdict(outcome_kind::model_not_found, status);
  }
  auto text = lowered_head(result.body);
  if (mentions_any(text, retired_model_terms)) {
    return verdict(outcome_kind::model_not_found, status);
  }
  if (mentions_any(text, route_specific_terms)) {
    return verdict(outcome_kind::route_rejected, status);
  }
  return verdict(outcome_kind::caller_error, status);
}

const char* to_string(outcome_kind kind) {
  switch (kind) {
  case outcome_kind::success:
    return "success";
  case outcome_kind::rate_limited:
    return "rate_limited";
  case outcome_kind::timeout:
    return "timeout";
  case outcome_kind::transport_error:
    return "transport_error";
  case outcome_kind::provider_5xx:
    return "provider_5xx";
  case outcome_kind::request_too_large:
    return "request_too_large";
  case outcome_kind::auth_error:
    return "auth_error";
  case outcome_kind::model_not_found:
    return "model_not_found";
  case outcome_kind::route_rejected:
    return "route_rejected";
  case outcome_kind::caller_error:
    return "caller_error";
  case outcome_kind::malformed_response:
    return "malformed_response";
  }
  return "malformed_response";
}

} // namespace gw::catalog
