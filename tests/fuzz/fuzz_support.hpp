// Helpers shared by the libFuzzer targets in this folder.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include <unistd.h>

namespace gw::fuzz {

/// The fuzzer's bytes as text (parsers take string_view; embedded NULs stay in).
inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// An invariant of the code under test: a violation aborts, which libFuzzer reports as a crash
/// and saves the input, like a sanitizer finding.
inline void require(bool holds, const char* what) {
  if (!holds) {
    std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
    std::abort();
  }
}

/// A per-process scratch directory for loaders that only read files (TZif, providers.json).
/// Created once; the file inside is overwritten per input.
inline const std::string& scratch_dir() {
  static const std::string dir = [] {
    std::string tmpl = "/tmp/gw-fuzz-XXXXXX";
    require(mkdtemp(tmpl.data()) != nullptr, "mkdtemp");
    return tmpl;
  }();
  return dir;
}

/// Writes `bytes` to `path` (truncating).
inline void write_file(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  require(out.good(), "write scratch file");
}

} // namespace gw::fuzz
