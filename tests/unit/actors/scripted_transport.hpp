// A transport that answers from a script keyed by the outbound model id, synchronously.
// Lets actor tests run the whole waterfall under the deterministic test coordinator.
#pragma once

#include "actors/transport.hpp"

#include <rapidjson/document.h>

#include <map>
#include <string>
#include <vector>

namespace gw::test {

class scripted_transport final : public actors::upstream_transport {
public:
  /// What `model` answers; models not in the script answer 200 with a small completion.
  std::map<std::string, upstream::upstream_result> script;
  /// Every request seen, in order.
  std::vector<upstream::upstream_request> seen;

  void send(upstream::upstream_request req,
            std::function<void(upstream::upstream_result)> on_done) override {
    rapidjson::Document doc;
    doc.Parse(req.body.data(), req.body.size());
    std::string model = doc.IsObject() && doc.HasMember("model") && doc["model"].IsString()
                          ? doc["model"].GetString()
                          : "";
    seen.push_back(std::move(req));
    if (auto it = script.find(model); it != script.end()) {
      on_done(it->second);
      return;
    }
    on_done(ok_result("answer from " + model));
  }

  size_t calls_for(const std::string& model) const {
    size_t n = 0;
    for (const auto& req : seen) {
      if (req.body.find("\"model\":\"" + model + "\"") != std::string::npos) {
        ++n;
      }
    }
    return n;
  }

  static upstream::upstream_result ok_result(const std::string& content) {
    upstream::upstream_result r;
    r.status = 200;
    r.body = R"({"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":")"
             + content + R"("}}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}})";
    return r;
  }

  static upstream::upstream_result status_result(int status, std::string body = "{}",
                                                 upstream::header_list headers = {}) {
    upstream::upstream_result r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    return r;
  }

  static upstream::upstream_result failure(upstream::transport_failure kind) {
    upstream::upstream_result r;
    r.failure = kind;
    r.detail = upstream::to_string(kind);
    return r;
  }
};

} // namespace gw::test
