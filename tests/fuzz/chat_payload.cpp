// Fuzz target: the client's chat-completions body. Its fast parse (core/insitu_json_reader.hpp)
// must give the same document or error as RapidJSON's validating parse. A body that validates
// must give a positive token estimate and, for every provider translation and both stream
// modes, an upstream body that is itself valid JSON; one copied from the client's text around
// the model value (parse_owned_chat_request) must hold the same JSON as the one written.
#include "http/openai/chat_payload.hpp"

#include "http/openai/exact_json.hpp"
#include "tests/fuzz/fuzz_support.hpp"
#include "tests/support/parse_outcome.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = gw::fuzz::as_text(data, size);
  gw::fuzz::require(gw::testing::parse_outcome(gw::openai::parse_exact, text)
                      == gw::testing::parse_outcome(gw::openai::parse_exact_validating, text),
                    "the fast and the validating parse differ");
  auto parsed = gw::openai::parse_chat_request(text);
  auto* req = std::get_if<gw::openai::chat_request>(&parsed);
  if (req == nullptr) {
    gw::fuzz::require(!std::get<gw::openai::request_error>(parsed).message.empty(),
                      "a refusal without a message");
    return 0;
  }
  gw::fuzz::require(req->prompt_estimate >= 1, "prompt estimate below 1");
  for (const char* provider : {"groq", "openrouter", "gemini"}) {
    for (bool stream : {false, true}) {
      auto body = gw::openai::build_upstream_body(*req, provider, "m", stream);
      rapidjson::Document doc;
      doc.Parse(body.data(), body.size());
      gw::fuzz::require(!doc.HasParseError() && doc.IsObject(),
                        "upstream body is not a JSON object");
    }
  }
  // A body copied around the model value holds the same JSON as the one written: both read
  // at full precision and written compact give the same text (RapidJSON's == cannot judge
  // objects with a repeated key, which a client may send).
  auto owned = gw::openai::parse_owned_chat_request(std::string(text));
  auto* kept = std::get_if<gw::openai::chat_request>(&owned);
  gw::fuzz::require(kept != nullptr, "the owned parse refused what the other accepted");
  auto compact = [](const std::string& body) {
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseFullPrecisionFlag>(body.data(), body.size());
    gw::fuzz::require(!doc.HasParseError(), "upstream body is not JSON");
    rapidjson::StringBuffer out;
    rapidjson::Writer<rapidjson::StringBuffer> writer(out);
    doc.Accept(writer);
    return std::string(out.GetString(), out.GetSize());
  };
  gw::fuzz::require(compact(gw::openai::build_upstream_body(*kept, "gemini", "m", false))
                      == compact(gw::openai::build_upstream_body(*req, "gemini", "m", false)),
                    "the spliced upstream body differs from the written one");
  return 0;
}
