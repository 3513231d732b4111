// A transport that answers from a script keyed by the outbound model id, synchronously.
// Lets actor tests run the whole waterfall under the deterministic test coordinator.
#pragma once

#include "actors/transport.hpp"
#include "http/upstream/upstream_client.hpp"

#include <rapidjson/document.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gw::test {

/// A streamed body that hands out scripted pieces, one per read_some, synchronously.
class scripted_stream final : public upstream::upstream_stream {
public:
  std::vector<std::string> pieces;
  /// What ends the body after the last piece: none = a clean end.
  upstream::transport_failure ending = upstream::transport_failure::none;
  bool cancelled = false;

  /// The last piece arrives with the end of the body (one receive), not in a read of its own.
  bool last_piece_ends = false;
  /// read_some calls so far.
  int reads = 0;

  void
  read_some(std::function<void(std::string_view, bool, upstream::transport_failure)> cb) override {
    ++reads;
    if (cancelled) {
      cb({}, false, upstream::transport_failure::cancelled);
      return;
    }
    if (next_ < pieces.size()) {
      auto piece = pieces[next_++];
      bool ends = last_piece_ends && next_ == pieces.size();
      cb(piece, ends, upstream::transport_failure::none);
      return;
    }
    cb({}, ending == upstream::transport_failure::none, ending);
  }
  /// Every read deadline the consumer set, in order (a default time_point = lifted).
  std::vector<std::chrono::steady_clock::time_point> deadlines;

  void set_read_deadline(std::chrono::steady_clock::time_point deadline) override {
    deadlines.push_back(deadline);
  }
  void cancel() override {
    cancelled = true;
  }
  /// The waits of discard_rest calls; the pieces left are dropped as if read.
  std::vector<std::chrono::milliseconds> discards;
  void discard_rest(std::chrono::milliseconds wait) override {
    discards.push_back(wait);
    next_ = pieces.size();
  }

private:
  size_t next_ = 0;
};

class scripted_transport final : public actors::upstream_transport {
public:
  /// Streamed answers by model: the SSE pieces of the body (status 200).
  std::map<std::string, std::vector<std::string>> stream_script;
  /// How a scripted stream ends (default: cleanly).
  std::map<std::string, upstream::transport_failure> stream_endings;

  void open_stream(
    upstream::upstream_request req,
    std::function<void(upstream::upstream_result, std::shared_ptr<upstream::upstream_stream>)>
      on_head) override {
    auto model = model_of(req.body);
    seen.push_back(std::move(req));
    if (auto it = script.find(model); it != script.end()) {
      on_head(it->second, nullptr); // a scripted non-2xx or failure answers the head
      return;
    }
    auto body = std::make_shared<scripted_stream>();
    if (auto it = stream_script.find(model); it != stream_script.end()) {
      body->pieces = it->second;
    } else {
      body->pieces = {"data: {\"choices\":[{\"delta\":{\"content\":\"hi from " + model
                        + "\"}}]}\n\n",
                      "data: [DONE]\n\n"};
    }
    if (auto it = stream_endings.find(model); it != stream_endings.end()) {
      body->ending = it->second;
    }
    upstream::upstream_result head;
    head.status = 200;
    on_head(std::move(head), body);
  }

  static std::string model_of(const std::string& body) {
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    return doc.IsObject() && doc.HasMember("model") && doc["model"].IsString()
             ? doc["model"].GetString()
             : "";
  }

  /// What `model` answers; models not in the script answer 200 with a small completion.
  std::map<std::string, upstream::upstream_result> script;
  /// Every request seen, in order.
  std::vector<upstream::upstream_request> seen;
  /// Completions of held listings (kept so that nothing completes them).
  std::vector<std::function<void(upstream::upstream_result)>> held;

  /// What GET /models answers (endpoint diagnosis); 404 when unset.
  std::optional<upstream::upstream_result> listing;
  /// GET /models never answers (a hung provider); the call stays pending.
  bool hold_listing = false;
  size_t listings_served = 0;

  void send(upstream::upstream_request req,
            std::function<void(upstream::upstream_result)> on_done) override {
    if (req.method == "GET" && req.path == "/models") {
      seen.push_back(std::move(req));
      if (hold_listing) {
        held.push_back(std::move(on_done));
        return;
      }
      ++listings_served;
      on_done(listing ? *listing : status_result(404));
      return;
    }
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
    r.body =
      R"({"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":")"
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
