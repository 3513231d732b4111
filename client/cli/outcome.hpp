// freerouter-cli's exit codes, for scripts: 0 ok, 1 the gateway answered with an error, 2 usage
// error (bad flags, an unusable URL or data dir configuration), 3 cannot reach the gateway
// (connection failed, or in embedded mode the data dir is held by a server).
#pragma once

#include "freerouter/result.hpp"

namespace freerouter::cli {

enum exit_code : int { ok = 0, gateway_error = 1, usage_error = 2, cannot_connect = 3 };

/// Prints `freerouter-cli: <code>: <message>` (and the HTTP status) to stderr; returns the exit
/// code for `e`.
int report(const error& e);

} // namespace freerouter::cli
