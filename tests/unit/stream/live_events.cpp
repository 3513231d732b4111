#define CAF_SUITE stream.live
#include "http/openai/live_events.hpp"

#include <caf/test/unit_test.hpp>
#include <rapidjson/document.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

using gw::openai::live_event;
using gw::openai::live_event_json;
using gw::openai::live_ring;
using gw::openai::trim_payload;

namespace {

std::string trimmed(const std::string& json, size_t limit = 1200) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    return "<parse error>";
  }
  return trim_payload(doc, limit);
}

std::string quoted(const std::string& s) {
  return "\"" + s + "\"";
}

std::string repeat(const std::string& s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += s;
  }
  return out;
}

} // namespace

// -- trimming -------------------------------------------------------------------

CAF_TEST(strings over the limit are cut and say how much was cut) {
  CAF_CHECK_EQUAL(trimmed(quoted(std::string(1200, 'x'))), quoted(std::string(1200, 'x')));
  CAF_CHECK_EQUAL(trimmed(quoted(std::string(1500, 'x'))),
                  quoted(std::string(1200, 'x') + "... <truncated 300 chars>"));
  CAF_CHECK_EQUAL(trimmed(quoted(std::string(9000, 'y')), 8000),
                  quoted(std::string(8000, 'y') + "... <truncated 1000 chars>"));
}

CAF_TEST(the string limit counts characters not bytes) {
  // "é" is two bytes; 1201 of them are one character too many.
  CAF_CHECK_EQUAL(trimmed(quoted(repeat("\xC3\xA9", 1201))),
                  quoted(repeat("\xC3\xA9", 1200) + "... <truncated 1 chars>"));
  CAF_CHECK_EQUAL(trimmed(quoted(repeat("\xC3\xA9", 1200))), quoted(repeat("\xC3\xA9", 1200)));
}

CAF_TEST(arrays keep thirty items and say how many were cut) {
  std::string thirty = "[" + repeat("1,", 29) + "1]";
  CAF_CHECK_EQUAL(trimmed(thirty), thirty);
  std::string thirty_two = "[" + repeat("1,", 31) + "1]";
  CAF_CHECK_EQUAL(trimmed(thirty_two), "[" + repeat("1,", 30) + "\"<truncated 2 items>\"]");
}

CAF_TEST(objects keep thirty keys and say how many were omitted) {
  std::string keys;
  for (int i = 0; i < 33; ++i) {
    keys += (i ? "," : "") + quoted("k" + std::to_string(i)) + ":" + std::to_string(i);
  }
  std::string expected;
  for (int i = 0; i < 30; ++i) {
    expected += (i ? "," : "") + quoted("k" + std::to_string(i)) + ":" + std::to_string(i);
  }
  CAF_CHECK_EQUAL(trimmed("{" + keys + "}"),
                  "{" + expected + ",\"__truncated__\":\"3 keys omitted\"}");
}

CAF_TEST(values four levels deep become a depth marker) {
  CAF_CHECK_EQUAL(trimmed(R"({"a":{"b":{"c":{"d":1}}}})"),
                  R"({"a":{"b":{"c":{"d":"<truncated-depth>"}}}})");
  CAF_CHECK_EQUAL(trimmed(R"({"a":[[{"deep":[1]}]],"s":"x","n":null,"t":true,"f":2.5})"),
                  R"({"a":[[{"deep":"<truncated-depth>"}]],"s":"x","n":null,"t":true,"f":2.5})");
  CAF_CHECK_EQUAL(trimmed(R"({"a":{"b":{"c":3}}})"), R"({"a":{"b":{"c":3}}})");
}

CAF_TEST(trimmed payloads are valid json even with invalid utf8) {
  auto out = trimmed("{\"m\":\"bad \xFF byte \\\" quote\"}");
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(out.data(), out.size());
  CAF_CHECK(!doc.HasParseError());
  CAF_CHECK_EQUAL(out, "{\"m\":\"bad \xEF\xBF\xBD byte \\\" quote\"}");
}

// -- events and ring -------------------------------------------------------------

CAF_TEST(a deferred payload is rendered once when the event is first read) {
  int renders = 0;
  // What the renderer captured (a body, say) is freed once the payload is rendered.
  auto captured = std::make_shared<int>(1);
  std::weak_ptr<int> watch = captured;
  auto payload = gw::openai::deferred_json::make([&renders, captured = std::move(captured)] {
    ++renders;
    return std::string(R"({"late":true})");
  });
  live_event ev{3, "request_completed", "r", 1714000000, {}, payload};
  CAF_CHECK_EQUAL(renders, 0);
  CAF_CHECK(!watch.expired());
  CAF_CHECK(live_event_json(ev).find(R"("payload":{"late":true})") != std::string::npos);
  CAF_CHECK(live_event_json(ev).find(R"("payload":{"late":true})") != std::string::npos);
  CAF_CHECK_EQUAL(renders, 1);
  CAF_CHECK(watch.expired());
}

CAF_TEST(a live event is written with its fields in order) {
  live_event ev{7, "request_started", "0123456789ab", 1714000000, R"({"path":"/v1/x"})", nullptr};
  CAF_CHECK_EQUAL(live_event_json(ev),
                  R"({"event_id":7,"event_type":"request_started","request_id":"0123456789ab",)"
                  R"("timestamp":1714000000,"payload":{"path":"/v1/x"}})");
  ev.payload_json.clear();
  CAF_CHECK(live_event_json(ev).find(R"("payload":{}})") != std::string::npos);
}

CAF_TEST(the ring keeps at least ten events) {
  CAF_CHECK_EQUAL(live_ring(3).capacity(), 10u);
  CAF_CHECK_EQUAL(live_ring().capacity(), 1000u);
}

CAF_TEST(the ring evicts the oldest events and snapshots oldest first) {
  live_ring ring(10);
  std::vector<int64_t> ids;
  for (int i = 1; i <= 15; ++i) {
    ids.push_back(ring.publish("e" + std::to_string(i), "req", 100 + i, "{}"));
  }
  for (int i = 0; i < 15; ++i) {
    CAF_CHECK_EQUAL(ids[i], i + 1);
  }
  rapidjson::Document doc;
  auto snap = ring.snapshot_json();
  doc.Parse(snap.data(), snap.size());
  CAF_REQUIRE(!doc.HasParseError());
  CAF_CHECK_EQUAL(std::string(doc["object"].GetString()), "list");
  const auto& data = doc["data"];
  CAF_REQUIRE_EQUAL(data.Size(), 10u);
  for (rapidjson::SizeType i = 0; i < 10; ++i) {
    CAF_CHECK_EQUAL(data[i]["event_id"].GetInt64(), 6 + static_cast<int64_t>(i));
    CAF_CHECK_EQUAL(std::string(data[i]["event_type"].GetString()), "e" + std::to_string(6 + i));
    CAF_CHECK_EQUAL(data[i]["timestamp"].GetInt64(), 106 + static_cast<int64_t>(i));
  }
}

CAF_TEST(an event that takes an old slot keeps nothing of the old event) {
  live_ring ring(10);
  auto deferred = [](int n) {
    return gw::openai::deferred_json::make(
      [n] { return R"({"deferred":)" + std::to_string(n) + "}"; });
  };
  // Deferred payloads with long types and ids, then plain ones with short ones, then deferred
  // again: each lap of the ring reuses every slot.
  for (int i = 0; i < 10; ++i) {
    ring.publish("a_rather_long_event_type", "a-request-id-longer-than-sso-" + std::to_string(i), 1,
                 deferred(i));
  }
  for (int i = 0; i < 10; ++i) {
    ring.publish("e", "r" + std::to_string(i), 2, R"({"plain":)" + std::to_string(i) + "}");
  }
  for (int i = 0; i < 5; ++i) {
    ring.publish("d", "q" + std::to_string(i), 3, deferred(100 + i));
  }
  rapidjson::Document doc;
  auto snap = ring.snapshot_json();
  doc.Parse(snap.data(), snap.size());
  CAF_REQUIRE(!doc.HasParseError());
  const auto& data = doc["data"];
  CAF_REQUIRE_EQUAL(data.Size(), 10u);
  for (rapidjson::SizeType i = 0; i < 10; ++i) {
    const auto& event = data[i];
    CAF_CHECK_EQUAL(event["event_id"].GetInt64(), 16 + static_cast<int64_t>(i));
    bool plain = i < 5;
    auto n = plain ? static_cast<int>(i) + 5 : 100 + static_cast<int>(i) - 5;
    CAF_CHECK_EQUAL(std::string(event["event_type"].GetString()), plain ? "e" : "d");
    CAF_CHECK_EQUAL(std::string(event["request_id"].GetString()),
                    (plain ? "r" : "q") + std::to_string(plain ? n : n - 100));
    const auto& payload = event["payload"];
    CAF_REQUIRE(payload.IsObject());
    CAF_CHECK_EQUAL(payload.MemberCount(), 1u);
    CAF_CHECK_EQUAL(payload[plain ? "plain" : "deferred"].GetInt(), n);
  }
}

CAF_TEST(an empty ring snapshots an empty list) {
  live_ring ring;
  CAF_CHECK_EQUAL(ring.snapshot_json(), R"({"object":"list","data":[]})");
  ring.publish("request_rejected", "abc", 5, R"({"status_code":429})");
  CAF_CHECK_EQUAL(ring.snapshot_json(),
                  R"({"object":"list","data":[{"event_id":1,"event_type":"request_rejected",)"
                  R"("request_id":"abc","timestamp":5,"payload":{"status_code":429}}]})");
}

CAF_TEST(a subscriber gets new events only and is notified when its queue fills from empty) {
  live_ring ring;
  ring.publish("old", "r", 1, "{}");
  int notified = 0;
  auto sub = ring.subscribe([&] { ++notified; });
  CAF_CHECK_EQUAL(ring.subscribers(), 1u);
  CAF_CHECK(!sub->pop());
  ring.publish("a", "r", 2, "{}");
  CAF_CHECK_EQUAL(notified, 1);
  ring.publish("b", "r", 3, "{}");
  CAF_CHECK_EQUAL(notified, 1); // not empty -> no second wake-up
  auto first = sub->pop();
  CAF_REQUIRE(first);
  CAF_CHECK_EQUAL(first->event_type, "a");
  CAF_CHECK_EQUAL(first->event_id, 2);
  ring.publish("c", "r", 4, "{}");
  CAF_CHECK_EQUAL(notified, 1); // "b" still queued
  // (CAF_CHECK_EQUAL keeps references: name the popped events so they outlive the check.)
  auto second = sub->pop();
  auto third = sub->pop();
  CAF_REQUIRE(second && third);
  CAF_CHECK_EQUAL(second->event_type, "b");
  CAF_CHECK_EQUAL(third->event_type, "c");
  CAF_CHECK(!sub->pop());
  ring.publish("d", "r", 5, "{}");
  CAF_CHECK_EQUAL(notified, 2);
  ring.unsubscribe(sub);
  CAF_CHECK_EQUAL(ring.subscribers(), 0u);
  ring.publish("e", "r", 6, "{}");
  CAF_CHECK_EQUAL(notified, 2);
  auto fourth = sub->pop();
  CAF_REQUIRE(fourth);
  CAF_CHECK_EQUAL(fourth->event_type, "d");
  CAF_CHECK(!sub->pop());
}

CAF_TEST(closing the ring wakes every subscriber once and closes later ones at once) {
  live_ring ring;
  int first_woken = 0;
  auto first = ring.subscribe([&] { ++first_woken; });
  ring.publish("a", "r", 1, "{}");
  CAF_CHECK_EQUAL(first_woken, 1);
  CAF_CHECK(!first->closed());
  ring.close();
  CAF_CHECK_EQUAL(first_woken, 2);
  CAF_CHECK(first->closed());
  CAF_CHECK_EQUAL(ring.subscribers(), 0u);
  // What was queued before the close is still there to drain.
  auto queued = first->pop();
  CAF_REQUIRE(queued);
  CAF_CHECK_EQUAL(queued->event_type, "a");
  // Events after the close go to the snapshot only.
  ring.publish("b", "r", 2, "{}");
  CAF_CHECK(!first->pop());
  CAF_CHECK_EQUAL(first_woken, 2);
  int late_woken = 0;
  auto late = ring.subscribe([&] { ++late_woken; });
  CAF_CHECK_EQUAL(late_woken, 1);
  CAF_CHECK(late->closed());
  CAF_CHECK_EQUAL(ring.subscribers(), 0u);
}

CAF_TEST(a full subscriber queue drops its oldest events) {
  live_ring ring;
  int notified = 0;
  auto sub = ring.subscribe([&] { ++notified; });
  for (int i = 1; i <= 250; ++i) {
    ring.publish("e", "r", i, "{}");
  }
  CAF_CHECK_EQUAL(notified, 1);
  CAF_CHECK_EQUAL(sub->dropped(), 50u);
  std::vector<int64_t> got;
  while (auto ev = sub->pop()) {
    got.push_back(ev->event_id);
  }
  CAF_REQUIRE_EQUAL(got.size(), live_ring::subscriber_queue_capacity);
  CAF_CHECK_EQUAL(got.front(), 51);
  CAF_CHECK_EQUAL(got.back(), 250);
}

CAF_TEST(concurrent publishers get unique ids and subscribers see them in order) {
  constexpr int threads = 4;
  constexpr int per_thread = 1000;
  live_ring ring(1000);
  std::atomic<int> notified{0};
  auto sub = ring.subscribe([&] { notified.fetch_add(1); });
  std::vector<std::vector<int64_t>> ids(threads);
  std::atomic<bool> publishing{true};
  std::vector<int64_t> received;
  bool ordered = true;
  // A writer draining while publishers run; bounded by the publishers finishing.
  std::thread drainer([&] {
    int64_t last = 0;
    auto drain = [&] {
      while (auto ev = sub->pop()) {
        ordered = ordered && ev->event_id > last;
        last = ev->event_id;
        received.push_back(ev->event_id);
      }
    };
    while (publishing.load()) {
      drain();
      std::this_thread::yield();
    }
    drain();
  });
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        ids[t].push_back(ring.publish("e", "t" + std::to_string(t), i, R"({"i":1})"));
      }
    });
  }
  for (auto& w : workers) {
    w.join();
  }
  publishing.store(false);
  drainer.join();
  std::set<int64_t> all;
  for (const auto& v : ids) {
    for (size_t i = 1; i < v.size(); ++i) {
      CAF_CHECK(v[i] > v[i - 1]);
    }
    all.insert(v.begin(), v.end());
  }
  CAF_CHECK_EQUAL(all.size(), static_cast<size_t>(threads * per_thread));
  CAF_CHECK_EQUAL(*all.begin(), 1);
  CAF_CHECK_EQUAL(*all.rbegin(), threads * per_thread);
  CAF_CHECK(ordered);
  CAF_CHECK_EQUAL(received.size() + sub->dropped(), static_cast<size_t>(threads * per_thread));
  CAF_CHECK(notified.load() >= 1);
  rapidjson::Document doc;
  auto snap = ring.snapshot_json();
  doc.Parse(snap.data(), snap.size());
  CAF_REQUIRE(!doc.HasParseError());
  const auto& data = doc["data"];
  CAF_REQUIRE_EQUAL(data.Size(), 1000u);
  for (rapidjson::SizeType i = 0; i < data.Size(); ++i) {
    CAF_CHECK_EQUAL(data[i]["event_id"].GetInt64(), 3001 + static_cast<int64_t>(i));
  }
}
