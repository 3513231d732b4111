#include "core/error.hpp"

namespace gw {

const char* to_string(errc code) {
  switch (code) {
  case errc::invalid_request:
    return "invalid_request";
  case errc::not_found:
    return "not_found";
  case errc::method_not_allowed:
    return "method_not_allowed";
  case errc::payload_too_large:
    return "payload_too_large";
  case errc::config_error:
    return "config_error";
  case errc::io_error:
    return "io_error";
  case errc::storage_error:
    return "storage_error";
  case errc::locked:
    return "locked";
  case errc::internal:
    return "internal";
  }
  return "internal";
}

} // namespace gw
