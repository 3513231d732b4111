#include "http/openai/sse_parser.hpp"

#include <utility>

namespace gw::openai {

namespace {

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

} // namespace

sse_parser::sse_parser(size_t max_event_bytes) : max_event_bytes_(max_event_bytes) {
  // nop
}

bool sse_parser::feed(std::string_view bytes, const event_handler& on_event) {
  if (failed_) {
    return false;
  }
  size_t pos = 0;
  if (pending_cr_ && !bytes.empty()) {
    pending_cr_ = false;
    if (bytes.front() == '\n') {
      pos = 1;
    }
  }
  while (pos < bytes.size()) {
    auto end = bytes.find_first_of("\r\n", pos);
    auto piece = bytes.substr(pos, end == std::string_view::npos ? end : end - pos);
    // Checked before copying so an endless line is refused without buffering it.
    if (event_bytes_ + line_.size() + piece.size() > max_event_bytes_) {
      failed_ = true;
      return false;
    }
    if (end == std::string_view::npos) {
      line_.append(piece);
      break;
    }
    if (line_.empty()) {
      take_line(piece, on_event);
    } else {
      line_.append(piece);
      take_line(line_, on_event);
      line_.clear();
    }
    pos = end + 1;
    if (bytes[end] == '\r') {
      if (pos == bytes.size()) {
        pending_cr_ = true;
      } else if (bytes[pos] == '\n') {
        ++pos;
      }
    }
  }
  return true;
}

void sse_parser::finish(const event_handler& on_event) {
  if (!failed_) {
    if (!line_.empty()) {
      std::string last = std::move(line_);
      take_line(last, on_event);
    }
    dispatch(on_event);
  }
  line_.clear();
  pending_cr_ = false;
  at_stream_start_ = true;
  failed_ = false;
  reset_event();
}

void sse_parser::take_line(std::string_view line, const event_handler& on_event) {
  if (at_stream_start_) {
    at_stream_start_ = false;
    if (line.substr(0, utf8_bom.size()) == utf8_bom) {
      line.remove_prefix(utf8_bom.size());
    }
  }
  if (line.empty()) {
    dispatch(on_event);
    return;
  }
  if (line.front() == ':') {
    return; // comment (keep-alives such as ": OPENROUTER PROCESSING")
  }
  raw_.append(line);
  raw_.push_back('\n');
  event_bytes_ += line.size();
  auto colon = line.find(':');
  auto field = line.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') {
      value.remove_prefix(1);
    }
  }
  if (field == "data") {
    if (has_data_) {
      data_.push_back('\n');
    }
    data_.append(value);
    has_data_ = true;
  } else if (field == "event") {
    event_.assign(value);
  }
}

void sse_parser::dispatch(const event_handler& on_event) {
  if (has_data_) {
    sse_event ev;
    ev.data = std::move(data_);
    ev.event = std::move(event_);
    ev.raw = std::move(raw_);
    ev.raw.push_back('\n');
    reset_event();
    on_event(std::move(ev));
    return;
  }
  reset_event();
}

void sse_parser::reset_event() {
  data_.clear();
  event_.clear();
  raw_.clear();
  event_bytes_ = 0;
  has_data_ = false;
}

} // namespace gw::openai
