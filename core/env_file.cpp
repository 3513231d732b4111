#include "core/env_file.hpp"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>

namespace gw::config {

namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim_left(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) {
    s.remove_prefix(1);
  }
  return s;
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && is_blank(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

bool valid_key(std::string_view key) {
  if (key.empty()) {
    return false;
  }
  auto c0 = key.front();
  if (!(std::isalpha(static_cast<unsigned char>(c0)) || c0 == '_')) {
    return false;
  }
  for (char c : key) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-')) {
      return false;
    }
  }
  return true;
}

/// Nothing but whitespace or a comment may follow a closing quote.
bool only_comment_left(std::string_view rest) {
  rest = trim_left(rest);
  return rest.empty() || rest.front() == '#';
}

/// `text` starts just after the opening quote. Returns the value, or nullopt with `problem` set.
std::optional<std::string> parse_double_quoted(std::string_view text, std::string& problem) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      if (!only_comment_left(text.substr(i + 1))) {
        problem = "unexpected text after the closing double quote";
        return std::nullopt;
      }
      return out;
    }
    if (c == '\\' && i + 1 < text.size()) {
      char next = text[++i];
      switch (next) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case '"':
      case '\\':
      case '\'':
        out += next;
        break;
      default:
        // Unknown escapes stay as written, as python-dotenv does.
        out += '\\';
        out += next;
      }
      continue;
    }
    out += c;
  }
  problem = "unterminated double-quoted value";
  return std::nullopt;
}

std::optional<std::string> parse_single_quoted(std::string_view text, std::string& problem) {
  auto end = text.find('\'');
  if (end == std::string_view::npos) {
    problem = "unterminated single-quoted value";
    return std::nullopt;
  }
  if (!only_comment_left(text.substr(end + 1))) {
    problem = "unexpected text after the closing single quote";
    return std::nullopt;
  }
  return std::string{text.substr(0, end)};
}

/// `text` is everything after '='. A `#` starts a comment only after whitespace, so
/// `KEY=abc#def` keeps its `#` while `KEY=  # get a key at ...` is empty, not a bogus key.
std::string parse_unquoted(std::string_view text) {
  for (size_t i = 1; i < text.size(); ++i) {
    if (text[i] == '#' && is_blank(text[i - 1])) {
      text = text.substr(0, i);
      break;
    }
  }
  return std::string{trim_right(trim_left(text))};
}

} // namespace

std::string upper_key(std::string_view key) {
  std::string out{key};
  for (auto& c : out) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

gw::expected<env_map> parse_env_file(std::string_view text, const std::string& file_name) {
  constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";
  if (text.substr(0, utf8_bom.size()) == utf8_bom) {
    text.remove_prefix(utf8_bom.size());
  }
  env_map result;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    auto fail = [&](const std::string& problem) {
      auto message = file_name;
      message += ':';
      message += std::to_string(line_no);
      message += ": ";
      message += problem;
      return gw::make_error(errc::config_error, std::move(message));
    };
    line = trim_left(line);
    if (line.empty() || line.front() == '#') {
      continue;
    }
    if (line.size() > 7 && line.substr(0, 6) == "export" && is_blank(line[6])) {
      line = trim_left(line.substr(7));
    }
    auto eq = line.find('=');
    if (eq == std::string_view::npos) {
      return fail("expected KEY=VALUE, got '" + std::string{trim_right(line)} + "'");
    }
    auto key = trim_right(line.substr(0, eq));
    if (key.empty()) {
      return fail("missing key before '='");
    }
    if (!valid_key(key)) {
      return fail("invalid key '" + std::string{key} + "'");
    }
    auto after_eq = line.substr(eq + 1);
    auto raw = trim_left(after_eq);
    std::string problem;
    std::optional<std::string> value;
    if (!raw.empty() && raw.front() == '"') {
      value = parse_double_quoted(raw.substr(1), problem);
    } else if (!raw.empty() && raw.front() == '\'') {
      value = parse_single_quoted(raw.substr(1), problem);
    } else {
      value = parse_unquoted(after_eq);
    }
    if (!value) {
      return fail(problem);
    }
    result[upper_key(key)] = std::move(*value);
  }
  return result;
}

gw::expected<env_map> read_env_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return gw::make_error(errc::not_found, path + ": no such file");
  }
  if (!std::filesystem::is_regular_file(path, ec)) {
    return gw::make_error(errc::io_error, path + ": not a regular file");
  }
  std::ifstream in{path, std::ios::binary};
  if (!in) {
    return gw::make_error(errc::io_error, path + ": cannot be opened");
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) {
    return gw::make_error(errc::io_error, path + ": read failed");
  }
  return parse_env_file(buf.str(), path);
}

} // namespace gw::config
