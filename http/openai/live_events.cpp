#include "http/openai/live_events.hpp"

#include "http/openai/error_body.hpp"
#include "http/openai/stream_route_events.hpp"

#include <algorithm>
#include <utility>

namespace gw::openai {

namespace {

constexpr size_t max_items = 30;
constexpr size_t max_keys = 30;
constexpr int max_depth = 4;

bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0u) == 0x80u;
}

// Python's len() counts code points; so do the limit and the omitted count.
void append_trimmed_string(std::string& out, std::string_view text, size_t limit) {
  size_t chars = 0;
  size_t cut = text.size();
  for (size_t i = 0; i < text.size(); ++i) {
    if (is_continuation(text[i])) {
      continue;
    }
    if (chars == limit) {
      cut = i;
    }
    ++chars;
  }
  if (chars <= limit) {
    append_json_string(out, text);
    return;
  }
  std::string cut_text(text.substr(0, cut));
  cut_text.append("... <truncated ");
  cut_text.append(std::to_string(chars - limit));
  cut_text.append(" chars>");
  append_json_string(out, cut_text);
}

void append_trimmed(std::string& out, const rapidjson::Value& v, size_t limit, int depth) {
  if (depth >= max_depth) {
    out.append("\"<truncated-depth>\"");
    return;
  }
  switch (v.GetType()) {
  case rapidjson::kNullType:
    out.append("null");
    return;
  case rapidjson::kFalseType:
    out.append("false");
    return;
  case rapidjson::kTrueType:
    out.append("true");
    return;
  case rapidjson::kNumberType:
    append_json_number(out, v);
    return;
  case rapidjson::kStringType:
    append_trimmed_string(out, {v.GetString(), v.GetStringLength()}, limit);
    return;
  case rapidjson::kArrayType: {
    out.push_back('[');
    size_t n = std::min<size_t>(v.Size(), max_items);
    for (size_t i = 0; i < n; ++i) {
      if (i > 0) {
        out.push_back(',');
      }
      append_trimmed(out, v[static_cast<rapidjson::SizeType>(i)], limit, depth + 1);
    }
    if (v.Size() > max_items) {
      out.append(",\"<truncated ");
      out.append(std::to_string(v.Size() - max_items));
      out.append(" items>\"");
    }
    out.push_back(']');
    return;
  }
  case rapidjson::kObjectType: {
    out.push_back('{');
    size_t i = 0;
    for (auto it = v.MemberBegin(); it != v.MemberEnd() && i < max_keys; ++it, ++i) {
      if (i > 0) {
        out.push_back(',');
      }
      append_json_string(out, {it->name.GetString(), it->name.GetStringLength()});
      out.push_back(':');
      append_trimmed(out, it->value, limit, depth + 1);
    }
    if (v.MemberCount() > max_keys) {
      out.append(R"(,"__truncated__":")");
      out.append(std::to_string(v.MemberCount() - max_keys));
      out.append(" keys omitted\"");
    }
    out.push_back('}');
    return;
  }
  }
}

void append_event(std::string& out, const live_event& event) {
  out.append("{\"event_id\":");
  out.append(std::to_string(event.event_id));
  out.append(",\"event_type\":");
  append_json_string(out, event.event_type);
  out.append(",\"request_id\":");
  append_json_string(out, event.request_id);
  out.append(",\"timestamp\":");
  out.append(std::to_string(event.timestamp));
  out.append(",\"payload\":");
  const auto& payload =
    event.deferred_payload ? event.deferred_payload->text() : event.payload_json;
  out.append(payload.empty() ? std::string_view{"{}"} : std::string_view{payload});
  out.push_back('}');
}

} // namespace

std::string trim_payload(const rapidjson::Value& v, size_t string_limit) {
  std::string out;
  append_trimmed(out, v, string_limit, 0);
  return out;
}

std::string live_event_json(const live_event& event) {
  std::string out;
  append_event(out, event);
  return out;
}

// -- subscriber ---------------------------------------------------------------

live_ring::subscriber::subscriber(std::function<void()> notify) : notify_(std::move(notify)) {
  // nop
}

std::optional<live_event> live_ring::subscriber::pop() {
  std::lock_guard<std::mutex> guard(mtx_);
  if (queue_.empty()) {
    return std::nullopt;
  }
  auto event = std::move(queue_.front());
  queue_.pop_front();
  return event;
}

size_t live_ring::subscriber::dropped() const {
  std::lock_guard<std::mutex> guard(mtx_);
  return dropped_;
}

bool live_ring::subscriber::closed() const {
  std::lock_guard<std::mutex> guard(mtx_);
  return closed_;
}

bool live_ring::subscriber::push(const live_event& event) {
  std::lock_guard<std::mutex> guard(mtx_);
  bool was_empty = queue_.empty();
  if (queue_.size() >= subscriber_queue_capacity) {
    queue_.pop_front();
    ++dropped_;
  }
  queue_.push_back(event);
  return was_empty;
}

// -- ring -------------------------------------------------------------------

live_ring::live_ring(size_t capacity)
    : capacity_(std::max<size_t>(10, capacity)), slots_(capacity_) {}

int64_t live_ring::publish(std::string_view event_type, std::string_view request_id,
                           int64_t timestamp, std::string payload_json) {
  return append(event_type, request_id, timestamp, std::move(payload_json), nullptr);
}

int64_t live_ring::publish(std::string_view event_type, std::string_view request_id,
                           int64_t timestamp, std::shared_ptr<const deferred_json> payload) {
  return append(event_type, request_id, timestamp, {}, std::move(payload));
}

int64_t live_ring::append(std::string_view event_type, std::string_view request_id,
                          int64_t timestamp, std::string payload_json,
                          std::shared_ptr<const deferred_json> deferred) {
  std::vector<subscriber_ptr> to_notify;
  int64_t id = 0;
  {
    std::lock_guard<std::mutex> guard(mtx_);
    id = ++last_id_;
    size_t slot_index = (oldest_ + stored_) % capacity_;
    if (stored_ < capacity_) {
      ++stored_;
    } else {
      oldest_ = (oldest_ + 1) % capacity_; // the oldest event's slot takes the new one
    }
    auto& slot = slots_[slot_index];
    slot.event_id = id;
    slot.event_type.assign(event_type);
    slot.request_id.assign(request_id);
    slot.timestamp = timestamp;
    slot.payload_json = std::move(payload_json);
    slot.deferred_payload = std::move(deferred);
    // Queued under the ring lock so every subscriber sees events in id order; a queue push
    // is O(1), so this never waits on a slow writer (pop() holds only the subscriber lock).
    for (auto& sub : subscribers_) {
      if (sub->push(slot) && sub->notify_) {
        to_notify.push_back(sub);
      }
    }
  }
  for (auto& sub : to_notify) {
    sub->notify_();
  }
  return id;
}

std::string live_ring::snapshot_json() const {
  std::string out = R"({"object":"list","data":[)";
  std::lock_guard<std::mutex> guard(mtx_);
  for (size_t i = 0; i < stored_; ++i) {
    if (i > 0) {
      out.push_back(',');
    }
    append_event(out, slots_[(oldest_ + i) % capacity_]);
  }
  out.append("]}");
  return out;
}

live_ring::subscriber_ptr live_ring::subscribe(std::function<void()> notify) {
  subscriber_ptr sub(new subscriber(std::move(notify)));
  {
    std::lock_guard<std::mutex> guard(mtx_);
    if (!closed_) {
      subscribers_.push_back(sub);
      return sub;
    }
  }
  sub->closed_ = true; // not shared with any other thread yet
  if (sub->notify_) {
    sub->notify_();
  }
  return sub;
}

void live_ring::close() {
  std::vector<subscriber_ptr> to_notify;
  {
    std::lock_guard<std::mutex> guard(mtx_);
    closed_ = true;
    to_notify.swap(subscribers_);
  }
  for (auto& sub : to_notify) {
    {
      std::lock_guard<std::mutex> guard(sub->mtx_);
      sub->closed_ = true;
    }
    if (sub->notify_) {
      sub->notify_();
    }
  }
}

void live_ring::unsubscribe(const subscriber_ptr& sub) {
  std::lock_guard<std::mutex> guard(mtx_);
  subscribers_.erase(std::remove(subscribers_.begin(), subscribers_.end(), sub),
                     subscribers_.end());
}

size_t live_ring::subscribers() const {
  std::lock_guard<std::mutex> guard(mtx_);
  return subscribers_.size();
}

} // namespace gw::openai
