#include "core/redact.hpp"

#include <algorithm>
#include <cctype>

namespace gw {

namespace {

bool token_char(char c) {
  // A bearer credential ends at whitespace, quotes, or JSON/header punctuation.
  auto u = static_cast<unsigned char>(c);
  return u > 0x20 && c != '"' && c != '\'' && c != ',' && c != ';' && c != '}' && c != ']'
         && c != '\\' && u != 0x7f;
}

bool iequals_at(std::string_view text, size_t at, std::string_view word) {
  if (text.size() - at < word.size()) {
    return false;
  }
  for (size_t i = 0; i < word.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[at + i]))
        != std::tolower(static_cast<unsigned char>(word[i]))) {
      return false;
    }
  }
  return true;
}

/// Replaces the token after every "bearer " (any case, one or more spaces).
bool redact_bearer(std::string& text) {
  constexpr std::string_view word = "bearer";
  bool changed = false;
  size_t at = 0;
  while (at + word.size() < text.size()) {
    if (!iequals_at(text, at, word)) {
      ++at;
      continue;
    }
    size_t start = at + word.size();
    size_t token = start;
    while (token < text.size() && text[token] == ' ') {
      ++token;
    }
    if (token == start || token >= text.size() || !token_char(text[token])
        || text.compare(token, redacted_marker.size(), redacted_marker) == 0) {
      at = start;
      continue;
    }
    size_t end = token;
    while (end < text.size() && token_char(text[end])) {
      ++end;
    }
    text.replace(token, end - token, redacted_marker);
    changed = true;
    at = token + redacted_marker.size();
  }
  return changed;
}

} // namespace

redactor::redactor(std::vector<std::string> secrets) {
  for (auto& s : secrets) {
    if (!s.empty() && std::find(secrets_.begin(), secrets_.end(), s) == secrets_.end()) {
      secrets_.push_back(std::move(s));
    }
  }
  std::stable_sort(secrets_.begin(), secrets_.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

bool redactor::apply_in_place(std::string& text) const {
  bool changed = false;
  for (const auto& secret : secrets_) {
    size_t at = text.find(secret);
    while (at != std::string::npos) {
      text.replace(at, secret.size(), redacted_marker);
      changed = true;
      at = text.find(secret, at + redacted_marker.size());
    }
  }
  return redact_bearer(text) || changed;
}

std::string redactor::apply(std::string_view text) const {
  std::string out(text);
  apply_in_place(out);
  return out;
}

} // namespace gw
