#include "http/server/stream_relay.hpp"

#include "actors/stream_outcomes.hpp"
#include "http/openai/sse_parser.hpp"
#include "http/openai/stream_commit.hpp"
#include "http/openai/stream_route_events.hpp"
#include "http/upstream/upstream_client.hpp"

#include <vector>

namespace gw::server {

/// Per-attempt parsing state (reset for every route tried).
struct relay_parse_state {
  openai::sse_parser parser;
  /// Bytes for the client: buffered before commit, written chunk by chunk after.
  std::string out;
  /// Every visible text delta (stream-route `done` event).
  std::string text;
  catalog::usage_counts usage;
  bool saw_done = false;
  /// The attempt ended while events of the same read were being handled.
  bool ended = false;
  upstream::header_list head_headers;
  int status = 0;
};

namespace {

constexpr std::string_view done_line = "data: [DONE]\n\n";
/// The error event's message when shutdown cuts a committed stream at its drain deadline.
constexpr std::string_view shutdown_message = "The gateway is shutting down; the stream was cut";

/// The chunks that end a stream cut by shutdown, one per format. They never change: built
/// once instead of JSON-escaped again for every stream (~2k instructions each).
const std::string& openai_shutdown_chunk() {
  static const std::string chunk = openai::stream_interrupted_event(shutdown_message);
  return chunk;
}

const std::string& stream_route_shutdown_chunk() {
  static const std::string chunk = openai::error_event(shutdown_message, "stream_interrupted");
  return chunk;
}

using catalog::outcome_kind;

/// Stream-route clients with SSE_CHUNK_REPLAY_SLEEP_SECONDS get each content event paced.
bool paced(const stream_relay::settings& s) {
  return s.content_pause.count() > 0 && s.format == stream_format::stream_route;
}

} // namespace

stream_relay::stream_relay(exchange_ptr client, std::string request_id, settings s)
    : client_(std::move(client)), request_id_(std::move(request_id)), settings_(std::move(s)) {}

stream_relay::~stream_relay() = default;

void stream_relay::set_attempt_end_handler(
  std::function<void(size_t index, stream_outcome)> handler) {
  settings_.on_attempt_end = std::move(handler);
}

template <class Work>
void stream_relay::on_client_loop(Work work) {
  client_->dispatch([self = shared_from_this(), work = std::move(work)]() mutable { work(*self); });
}

// -- entry points: each hops onto the client's loop -------------------------------------

void stream_relay::begin_attempt(size_t index, catalog::route_ref route, int upstream_calls) {
  on_client_loop([index, route = std::move(route), upstream_calls](stream_relay& self) mutable {
    self.start_attempt(index, std::move(route), upstream_calls);
  });
}

void stream_relay::on_head(const upstream::upstream_result& head,
                           std::shared_ptr<upstream::upstream_stream> body) {
  on_client_loop([head, body = std::move(body)](stream_relay& self) mutable {
    self.take_head(head, std::move(body));
  });
}

void stream_relay::route_event(std::string_view type, const catalog::route_ref& route,
                               std::string_view reason) {
  if (settings_.format != stream_format::stream_route) {
    return; // settings_ is fixed once the relay is shared: no hop for a no-op
  }
  on_client_loop([type = std::string(type), route, reason = std::string(reason)](
                   stream_relay& self) { self.write_route_event(type, route, reason); });
}

void stream_relay::answer_without_stream(server_response reply,
                                         std::string_view stream_route_message,
                                         std::string_view code) {
  on_client_loop([reply = std::move(reply), message = std::string(stream_route_message),
                  code = std::string(code)](stream_relay& self) mutable {
    self.answer_now(std::move(reply), message, code);
  });
}

void stream_relay::start_stream_route() {
  on_client_loop([](stream_relay& self) { self.open_stream_route(); });
}

void stream_relay::client_gone() {
  on_client_loop([](stream_relay& self) { self.drop_client(); });
}

// -- on the client's loop -----------------------------------------------------------------

bool stream_relay::committed() const {
  return committed_;
}

void stream_relay::start_attempt(size_t index, catalog::route_ref route, int upstream_calls) {
  index_ = index;
  route_ = std::move(route);
  upstream_calls_ = upstream_calls;
  attempt_started_ = std::chrono::steady_clock::now();
  body_.reset();
  parse_ = std::make_unique<relay_parse_state>();
  attempt_open_ = true;
}

void stream_relay::take_head(const upstream::upstream_result& head,
                             std::shared_ptr<upstream::upstream_stream> body) {
  if (!attempt_open_) {
    if (body) {
      body->cancel();
    }
    return;
  }
  body_ = std::move(body);
  if (client_gone_) {
    if (body_) {
      body_->cancel();
    }
    end_attempt(actors::client_gone(false, {}));
    return;
  }
  parse_->head_headers = head.headers;
  parse_->status = head.status;
  if (body_) {
    // A timer, not a check when data arrives: an upstream that sent its head and then
    // nothing is left at the deadline, not when it speaks again. commit() lifts it.
    first_token_deadline_ = attempt_started_ + settings_.first_token_timeout;
    body_->set_read_deadline(first_token_deadline_);
  }
  if (actors::unstreamable(head, body_ != nullptr)) {
    auto failed = actors::unstreamable_head_outcome(head);
    failed.error_body = settings_.redact->apply(failed.error_body);
    end_attempt(std::move(failed));
    return;
  }
  read_next();
}

void stream_relay::read_next() {
  read_pending_ = true;
  // The read completes on the upstream connection's loop; its bytes live only during the
  // callback, so they travel to the client's loop as a copy (one per receive).
  body_->read_some([self = shared_from_this()](std::string_view data, bool done,
                                               upstream::transport_failure failure) {
    self->on_client_loop([bytes = std::string(data), done, failure](stream_relay& relay) {
      relay.on_data(bytes, done, failure);
    });
  });
}

void stream_relay::on_data(std::string_view data, bool done, upstream::transport_failure failure) {
  read_pending_ = false;
  if (!attempt_open_) {
    return;
  }
  if (client_gone_) {
    end_attempt(actors::client_gone(committed_, parse_->usage));
    return;
  }
  auto& st = *parse_;
  auto on_event = [this](const openai::sse_event& ev) {
    if (!parse_->ended) {
      handle_event(ev.data, ev.raw);
    }
  };
  if (!data.empty() && !st.parser.feed(data, on_event) && !st.ended) {
    if (committed_) {
      interrupt(outcome_kind::transport_error, "the upstream sent an oversized event");
    } else {
      fail_before_commit(outcome_kind::malformed_response, "protocol_error");
    }
    return;
  }
  if (done && !st.ended) {
    st.parser.finish(on_event);
  }
  if (st.ended) {
    return;
  }
  if (failure != upstream::transport_failure::none) {
    auto kind = failure == upstream::transport_failure::timeout ? outcome_kind::timeout
                                                                : outcome_kind::transport_error;
    if (committed_) {
      interrupt(kind,
                std::string("the upstream stream broke off: ") + upstream::to_string(failure));
    } else {
      fail_before_commit(kind, actors::read_failure_reason(failure, std::chrono::steady_clock::now()
                                                                      >= first_token_deadline_));
    }
    return;
  }
  if (!committed_) {
    if (done || st.saw_done) {
      fail_before_commit(outcome_kind::malformed_response, "empty_stream");
    } else if (std::chrono::steady_clock::now() - attempt_started_
               > settings_.first_token_timeout) {
      fail_before_commit(outcome_kind::timeout, "first_token_timeout");
    } else {
      read_next();
    }
    return;
  }
  if (done || st.saw_done) {
    if (!done && body_) {
      // [DONE] came a receive before the end of the body (a loaded upstream): let the body
      // end on its own so the connection is pooled rather than closed with the stream.
      constexpr auto tail_wait = std::chrono::seconds{1};
      body_->discard_rest(tail_wait);
      body_.reset();
    }
    finish_success();
    return;
  }
  auto self = shared_from_this();
  write(std::move(st.out), [self] {
    if (self->attempt_open_) {
      self->read_next();
    }
  });
  st.out.clear();
}

void stream_relay::handle_event(const std::string& data, const std::string& raw) {
  auto& st = *parse_;
  if (st.saw_done) {
    return; // nothing after [DONE] is relayed
  }
  bool openai_format = settings_.format == stream_format::openai;
  if (committed_ && openai_format && data.find("\"usage\"") == std::string::npos
      && data.find("\"error\"") == std::string::npos && data.find("[DONE]") == std::string::npos) {
    // After commit an ordinary content chunk is relayed as it is: parsing it would decide
    // nothing (the per-chunk JSON parse was most of the relay's CPU time).
    st.out += raw;
    return;
  }
  auto verdict = openai::classify_chunk(data, settings_.require_substantive);
  if (verdict.has_usage) {
    st.usage = verdict.usage;
  }
  switch (verdict.kind) {
  case openai::chunk_kind::done:
    st.saw_done = true;
    if (committed_ && openai_format) {
      st.out += done_line;
    }
    return;
  case openai::chunk_kind::error:
    if (committed_) {
      // The provider's text goes to the client: without any key it may echo.
      interrupt(outcome_kind::provider_5xx, "the upstream reported an error: "
                                              + settings_.redact->apply(verdict.error_message));
    } else {
      fail_before_commit(outcome_kind::malformed_response, "provider_stream_error");
    }
    return;
  case openai::chunk_kind::commit:
    if (!committed_) {
      commit();
    }
    break;
  case openai::chunk_kind::noise:
  case openai::chunk_kind::invalid_json:
    if (verdict.has_usage && verdict.visible_text.empty() && !settings_.client_wants_usage) {
      return; // the gateway asked for usage for its own accounting, not the client
    }
    break;
  }
  if (openai_format) {
    st.out += raw;
  } else if (!verdict.visible_text.empty()) {
    st.text += verdict.visible_text;
    st.out += openai::content_event(verdict.visible_text);
  }
}

void stream_relay::commit() {
  committed_ = true;
  if (body_) {
    body_->set_read_deadline({}); // from now on only the idle timeout bounds a read
  }
  if (settings_.format == stream_format::openai) {
    server::header_list headers = {
      {"Cache-Control", "no-cache"},
      {"X-Accel-Buffering", "no"},
      {"X-Gateway-Provider", route_.provider_name},
      {"X-Gateway-Route", route_.route_id},
      {"X-Gateway-Model", route_.model_id},
      {"X-Gateway-Attempts", std::to_string(upstream_calls_)},
      {"X-Gateway-Request-Id", request_id_},
    };
    client_->start_stream(200, "text/event-stream", std::move(headers));
    client_->set_shutdown_chunk(openai_shutdown_chunk());
    stream_started_ = true;
  } else {
    parse_->out.insert(0, openai::route_event("route_selected", route_.provider_name,
                                              route_.model_id, route_.route_id, {}));
  }
  if (settings_.on_commit) {
    settings_.on_commit();
  }
}

void stream_relay::fail_before_commit(catalog::outcome_kind kind, std::string reason, int status) {
  if (body_) {
    body_->cancel();
  }
  end_attempt(
    actors::failed_before_commit(kind, std::move(reason), status == 0 ? parse_->status : status));
}

void stream_relay::interrupt(catalog::outcome_kind kind, const std::string& message) {
  if (body_) {
    body_->cancel();
  }
  if (settings_.log != nullptr) {
    settings_.log->warn("stream interrupted after commit", request_id_,
                        {{"route", route_.route_id}, {"message", message}});
  }
  auto& st = *parse_;
  st.out += settings_.format == stream_format::openai
              ? openai::stream_interrupted_event(message)
              : openai::error_event(message, "stream_interrupted");
  finish_writing(std::move(st.out));
  st.out.clear();
  finished_ = true;
  end_attempt(actors::interrupted_stream(kind, st.status, st.usage));
}

void stream_relay::finish_success() {
  auto& st = *parse_;
  if (settings_.format == stream_format::openai) {
    if (!st.saw_done) {
      st.out += done_line; // the upstream ended cleanly without [DONE]
    }
  } else {
    if (st.usage.present) {
      st.out += openai::usage_event(st.usage);
    }
    st.out += openai::done_event(st.text, route_.provider_name, route_.model_id, route_.route_id);
  }
  finish_writing(std::move(st.out));
  st.out.clear();
  finished_ = true;
  end_attempt(actors::finished_stream(st.status, st.usage, st.head_headers));
}

void stream_relay::end_attempt(stream_outcome outcome) {
  if (!attempt_open_) {
    return;
  }
  attempt_open_ = false;
  if (parse_) {
    parse_->ended = true;
  }
  outcome.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
    std::chrono::steady_clock::now() - attempt_started_);
  if (settings_.on_attempt_end) {
    settings_.on_attempt_end(index_, std::move(outcome));
  }
}

void stream_relay::write(std::string bytes, std::function<void()> then) {
  if (bytes.empty()) {
    then();
    return;
  }
  if (paced(settings_)) {
    write_paced(bytes, std::move(then));
    return;
  }
  auto self = shared_from_this();
  client_->write_chunk(std::move(bytes), [self, then = std::move(then)](bool ok) {
    if (!ok) {
      self->drop_client();
      return;
    }
    then();
  });
}

void stream_relay::finish_writing(std::string last_bytes) {
  if (paced(settings_)) {
    write_paced(last_bytes, [] {});
    client_->end_stream(false);
    return;
  }
  client_->finish_stream(std::move(last_bytes));
}

void stream_relay::write_paced(std::string_view bytes, std::function<void()> then) {
  // Events are whole `data: ...\n\n` messages and JSON text holds no raw newline, so a
  // content event ends at the first blank line after its start.
  constexpr std::string_view content_start = R"(data: {"type": "content")";
  struct piece {
    std::string_view text;
    bool pause_after;
  };
  std::vector<piece> pieces;
  size_t from = 0;
  while (from < bytes.size()) {
    auto start = bytes.find(content_start, from);
    auto end = start == std::string_view::npos ? start : bytes.find("\n\n", start);
    if (end == std::string_view::npos) {
      pieces.push_back({bytes.substr(from), false});
      break;
    }
    end += 2;
    pieces.push_back({bytes.substr(from, end - from), true});
    from = end;
  }
  auto self = shared_from_this();
  auto on_failure = [self](bool ok) {
    if (!ok) {
      self->drop_client();
    }
  };
  for (const auto& p : pieces) {
    client_->write_chunk(std::string(p.text), on_failure);
    if (p.pause_after) {
      client_->pause(settings_.content_pause);
    }
  }
  // `then` (the next upstream read) runs once everything above, the last pause included, is
  // through: an empty chunk is queued behind it and reports when its turn comes.
  client_->write_chunk({}, [self, then = std::move(then)](bool ok) {
    if (!ok) {
      self->drop_client();
      return;
    }
    then();
  });
}

void stream_relay::write_route_event(const std::string& type, const catalog::route_ref& route,
                                     const std::string& reason) {
  if (finished_ || client_gone_) {
    return;
  }
  write(openai::route_event(type, route.provider_name, route.model_id, route.route_id, reason),
        [] {});
}

void stream_relay::open_stream_route() {
  client_->start_stream(200, "text/event-stream",
                        {{"Cache-Control", "no-cache"},
                         {"X-Accel-Buffering", "no"},
                         {"X-Gateway-Request-Id", request_id_}});
  client_->set_shutdown_chunk(stream_route_shutdown_chunk());
  stream_started_ = true;
}

void stream_relay::answer_now(server_response reply, const std::string& stream_route_message,
                              const std::string& code) {
  if (finished_) {
    return;
  }
  finished_ = true;
  if (stream_started_) {
    finish_writing(openai::error_event(stream_route_message, code, reply.status));
    return;
  }
  client_->respond(std::move(reply));
}

void stream_relay::drop_client() {
  if (client_gone_) {
    return;
  }
  client_gone_ = true;
  if (!body_) {
    return; // waiting for a head (on_head ends the attempt) or between attempts (the router)
  }
  body_->cancel(); // a pending read completes with `cancelled` and ends the attempt
  if (attempt_open_ && !read_pending_) {
    end_attempt(actors::client_gone(committed_, parse_->usage));
  }
}

} // namespace gw::server
