#define CAF_SUITE upstream.client
#include "tests/unit/upstream/fixture.hpp"

#include <caf/test/unit_test.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

using namespace gw::upstream;
using namespace gw::upstream::testing;

namespace {

std::string name(transport_failure f) {
  return to_string(f);
}

/// The fake's log of the requests under `prefix` ({"requests": [...]}); a null document when
/// it cannot be fetched.
rapidjson::Document logged_requests(upstream_client& admin, const std::string& prefix) {
  rapidjson::Document doc;
  auto log = send_sync(admin, get_request("/_fake/requests?prefix=" + prefix));
  if (log.ok()) {
    doc.Parse(log.body.data(), log.body.size());
  }
  return doc;
}

/// Sends `count` requests at once (each answered after `delay_ms`) and waits for them all.
int send_concurrently(upstream_client& client, int count, int delay_ms) {
  std::mutex mutex;
  std::condition_variable cv;
  int completed = 0;
  int succeeded = 0;
  for (int i = 0; i < count; ++i) {
    client.send(chat_request("ok;delay_ms=" + std::to_string(delay_ms)), [&](upstream_result r) {
      std::lock_guard<std::mutex> lock(mutex);
      ++completed;
      succeeded += (r.ok() && r.status == 200) ? 1 : 0;
      cv.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(mutex);
  cv.wait_for(lock, 10s, [&] { return completed == count; });
  return succeeded;
}

struct fixture {
  fixture() {
    started = fake.start();
    admin = make_client(io.ioc, fake.url(""));
    if (started && admin) {
      started = reset_fake(*admin);
    }
  }
  ~fixture() {
    admin.reset();
  }

  fake_process fake;
  io_runner io;
  std::shared_ptr<upstream_client> admin;
  bool started = false;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(client_tests, fixture)

CAF_TEST(a 200 answer returns the body and the response headers) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  CAF_REQUIRE(client != nullptr);
  auto r = send_sync(*client, chat_request("ok;rl_remaining_requests=0;rl_reset=30"));
  CAF_REQUIRE(r.ok());
  CAF_CHECK_EQUAL(r.status, 200);
  CAF_CHECK(r.body.find("\"content\":\"ok from ok;rl_remaining_requests=0;rl_reset=30\"")
            != std::string::npos);
  CAF_CHECK(r.body.find("\"total_tokens\":15") != std::string::npos);
  auto remaining = find_header(r.headers, "X-RateLimit-Remaining-Requests");
  CAF_REQUIRE(remaining != nullptr);
  CAF_CHECK_EQUAL(*remaining, "0");
  auto reset = find_header(r.headers, "x-ratelimit-reset");
  CAF_REQUIRE(reset != nullptr);
  CAF_CHECK_EQUAL(*reset, "30");
  CAF_CHECK(r.elapsed.count() > 0);
}

CAF_TEST(the request carries host content length and caller headers under the base path) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url("/p7/v1"));
  auto r = send_sync(*client, chat_request("ok"));
  CAF_REQUIRE(r.ok());
  auto doc = logged_requests(*admin, "/p7/v1");
  CAF_REQUIRE(!doc.HasParseError() && doc.IsObject());
  const auto& requests = doc["requests"];
  CAF_REQUIRE(requests.IsArray() && requests.Size() == 1);
  const auto& logged = requests[0];
  CAF_CHECK_EQUAL(std::string(logged["target"].GetString()), "/p7/v1/chat/completions");
  const auto& headers = logged["headers"];
  CAF_CHECK_EQUAL(std::string(headers["authorization"].GetString()), "Bearer test-key");
  CAF_CHECK_EQUAL(std::string(headers["host"].GetString()),
                  "127.0.0.1:" + std::to_string(fake.port));
  CAF_CHECK_EQUAL(std::string(headers["connection"].GetString()), "keep-alive");
  auto body = chat_request("ok").body;
  CAF_CHECK_EQUAL(std::string(headers["content-length"].GetString()), std::to_string(body.size()));
  CAF_CHECK_EQUAL(std::string(logged["body"]["model"].GetString()), "ok");
}

CAF_TEST(a body larger than the socket takes at once arrives whole and in order) {
  // The first send takes what fits in the socket's buffer; the rest follows asynchronously.
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url("/p8/v1"));
  auto req = chat_request("ok");
  std::string content(6 * 1024 * 1024, 'a');
  content.back() = 'z'; // a rest resumed at the wrong offset would not end like this
  req.body = R"({"model":"ok","messages":[{"role":"user","content":")" + content + R"("}]})";
  auto r = send_sync(*client, req);
  CAF_REQUIRE(r.ok());
  CAF_CHECK_EQUAL(r.status, 200);
  auto doc = logged_requests(*admin, "/p8/v1");
  CAF_REQUIRE(!doc.HasParseError() && doc.IsObject());
  const auto& requests = doc["requests"];
  CAF_REQUIRE(requests.IsArray() && requests.Size() == 1);
  const auto& logged = requests[0]["body"]["messages"][0]["content"];
  CAF_REQUIRE(logged.IsString());
  CAF_CHECK(std::string_view(logged.GetString(), logged.GetStringLength()) == content);
}

CAF_TEST(sequential sends reuse one keep alive connection) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  int ok = 0;
  for (int i = 0; i < 50; ++i) {
    auto r = send_sync(*client, chat_request("ok"));
    ok += (r.ok() && r.status == 200) ? 1 : 0;
  }
  CAF_CHECK_EQUAL(ok, 50);
  CAF_CHECK_EQUAL(client->open_connections(), 1u);
  CAF_CHECK_EQUAL(client->idle_connections(), 1u);
  auto stats = fake_stats(*admin);
  CAF_CHECK_EQUAL(stat(stats, "total"), 50u);
  // Only the client's connection counts: the admin's was opened before the reset.
  CAF_CHECK_EQUAL(stat(stats, "connections"), 1u);
}

CAF_TEST(a pooled connection idle past its last deadline serves the next call) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  auto first = send_sync(*client, chat_request("ok", false, 200ms));
  CAF_REQUIRE(first.ok());
  // The first call's deadline passes while its connection rests in the pool.
  std::this_thread::sleep_for(400ms);
  auto second = send_sync(*client, chat_request("ok", false, 200ms));
  CAF_REQUIRE(second.ok());
  CAF_CHECK_EQUAL(second.status, 200);
  // A second call whose deadline is nearer than the first's still times out on time.
  auto start = std::chrono::steady_clock::now();
  auto stalled = send_sync(*client, chat_request("stall", false, 250ms));
  CAF_CHECK_EQUAL(name(stalled.failure), "timeout");
  CAF_CHECK(ms_since(start) >= 230ms);
  CAF_CHECK(ms_since(start) < 1500ms);
  CAF_CHECK_EQUAL(stat(fake_stats(*admin), "connections"), 1u);
}

CAF_TEST(a 429 answer keeps its status body and rate limit headers) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  auto r = send_sync(*client, chat_request("status;code=429;retry_after=7;reset_tokens=7.66s"
                                           ";retry_delay=3s"));
  CAF_REQUIRE(r.ok());
  CAF_CHECK_EQUAL(r.status, 429);
  auto retry = find_header(r.headers, "retry-after");
  CAF_REQUIRE(retry != nullptr);
  CAF_CHECK_EQUAL(*retry, "7");
  auto reset = find_header(r.headers, "x-ratelimit-reset-tokens");
  CAF_REQUIRE(reset != nullptr);
  CAF_CHECK_EQUAL(*reset, "7.66s");
  CAF_CHECK(r.body.find("Rate limit reached for model") != std::string::npos);
  CAF_CHECK(r.body.find("\"retryDelay\":\"3s\"") != std::string::npos);
  // An error answer does not spoil the connection.
  auto again = send_sync(*client, chat_request("status;code=404"));
  CAF_REQUIRE(again.ok());
  CAF_CHECK_EQUAL(again.status, 404);
  CAF_CHECK(again.body.find("model `status;code=404` not found") != std::string::npos);
  CAF_CHECK_EQUAL(stat(fake_stats(*admin), "connections"), 1u);
}

CAF_TEST(a non json body is returned as is with status 200) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  auto r = send_sync(*client, chat_request("garbage"));
  CAF_REQUIRE(r.ok());
  CAF_CHECK_EQUAL(r.status, 200);
  CAF_CHECK_EQUAL(r.body, "<html><body>this is not JSON</body></html>");
}

CAF_TEST(a stalled provider times out within the request timeout) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  auto start = std::chrono::steady_clock::now();
  auto r = send_sync(*client, chat_request("stall", false, 300ms));
  auto took = ms_since(start);
  CAF_CHECK_EQUAL(name(r.failure), "timeout");
  CAF_CHECK(took >= 280ms);
  CAF_CHECK(took < 1500ms);
  CAF_CHECK(r.elapsed >= 280ms);
}

CAF_TEST(a delay longer than the timeout is a timeout and the client recovers) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  auto start = std::chrono::steady_clock::now();
  auto r = send_sync(*client, chat_request("ok;delay_ms=3000", false, 300ms));
  auto took = ms_since(start);
  CAF_CHECK_EQUAL(name(r.failure), "timeout");
  CAF_CHECK(took < 1500ms);
  auto next = send_sync(*client, chat_request("ok"));
  CAF_CHECK(next.ok());
  CAF_CHECK_EQUAL(next.status, 200);
}

CAF_TEST(a provider closing without answering is a connection reset) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  auto r = send_sync(*client, chat_request("reset"));
  CAF_CHECK(r.failure == transport_failure::connection_reset
            || r.failure == transport_failure::protocol_error);
  CAF_CHECK_EQUAL(r.status, 0);
  auto next = send_sync(*client, chat_request("ok"));
  CAF_CHECK_EQUAL(next.status, 200);
}

CAF_TEST(a body shorter than its content length is a connection reset) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  auto r = send_sync(*client, chat_request("truncated"));
  CAF_CHECK_EQUAL(name(r.failure), "connection_reset");
}

CAF_TEST(nothing listening is a connect error) {
  CAF_REQUIRE(started);
  auto port = free_port();
  auto client = make_client(io.ioc, "http://127.0.0.1:" + std::to_string(port) + "/v1");
  auto r = send_sync(*client, chat_request("ok"));
  CAF_CHECK_EQUAL(name(r.failure), "connect_error");
  CAF_CHECK(!r.detail.empty());
}

CAF_TEST(a pooled connection the server closed is retried once on a fresh one) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  auto first = send_sync(*client, chat_request("ok;close=1"));
  CAF_REQUIRE(first.ok());
  CAF_CHECK_EQUAL(first.status, 200);
  std::this_thread::sleep_for(50ms); // let the server's close arrive
  auto second = send_sync(*client, chat_request("ok"));
  CAF_REQUIRE(second.ok());
  CAF_CHECK_EQUAL(second.status, 200);
  auto stats = fake_stats(*admin);
  CAF_CHECK_EQUAL(stat(stats, "total"), 2u);
  CAF_CHECK_EQUAL(stat(stats, "connections"), 2u);
}

CAF_TEST(a connection close answer is not pooled) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  auto r = send_sync(*client, chat_request("ok;connection_close=1"));
  CAF_REQUIRE(r.ok());
  CAF_CHECK_EQUAL(r.status, 200);
  for (int i = 0; i < 100 && client->open_connections() != 0; ++i) {
    std::this_thread::sleep_for(5ms);
  }
  CAF_CHECK_EQUAL(client->open_connections(), 0u);
  CAF_CHECK_EQUAL(client->idle_connections(), 0u);
  auto next = send_sync(*client, chat_request("ok"));
  CAF_CHECK_EQUAL(next.status, 200);
  CAF_CHECK_EQUAL(stat(fake_stats(*admin), "connections"), 2u);
}

CAF_TEST(idle connections expire) {
  CAF_REQUIRE(started);
  client_options opts;
  opts.idle_expiry = 150ms;
  auto client = make_client(io.ioc, fake.url(), opts);
  CAF_REQUIRE(send_sync(*client, chat_request("ok")).status == 200);
  CAF_CHECK_EQUAL(client->idle_connections(), 1u);
  for (int i = 0; i < 200 && client->open_connections() != 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  CAF_CHECK_EQUAL(client->open_connections(), 0u);
  CAF_CHECK_EQUAL(client->idle_connections(), 0u);
  CAF_CHECK_EQUAL(send_sync(*client, chat_request("ok")).status, 200);
  CAF_CHECK_EQUAL(stat(fake_stats(*admin), "connections"), 2u);
}

CAF_TEST(idle connections beyond the limit stay until they were idle a sweep period) {
  CAF_REQUIRE(started);
  client_options opts;
  opts.max_idle_connections = 1;
  opts.idle_expiry = 30s; // sweeps every second
  auto client = make_client(io.ioc, fake.url(), opts);
  CAF_REQUIRE_EQUAL(send_concurrently(*client, 3, 100), 3);
  // All three kept at first: a load above the limit reuses them instead of reconnecting.
  CAF_CHECK_EQUAL(client->idle_connections(), 3u);
  CAF_REQUIRE_EQUAL(send_concurrently(*client, 3, 100), 3);
  CAF_CHECK_EQUAL(stat(fake_stats(*admin), "connections"), 3u); // no reconnect
  auto start = std::chrono::steady_clock::now();
  while (client->idle_connections() > 1 && ms_since(start) < 5s) {
    std::this_thread::sleep_for(20ms);
  }
  CAF_CHECK_EQUAL(client->idle_connections(), 1u);
  CAF_CHECK_EQUAL(client->open_connections(), 1u);
  CAF_CHECK(ms_since(start) >= 500ms); // not at once: after a whole period idle
  CAF_CHECK_EQUAL(send_sync(*client, chat_request("ok")).status, 200);
  CAF_CHECK_EQUAL(stat(fake_stats(*admin), "connections"), 3u); // the kept one was reused
}

CAF_TEST(no idle connection is kept when the limit is zero) {
  CAF_REQUIRE(started);
  client_options opts;
  opts.max_idle_connections = 0;
  auto client = make_client(io.ioc, fake.url(), opts);
  CAF_REQUIRE_EQUAL(send_sync(*client, chat_request("ok")).status, 200);
  CAF_CHECK_EQUAL(client->idle_connections(), 0u);
  for (int i = 0; i < 100 && client->open_connections() != 0; ++i) {
    std::this_thread::sleep_for(5ms);
  }
  CAF_CHECK_EQUAL(client->open_connections(), 0u);
}

CAF_TEST(two hundred concurrent sends all complete on sixteen connections) {
  CAF_REQUIRE(started);
  client_options opts;
  opts.max_connections = 16;
  opts.max_idle_connections = 16;
  auto client = make_client(io.ioc, fake.url(), opts);
  constexpr int total = 200;
  std::mutex mutex;
  std::condition_variable cv;
  int completed = 0;
  int succeeded = 0;
  size_t peak_open = 0;
  for (int i = 0; i < total; ++i) {
    client->send(chat_request("ok;delay_ms=10"), [&](upstream_result r) {
      std::lock_guard<std::mutex> lock(mutex);
      ++completed;
      succeeded += (r.ok() && r.status == 200) ? 1 : 0;
      cv.notify_all();
    });
    peak_open = std::max(peak_open, client->open_connections());
  }
  CAF_CHECK(client->queued_requests() > 0u);
  {
    std::unique_lock<std::mutex> lock(mutex);
    cv.wait_for(lock, 20s, [&] { return completed == total; });
  }
  CAF_CHECK_EQUAL(completed, total);
  CAF_CHECK_EQUAL(succeeded, total);
  CAF_CHECK(peak_open <= 16u);
  CAF_CHECK_EQUAL(client->queued_requests(), 0u);
  auto stats = fake_stats(*admin);
  CAF_CHECK_EQUAL(stat(stats, "total"), uint64_t{total});
  CAF_CHECK(stat(stats, "connections") <= 16u);
  CAF_CHECK(stat(stats, "connections") >= 2u);
}

CAF_TEST(a queued request times out when no connection frees up) {
  CAF_REQUIRE(started);
  client_options opts;
  opts.max_connections = 1;
  auto client = make_client(io.ioc, fake.url(), opts);
  auto blocker = std::make_shared<std::promise<upstream_result>>();
  auto blocked = blocker->get_future();
  client->send(chat_request("stall", false, 3000ms),
               [blocker](upstream_result r) { blocker->set_value(std::move(r)); });
  auto start = std::chrono::steady_clock::now();
  auto r = send_sync(*client, chat_request("ok", false, 300ms));
  auto took = ms_since(start);
  CAF_CHECK_EQUAL(name(r.failure), "timeout");
  CAF_CHECK(took < 1500ms);
  CAF_REQUIRE(blocked.wait_for(10s) == std::future_status::ready);
  CAF_CHECK_EQUAL(name(blocked.get().failure), "timeout");
}

CAF_TEST(a cancel token ends a call in flight or one not yet started as cancelled) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  // In flight: the provider stalls, the token fires from another thread.
  auto req = chat_request("stall", false, 5000ms);
  auto token = std::make_shared<cancel_token>();
  req.cancel = token;
  auto done = std::make_shared<std::promise<upstream_result>>();
  auto result = done->get_future();
  auto start = std::chrono::steady_clock::now();
  client->send(std::move(req), [done](upstream_result r) { done->set_value(std::move(r)); });
  std::this_thread::sleep_for(100ms);
  token->cancel();
  token->cancel(); // a second cancel does nothing more
  CAF_REQUIRE(result.wait_for(5s) == std::future_status::ready);
  CAF_CHECK_EQUAL(name(result.get().failure), "cancelled");
  CAF_CHECK(ms_since(start) < 2000ms);
  // Cancelled before it starts: it ends as soon as it is on a connection.
  auto early = chat_request("stall", false, 5000ms);
  early.cancel = std::make_shared<cancel_token>();
  early.cancel->cancel();
  start = std::chrono::steady_clock::now();
  CAF_CHECK_EQUAL(name(send_sync(*client, std::move(early)).failure), "cancelled");
  CAF_CHECK(ms_since(start) < 2000ms);
  // The client goes on serving.
  CAF_CHECK_EQUAL(send_sync(*client, chat_request("ok")).status, 200);
}

CAF_TEST(after shutdown sends fail as cancelled) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  CAF_REQUIRE(send_sync(*client, chat_request("ok")).status == 200);
  client->shutdown();
  auto r = send_sync(*client, chat_request("ok"));
  CAF_CHECK_EQUAL(name(r.failure), "cancelled");
  CAF_CHECK(r.detail.find("TEST:") == std::string::npos);
  for (int i = 0; i < 100 && client->open_connections() != 0; ++i) {
    std::this_thread::sleep_for(5ms);
  }
  CAF_CHECK_EQUAL(client->open_connections(), 0u);
}

CAF_TEST(fields rendered once are sent after the host line) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  auto block = gw::upstream::header_block::render({{"Authorization", "Bearer k-123"}});
  CAF_REQUIRE(block.has_value());
  auto req = chat_request("status;code=401;echo_key");
  req.fixed_headers = *block;
  auto r = send_sync(*client, std::move(req));
  CAF_CHECK_EQUAL(r.status, 401);
  CAF_CHECK(r.body.find("You sent 'Authorization: Bearer k-123'") != std::string::npos);
}

CAF_TEST(a header with a line break is refused before anything is sent) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  auto req = chat_request("ok");
  req.headers.emplace_back("X-Evil", "a\r\nInjected: yes");
  auto r = send_sync(*client, std::move(req));
  CAF_CHECK_EQUAL(name(r.failure), "protocol_error");
  CAF_CHECK_EQUAL(stat(fake_stats(*admin), "total"), 0u);
}

CAF_TEST(a method header name or path that would break the request line is refused) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  using edit = void (*)(upstream_request&);
  const std::pair<const char*, edit> cases[] = {
    {"a method with a space",
     [](upstream_request& r) {
       r.method = "PO ST";
     }},
    {"an empty method",
     [](upstream_request& r) {
       r.method.clear();
     }},
    {"a header name with a space",
     [](upstream_request& r) {
       r.headers.emplace_back("X A", "1");
     }},
    {"a header name with a colon",
     [](upstream_request& r) {
       r.headers.emplace_back("X:A", "1");
     }},
    {"a header name with a byte above 0x7F",
     [](upstream_request& r) {
       r.headers.emplace_back("X-\xC3\xA9", "1");
     }},
    {"a header value with a bare LF",
     [](upstream_request& r) {
       r.headers.emplace_back("X-A", "a\nb");
     }},
    {"a header value with a NUL",
     [](upstream_request& r) {
       r.headers.emplace_back("X-A", std::string("a\0b", 3));
     }},
    {"a path with a space",
     [](upstream_request& r) {
       r.path = "/chat/completions HTTP/1.0";
     }},
    {"a path with a CR",
     [](upstream_request& r) {
       r.path = "/chat\rcompletions";
     }},
  };
  for (const auto& [what, change] : cases) {
    CAF_MESSAGE(what);
    auto req = chat_request("ok");
    change(req);
    auto r = send_sync(*client, std::move(req));
    CAF_CHECK_EQUAL(name(r.failure), "protocol_error");
  }
  CAF_CHECK_EQUAL(stat(fake_stats(*admin), "total"), 0u);
  // Every tchar of RFC 9110 is accepted in a header name.
  auto req = chat_request("ok");
  req.headers.emplace_back("X-!#$%&'*+-.^_`|~09azAZ", "tab\tand spaces are fine");
  auto r = send_sync(*client, std::move(req));
  CAF_CHECK(r.ok());
  CAF_CHECK_EQUAL(r.status, 200);
}

CAF_TEST(model listing uses GET under the base path) {
  CAF_REQUIRE(started);
  auto client = make_client(io.ioc, fake.url());
  auto r = send_sync(*client, get_request("/models"));
  CAF_REQUIRE(r.ok());
  CAF_CHECK_EQUAL(r.status, 200);
  CAF_CHECK(r.body.find("\"id\":\"ok\"") != std::string::npos);
}

CAF_TEST_FIXTURE_SCOPE_END()
