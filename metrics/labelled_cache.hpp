// Caches the series of a labelled family by label values, for ONE owner (one actor): no lock,
// no atomic, just a hash lookup in a private map. prometheus-cpp's Family::Add locks the
// family and hashes a std::map of labels, so it runs here only on the first use of a label
// combination; every later update is a lookup plus the metric's own lock-free increment.
//
// Labels must be bounded (provider, route_id, outcome, reason: values the gateway chose, never a
// client's string). As a last line of defence the cache holds at most `max_series`
// combinations; any further one is counted in a single series whose values are all "_overflow".
#pragma once

#include "metrics/lockfree_histogram.hpp"

#include <prometheus/family.h>
#include <prometheus/labels.h>

#include <array>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>

namespace gw::metrics {

template <class Metric>
struct family_of {
  using type = prometheus::Family<Metric>;
  static Metric& add(type& family, const prometheus::Labels& labels) {
    return family.Add(labels);
  }
};

template <>
struct family_of<histogram_series> {
  using type = histogram_family;
  static histogram_series& add(type& family, const prometheus::Labels& labels) {
    return family.add(labels);
  }
};

/// Not thread-safe: one instance per owning actor. The family must outlive the cache (both live
/// in gateway_metrics, which outlives the actor system).
template <class Metric, std::size_t N>
class labelled_cache {
public:
  using family_type = typename family_of<Metric>::type;
  static constexpr std::size_t default_max_series = 10000;

  labelled_cache(family_type& family, std::array<std::string, N> label_names,
                 std::size_t max_series = default_max_series)
      : family_(&family), names_(std::move(label_names)), max_series_(max_series) {}

  /// The series for these label values (in the order of the label names).
  Metric& get(const std::array<std::string_view, N>& values) {
    // Length-prefixed parts (the length's bytes, not its digits: no formatting on the hot
    // path): distinct value tuples never share a key. key_ keeps its capacity, so a warm
    // lookup allocates nothing.
    std::size_t total = 0;
    for (auto value : values) {
      total += sizeof(std::size_t) + value.size();
    }
    key_.resize(total); // one call, then plain copies: appends cost ~45 instructions each
    char* out = key_.data();
    for (auto value : values) {
      auto length = value.size();
      std::memcpy(out, &length, sizeof length);
      out += sizeof length;
      std::memcpy(out, value.data(), length);
      out += length;
    }
    if (auto i = cache_.find(key_); i != cache_.end()) {
      return *i->second;
    }
    prometheus::Labels labels;
    if (cache_.size() >= max_series_) {
      if (overflow_ == nullptr) {
        for (const auto& name : names_) {
          labels.emplace(name, "_overflow");
        }
        overflow_ = &family_of<Metric>::add(*family_, labels);
      }
      return *overflow_;
    }
    for (std::size_t i = 0; i < N; ++i) {
      labels.emplace(names_[i], std::string{values[i]});
    }
    auto& metric = family_of<Metric>::add(*family_, labels);
    cache_.emplace(key_, &metric);
    return metric;
  }

  /// Label combinations cached so far (the overflow series not included).
  std::size_t size() const noexcept {
    return cache_.size();
  }

private:
  family_type* family_;
  std::array<std::string, N> names_;
  std::size_t max_series_;
  std::unordered_map<std::string, Metric*> cache_;
  std::string key_;
  Metric* overflow_ = nullptr;
};

} // namespace gw::metrics
