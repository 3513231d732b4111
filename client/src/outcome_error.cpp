#include "client/src/outcome_error.hpp"

#include "client/src/answer_json.hpp"

namespace freerouter::detail {

namespace {

struct error_builder {
  error operator()(const gw::actors::chat_exhausted&) const {
    return {"waterfall_exhausted", "provider_unavailable",
            "No configured provider is currently available", 503};
  }
  error operator()(const gw::actors::chat_deadline& d) const {
    return {"request_deadline_exceeded", "timeout",
            "The request deadline of " + std::to_string(d.deadline_seconds)
              + " s elapsed before any route answered",
            504};
  }
  error operator()(const gw::actors::chat_caller_error& e) const {
    error fallback{"upstream_rejected_request", "invalid_request_error",
                   e.route->provider_name + " returned HTTP " + std::to_string(e.status), e.status};
    return error_from_body(e.upstream_body, std::move(fallback));
  }
  error operator()(const gw::actors::chat_served&) const {
    return {};
  }
  error operator()(const gw::actors::chat_streamed&) const {
    return {};
  }
};

} // namespace

error outcome_error(const gw::actors::chat_outcome& outcome) {
  return std::visit(error_builder{}, outcome);
}

} // namespace freerouter::detail
