// The bytes JSON text treats specially, for the reader and the writer of every request's body
// (core/insitu_json_reader.hpp, http/openai/body_writer.hpp): whitespace between tokens, and the
// bytes that end a run of plain string text (a quote, a backslash, every byte below 0x20).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace gw::json_text {

namespace detail {

enum byte_class : uint8_t {
  space = 1,   // ' ', '\n', '\r', '\t'
  run_end = 2, // '"', '\\', and every byte below 0x20
};

constexpr std::array<uint8_t, 256> byte_classes() {
  std::array<uint8_t, 256> table{};
  for (int c = 0; c < 0x20; ++c) {
    table[c] = run_end;
  }
  table['"'] = run_end;
  table['\\'] = run_end;
  for (unsigned char c : {' ', '\n', '\r', '\t'}) {
    table[c] |= space;
  }
  return table;
}

/// One table load per byte.
inline constexpr std::array<uint8_t, 256> classes = byte_classes();

} // namespace detail

inline bool is_space(char c) {
  return (detail::classes[static_cast<unsigned char>(c)] & detail::space) != 0;
}

/// A quote, a backslash or a byte below 0x20: what a plain run of string text cannot hold.
inline bool ends_plain_run(char c) {
  return (detail::classes[static_cast<unsigned char>(c)] & detail::run_end) != 0;
}

/// How many of the eight bytes at `p` come before the first that ends a plain run; 8 when none
/// does. Each test is exact for the lowest flagged byte (a borrow only flags bytes above a
/// true match).
inline unsigned plain_prefix(const char* p) {
  constexpr uint64_t ones = 0x0101010101010101ULL;
  constexpr uint64_t highs = 0x8080808080808080ULL;
  uint64_t word = 0;
  std::memcpy(&word, p, sizeof word);
  uint64_t quote = word ^ (ones * '"');
  uint64_t backslash = word ^ (ones * '\\');
  uint64_t found =
    (((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) | ((word - ones * 0x20) & ~word))
    & highs;
  return found == 0 ? 8 : static_cast<unsigned>(__builtin_ctzll(found)) / 8;
}

/// The same for the sixteen bytes at `p`; 16 when none ends the run. Where the compiler targets
/// SSE2 (every x86-64) one compare per class for all sixteen: a message's content is most of a
/// body, and is then read at a fraction of an instruction per byte.
inline unsigned plain_prefix16(const char* p) {
#if defined(__SSE2__)
  __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  __m128i special = _mm_or_si128(_mm_cmpeq_epi8(block, _mm_set1_epi8('"')),
                                 _mm_cmpeq_epi8(block, _mm_set1_epi8('\\')));
  // Below 0x20 as a signed compare also takes 0x80..0xff; movemask reads the top bits only,
  // and `andnot block` clears them for those bytes.
  __m128i control = _mm_andnot_si128(block, _mm_cmplt_epi8(block, _mm_set1_epi8(0x20)));
  auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(special, control)));
  return mask == 0 ? 16 : static_cast<unsigned>(__builtin_ctz(mask));
#else
  unsigned plain = plain_prefix(p);
  return plain == 8 ? 8 + plain_prefix(p + 8) : plain;
#endif
}

} // namespace gw::json_text
