#define CAF_SUITE stream.sse_parser
#include "http/openai/sse_parser.hpp"

#include <caf/test/unit_test.hpp>

#include <string>
#include <vector>

using gw::openai::sse_event;
using gw::openai::sse_parser;

namespace {

// Every line-end style, a BOM, comments inside and between events, event:, id:, retry:,
// "data:" without a space, a field without colon, multi-line data, [DONE] and a last event
// without its blank line.
const std::string mixed_stream = "\xEF\xBB\xBF"
                                 ": keep-alive\r\n"
                                 "\r\n"
                                 "event: message\r\n"
                                 "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\r\n"
                                 "\r\n"
                                 "data:{\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}\n"
                                 "\n"
                                 "data: line one\r"
                                 "data:  line two\r"
                                 ": comment inside\r"
                                 "id: 7\r"
                                 "\r"
                                 "retry: 100\n"
                                 "\n"
                                 "data\n"
                                 "data: second\n"
                                 "\n"
                                 ": OPENROUTER PROCESSING\n\n"
                                 "data: [DONE]\r\n"
                                 "\r\n"
                                 "data: tail without blank line";

const std::vector<sse_event> mixed_expected = {
  {R"({"choices":[{"delta":{"content":"Hel"}}]})", "message",
   "event: message\ndata: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n"},
  {R"({"choices":[{"delta":{"content":"lo"}}]})", "",
   "data:{\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}\n\n"},
  {"line one\n line two", "", "data: line one\ndata:  line two\nid: 7\n\n"},
  {"\nsecond", "", "data\ndata: second\n\n"},
  {"[DONE]", "", "data: [DONE]\n\n"},
  {"tail without blank line", "", "data: tail without blank line\n\n"},
};

std::string describe(const std::vector<sse_event>& events) {
  std::string out;
  for (const auto& ev : events) {
    out += "[data=" + ev.data + "|event=" + ev.event + "|raw=" + ev.raw + "]";
  }
  return out;
}

struct collector {
  std::vector<sse_event> events;
  sse_parser::event_handler handler() {
    return [this](const sse_event& ev) {
      events.push_back(ev);
    };
  }
};

std::vector<sse_event> parse_pieces(const std::vector<std::string_view>& pieces) {
  collector c;
  sse_parser parser;
  auto on_event = c.handler();
  for (auto piece : pieces) {
    if (!parser.feed(piece, on_event)) {
      return {};
    }
  }
  parser.finish(on_event);
  return std::move(c.events);
}

} // namespace

CAF_TEST(one feed yields every event with data fields and raw blocks) {
  auto events = parse_pieces({mixed_stream});
  CAF_CHECK_EQUAL(describe(events), describe(mixed_expected));
  CAF_CHECK_EQUAL(events.size(), 6u);
}

CAF_TEST(every single cut of the stream gives the same events as one feed) {
  const std::string_view all(mixed_stream);
  auto expected = describe(mixed_expected);
  size_t mismatches = 0;
  for (size_t i = 0; i <= all.size(); ++i) {
    if (describe(parse_pieces({all.substr(0, i), all.substr(i)})) != expected) {
      ++mismatches;
      CAF_MESSAGE("mismatch at cut " << i);
    }
  }
  CAF_CHECK_EQUAL(mismatches, 0u);
}

CAF_TEST(every pair of cuts of the stream gives the same events as one feed) {
  const std::string_view all(mixed_stream);
  CAF_REQUIRE(all.size() > 250);
  auto expected = describe(mixed_expected);
  size_t mismatches = 0;
  size_t runs = 0;
  for (size_t i = 0; i <= all.size(); ++i) {
    for (size_t j = i; j <= all.size(); ++j) {
      ++runs;
      auto got = parse_pieces({all.substr(0, i), all.substr(i, j - i), all.substr(j)});
      if (describe(got) != expected) {
        ++mismatches;
        if (mismatches < 5) {
          CAF_MESSAGE("mismatch at cuts " << i << "," << j);
        }
      }
    }
  }
  CAF_CHECK_EQUAL(mismatches, 0u);
  CAF_CHECK_EQUAL(runs, (all.size() + 1) * (all.size() + 2) / 2);
}

CAF_TEST(feeding one byte at a time gives the same events as one feed) {
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < mixed_stream.size(); ++i) {
    bytes.push_back(std::string_view(mixed_stream).substr(i, 1));
  }
  CAF_CHECK_EQUAL(describe(parse_pieces(bytes)), describe(mixed_expected));
}

CAF_TEST(events are delivered as soon as their blank line arrives) {
  collector c;
  sse_parser parser;
  auto on_event = c.handler();
  CAF_CHECK(parser.feed("data: a\n", on_event));
  CAF_CHECK_EQUAL(c.events.size(), 0u);
  CAF_CHECK(parser.feed("\ndata: b\r\n\r", on_event));
  CAF_REQUIRE_EQUAL(c.events.size(), 2u);
  CAF_CHECK_EQUAL(c.events[0].data, "a");
  CAF_CHECK_EQUAL(c.events[1].data, "b");
  // The LF completing the CRLF of the blank line must not count as another blank line.
  CAF_CHECK(parser.feed("\ndata: c\n\n", on_event));
  CAF_REQUIRE_EQUAL(c.events.size(), 3u);
  CAF_CHECK_EQUAL(c.events[2].data, "c");
  CAF_CHECK_EQUAL(c.events[2].raw, "data: c\n\n");
}

CAF_TEST(finish delivers a trailing event that lacks its blank line) {
  for (std::string tail : {"data: x", "data: x\n", "data: x\r\n", "data: x\r", "data:x"}) {
    collector c;
    sse_parser parser;
    auto on_event = c.handler();
    CAF_CHECK(parser.feed("data: first\n\n" + tail, on_event));
    CAF_CHECK_EQUAL(c.events.size(), 1u);
    parser.finish(on_event);
    CAF_REQUIRE_EQUAL(c.events.size(), 2u);
    CAF_CHECK_EQUAL(c.events[1].data, "x");
    // finish() resets the parser: nothing is delivered twice.
    parser.finish(on_event);
    CAF_CHECK_EQUAL(c.events.size(), 2u);
  }
}

CAF_TEST(finish delivers nothing for blocks without data) {
  collector c;
  sse_parser parser;
  auto on_event = c.handler();
  CAF_CHECK(parser.feed(": ping\n\nevent: x\nid: 3\n\nretry: 5", on_event));
  parser.finish(on_event);
  CAF_CHECK_EQUAL(c.events.size(), 0u);
}

CAF_TEST(an empty data field is an event with empty data) {
  auto events = parse_pieces({"data:\n\ndata\n\n"});
  CAF_REQUIRE_EQUAL(events.size(), 2u);
  CAF_CHECK_EQUAL(events[0].data, "");
  CAF_CHECK_EQUAL(events[0].raw, "data:\n\n");
  CAF_CHECK_EQUAL(events[1].data, "");
}

CAF_TEST(only one leading space of a value is removed and the last event field wins) {
  auto events = parse_pieces({"event: a\nevent:b\ndata:   three\ndata:\tx \n\n"});
  CAF_REQUIRE_EQUAL(events.size(), 1u);
  CAF_CHECK_EQUAL(events[0].data, "  three\n\tx ");
  CAF_CHECK_EQUAL(events[0].event, "b");
}

CAF_TEST(a byte order mark is skipped only at the start of the stream) {
  auto events = parse_pieces({"\xEF\xBB\xBF"
                              "data: a\n\n\xEF\xBB\xBF"
                              "data: b\n\n"});
  CAF_REQUIRE_EQUAL(events.size(), 1u);
  CAF_CHECK_EQUAL(events[0].data, "a");
}

CAF_TEST(an event larger than the limit fails the parser) {
  collector c;
  sse_parser parser(16);
  auto on_event = c.handler();
  CAF_CHECK(parser.feed("data: 0123456789\n\n", on_event)); // 16 bytes: at the limit
  CAF_CHECK_EQUAL(c.events.size(), 1u);
  CAF_CHECK(parser.feed("data: 01234", on_event));
  CAF_CHECK(!parser.feed("5678\ndata: 9\n\n", on_event));
  CAF_CHECK(parser.failed());
  CAF_CHECK(!parser.feed("data: ok\n\n", on_event));
  parser.finish(on_event);
  CAF_CHECK_EQUAL(c.events.size(), 1u);
}

CAF_TEST(a line that never ends is refused once it passes the limit) {
  collector c;
  sse_parser parser(1000);
  auto on_event = c.handler();
  std::string chunk(300, 'x');
  CAF_CHECK(parser.feed("data: ", on_event));
  CAF_CHECK(parser.feed(chunk, on_event));
  CAF_CHECK(parser.feed(chunk, on_event));
  CAF_CHECK(parser.feed(chunk, on_event));
  CAF_CHECK(!parser.feed(chunk, on_event));
  CAF_CHECK_EQUAL(c.events.size(), 0u);
}

CAF_TEST(a long stream of small events never trips the per event limit) {
  collector c;
  sse_parser parser(64);
  auto on_event = c.handler();
  bool ok = true;
  for (int i = 0; i < 1000; ++i) {
    ok =
      ok
      && parser.feed(": keep-alive comment\ndata: {\"i\":" + std::to_string(i) + "}\n\n", on_event);
  }
  CAF_CHECK(ok);
  CAF_REQUIRE_EQUAL(c.events.size(), 1000u);
  CAF_CHECK_EQUAL(c.events[999].data, "{\"i\":999}");
}
