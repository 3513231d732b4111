// Fuzz target: the upstream SSE parser. Beyond "no crash", the parser's contract is that every
// split of the byte stream gives the same events, so the input is fed once whole and once cut
// at two points chosen by the first bytes, and both event lists must be equal.
#include "http/openai/sse_parser.hpp"

#include "tests/fuzz/fuzz_support.hpp"

#include <vector>

namespace {

using gw::openai::sse_event;
using gw::openai::sse_parser;

struct outcome {
  std::vector<sse_event> events;
  bool ok = true;
};

outcome parse(const std::vector<std::string_view>& pieces, size_t limit) {
  outcome out;
  sse_parser parser(limit);
  auto collect = [&out](const sse_event& e) {
    out.events.push_back(e);
  };
  for (auto piece : pieces) {
    out.ok = parser.feed(piece, collect) && out.ok;
  }
  parser.finish(collect);
  return out;
}

bool same(const std::vector<sse_event>& a, const std::vector<sse_event>& b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].data != b[i].data || a[i].event != b[i].event || a[i].raw != b[i].raw) {
      return false;
    }
  }
  return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) {
    return 0;
  }
  // A small event limit so the "event too large" path is reached too.
  size_t limit = data[0] % 2 == 0 ? size_t{8} << 20 : size_t{64};
  auto text = gw::fuzz::as_text(data + 3, size - 3);
  size_t cut1 = text.empty() ? 0 : data[1] % (text.size() + 1);
  size_t cut2 = text.empty() ? 0 : cut1 + data[2] % (text.size() - cut1 + 1);
  auto whole = parse({text}, limit);
  auto split =
    parse({text.substr(0, cut1), text.substr(cut1, cut2 - cut1), text.substr(cut2)}, limit);
  gw::fuzz::require(whole.ok == split.ok, "a split changes whether the stream fails");
  if (whole.ok) {
    gw::fuzz::require(same(whole.events, split.events), "a split changes the events");
  }
  return 0;
}
