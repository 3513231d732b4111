#include "tests/support/fake_state.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace gw::fake {

namespace {

using writer_type = rapidjson::Writer<rapidjson::StringBuffer>;

void put(writer_type& w, std::string_view text) {
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void write_counts(writer_type& w, const std::map<std::string, uint64_t>& counts) {
  w.StartObject();
  for (const auto& [key, count] : counts) {
    put(w, key);
    w.Uint64(count);
  }
  w.EndObject();
}

void write_request(writer_type& w, const logged_request& req) {
  w.StartObject();
  w.Key("method");
  put(w, req.method);
  w.Key("target");
  put(w, req.target);
  w.Key("headers");
  w.StartObject();
  for (const auto& [name, value] : req.headers) {
    put(w, name);
    put(w, value);
  }
  w.EndObject();
  w.Key("body");
  rapidjson::Document doc;
  doc.Parse(req.body.data(), req.body.size());
  if (doc.HasParseError()) {
    put(w, req.body);
  } else {
    doc.Accept(w);
  }
  w.EndObject();
}

} // namespace

uint64_t fake_state::count_request(const std::string& prefix, const std::string& model,
                                   logged_request req) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++total_;
  ++by_prefix_[prefix];
  if (!model.empty()) {
    ++by_model_[model];
  }
  auto& log = log_[prefix];
  log.push_back(std::move(req));
  if (log.size() > log_depth) {
    log.pop_front();
  }
  return ++sequence_;
}

void fake_state::connection_opened() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++connections_;
  ++open_connections_;
}

void fake_state::connection_closed() {
  std::lock_guard<std::mutex> lock(mutex_);
  --open_connections_;
}

std::string fake_state::stats_json() const {
  rapidjson::StringBuffer sb;
  writer_type w(sb);
  std::lock_guard<std::mutex> lock(mutex_);
  w.StartObject();
  w.Key("total");
  w.Uint64(total_);
  w.Key("by_prefix");
  write_counts(w, by_prefix_);
  w.Key("by_model");
  write_counts(w, by_model_);
  w.Key("connections");
  w.Uint64(connections_);
  w.Key("open_connections");
  w.Int64(open_connections_);
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

std::string fake_state::requests_json(std::optional<std::string> prefix) const {
  rapidjson::StringBuffer sb;
  writer_type w(sb);
  std::lock_guard<std::mutex> lock(mutex_);
  w.StartObject();
  w.Key("requests");
  w.StartArray();
  for (const auto& [key, entries] : log_) {
    if (prefix && !prefix->empty() && key != *prefix) {
      continue;
    }
    for (const auto& req : entries) {
      write_request(w, req);
    }
  }
  w.EndArray();
  w.EndObject();
  return std::string(sb.GetString(), sb.GetSize());
}

void fake_state::reset() {
  std::lock_guard<std::mutex> lock(mutex_);
  total_ = 0;
  connections_ = 0;
  by_prefix_.clear();
  by_model_.clear();
  log_.clear();
}

void fake_state::set_listing(const std::string& prefix, listing answer) {
  std::lock_guard<std::mutex> lock(mutex_);
  listings_[prefix] = std::move(answer);
}

std::optional<fake_state::listing> fake_state::listing_for(const std::string& prefix) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto it = listings_.find(prefix); it != listings_.end()) {
    return it->second;
  }
  return std::nullopt;
}

} // namespace gw::fake
