// The outcomes every stream_sink reports, without actors or sockets.
#define CAF_SUITE actors.stream_outcomes

#include "actors/stream_outcomes.hpp"

#include "tests/unit/actors/scripted_transport.hpp"

#include <caf/test/dsl.hpp>

using namespace gw;
using catalog::outcome_kind;

namespace {

// The answers the router's tests script for their transports.
using test::scripted_transport;

upstream::upstream_result answer(int status) {
  return scripted_transport::status_result(status);
}

} // namespace

CAF_TEST(a head is streamable only as a 2xx with a body) {
  CAF_CHECK(!actors::unstreamable(answer(200), true));
  CAF_CHECK(actors::unstreamable(answer(200), false));
  CAF_CHECK(actors::unstreamable(answer(429), true));
  CAF_CHECK(actors::unstreamable(
    scripted_transport::failure(upstream::transport_failure::connect_error), true));
}

CAF_TEST(a 2xx head without a body is a malformed response) {
  auto outcome = actors::unstreamable_head_outcome(answer(200));
  CAF_CHECK(outcome.kind == outcome_kind::malformed_response);
  CAF_CHECK_EQUAL(outcome.reason, "malformed_response");
  CAF_CHECK(!outcome.committed);
}

CAF_TEST(a 429 head carries its cooldown and no body for the client) {
  auto outcome = actors::unstreamable_head_outcome(
    scripted_transport::status_result(429, "slow", {{"retry-after", "30"}}));
  CAF_CHECK(outcome.kind == outcome_kind::rate_limited);
  CAF_CHECK_EQUAL(outcome.status, 429);
  CAF_CHECK(outcome.reached_provider);
  CAF_CHECK(outcome.cooldown_until_ms > 0);
  CAF_CHECK(outcome.error_body.empty());
}

CAF_TEST(a caller error keeps its body for the error reply) {
  auto outcome =
    actors::unstreamable_head_outcome(scripted_transport::status_result(400, R"({"error":"bad"})"));
  CAF_CHECK_EQUAL(outcome.error_body, R"({"error":"bad"})");
}

CAF_TEST(a refused connection did not reach the provider) {
  auto refused = scripted_transport::failure(upstream::transport_failure::connect_error);
  CAF_CHECK(!actors::unstreamable_head_outcome(refused).reached_provider);
}

CAF_TEST(a finished stream is a committed success with the head remaining hint) {
  catalog::usage_counts usage;
  usage.present = true;
  usage.total_tokens = 12;
  auto ok = actors::finished_stream(200, usage, {{"x-ratelimit-remaining-requests", "0"}});
  CAF_CHECK(ok.committed);
  CAF_CHECK(ok.kind == outcome_kind::success);
  CAF_CHECK_EQUAL(ok.usage.total_tokens, 12);
  CAF_CHECK(ok.remaining_exhausted);
  CAF_CHECK(!actors::finished_stream(200, usage, {}).remaining_exhausted);
}

CAF_TEST(a client gone counts as served only after commit) {
  auto before = actors::client_gone(false, {});
  CAF_CHECK(before.client_gone);
  CAF_CHECK(before.kind == outcome_kind::transport_error);
  auto after = actors::client_gone(true, {});
  CAF_CHECK(after.kind == outcome_kind::success);
  CAF_CHECK_EQUAL(after.reason, "client_closed");
}

CAF_TEST(an interrupted stream stays committed) {
  auto cut = actors::interrupted_stream(outcome_kind::timeout, 200, {});
  CAF_CHECK(cut.committed);
  CAF_CHECK_EQUAL(cut.reason, "stream_interrupted");
}

CAF_TEST(a read timeout at the first token deadline is a first token timeout) {
  using upstream::transport_failure;
  CAF_CHECK_EQUAL(actors::read_failure_reason(transport_failure::timeout, true),
                  "first_token_timeout");
  CAF_CHECK_EQUAL(actors::read_failure_reason(transport_failure::timeout, false), "timeout");
  CAF_CHECK_EQUAL(actors::read_failure_reason(transport_failure::connection_reset, true),
                  "connection_reset");
}
