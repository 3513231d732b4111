// The supervisor's question and the reading of its answer (reference §13.6). The answer is an
// LLM's text: anything but the asked-for JSON object is a negative verdict, never an error.
#include "catalog/diagnosis.hpp"
#include "catalog/tags.hpp"

#include <rapidjson/document.h>

namespace gw::catalog {

namespace {

constexpr std::string_view answer_shape = R"({"free_chat_model": bool, "confidence": )"
                                          R"("high|medium|low", "reason": str, "sources": [str]})";

supervisor_verdict unparsable() {
  supervisor_verdict v;
  v.reason = "unparsable";
  return v;
}

bool parse_object(std::string_view text, rapidjson::Document& doc) {
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(text.data(),
                                                                                    text.size());
  return !doc.HasParseError();
}

} // namespace

supervisor_question supervisor_prompt(std::string_view provider_name, std::string_view model_id,
                                      std::string_view display_name) {
  supervisor_question q;
  q.system = "You verify AI model pricing conservatively. Decide whether a model is free to use "
             "and answer with JSON only, no other text: ";
  q.system += answer_shape;
  q.user = "Is this model currently a no-cost or free-tier chat/text LLM through the provider's "
           "API?\nProvider: ";
  q.user += provider_name;
  q.user += "\nModel id: ";
  q.user += model_id;
  q.user += "\nDisplay name: ";
  q.user += display_name;
  q.user += "\nUse official sources (the provider's documentation, pricing and model pages) if "
            "tools are available. Answer false without reliable evidence. Free trials, paid-only "
            "models, non-chat models, embeddings, image/video/audio/music generators, moderation "
            "models and rerankers do not count.\nReturn only this JSON object: ";
  q.user += answer_shape;
  return q;
}

supervisor_verdict parse_supervisor_reply(std::string_view text) {
  rapidjson::Document doc;
  if (!parse_object(text, doc)) {
    // Prose around the object ("Here is my verdict: {...}"): try the outermost braces.
    auto first = text.find('{');
    auto last = text.rfind('}');
    if (first == std::string_view::npos || last == std::string_view::npos || last < first
        || !parse_object(text.substr(first, last - first + 1), doc)) {
      return unparsable();
    }
  }
  if (!doc.IsObject()) {
    return unparsable();
  }
  supervisor_verdict v;
  auto free = doc.FindMember("free_chat_model");
  v.free_chat_model = free != doc.MemberEnd() && free->value.IsBool() && free->value.GetBool();
  v.confidence = "low";
  if (auto c = doc.FindMember("confidence");
      c != doc.MemberEnd() && c->value.IsString() && c->value.GetStringLength() > 0) {
    v.confidence = ascii_lower({c->value.GetString(), c->value.GetStringLength()});
  }
  if (auto r = doc.FindMember("reason"); r != doc.MemberEnd() && r->value.IsString()) {
    v.reason.assign(r->value.GetString(), r->value.GetStringLength());
  }
  if (auto s = doc.FindMember("sources"); s != doc.MemberEnd() && s->value.IsArray()) {
    for (const auto& source : s->value.GetArray()) {
      if (source.IsString()) {
        v.sources.emplace_back(source.GetString(), source.GetStringLength());
      }
    }
  }
  return v;
}

} // namespace gw::catalog
