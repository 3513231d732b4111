#include "terminal.hpp"

#include <algorithm>
#include <cstdlib>
#include <ostream>

#include <unistd.h>

namespace freerouter::cli {

namespace {

/// Display width of UTF-8 text: every code point counts one column.
size_t width(const std::string& text) {
  size_t n = 0;
  for (unsigned char c : text) {
    n += (c & 0xC0) != 0x80 ? 1 : 0;
  }
  return n;
}

} // namespace

terminal detect_terminal(bool color_allowed) {
  terminal t;
  const char* no_color = std::getenv("NO_COLOR"); // NOLINT(concurrency-mt-unsafe): at start-up
  t.fancy =
    color_allowed && ::isatty(STDOUT_FILENO) == 1 && (no_color == nullptr || *no_color == '\0');
  return t;
}

std::string terminal::dim(const std::string& text) const {
  return fancy ? "\033[2m" + text + "\033[0m" : text;
}

std::string terminal::bold(const std::string& text) const {
  return fancy ? "\033[1m" + text + "\033[0m" : text;
}

std::string terminal::bar(int64_t used, int64_t limit, int cells) const {
  int filled = 0;
  if (limit > 0) {
    filled = static_cast<int>(std::min<int64_t>(cells, (used * cells + limit - 1) / limit));
  }
  std::string out = "[";
  for (int i = 0; i < cells; ++i) {
    out += i < filled ? (fancy ? "█" : "#") : (fancy ? "░" : ".");
  }
  return out + "]";
}

std::string duration(int64_t seconds) {
  if (seconds < 0) {
    seconds = 0;
  }
  auto two = [](int64_t big, const char* a, int64_t small, const char* b) {
    std::string out = std::to_string(big) + a;
    if (small > 0) {
      out += " " + std::to_string(small) + b;
    }
    return out;
  };
  if (seconds < 60) {
    return std::to_string(seconds) + "s";
  }
  if (seconds < 3600) {
    return two(seconds / 60, "m", seconds % 60, "s");
  }
  if (seconds < 86400) {
    return two(seconds / 3600, "h", seconds % 3600 / 60, "m");
  }
  return two(seconds / 86400, "d", seconds % 86400 / 3600, "h");
}

void print_table(std::ostream& out, const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows, const terminal& term) {
  std::vector<size_t> widths(header.size(), 0);
  auto measure = [&widths](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], width(row[i]));
    }
  };
  measure(header);
  for (const auto& row : rows) {
    measure(row);
  }
  auto line = [&](const std::vector<std::string>& row) {
    std::string text;
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      text += row[i];
      if (i + 1 < row.size()) {
        text += std::string(widths[i] - width(row[i]) + 2, ' ');
      }
    }
    return text;
  };
  out << term.bold(line(header)) << '\n';
  for (const auto& row : rows) {
    out << line(row) << '\n';
  }
}

} // namespace freerouter::cli
