#include "metrics/waterfall_metrics.hpp"

#include "metrics/families.hpp"
#include "metrics/gateway_metrics.hpp"

namespace gw::metrics {

struct waterfall_metrics::caches {
  explicit caches(families& f)
      : attempts(f.upstream_attempts, {"provider", "route_id", "outcome"}),
        skips(f.route_skips, {"provider", "route_id", "reason"}),
        tokens(f.tokens, {"provider", "route_id", "direction"}) {}

  labelled_cache<prometheus::Counter, 3> attempts;
  labelled_cache<prometheus::Counter, 3> skips;
  labelled_cache<prometheus::Counter, 3> tokens;
};

waterfall_metrics::waterfall_metrics() = default;

waterfall_metrics::waterfall_metrics(gateway_metrics& metrics)
    : caches_(std::make_unique<caches>(*metrics.families_)) {}

waterfall_metrics::~waterfall_metrics() = default;
waterfall_metrics::waterfall_metrics(waterfall_metrics&&) noexcept = default;
waterfall_metrics& waterfall_metrics::operator=(waterfall_metrics&&) noexcept = default;

void waterfall_metrics::count_attempt(std::string_view provider, std::string_view route_id,
                                      std::string_view outcome) {
  if (caches_) {
    caches_->attempts.get({provider, route_id, outcome}).Increment();
  }
}

void waterfall_metrics::count_skip(std::string_view provider, std::string_view route_id,
                                   std::string_view reason) {
  if (caches_) {
    caches_->skips.get({provider, route_id, reason}).Increment();
  }
}

void waterfall_metrics::count_tokens(std::string_view provider, std::string_view route_id,
                                     int64_t prompt_tokens, int64_t completion_tokens) {
  if (!caches_) {
    return;
  }
  if (prompt_tokens > 0) {
    caches_->tokens.get({provider, route_id, "prompt"})
      .Increment(static_cast<double>(prompt_tokens));
  }
  if (completion_tokens > 0) {
    caches_->tokens.get({provider, route_id, "completion"})
      .Increment(static_cast<double>(completion_tokens));
  }
}

void waterfall_metrics::count_success(served_series& series, std::string_view provider,
                                      std::string_view route_id, int64_t prompt_tokens,
                                      int64_t completion_tokens) {
  if (!caches_) {
    return;
  }
  if (series.attempts == nullptr || series.provider != provider || series.route_id != route_id) {
    series.provider = provider;
    series.route_id = route_id;
    series.attempts = &caches_->attempts.get({provider, route_id, "success"});
    series.prompt_tokens = &caches_->tokens.get({provider, route_id, "prompt"});
    series.completion_tokens = &caches_->tokens.get({provider, route_id, "completion"});
  }
  series.attempts->Increment();
  if (prompt_tokens > 0) {
    series.prompt_tokens->Increment(static_cast<double>(prompt_tokens));
  }
  if (completion_tokens > 0) {
    series.completion_tokens->Increment(static_cast<double>(completion_tokens));
  }
}

} // namespace gw::metrics
