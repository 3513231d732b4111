// How a streamed attempt's end becomes a stream_outcome, shared by every stream_sink (the
// server's relay, the embedded client's stream) so that the router hears the same outcome for
// the same upstream behaviour whoever consumes the tokens. Pure functions of what the sink saw.
#pragma once

#include "actors/stream_sink.hpp"

namespace gw::actors {

/// True when the head leaves nothing to stream: a failed transport, an error status, or no
/// body to read.
bool unstreamable(const upstream::upstream_result& head, bool has_body);

/// The outcome of an unstreamable head, classified like a non-streamed answer (a 2xx without a
/// body is a malformed response), with its rate-limit hints and, for a caller error, its body.
stream_outcome unstreamable_head_outcome(const upstream::upstream_result& head);

/// Failed before commit: the next route may be tried.
stream_outcome failed_before_commit(catalog::outcome_kind kind, std::string reason, int status);

/// The stream ended ([DONE] or a clean end) after commit: its usage, and the rate-limit hints
/// of its head (a remaining=0 hint cools the route for the next request).
stream_outcome finished_stream(int status, const catalog::usage_counts& usage,
                               const upstream::header_list& head_headers);

/// Cut after commit (upstream error event, broken or stalled transport).
stream_outcome interrupted_stream(catalog::outcome_kind kind, int status,
                                  const catalog::usage_counts& usage);

/// The client went away; after commit the attempt counts as served.
stream_outcome client_gone(bool committed, const catalog::usage_counts& usage);

/// Why a read failed, as an attempt reason: "first_token_timeout" when it timed out before
/// commit at the first-token deadline, else the transport failure's name.
std::string read_failure_reason(upstream::transport_failure failure,
                                bool past_first_token_deadline);

} // namespace gw::actors
