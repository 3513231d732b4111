// Output helpers of freerouter-cli: colour only on a terminal, tables, bars, durations.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace freerouter::cli {

struct terminal {
  /// stdout is a terminal and colour was not turned off.
  bool fancy = false;

  /// `text` dimmed (ANSI faint) when fancy.
  std::string dim(const std::string& text) const;
  /// `text` in bold when fancy.
  std::string bold(const std::string& text) const;
  /// A bar of `width` cells filled used/limit ("█░" when fancy, "#." otherwise).
  std::string bar(int64_t used, int64_t limit, int width = 20) const;
};

/// For stdout (fd 1), honouring NO_COLOR and --no-color.
terminal detect_terminal(bool color_allowed);

/// "45s", "12m 5s", "5h 12m", "2d 3h".
std::string duration(int64_t seconds);

/// Columns padded to their widest cell (UTF-8 aware), separated by two spaces.
void print_table(std::ostream& out, const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows, const terminal& term);

} // namespace freerouter::cli
