// The live request monitor (reference §12): a bounded ring of recent gateway events for the
// snapshot endpoint, plus subscribers for the live SSE feed. Thread-safe: publish() is called
// from request handlers on many threads; each subscriber is drained by its network writer.
// Publishing never blocks on a slow subscriber: its bounded queue drops the oldest event.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace gw::openai {

/// A payload rendered on first read (a snapshot, a subscriber's writer) and then kept: events
/// cost no JSON work on the request path while nobody watches. Thread-safe.
class deferred_json {
public:
  /// The payload that `render()` (called at most once) builds. One allocation holds the
  /// payload and what the renderer captured: the ring frees about three of them per request,
  /// a thousand events later, when their memory has gone cold (a std::function beside them
  /// was one more block each).
  /// Forwarded, not taken by value: each move of a renderer moves every string it captured.
  template <class Render>
  static std::shared_ptr<const deferred_json> make(Render&& render);

  virtual ~deferred_json() = default;

  const std::string& text() const {
    std::call_once(once_, [this] {
      text_ = render();
      release(); // frees what the renderer captured (bodies, documents)
    });
    return text_;
  }

protected:
  deferred_json() = default;

private:
  virtual std::string render() const = 0;
  virtual void release() const = 0;

  mutable std::once_flag once_;
  mutable std::string text_;
};

namespace detail {

template <class Render>
class deferred_json_of final : public deferred_json {
public:
  /// Tagged: an untagged forwarding constructor would hide the copy constructor.
  template <class From>
  deferred_json_of(std::in_place_t /*tag*/, From&& render)
      : render_(std::in_place, std::forward<From>(render)) {}

private:
  std::string render() const override {
    return (*render_)();
  }
  void release() const override {
    render_.reset();
  }

  mutable std::optional<Render> render_;
};

} // namespace detail

template <class Render>
std::shared_ptr<const deferred_json> deferred_json::make(Render&& render) {
  using renderer = std::decay_t<Render>;
  return std::make_shared<const detail::deferred_json_of<renderer>>(std::in_place,
                                                                    std::forward<Render>(render));
}

struct live_event {
  /// Increasing from 1 per ring.
  int64_t event_id = 0;
  std::string event_type;
  std::string request_id;
  /// Unix seconds.
  int64_t timestamp = 0;
  /// A JSON object, already trimmed; "" is written as {}.
  std::string payload_json;
  /// When set, the payload is rendered from it instead (see deferred_json).
  std::shared_ptr<const deferred_json> deferred_payload;
};

/// Compact JSON of `v` with the monitor's limits: strings longer than `string_limit` code
/// points are cut and suffixed "... <truncated N chars>"; arrays keep 30 items plus
/// "<truncated N items>"; objects keep 30 keys plus "__truncated__": "N keys omitted"; every
/// value nested 4 or more levels below `v` becomes "<truncated-depth>". (assistant_text uses
/// a limit of 8000.)
std::string trim_payload(const rapidjson::Value& v, size_t string_limit = 1200);

/// `{"event_id":..,"event_type":..,"request_id":..,"timestamp":..,"payload":{..}}`, compact.
std::string live_event_json(const live_event& event);

class live_ring {
public:
  /// Events a subscriber may have waiting before the oldest is dropped.
  static constexpr size_t subscriber_queue_capacity = 200;

  class subscriber {
  public:
    /// The oldest waiting event, or none when the queue is empty.
    std::optional<live_event> pop();

    /// Events dropped because the queue was full.
    size_t dropped() const;

    /// The ring was closed: no event will come anymore and the writer should end.
    bool closed() const;

  private:
    friend class live_ring;

    explicit subscriber(std::function<void()> notify);

    /// Queues `event` (dropping the oldest when full); true when the queue was empty before.
    bool push(const live_event& event);

    std::function<void()> notify_;
    mutable std::mutex mtx_;
    std::deque<live_event> queue_;
    size_t dropped_ = 0;
    bool closed_ = false;
  };

  using subscriber_ptr = std::shared_ptr<subscriber>;

  /// Keeps the newest max(10, capacity) events.
  explicit live_ring(size_t capacity = 1000);

  /// Appends an event and hands it to every subscriber; returns its id. Subscribers receive
  /// events in id order. `notify` of a subscriber whose queue was empty runs on the calling
  /// thread after every lock is released.
  int64_t publish(std::string_view event_type, std::string_view request_id, int64_t timestamp,
                  std::string payload_json);

  /// The same with a payload rendered only when the event is first read.
  int64_t publish(std::string_view event_type, std::string_view request_id, int64_t timestamp,
                  std::shared_ptr<const deferred_json> payload);

  /// `{"object":"list","data":[events oldest -> newest]}`, compact.
  std::string snapshot_json() const;

  /// Registers a subscriber that receives every event published from now on (no history).
  /// `notify` is called whenever its queue goes from empty to non-empty, and once when the
  /// ring closes (at once, on the calling thread, if it is closed already); the writer then
  /// drains it with pop() and checks closed(). A publish that raced with unsubscribe() may
  /// still call `notify` once after unsubscribe() returned, so it must stay safe to call
  /// (e.g. capture a weak_ptr).
  subscriber_ptr subscribe(std::function<void()> notify);

  void unsubscribe(const subscriber_ptr& sub);

  /// Tells every subscriber, present and future, that the ring is closed (shutdown): their
  /// writers end their feeds instead of waiting for events that will not come. Publishing
  /// still works, for the snapshot.
  void close();

  size_t subscribers() const;

  size_t capacity() const {
    return capacity_;
  }

private:
  /// Numbers one event, stores it in the next slot (the oldest event's once the ring is full)
  /// and hands it out.
  int64_t append(std::string_view event_type, std::string_view request_id, int64_t timestamp,
                 std::string payload_json, std::shared_ptr<const deferred_json> deferred);

  size_t capacity_;
  mutable std::mutex mtx_;
  /// capacity_ slots reused in turn: an event's type and id are copied into the strings of the
  /// event it replaces, whose buffers are already big enough (a chat request publishes three
  /// events; a deque of fresh events allocated and freed their strings each time).
  std::vector<live_event> slots_;
  /// The slot of the oldest event, and how many slots hold one.
  size_t oldest_ = 0;
  size_t stored_ = 0;
  int64_t last_id_ = 0;
  std::vector<subscriber_ptr> subscribers_;
  bool closed_ = false;
};

} // namespace gw::openai
