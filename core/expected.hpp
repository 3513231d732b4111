// A minimal expected<T>: either a value or a gw::error. Kept tiny and free of
// CAF so that pure modules (catalog, config, parsers) compile fast.
#pragma once

#include "core/error.hpp"

#include <optional>
#include <utility>

namespace gw {

template <class T>
class expected {
public:
  expected(T value) : value_(std::move(value)) { // NOLINT(google-explicit-constructor)
  }
  expected(gw::error err) : error_(std::move(err)) { // NOLINT(google-explicit-constructor)
  }

  explicit operator bool() const {
    return value_.has_value();
  }
  bool has_value() const {
    return value_.has_value();
  }

  T& operator*() & {
    return *value_;
  }
  const T& operator*() const& {
    return *value_;
  }
  T&& operator*() && {
    return std::move(*value_);
  }
  T* operator->() {
    return &*value_;
  }
  const T* operator->() const {
    return &*value_;
  }

  /// Only meaningful when !has_value().
  const gw::error& error() const {
    return error_;
  }

private:
  std::optional<T> value_;
  gw::error error_;
};

} // namespace gw
