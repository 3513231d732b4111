// Joining pieces of text without a std::string::append per piece (an out-of-line call of ~45
// instructions): append_all for one step, text_buffer for a text built in several steps (an
// HTTP head is ~30 pieces, written twice per proxied request: to the upstream and the client).
#pragma once

#include <array>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>

namespace gw {

inline void append_all(std::string& out, std::initializer_list<std::string_view> pieces) {
  size_t added = 0;
  for (auto piece : pieces) {
    added += piece.size();
  }
  auto at = out.size();
  out.resize(at + added);
  char* next = out.data() + at;
  for (auto piece : pieces) {
    // memcpy with a null source is undefined even for zero bytes (an empty string_view).
    if (!piece.empty()) {
      std::memcpy(next, piece.data(), piece.size());
      next += piece.size();
    }
  }
}

/// A short text assembled in several steps (an HTTP head: a status line, then a line per
/// header), written into a buffer on the stack and copied out once. append_all on a string at
/// every step resizes (and zero-fills) it each time, ~120 instructions a step (callgrind); here a
/// piece of known size is a few moves. Longer texts spill to the heap and still come out right.
template <size_t Capacity>
class text_buffer {
public:
  void add(std::string_view piece) {
    if (!spill_.empty() || piece.size() > Capacity - size_) {
      add_to_spill(piece);
      return;
    }
    if (!piece.empty()) { // memcpy from a null source is undefined, even for zero bytes
      std::memcpy(local_.data() + size_, piece.data(), piece.size());
      size_ += piece.size();
    }
  }
  void add(std::initializer_list<std::string_view> pieces) {
    for (auto piece : pieces) {
      add(piece);
    }
  }
  /// Everything added, as one string.
  std::string str() && {
    if (!spill_.empty()) {
      return std::move(spill_);
    }
    return std::string(local_.data(), size_);
  }

private:
  void add_to_spill(std::string_view piece) {
    if (spill_.empty()) {
      spill_.reserve(2 * Capacity);
      spill_.append(local_.data(), size_);
    }
    spill_.append(piece);
  }

  /// Not zeroed: only the first size_ bytes are ever read.
  std::array<char, Capacity> local_; // NOLINT(cppcoreguidelines-pro-type-member-init)
  size_t size_ = 0;
  std::string spill_;
};

} // namespace gw
