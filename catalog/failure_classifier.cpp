#include "catalog/failure_classifier.hpp"

#include "catalog/answer_scan.hpp"
#include "catalog/tags.hpp"

#include <array>
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
    auto facts = scan_answer(result.body);
    auto out =
      verdict(facts.is_answer ? outcome_kind::success : outcome_kind::malformed_response, status);
    out.usage = facts.usage;
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
