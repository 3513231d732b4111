#include "http/openai/sse_parser.hpp"

#include <cstring>

namespace gw::openai {

namespace {

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

/// The first CR or LF at or after `pos`: two memchr scans instead of find_first_of, which
/// compares every byte against the set one by one (most of the parser's cost before).
size_t line_end(std::string_view bytes, size_t pos) {
  const char* from = bytes.data() + pos;
  size_t left = bytes.size() - pos;
  const auto* lf = static_cast<const char*>(std::memchr(from, '\n', left));
  size_t limit = lf == nullptr ? left : static_cast<size_t>(lf - from);
  const auto* cr = static_cast<const char*>(std::memchr(from, '\r', limit));
  if (cr != nullptr) {
    return pos + static_cast<size_t>(cr - from);
  }
  return lf == nullptr ? std::string_view::npos : pos + limit;
}

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
    auto end = line_end(bytes, pos);
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
  current_.raw.append(line);
  current_.raw.push_back('\n');
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
      current_.data.push_back('\n');
    }
    current_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    current_.event.assign(value);
  }
}

void sse_parser::dispatch(const event_handler& on_event) {
  if (has_data_) {
    current_.raw.push_back('\n');
    on_event(current_);
  }
  reset_event();
}

void sse_parser::reset_event() {
  current_.data.clear();
  current_.event.clear();
  current_.raw.clear();
  event_bytes_ = 0;
  has_data_ = false;
}

} // namespace gw::openai
