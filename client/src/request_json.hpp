// The chat request body both modes send: {"model", "messages", params..., "stream"}.
#pragma once

#include "freerouter/result.hpp"
#include "freerouter/types.hpp"

#include <string>
#include <vector>

namespace freerouter::detail {

/// The body as compact JSON. `params.extra_json` members are added last and win over the
/// others; a malformed one is an invalid_request error (nothing is sent).
result<std::string> chat_request_json(const std::vector<message>& messages,
                                      const chat_params& params, bool stream);

/// An invalid_request error as the gateway would answer it (400).
error invalid_request(std::string message);

} // namespace freerouter::detail
