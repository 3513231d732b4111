#include "metrics/lockfree_histogram.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace gw::metrics {

static_assert(std::atomic<double>::is_always_lock_free,
              "the sum must be a lock-free atomic, or observe() would lock after all");

histogram_series::histogram_series(std::shared_ptr<const bucket_bounds> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<uint64_t>[]>(bounds_->size() + 1)) {
  for (size_t i = 0; i <= bounds_->size(); ++i) {
    counts_[i].store(0, std::memory_order_relaxed);
  }
}

void histogram_series::observe(double value) noexcept {
  if (std::isnan(value)) {
    return;
  }
  const auto& b = *bounds_;
  auto index = static_cast<size_t>(std::lower_bound(b.begin(), b.end(), value) - b.begin());
  counts_[index].fetch_add(1, std::memory_order_relaxed);
  auto old = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(old, old + value, std::memory_order_relaxed)) {
  }
}

prometheus::ClientMetric histogram_series::collect() const {
  prometheus::ClientMetric m;
  const auto& b = *bounds_;
  m.histogram.bucket.reserve(b.size() + 1);
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= b.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    prometheus::ClientMetric::Bucket bucket;
    bucket.cumulative_count = cumulative;
    bucket.upper_bound = i < b.size() ? b[i] : std::numeric_limits<double>::infinity();
    m.histogram.bucket.push_back(bucket);
  }
  m.histogram.sample_count = cumulative;
  m.histogram.sample_sum = sum_.load(std::memory_order_relaxed);
  return m;
}

uint64_t histogram_series::count() const noexcept {
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_->size(); ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
  }
  return total;
}

double histogram_series::sum() const noexcept {
  return sum_.load(std::memory_order_relaxed);
}

namespace {

bucket_bounds normalized(bucket_bounds bounds) {
  bounds.erase(
    std::remove_if(bounds.begin(), bounds.end(), [](double x) { return !std::isfinite(x); }),
    bounds.end());
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
  return bounds;
}

} // namespace

histogram_family::histogram_family(std::string name, std::string help, bucket_bounds bounds)
    : name_(std::move(name)), help_(std::move(help)),
      bounds_(std::make_shared<const bucket_bounds>(normalized(std::move(bounds)))) {}

histogram_series& histogram_family::add(const prometheus::Labels& labels) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto& slot = series_[labels];
  if (!slot) {
    slot = std::make_unique<histogram_series>(bounds_);
  }
  return *slot;
}

std::vector<prometheus::MetricFamily> histogram_family::Collect() const {
  std::lock_guard<std::mutex> guard{mutex_};
  if (series_.empty()) {
    return {};
  }
  prometheus::MetricFamily family;
  family.name = name_;
  family.help = help_;
  family.type = prometheus::MetricType::Histogram;
  family.metric.reserve(series_.size());
  for (const auto& [labels, series] : series_) {
    auto m = series->collect();
    for (const auto& [key, value] : labels) {
      m.label.push_back({key, value});
    }
    family.metric.push_back(std::move(m));
  }
  return {std::move(family)};
}

} // namespace gw::metrics
