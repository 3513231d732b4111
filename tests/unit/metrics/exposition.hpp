// Reading values back out of the text exposition, the way Prometheus sees them.
#pragma once

#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace gw::metrics::test {

/// The value of the sample written exactly as `series` (name plus labels in prometheus-cpp's
/// order, which sorts label names), or nullopt when no such line exists.
inline std::optional<double> sample(const std::string& text, std::string_view series) {
  std::istringstream in{text};
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0
        && line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return std::nullopt;
}

/// The metric type announced for `name` ("counter", "gauge", "histogram"), or "".
inline std::string type_of(const std::string& text, std::string_view name) {
  std::string prefix = "# TYPE " + std::string{name} + " ";
  auto pos = text.find(prefix);
  if (pos == std::string::npos) {
    return "";
  }
  auto end = text.find('\n', pos);
  return text.substr(pos + prefix.size(), end - pos - prefix.size());
}

/// Lines that are samples of `name` (not comments).
inline int count_samples(const std::string& text, std::string_view name) {
  std::istringstream in{text};
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    if (line.compare(0, name.size(), name) == 0 && line.size() > name.size()
        && (line[name.size()] == '{' || line[name.size()] == ' ')) {
      ++n;
    }
  }
  return n;
}

} // namespace gw::metrics::test
