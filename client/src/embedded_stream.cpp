#include "client/src/embedded_stream.hpp"

#include "actors/stream_outcomes.hpp"
#include "http/openai/sse_parser.hpp"
#include "http/openai/stream_commit.hpp"
#include "http/openai/stream_route_events.hpp"
#include "http/upstream/upstream_client.hpp"

namespace freerouter::detail {

using gw::actors::stream_outcome;
using gw::catalog::outcome_kind;
using gw::upstream::transport_failure;

/// Per-attempt parsing state (reset for every route tried).
struct attempt_parse {
  gw::openai::sse_parser parser;
  /// Every visible text delta (the `done` event).
  std::string text;
  gw::catalog::usage_counts usage;
  bool saw_done = false;
  /// The attempt ended while events of the same read were being handled.
  bool ended = false;
  gw::upstream::header_list head_headers;
  int status = 0;
};

embedded_stream::embedded_stream(std::shared_ptr<event_channel> channel,
                                 std::chrono::milliseconds first_token_timeout)
    : channel_(std::move(channel)), first_token_timeout_(first_token_timeout) {}

embedded_stream::~embedded_stream() = default;

void embedded_stream::set_attempt_end_handler(attempt_end_handler handler) {
  std::lock_guard<std::recursive_mutex> guard(mutex_);
  on_attempt_end_ = std::move(handler);
}

void embedded_stream::begin_attempt(size_t index, gw::catalog::route_ref route, int) {
  std::lock_guard<std::recursive_mutex> guard(mutex_);
  index_ = index;
  route_ = std::move(route);
  attempt_started_ = std::chrono::steady_clock::now();
  body_.reset();
  parse_ = std::make_unique<attempt_parse>();
  attempt_open_ = true;
}

void embedded_stream::on_head(const gw::upstream::upstream_result& head,
                              std::shared_ptr<gw::upstream::upstream_stream> body) {
  std::lock_guard<std::recursive_mutex> guard(mutex_);
  if (!attempt_open_ || gone_) {
    if (body) {
      body->cancel();
    }
    if (attempt_open_) {
      end_attempt(gone_outcome());
    }
    return;
  }
  body_ = std::move(body);
  parse_->head_headers = head.headers;
  parse_->status = head.status;
  if (gw::actors::unstreamable(head, body_ != nullptr)) {
    end_attempt(gw::actors::unstreamable_head_outcome(head));
    return;
  }
  read_next();
}

void embedded_stream::read_next() {
  read_pending_ = true;
  auto self = shared_from_this();
  body_->read_some([self](std::string_view data, bool done, transport_failure failure) {
    self->on_data(data, done, failure);
  });
}

void embedded_stream::on_data(std::string_view data, bool done, transport_failure failure) {
  std::lock_guard<std::recursive_mutex> guard(mutex_);
  read_pending_ = false;
  if (!attempt_open_) {
    return;
  }
  if (gone_) {
    end_attempt(gone_outcome());
    return;
  }
  auto& st = *parse_;
  auto on_event = [this](const gw::openai::sse_event& ev) {
    if (!parse_->ended) {
      handle_event(ev.data);
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
  if (failure != transport_failure::none) {
    auto kind =
      failure == transport_failure::timeout ? outcome_kind::timeout : outcome_kind::transport_error;
    if (committed_) {
      interrupt(kind,
                std::string("the upstream stream broke off: ") + gw::upstream::to_string(failure));
    } else {
      auto past_deadline =
        std::chrono::steady_clock::now() - attempt_started_ >= first_token_timeout_;
      fail_before_commit(kind, gw::actors::read_failure_reason(failure, past_deadline));
    }
    return;
  }
  if (!committed_) {
    if (done || st.saw_done) {
      fail_before_commit(outcome_kind::malformed_response, "empty_stream");
    } else if (std::chrono::steady_clock::now() - attempt_started_ > first_token_timeout_) {
      fail_before_commit(outcome_kind::timeout, "first_token_timeout");
    } else {
      read_next();
    }
    return;
  }
  if (done || st.saw_done) {
    finish_success();
    return;
  }
  // The caller's thread pulls the next chunk once it has delivered this one's events.
  std::weak_ptr<embedded_stream> weak = shared_from_this();
  channel_->push_resume([weak] {
    if (auto self = weak.lock()) {
      std::lock_guard<std::recursive_mutex> again(self->mutex_);
      if (self->attempt_open_ && !self->read_pending_) {
        self->read_next();
      }
    }
  });
}

void embedded_stream::handle_event(const std::string& data) {
  auto& st = *parse_;
  if (st.saw_done) {
    return;
  }
  auto verdict = gw::openai::classify_chunk(data, false);
  if (verdict.has_usage) {
    st.usage = verdict.usage;
  }
  switch (verdict.kind) {
  case gw::openai::chunk_kind::done:
    st.saw_done = true;
    return;
  case gw::openai::chunk_kind::error:
    if (committed_) {
      interrupt(outcome_kind::provider_5xx,
                "the upstream reported an error: " + verdict.error_message);
    } else {
      fail_before_commit(outcome_kind::malformed_response, "provider_stream_error");
    }
    return;
  case gw::openai::chunk_kind::commit:
    if (!committed_) {
      committed_ = true;
      channel_->push(gw::openai::route_event("route_selected", route_.provider_name,
                                             route_.model_id, route_.route_id, {}));
    }
    break;
  case gw::openai::chunk_kind::noise:
  case gw::openai::chunk_kind::invalid_json:
    break;
  }
  if (!verdict.visible_text.empty()) {
    st.text += verdict.visible_text;
    channel_->push(gw::openai::content_event(verdict.visible_text));
  }
}

void embedded_stream::fail_before_commit(outcome_kind kind, std::string reason) {
  if (body_) {
    body_->cancel();
  }
  end_attempt(gw::actors::failed_before_commit(kind, std::move(reason), parse_->status));
}

void embedded_stream::interrupt(outcome_kind kind, const std::string& message) {
  if (body_) {
    body_->cancel();
  }
  channel_->push(gw::openai::error_event(message, "stream_interrupted"));
  end_attempt(gw::actors::interrupted_stream(kind, parse_->status, parse_->usage));
}

void embedded_stream::finish_success() {
  auto& st = *parse_;
  if (st.usage.present) {
    channel_->push(gw::openai::usage_event(st.usage));
  }
  channel_->push(
    gw::openai::done_event(st.text, route_.provider_name, route_.model_id, route_.route_id));
  end_attempt(gw::actors::finished_stream(st.status, st.usage, st.head_headers));
}

void embedded_stream::end_attempt(stream_outcome outcome) {
  if (!attempt_open_) {
    return;
  }
  attempt_open_ = false;
  if (parse_) {
    parse_->ended = true;
  }
  outcome.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
    std::chrono::steady_clock::now() - attempt_started_);
  if (on_attempt_end_) {
    on_attempt_end_(index_, std::move(outcome));
  }
}

stream_outcome embedded_stream::gone_outcome() const {
  return gw::actors::client_gone(committed_, parse_ ? parse_->usage : gw::catalog::usage_counts{});
}

void embedded_stream::route_event(std::string_view type, const gw::catalog::route_ref& route,
                                  std::string_view reason) {
  channel_->push(
    gw::openai::route_event(type, route.provider_name, route.model_id, route.route_id, reason));
}

void embedded_stream::abandon() {
  std::lock_guard<std::recursive_mutex> guard(mutex_);
  if (gone_) {
    return;
  }
  gone_ = true;
  if (!body_) {
    return; // waiting for a head (on_head ends the attempt) or between attempts (the router)
  }
  body_->cancel(); // a pending read completes with `cancelled` and ends the attempt
  if (attempt_open_ && !read_pending_) {
    end_attempt(gone_outcome());
  }
}

} // namespace freerouter::detail
