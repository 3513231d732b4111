#define CAF_SUITE policy.body_writer
#include "http/openai/body_writer.hpp"

#include <caf/test/unit_test.hpp>
#include <rapidjson/document.h>

#include <random>
#include <string>
#include <vector>

using gw::openai::body_writer;

namespace {

template <class Writer>
std::string write(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

void check_same(const rapidjson::Value& value) {
  auto fast = write<body_writer>(value);
  auto reference = write<rapidjson::Writer<rapidjson::StringBuffer>>(value);
  CAF_CHECK_EQUAL(fast, reference);
}

} // namespace

CAF_TEST(strings are written byte for byte as rapidjson writes them) {
  // Every byte value, at every offset of an eight-byte word, in runs short and long.
  rapidjson::Document doc;
  for (int byte = 0; byte < 256; ++byte) {
    for (size_t at = 0; at < 20; ++at) {
      std::string text(20, 'a');
      text[at] = static_cast<char>(byte);
      rapidjson::Value value(text.data(), static_cast<rapidjson::SizeType>(text.size()),
                             doc.GetAllocator());
      check_same(value);
    }
  }
  rapidjson::Value empty("", 0, doc.GetAllocator());
  check_same(empty);
}

CAF_TEST(documents with random strings and keys are written as rapidjson writes them) {
  std::mt19937 rng(20261207);
  const std::string alphabet =
    std::string("abc \"\\/\x01\x1A\x1B\x1F\x7F\t\n\r\b\f") + '\0' + "\xC3\xA9\xF0\x9F\x98\x80";
  auto random_text = [&] {
    std::string text;
    auto length = rng() % 40;
    for (size_t i = 0; i < length; ++i) {
      text += alphabet[rng() % alphabet.size()];
    }
    return text;
  };
  for (int round = 0; round < 500; ++round) {
    rapidjson::Document doc(rapidjson::kObjectType);
    auto& allocator = doc.GetAllocator();
    rapidjson::Value list(rapidjson::kArrayType);
    for (int i = 0; i < 5; ++i) {
      auto text = random_text();
      list.PushBack(
        rapidjson::Value(text.data(), static_cast<rapidjson::SizeType>(text.size()), allocator),
        allocator);
      list.PushBack(static_cast<int>(rng() % 1000) - 500, allocator);
    }
    auto name = random_text();
    doc.AddMember(
      rapidjson::Value(name.data(), static_cast<rapidjson::SizeType>(name.size()), allocator), list,
      allocator);
    doc.AddMember("flag", rng() % 2 == 0, allocator);
    doc.AddMember("pi", 3.25, allocator);
    doc.AddMember("none", rapidjson::Value(), allocator);
    check_same(doc);
  }
}
