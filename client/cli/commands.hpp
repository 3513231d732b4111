// The commands of freerouter-cli; each returns its exit code (outcome.hpp).
#pragma once

#include "freerouter/client.hpp"

#include "options.hpp"
#include "terminal.hpp"

namespace freerouter::cli {

int run_ask(client& c, const options& o);
int run_chat(client& c, const options& o, const terminal& term);
int run_models(client& c, const options& o, const terminal& term);
int run_status(client& c, const terminal& term);
int run_diagnose(client& c, const options& o, const terminal& term);

} // namespace freerouter::cli
