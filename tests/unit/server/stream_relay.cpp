#define CAF_SUITE server.stream_relay

#include "http/server/stream_relay.hpp"

#include "tests/unit/actors/scripted_transport.hpp"

#include <caf/test/dsl.hpp>

#include <optional>
#include <string>
#include <vector>

using namespace gw;
using gw::test::scripted_stream;

namespace {

/// Records what the relay does to the client; every chunk is accepted at once.
class recording_exchange final : public server::exchange {
public:
  std::optional<server::server_response> response;
  int stream_status = 0;
  server::header_list stream_headers;
  std::string written;
  bool ended = false;
  bool aborted = false;

  /// The connection's loop: work runs at once, or, while `hold` is set, waits in `queued`
  /// for run_queued() (the caller is not on the loop's thread, or the loop is busy).
  void dispatch(std::function<void()> work) override {
    if (hold) {
      queued.push_back(std::move(work));
    } else {
      work();
    }
  }
  /// Runs the queued work in order, and what that work queues, until nothing is left.
  void run_queued() {
    for (int rounds = 0; rounds < 1000 && !queued.empty(); ++rounds) {
      auto work = std::move(queued.front());
      queued.erase(queued.begin());
      work();
    }
  }
  bool hold = false;
  std::vector<std::function<void()>> queued;

  void respond(server::server_response r) override {
    response = std::move(r);
  }
  void start_stream(int status, std::string, server::header_list headers) override {
    stream_status = status;
    stream_headers = std::move(headers);
  }
  void write_chunk(std::string data, std::function<void(bool)> on_written) override {
    written += data;
    if (on_written) {
      on_written(true);
    }
  }
  /// Pauses are recorded in the written text as `<pause N us>`.
  void pause(std::chrono::microseconds delay) override {
    written += "<pause " + std::to_string(delay.count()) + " us>";
  }
  void end_stream(bool abort) override {
    ended = true;
    aborted = abort;
  }
  void finish_stream(std::string last_data) override {
    written += last_data;
    ended = true;
    aborted = false;
  }
  void on_client_gone(std::function<void()>) override {
    // nop
  }
  void set_shutdown_chunk(std::string chunk) override {
    shutdown_chunk = std::move(chunk);
  }
  std::string shutdown_chunk;
};

std::string chunk(const std::string& text) {
  return "data: {\"choices\":[{\"delta\":{\"content\":\"" + text + "\"}}]}\n\n";
}

struct fixture {
  std::shared_ptr<recording_exchange> client = std::make_shared<recording_exchange>();
  std::vector<actors::stream_outcome> ends;
  catalog::route_ref route{"groq/llama", "groq", "llama"};

  std::shared_ptr<server::stream_relay>
  make_relay(server::stream_format format = server::stream_format::openai,
             std::chrono::milliseconds first_token_timeout = std::chrono::seconds{60},
             std::chrono::microseconds content_pause = {}) {
    server::stream_relay::settings s;
    s.format = format;
    s.first_token_timeout = first_token_timeout;
    s.content_pause = content_pause;
    s.redact = std::make_shared<redactor>(std::vector<std::string>{"sk-secret-1"});
    auto relay = std::make_shared<server::stream_relay>(client, "req-9", std::move(s));
    relay->set_attempt_end_handler(
      [this](size_t, actors::stream_outcome outcome) { ends.push_back(std::move(outcome)); });
    return relay;
  }

  static upstream::upstream_result head(int status) {
    upstream::upstream_result h;
    h.status = status;
    return h;
  }

  static std::shared_ptr<scripted_stream> body(std::vector<std::string> pieces) {
    auto b = std::make_shared<scripted_stream>();
    b->pieces = std::move(pieces);
    return b;
  }

  std::string header(std::string_view name) const {
    const auto* value = upstream::find_header(client->stream_headers, name);
    return value ? *value : std::string{};
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(stream_relay_tests, fixture)

CAF_TEST(the first content chunk commits and the stream is relayed to its end) {
  auto relay = make_relay();
  relay->begin_attempt(0, route, 1);
  relay->on_head(head(200), body({chunk("Hel"), chunk("lo"), "data: [DONE]\n\n"}));
  CAF_CHECK_EQUAL(client->stream_status, 200);
  CAF_CHECK_EQUAL(header("X-Gateway-Route"), "groq/llama");
  CAF_CHECK_EQUAL(header("X-Gateway-Request-Id"), "req-9");
  CAF_CHECK(client->written.find("Hel") != std::string::npos);
  CAF_CHECK(client->written.find("lo") != std::string::npos);
  CAF_CHECK(client->written.find("data: [DONE]") != std::string::npos);
  CAF_CHECK(client->ended);
  CAF_CHECK(!client->aborted);
  CAF_REQUIRE_EQUAL(ends.size(), 1u);
  CAF_CHECK(ends[0].committed);
  CAF_CHECK(ends[0].kind == catalog::outcome_kind::success);
  CAF_CHECK(relay->committed());
}

CAF_TEST(a DONE before the end of the upstream body leaves the rest to be discarded) {
  auto relay = make_relay();
  relay->begin_attempt(0, route, 1);
  auto upstream = body({chunk("Hi"), "data: [DONE]\n\n"});
  relay->on_head(head(200), upstream);
  CAF_CHECK(client->ended);
  CAF_CHECK(client->written.find("data: [DONE]") != std::string::npos);
  // The relay reads no further itself; the body drops its end (and pools its connection)
  // within its own bound, and is not cancelled.
  CAF_CHECK_EQUAL(upstream->reads, 2);
  CAF_REQUIRE_EQUAL(upstream->discards.size(), 1u);
  CAF_CHECK(upstream->discards[0] == std::chrono::seconds{1});
  CAF_CHECK(!upstream->cancelled);
  // A body that ended with the read carrying [DONE] has nothing left to discard.
  auto once = make_relay();
  auto ended = body({chunk("Hi"), "data: [DONE]\n\n"});
  ended->last_piece_ends = true;
  once->begin_attempt(0, route, 1);
  once->on_head(head(200), ended);
  CAF_CHECK_EQUAL(ended->reads, 2);
  CAF_CHECK(ended->discards.empty());
  CAF_CHECK_EQUAL(ends.size(), 2u);
}

CAF_TEST(the relay does its work only on the client loop) {
  // Every entry point (the router's calls, the transport's head, each upstream read) is
  // dispatched onto the client's loop: with the loop busy, nothing happens until it runs.
  client->hold = true;
  auto relay = make_relay();
  relay->begin_attempt(0, route, 1);
  relay->on_head(head(200), body({chunk("Hel"), chunk("lo"), "data: [DONE]\n\n"}));
  CAF_CHECK_EQUAL(client->queued.size(), 2u);
  CAF_CHECK_EQUAL(client->stream_status, 0);
  CAF_CHECK(!relay->committed());
  CAF_CHECK(ends.empty());
  // Each read's bytes travel as a copy: the scripted body's piece is gone once read_some
  // returns, and the queued work reads them later (ASan would see a stale view).
  client->run_queued();
  CAF_CHECK(client->queued.empty());
  CAF_CHECK_EQUAL(client->stream_status, 200);
  CAF_CHECK(client->written.find("Hel") != std::string::npos);
  CAF_CHECK(client->written.find("lo") != std::string::npos);
  CAF_CHECK(client->written.find("data: [DONE]") != std::string::npos);
  CAF_CHECK(client->ended);
  CAF_REQUIRE_EQUAL(ends.size(), 1u);
  CAF_CHECK(ends[0].kind == catalog::outcome_kind::success);
}

CAF_TEST(an empty stream fails before commit and the client has seen nothing) {
  auto relay = make_relay();
  relay->begin_attempt(0, route, 1);
  relay->on_head(head(200), body({"data: [DONE]\n\n"}));
  CAF_CHECK_EQUAL(client->stream_status, 0);
  CAF_CHECK(client->written.empty());
  CAF_REQUIRE_EQUAL(ends.size(), 1u);
  CAF_CHECK(!ends[0].committed);
  CAF_CHECK_EQUAL(ends[0].reason, "empty_stream");
  CAF_CHECK(client->shutdown_chunk.empty()); // nothing started, nothing to cut
}

CAF_TEST(a committed stream leaves the server a stream_interrupted event as its shutdown cut) {
  auto relay = make_relay();
  relay->begin_attempt(0, route, 1);
  relay->on_head(head(200), body({chunk("Hel")}));
  CAF_CHECK(relay->committed());
  CAF_CHECK(client->shutdown_chunk.find(R"("code":"stream_interrupted")") != std::string::npos);
  CAF_CHECK(client->shutdown_chunk.find("shutting down") != std::string::npos);
  CAF_CHECK_EQUAL(client->shutdown_chunk.rfind("data: ", 0), 0u);
}

CAF_TEST(the shutdown cut of a stream route client is an error event) {
  auto relay = make_relay(server::stream_format::stream_route);
  relay->start_stream_route();
  CAF_CHECK_EQUAL(client->shutdown_chunk.rfind(R"(data: {"type": "error")", 0), 0u);
  CAF_CHECK(client->shutdown_chunk.find("stream_interrupted") != std::string::npos);
}

CAF_TEST(a failed attempt leaves room for the next route) {
  auto relay = make_relay();
  relay->begin_attempt(0, route, 1);
  relay->on_head(head(429), nullptr);
  CAF_REQUIRE_EQUAL(ends.size(), 1u);
  CAF_CHECK(ends[0].kind == catalog::outcome_kind::rate_limited);
  CAF_CHECK(!ends[0].committed);
  catalog::route_ref next{"cerebras/llama", "cerebras", "llama"};
  relay->begin_attempt(1, next, 2);
  relay->on_head(head(200), body({chunk("ok"), "data: [DONE]\n\n"}));
  CAF_CHECK_EQUAL(header("X-Gateway-Route"), "cerebras/llama");
  CAF_CHECK_EQUAL(header("X-Gateway-Attempts"), "2");
  CAF_REQUIRE_EQUAL(ends.size(), 2u);
  CAF_CHECK(ends[1].committed);
}

CAF_TEST(a cut after commit ends the stream with stream_interrupted and no DONE) {
  auto relay = make_relay();
  relay->begin_attempt(0, route, 1);
  auto b = body({chunk("partial")});
  b->ending = upstream::transport_failure::connection_reset;
  relay->on_head(head(200), b);
  CAF_CHECK(client->written.find("partial") != std::string::npos);
  CAF_CHECK(client->written.find("stream_interrupted") != std::string::npos);
  CAF_CHECK(client->written.find("[DONE]") == std::string::npos);
  CAF_CHECK(client->ended);
  CAF_REQUIRE_EQUAL(ends.size(), 1u);
  CAF_CHECK(ends[0].committed);
  CAF_CHECK_EQUAL(ends[0].reason, "stream_interrupted");
}

CAF_TEST(the first token deadline bounds the reads before commit and is lifted on commit) {
  auto relay = make_relay(server::stream_format::openai, std::chrono::seconds{5});
  auto before = std::chrono::steady_clock::now();
  relay->begin_attempt(0, route, 1);
  auto b = body({chunk("Hel"), chunk("lo"), "data: [DONE]\n\n"});
  b->last_piece_ends = true; // no read after [DONE], and so no deadline for one
  relay->on_head(head(200), b);
  CAF_REQUIRE_EQUAL(b->deadlines.size(), 2u);
  CAF_CHECK(b->deadlines[0] >= before + std::chrono::seconds{5});
  CAF_CHECK(b->deadlines[0] <= std::chrono::steady_clock::now() + std::chrono::seconds{5});
  CAF_CHECK(b->deadlines[1] == std::chrono::steady_clock::time_point{});
  CAF_REQUIRE_EQUAL(ends.size(), 1u);
  CAF_CHECK(ends[0].committed);
}

CAF_TEST(a read that times out at the first token deadline fails over as first_token_timeout) {
  auto relay = make_relay(server::stream_format::openai, std::chrono::milliseconds{0});
  relay->begin_attempt(0, route, 1);
  auto b = body({});
  b->ending = upstream::transport_failure::timeout; // what the transport's deadline does
  relay->on_head(head(200), b);
  CAF_CHECK(client->written.empty());
  CAF_REQUIRE_EQUAL(ends.size(), 1u);
  CAF_CHECK(!ends[0].committed);
  CAF_CHECK(ends[0].kind == catalog::outcome_kind::timeout);
  CAF_CHECK_EQUAL(ends[0].reason, "first_token_timeout");
}

CAF_TEST(an error event before commit fails over without a byte to the client) {
  auto relay = make_relay();
  relay->begin_attempt(0, route, 1);
  relay->on_head(head(200), body({"data: {\"error\":{\"message\":\"overloaded\"}}\n\n"}));
  CAF_CHECK(client->written.empty());
  CAF_REQUIRE_EQUAL(ends.size(), 1u);
  CAF_CHECK_EQUAL(ends[0].reason, "provider_stream_error");
}

CAF_TEST(a waterfall without a stream answers the JSON reply) {
  auto relay = make_relay();
  server::server_response res;
  res.status = 503;
  res.body = R"({"error":{"code":"waterfall_exhausted"}})";
  relay->answer_without_stream(std::move(res), "All providers exhausted.");
  CAF_REQUIRE(client->response.has_value());
  CAF_CHECK_EQUAL(client->response->status, 503);
}

CAF_TEST(stream route clients see routing events and text deltas) {
  auto relay = make_relay(server::stream_format::stream_route);
  relay->start_stream_route();
  CAF_CHECK_EQUAL(client->stream_status, 200);
  relay->route_event("route_skip", route, "missing_api_key");
  relay->begin_attempt(0, route, 1);
  relay->on_head(head(200), body({chunk("Hi"), "data: [DONE]\n\n"}));
  CAF_CHECK(client->written.find("route_skip") != std::string::npos);
  CAF_CHECK(client->written.find("route_selected") != std::string::npos);
  CAF_CHECK(client->written.find("Hi") != std::string::npos);
  CAF_REQUIRE_EQUAL(ends.size(), 1u);
  CAF_CHECK(ends[0].committed);
}

CAF_TEST(a content pause follows every content event of a stream route client) {
  auto relay = make_relay(server::stream_format::stream_route, std::chrono::seconds{60},
                          std::chrono::milliseconds{200});
  relay->start_stream_route();
  relay->begin_attempt(0, route, 1);
  relay->on_head(head(200), body({chunk("a") + chunk("b"), chunk("c"), "data: [DONE]\n\n"}));
  const auto& w = client->written;
  auto count = [&](std::string_view what) {
    size_t n = 0;
    for (auto at = w.find(what); at != std::string::npos; at = w.find(what, at + 1)) {
      ++n;
    }
    return n;
  };
  CAF_CHECK_EQUAL(count("<pause 200000 us>"), 3u);
  CAF_CHECK_EQUAL(count("\"type\": \"content\""), 3u);
  // Each pause comes right after a content event, and the done event after the last pause.
  CAF_CHECK(w.find("\"text\": \"a\"}\n\n<pause") != std::string::npos);
  CAF_CHECK(w.find("\"text\": \"b\"}\n\n<pause") != std::string::npos);
  CAF_CHECK(w.find("\"text\": \"c\"}\n\n<pause 200000 us>data: {\"type\": \"done\"")
            != std::string::npos);
  CAF_REQUIRE_EQUAL(ends.size(), 1u);
  CAF_CHECK(ends[0].committed);
}

CAF_TEST(no pause without the setting nor for openai clients) {
  auto route_client = make_relay(server::stream_format::stream_route);
  route_client->start_stream_route();
  route_client->begin_attempt(0, route, 1);
  route_client->on_head(head(200), body({chunk("a"), "data: [DONE]\n\n"}));
  CAF_CHECK(client->written.find("<pause") == std::string::npos);
  client = std::make_shared<recording_exchange>();
  ends.clear();
  auto openai_client = make_relay(server::stream_format::openai, std::chrono::seconds{60},
                                  std::chrono::milliseconds{200});
  openai_client->begin_attempt(0, route, 1);
  openai_client->on_head(head(200), body({chunk("a"), "data: [DONE]\n\n"}));
  CAF_CHECK(client->written.find("<pause") == std::string::npos);
  CAF_CHECK(client->written.find("[DONE]") != std::string::npos);
}

CAF_TEST(provider keys are removed from upstream errors the client sees) {
  auto relay = make_relay();
  relay->begin_attempt(0, route, 1);
  relay->on_head(head(200),
                 body({chunk("x"), "data: {\"error\":{\"message\":\"bad key sk-secret-1\"}}\n\n"}));
  CAF_CHECK(client->written.find("stream_interrupted") != std::string::npos);
  CAF_CHECK(client->written.find("sk-secret-1") == std::string::npos);
  CAF_CHECK(client->written.find("[redacted]") != std::string::npos);
  auto refused = make_relay();
  refused->begin_attempt(1, route, 2);
  auto h = head(400);
  h.body = R"({"error":{"message":"Authorization: Bearer sk-other was sent with sk-secret-1"}})";
  refused->on_head(h, nullptr);
  CAF_REQUIRE_EQUAL(ends.size(), 2u);
  CAF_CHECK(ends[1].error_body.find("sk-secret-1") == std::string::npos);
  CAF_CHECK(ends[1].error_body.find("sk-other") == std::string::npos);
}

CAF_TEST(a client gone mid - stream cancels the upstream body) {
  auto relay = make_relay();
  relay->begin_attempt(0, route, 1);
  relay->client_gone();
  auto b = body({chunk("never")});
  relay->on_head(head(200), b);
  CAF_CHECK(b->cancelled);
  CAF_REQUIRE_EQUAL(ends.size(), 1u);
  CAF_CHECK(ends[0].client_gone);
  CAF_CHECK(client->written.empty());
}

CAF_TEST_FIXTURE_SCOPE_END()
