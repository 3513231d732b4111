#define CAF_SUITE server.request_ids

#include "http/server/gateway_context.hpp"

#include <caf/test/dsl.hpp>

using namespace gw::server;

CAF_TEST(request ids are the counter low 48 bits as twelve hex digits) {
  gateway_context ctx;
  ctx.request_counter = 0xfedcba987654ULL;
  CAF_CHECK_EQUAL(ctx.next_request_id(), "fedcba987654");
  CAF_CHECK_EQUAL(ctx.next_request_id(), "fedcba987655");
  // Bits above the 48th are dropped; leading zeros are kept.
  ctx.request_counter = 0x10000000000ffULL;
  CAF_CHECK_EQUAL(ctx.next_request_id(), "0000000000ff");
  CAF_CHECK_EQUAL(ctx.next_request_id(), "000000000100");
}
