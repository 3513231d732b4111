// Strict UTF-8 decoding, shared by every JSON writer that must not pass invalid bytes on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace gw {

/// Decodes the UTF-8 sequence at text[i] into `cp`; returns its length, or 0 when it is not a
/// valid sequence (truncated, overlong forms, surrogates, code points above U+10FFFF).
inline size_t decode_utf8(std::string_view text, size_t i, uint32_t& cp) {
  auto byte = [&](size_t k) {
    return static_cast<unsigned char>(text[k]);
  };
  auto lead = byte(i);
  size_t len = 0;
  if (lead < 0x80) {
    cp = lead;
    return 1;
  }
  if (lead >= 0xC2 && lead <= 0xDF) {
    len = 2;
    cp = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    len = 3;
    cp = lead & 0x0Fu;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    len = 4;
    cp = lead & 0x07u;
  } else {
    return 0;
  }
  if (i + len > text.size()) {
    return 0;
  }
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0u) != 0x80u) {
      return 0;
    }
    cp = (cp << 6) | (byte(i + k) & 0x3Fu);
  }
  bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
  bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
  if (overlong || surrogate || cp > 0x10FFFF) {
    return 0;
  }
  return len;
}

} // namespace gw
