// Embedded mode: how a chat that was not served ends, as the same error value remote mode reads
// from the gateway's JSON reply (code, type, status; http/server/chat_replies.cpp builds that
// reply from the same outcome).
#pragma once

#include "actors/chat_job.hpp"
#include "freerouter/result.hpp"

namespace freerouter::detail {

/// For chat_exhausted, chat_deadline and chat_caller_error (served outcomes: an empty error).
error outcome_error(const gw::actors::chat_outcome& outcome);

} // namespace freerouter::detail
