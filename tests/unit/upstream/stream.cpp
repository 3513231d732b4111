#define CAF_SUITE upstream.stream
#include "tests/unit/upstream/fixture.hpp"

#include <caf/test/unit_test.hpp>

#include <thread>

using namespace gw::upstream;
using namespace gw::upstream::testing;

namespace {

struct fixture {
  fixture() {
    started = fake.start();
    admin = make_client(io.ioc, fake.url(""));
    if (started && admin) {
      started = reset_fake(*admin);
    }
  }

  fake_process fake;
  io_runner io;
  std::shared_ptr<upstream_client> admin;
  bool started = false;
};

struct drained {
  std::string body;
  bool done = false;
  transport_failure failure = transport_failure::none;
  /// Milliseconds from the start of draining to each non-empty read.
  std::vector<std::chrono::milliseconds> arrivals;
};

/// Reads until done/failure, bounded in reads and time.
drained drain(upstream_stream& stream, std::chrono::seconds limit = 10s) {
  drained out;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000 && ms_since(start) < limit; ++i) {
    auto part = read_sync(stream, limit);
    if (part.timed_out_in_test) {
      out.failure = transport_failure::cancelled;
      break;
    }
    if (!part.data.empty()) {
      out.arrivals.push_back(ms_since(start));
    }
    out.body += part.data;
    out.failure = part.failure;
    out.done = part.done;
    if (part.done || part.failure != transport_failure::none) {
      break;
    }
  }
  return out;
}

/// Reads as the relay does: until a read carries [DONE] (the body may or may not have ended
/// with it), a failure, or 100 reads.
drained read_to_done_event(upstream_stream& stream) {
  drained out;
  for (int i = 0; i < 100 && out.body.find("[DONE]") == std::string::npos; ++i) {
    auto part = read_sync(stream);
    if (part.timed_out_in_test) {
      out.failure = transport_failure::cancelled;
      break;
    }
    out.body += part.data;
    out.done = part.done;
    out.failure = part.failure;
    if (part.failure != transport_failure::none) {
      break;
    }
  }
  return out;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(stream_tests, fixture)

CAF_TEST(stream chunks arrive incrementally and end cleanly) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  auto opened = open_sync(*client, chat_request("stream;chunks=5;interval_ms=100", true));
  CAF_REQUIRE(opened.head.ok());
  CAF_CHECK_EQUAL(opened.head.status, 200);
  CAF_CHECK(opened.head.body.empty());
  auto type = find_header(opened.head.headers, "content-type");
  CAF_REQUIRE(type != nullptr);
  CAF_CHECK_EQUAL(*type, "text/event-stream");
  CAF_REQUIRE(opened.stream != nullptr);
  auto result = drain(*opened.stream);
  CAF_CHECK(result.done);
  CAF_CHECK_EQUAL(to_string(result.failure), std::string("none"));
  for (int i = 0; i < 5; ++i) {
    CAF_CHECK(result.body.find("\"content\":\"tok" + std::to_string(i) + " \"")
              != std::string::npos);
  }
  CAF_CHECK(result.body.find("data: [DONE]\n\n") != std::string::npos);
  CAF_CHECK(result.body.find("\r\n") == std::string::npos); // chunked framing removed
  // 5 events 100 ms apart: the first must not wait for the last.
  CAF_REQUIRE(result.arrivals.size() >= 3u);
  CAF_CHECK(result.arrivals.back() - result.arrivals.front() >= 250ms);
  CAF_CHECK(result.arrivals.back() >= 350ms);
}

CAF_TEST(a finished stream returns its connection to the pool) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  for (int i = 0; i < 3; ++i) {
    auto opened = open_sync(*client, chat_request("stream;chunks=2", true));
    CAF_REQUIRE(opened.stream != nullptr);
    auto result = drain(*opened.stream);
    CAF_CHECK(result.done);
    // Reading again after the end repeats done.
    auto again = read_sync(*opened.stream);
    CAF_CHECK(again.done);
  }
  CAF_CHECK_EQUAL(client->open_connections(), 1u);
  CAF_CHECK_EQUAL(stat(fake_stats(*admin), "connections"), 1u);
}

CAF_TEST(the read that carries the last event also ends the stream and frees its connection) {
  // The relay stops reading at [DONE]. The fake writes the tail and the terminating chunk in
  // one send, so both are parsed from one receive: the stream ends with that read, and the
  // connection is pooled instead of closed (one connect per stream, before).
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  for (int i = 0; i < 3; ++i) {
    auto opened = open_sync(*client, chat_request("stream;chunks=2", true));
    CAF_REQUIRE(opened.stream != nullptr);
    auto read = read_to_done_event(*opened.stream);
    CAF_REQUIRE_EQUAL(to_string(read.failure), std::string("none"));
    CAF_CHECK(read.body.find("data: [DONE]\n\n") != std::string::npos);
    CAF_CHECK(read.done);
  }
  CAF_CHECK_EQUAL(client->open_connections(), 1u);
  CAF_CHECK_EQUAL(stat(fake_stats(*admin), "connections"), 1u);
}

CAF_TEST(a stream whose end comes late is discarded and its connection pooled) {
  // The fake sends the terminating chunk 100 ms after the tail with [DONE]: the consumer has
  // what it needs and discards the rest instead of dropping the stream (which closes it).
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  for (int i = 0; i < 2; ++i) {
    auto opened = open_sync(*client, chat_request("stream;chunks=2;end_delay_ms=100", true));
    CAF_REQUIRE(opened.stream != nullptr);
    auto read = read_to_done_event(*opened.stream);
    CAF_REQUIRE_EQUAL(to_string(read.failure), std::string("none"));
    CAF_REQUIRE(read.body.find("data: [DONE]\n\n") != std::string::npos);
    CAF_CHECK(!read.done);
    opened.stream->discard_rest(std::chrono::seconds{1});
    opened.stream.reset();
    auto start = std::chrono::steady_clock::now();
    while (client->idle_connections() == 0 && ms_since(start) < 3s) {
      std::this_thread::sleep_for(5ms);
    }
    CAF_CHECK_EQUAL(client->idle_connections(), 1u);
  }
  CAF_CHECK_EQUAL(stat(fake_stats(*admin), "connections"), 1u);
}

CAF_TEST(a discarded stream whose end does not come in time is closed) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  auto opened = open_sync(*client, chat_request("stream;chunks=1;end_delay_ms=2000", true));
  CAF_REQUIRE(opened.stream != nullptr);
  auto first = read_sync(*opened.stream);
  CAF_REQUIRE_EQUAL(to_string(first.failure), std::string("none"));
  opened.stream->discard_rest(std::chrono::milliseconds{100});
  opened.stream.reset();
  auto start = std::chrono::steady_clock::now();
  while (client->open_connections() > 0 && ms_since(start) < 3s) {
    std::this_thread::sleep_for(5ms);
  }
  CAF_CHECK_EQUAL(client->open_connections(), 0u);
  CAF_CHECK(ms_since(start) < 1500ms);
}

CAF_TEST(an error status on a stream comes with the whole body and no stream) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  auto opened = open_sync(*client, chat_request("status;code=429;retry_after=3", true));
  CAF_MESSAGE("failure: " << to_string(opened.head.failure) << " " << opened.head.detail);
  CAF_REQUIRE(opened.head.ok());
  CAF_CHECK_EQUAL(opened.head.status, 429);
  CAF_CHECK(opened.stream == nullptr);
  CAF_CHECK(opened.head.body.find("Rate limit reached") != std::string::npos);
  auto retry = find_header(opened.head.headers, "retry-after");
  CAF_REQUIRE(retry != nullptr);
  CAF_CHECK_EQUAL(*retry, "3");
  // The connection stays usable.
  CAF_CHECK_EQUAL(send_sync(*client, chat_request("ok")).status, 200);
  CAF_CHECK_EQUAL(stat(fake_stats(*admin), "connections"), 1u);
}

CAF_TEST(a stream cut by the provider ends with a failure after the chunks sent) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  auto opened = open_sync(*client, chat_request("stream;chunks=5;cut_after=2", true));
  CAF_REQUIRE(opened.stream != nullptr);
  auto result = drain(*opened.stream);
  CAF_CHECK(!result.done);
  CAF_CHECK_EQUAL(to_string(result.failure), std::string("connection_reset"));
  CAF_CHECK(result.body.find("tok1 ") != std::string::npos);
  CAF_CHECK(result.body.find("tok2 ") == std::string::npos);
}

CAF_TEST(a stalled stream hits the idle timeout) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  auto opened =
    open_sync(*client, chat_request("stream;chunks=5;interval_ms=50;stall_after=2", true, 400ms));
  CAF_REQUIRE(opened.stream != nullptr);
  auto start = std::chrono::steady_clock::now();
  auto result = drain(*opened.stream);
  auto took = ms_since(start);
  CAF_CHECK_EQUAL(to_string(result.failure), std::string("timeout"));
  CAF_CHECK(result.body.find("tok1 ") != std::string::npos);
  // Two chunks (50 ms) then one idle read of 400 ms.
  CAF_CHECK(took >= 400ms);
  CAF_CHECK(took < 2000ms);
}

CAF_TEST(a slow but steady stream does not time out) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  // Total 5 x 150 ms exceeds the 400 ms timeout; each gap does not.
  auto opened = open_sync(*client, chat_request("stream;chunks=5;interval_ms=150", true, 400ms));
  CAF_REQUIRE(opened.stream != nullptr);
  auto result = drain(*opened.stream);
  CAF_CHECK(result.done);
  CAF_CHECK_EQUAL(to_string(result.failure), std::string("none"));
}

CAF_TEST(a consumer that pauses between reads longer than the idle timeout is not cut) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  auto opened = open_sync(*client, chat_request("stream;chunks=5;interval_ms=10", true, 200ms));
  CAF_REQUIRE(opened.stream != nullptr);
  auto first = read_sync(*opened.stream);
  CAF_REQUIRE_EQUAL(to_string(first.failure), std::string("none"));
  // Only reads are bounded: the time the consumer takes in between is its own.
  std::this_thread::sleep_for(500ms);
  auto rest = drain(*opened.stream);
  CAF_CHECK(rest.done);
  CAF_CHECK_EQUAL(to_string(rest.failure), std::string("none"));
  CAF_CHECK((first.data + rest.body).find("data: [DONE]") != std::string::npos);
}

CAF_TEST(a read deadline ends a silent read before the idle timeout and can be lifted) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  // The head comes at once, the first event after 3 s; reads may idle 10 s.
  auto req = chat_request("stream;chunks=2;first_delay_ms=3000", true, 10s);
  req.read_timeout = 10s;
  auto opened = open_sync(*client, std::move(req));
  CAF_REQUIRE(opened.stream != nullptr);
  auto start = std::chrono::steady_clock::now();
  opened.stream->set_read_deadline(start + 300ms);
  auto first = read_sync(*opened.stream);
  auto took = ms_since(start);
  CAF_CHECK_EQUAL(to_string(first.failure), std::string("timeout"));
  CAF_CHECK(took >= 250ms);
  CAF_CHECK(took < 2000ms);
  // Lifted: a second stream waits for its slow first event.
  auto again = open_sync(*client, chat_request("stream;chunks=2;first_delay_ms=600", true, 10s));
  CAF_REQUIRE(again.stream != nullptr);
  again.stream->set_read_deadline(std::chrono::steady_clock::now() + 100ms);
  again.stream->set_read_deadline({});
  auto result = drain(*again.stream);
  CAF_CHECK(result.done);
  CAF_CHECK_EQUAL(to_string(result.failure), std::string("none"));
}

CAF_TEST(cancel ends a pending read as cancelled and drops the connection) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  auto opened = open_sync(*client, chat_request("stream;chunks=3;stall_after=1", true));
  CAF_REQUIRE(opened.stream != nullptr);
  auto first = read_sync(*opened.stream);
  CAF_CHECK(first.data.find("tok0 ") != std::string::npos);
  auto pending = std::make_shared<std::promise<transport_failure>>();
  auto outcome = pending->get_future();
  opened.stream->read_some(
    [pending](std::string_view, bool, transport_failure f) { pending->set_value(f); });
  std::this_thread::sleep_for(50ms);
  opened.stream->cancel();
  CAF_REQUIRE(outcome.wait_for(5s) == std::future_status::ready);
  CAF_CHECK_EQUAL(to_string(outcome.get()), std::string("cancelled"));
  opened.stream.reset();
  for (int i = 0; i < 100 && client->open_connections() != 0; ++i) {
    std::this_thread::sleep_for(5ms);
  }
  CAF_CHECK_EQUAL(client->open_connections(), 0u);
}

CAF_TEST(raw sse bytes pass through unchanged) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  auto opened = open_sync(*client, chat_request("stream;chunks=2;no_space;crlf;usage=1", true));
  CAF_REQUIRE(opened.stream != nullptr);
  auto result = drain(*opened.stream);
  CAF_CHECK(result.done);
  CAF_CHECK(result.body.rfind("data:{", 0) == 0);
  CAF_CHECK(result.body.find("\r\n\r\ndata:{") != std::string::npos);
  CAF_CHECK(result.body.find("\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":2")
            != std::string::npos);
  CAF_CHECK(result.body.find("data:[DONE]\r\n\r\n") != std::string::npos);
}

CAF_TEST(a plain behaviour asked to stream answers with three chunks) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  auto opened = open_sync(*client, chat_request("ok;content=abcdef", true));
  CAF_REQUIRE(opened.stream != nullptr);
  auto result = drain(*opened.stream);
  CAF_CHECK(result.done);
  CAF_CHECK(result.body.find("\"content\":\"ab\"") != std::string::npos);
  CAF_CHECK(result.body.find("\"content\":\"cd\"") != std::string::npos);
  CAF_CHECK(result.body.find("\"content\":\"ef\"") != std::string::npos);
  CAF_CHECK(result.body.find("data: [DONE]") != std::string::npos);
}

CAF_TEST(a transport failure on open gives no stream) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, "http://127.0.0.1:" + std::to_string(free_port()) + "/v1");
  auto opened = open_sync(*client, chat_request("stream", true));
  CAF_CHECK_EQUAL(to_string(opened.head.failure), std::string("connect_error"));
  CAF_CHECK(opened.stream == nullptr);
}

CAF_TEST_FIXTURE_SCOPE_END()
