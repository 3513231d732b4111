// A Prometheus histogram whose observe() takes no lock. prometheus::Histogram (1.0) locks a
// mutex on every Observe; request latencies are observed on every I/O thread, so that mutex
// would be contended across cores exactly on the hot path. Here one observation is a binary
// search, one relaxed fetch_add and one compare-exchange loop on the sum.
#pragma once

#include <prometheus/client_metric.h>
#include <prometheus/collectable.h>
#include <prometheus/labels.h>
#include <prometheus/metric_family.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace gw::metrics {

/// Upper bounds of the finite buckets, strictly increasing (+Inf is implicit).
using bucket_bounds = std::vector<double>;

/// One series of a histogram. observe() is lock-free and safe from any thread.
class histogram_series {
public:
  explicit histogram_series(std::shared_ptr<const bucket_bounds> bounds);

  /// Counts `value` in the first bucket whose bound is >= value (Prometheus' `le`). NaN is
  /// dropped: it would poison the sum forever.
  void observe(double value) noexcept;

  /// A snapshot for the exposition. Buckets are read one by one, so an observation racing with
  /// the scrape may appear in its bucket before it appears in the sum; `_count` is always the
  /// +Inf bucket, as Prometheus requires.
  prometheus::ClientMetric collect() const;

  uint64_t count() const noexcept;
  double sum() const noexcept;

private:
  std::shared_ptr<const bucket_bounds> bounds_;
  /// Per-bucket (not cumulative) counts; the last slot is +Inf.
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0.0};
};

/// The series of one histogram metric, keyed by their labels. add() locks (resolve a series
/// once and keep the reference); observing a series never does.
class histogram_family final : public prometheus::Collectable {
public:
  /// `bounds` is sorted and de-duplicated here; non-finite bounds are dropped.
  histogram_family(std::string name, std::string help, bucket_bounds bounds);

  /// The series with these labels, created on first use. The reference stays valid for the
  /// family's lifetime (series are never removed).
  histogram_series& add(const prometheus::Labels& labels);

  /// One MetricFamily with every series, or nothing while there is none (as prometheus-cpp's
  /// Family does).
  std::vector<prometheus::MetricFamily> Collect() const override;

  const std::string& name() const noexcept {
    return name_;
  }

private:
  std::string name_;
  std::string help_;
  std::shared_ptr<const bucket_bounds> bounds_;
  mutable std::mutex mutex_;
  std::map<prometheus::Labels, std::unique_ptr<histogram_series>> series_;
};

} // namespace gw::metrics
