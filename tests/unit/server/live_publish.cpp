#define CAF_SUITE server.live_publish

#include "http/server/live_publish.hpp"

#include <caf/test/dsl.hpp>
#include <rapidjson/document.h>

#include <memory>
#include <string>

using namespace gw;

namespace {

/// A request whose one message is `content_bytes` long, parsed as the chat handler does.
std::shared_ptr<const rapidjson::Document> request_of(size_t content_bytes, std::string& body) {
  body = R"({"model":"auto","messages":[{"role":"user","content":")"
         + std::string(content_bytes, 'x') + R"("}]})";
  auto doc = std::make_shared<rapidjson::Document>();
  doc->Parse(body.data(), body.size());
  return doc;
}

} // namespace

CAF_TEST(a small request payload is kept as text and rendered when first read) {
  openai::live_ring ring;
  std::string text;
  auto doc = request_of(100, text);
  auto body = std::make_shared<const std::string>(std::move(text));
  server::publish_request_started(ring, "r1", "/v1/chat/completions", false, "127.0.0.1", *doc,
                                  body);
  CAF_CHECK_EQUAL(doc.use_count(), 1);  // the ring keeps no document alive
  CAF_CHECK_EQUAL(body.use_count(), 2); // but the request's text, shared
  auto snapshot = ring.snapshot_json();
  CAF_CHECK(snapshot.find(R"("request_payload":{"model":"auto","messages":[{"role":"user")")
            != std::string::npos);
  CAF_CHECK(snapshot.find(std::string(100, 'x')) != std::string::npos);
  CAF_CHECK(snapshot.find(R"("model":"auto","client_ip":"127.0.0.1")") != std::string::npos);
}

CAF_TEST(a large request payload is rendered trimmed at once and not kept by the ring) {
  openai::live_ring ring;
  std::string text;
  auto doc = request_of(2 * 1024 * 1024, text);
  auto body = std::make_shared<const std::string>(std::move(text));
  server::publish_request_started(ring, "r1", "/v1/chat/completions", false, "127.0.0.1", *doc,
                                  body);
  CAF_CHECK_EQUAL(body.use_count(), 1); // not kept
  body.reset();
  doc.reset();
  auto snapshot = ring.snapshot_json();
  CAF_CHECK_LESS(snapshot.size(), size_t{4096});
  CAF_CHECK(snapshot.find("truncated") != std::string::npos);
}

CAF_TEST(a large answer rendered at once keeps its usage and is trimmed like a deferred one) {
  auto answer = [](size_t bytes) {
    return R"({"choices":[{"message":{"role":"assistant","content":")" + std::string(bytes, 'y')
           + R"("}}],"usage":{"prompt_tokens":1,"completion_tokens":2}})";
  };
  auto route = std::make_shared<const catalog::route_ref>(catalog::route_ref{"r", "p", "m"});
  openai::live_ring small;
  server::publish_request_completed(small, "r1", route, {}, answer(1000), 5.0);
  openai::live_ring large;
  server::publish_request_completed(large, "r1", route, {}, answer(1024 * 1024), 5.0);
  auto snapshot = large.snapshot_json();
  CAF_CHECK_LESS(snapshot.size(), size_t{20000});
  CAF_CHECK(snapshot.find(R"("usage":{"prompt_tokens":1,"completion_tokens":2})")
            != std::string::npos);
  CAF_CHECK(small.snapshot_json().find(R"("usage":{"prompt_tokens":1,"completion_tokens":2})")
            != std::string::npos);
}
