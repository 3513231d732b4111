#include "catalog/ids.hpp"

#include <algorithm>

namespace gw::catalog {

bool header_safe(std::string_view value) {
  return std::none_of(value.begin(), value.end(), [](char c) {
    auto byte = static_cast<unsigned char>(c);
    return (byte < 0x20 && byte != '\t') || byte == 0x7f;
  });
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
