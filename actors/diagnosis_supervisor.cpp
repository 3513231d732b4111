// The supervisor (reference §13.3, §13.6): for a chat model whose listing does not prove it
// free, an LLM is asked through the gateway's own waterfall (quotas, fallbacks and health
// apply as to any client request). Real verdicts are cached and stored, so each model is
// asked once; failures to get one are not, so the next run asks again.
#include "actors/diagnosis_internal.hpp"
#include "catalog/tags.hpp"
#include "http/openai/chat_payload.hpp"

#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace gw::actors::detail {

namespace {

catalog::supervisor_verdict negative(std::string reason) {
  catalog::supervisor_verdict v;
  v.reason = std::move(reason);
  return v;
}

/// The chat request: the question as system + user messages, temperature 0, at most 500
/// tokens of answer.
std::string question_body(const std::string& model, const catalog::supervisor_question& q) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w(out);
  auto text = [&w](const std::string& s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  };
  w.StartObject();
  w.Key("model");
  text(model);
  w.Key("messages");
  w.StartArray();
  w.StartObject();
  w.Key("role");
  w.String("system");
  w.Key("content");
  text(q.system);
  w.EndObject();
  w.StartObject();
  w.Key("role");
  w.String("user");
  w.Key("content");
  text(q.user);
  w.EndObject();
  w.EndArray();
  w.Key("temperature");
  w.Int(0);
  w.Key("max_tokens");
  w.Int(500);
  w.EndObject();
  return {out.GetString(), out.GetSize()};
}

/// The verdict an outcome of the waterfall carries.
catalog::supervisor_verdict verdict_of(const chat_outcome& outcome) {
  const auto* served = std::get_if<chat_served>(&outcome);
  if (served == nullptr) {
    const char* why = std::holds_alternative<chat_exhausted>(outcome)  ? "waterfall_exhausted"
                      : std::holds_alternative<chat_deadline>(outcome) ? "request_deadline_exceeded"
                                                                       : "caller_error";
    return negative(std::string("Supervisor failed: ") + why + ".");
  }
  rapidjson::Document body;
  body.Parse(served->body.data(), served->body.size());
  if (body.HasParseError() || !body.IsObject()) {
    return negative("Supervisor failed: malformed_response.");
  }
  return catalog::parse_supervisor_reply(openai::assistant_text(body));
}

} // namespace

std::string verdict_key(std::string_view provider_name, std::string_view model_id) {
  return catalog::ascii_lower(provider_name) + "::" + catalog::ascii_lower(model_id);
}

void ask_supervisor(diagnosis_ptr self, const std::string& provider_name,
                    const catalog::listed_model& item,
                    std::function<void(catalog::supervisor_verdict)> answer) {
  auto& st = self->state;
  auto key = verdict_key(provider_name, item.id);
  if (auto it = st.verdicts.find(key); it != st.verdicts.end()) {
    answer(it->second);
    return;
  }
  if (!st.settings.supervisor) {
    answer(negative("Supervisor disabled."));
    return;
  }
  auto model =
    st.settings.supervisor_model.empty() ? st.settings.alias : st.settings.supervisor_model;
  auto display = item.name.empty() ? item.id : item.name;
  auto parsed = openai::parse_chat_request(
    question_body(model, catalog::supervisor_prompt(provider_name, item.id, display)));
  auto* chat = std::get_if<openai::chat_request>(&parsed);
  if (chat == nullptr) {
    answer(negative("Supervisor failed: invalid_request."));
    return;
  }
  auto id = ++st.next_question;
  // The answer arrives with the verdict message; the cache is filled there.
  st.asking.emplace(id, [self, key, answer = std::move(answer)](catalog::supervisor_verdict v) {
    auto& state = self->state;
    bool real = v.confidence != "none" && v.reason != "unparsable";
    if (real) {
      state.verdicts[key] = v;
      if (state.wiring.persistence) {
        verdict_record rec{key,      v.free_chat_model, v.confidence,
                           v.reason, v.sources,         state.wiring.now()};
        self->send(state.wiring.persistence, atom::persist_v, std::move(rec));
      }
    }
    answer(std::move(v));
  });
  auto me = diagnosis_actor{self};
  auto job =
    std::make_shared<chat_job>("diagnosis-supervisor-" + std::to_string(id), std::move(*chat),
                               [me, id](const chat_outcome& outcome, const chat_job&) {
                                 caf::anon_send(me, atom::verdict_v, id, verdict_of(outcome));
                               });
  // A supervisor question may fall back through several routes, each bounded by the request
  // timeout; two of them is plenty for a background check.
  job->deadline = job->started + 2 * st.settings.request_timeout;
  self->send(st.wiring.router, atom::dispatch_v, std::move(job));
}

} // namespace gw::actors::detail
