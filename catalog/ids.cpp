#include "catalog/ids.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace gw::catalog {

namespace {

bool unsafe_byte(char c) {
  auto byte = static_cast<unsigned char>(c);
  return (byte < 0x20 && byte != '\t') || byte == 0x7f;
}

/// True when one of the eight bytes of `word` is below 0x20 or is 0x7f (bit tricks that never
/// miss such a byte; a tab also answers true, and the byte loop then decides).
bool may_hold_control(uint64_t word) {
  constexpr uint64_t ones = 0x0101010101010101U;
  constexpr uint64_t highs = 0x8080808080808080U;
  uint64_t below_space = (word - ones * 0x20) & ~word & highs;
  uint64_t del = word ^ (ones * 0x7f);
  uint64_t is_del = (del - ones) & ~del & highs;
  return (below_space | is_del) != 0;
}

} // namespace

bool header_safe(std::string_view value) {
  // Eight bytes a step: every answer's head checks a few ids with this (~60 instructions per
  // value one byte at a time).
  const char* p = value.data();
  const char* end = p + value.size();
  while (end - p >= 8) {
    uint64_t word = 0;
    std::memcpy(&word, p, sizeof word);
    if (may_hold_control(word)) {
      break;
    }
    p += 8;
  }
  return std::none_of(p, end, unsafe_byte);
}

std::string model_id_problem(std::string_view value) {
  if (value.empty()) {
    return "must not be empty";
  }
  if (!header_safe(value)) {
    return "must not contain control characters (CR, LF, NUL, ...)";
  }
  return {};
}

std::string route_id_problem(std::string_view value) {
  if (auto problem = model_id_problem(value); !problem.empty()) {
    return problem;
  }
  if (value.find('/') != std::string_view::npos) {
    return "must not contain '/' (\"" + std::string(value)
           + "\" could not be addressed in /v1/gateway/models/{route_id}/...)";
  }
  return {};
}

} // namespace gw::catalog
