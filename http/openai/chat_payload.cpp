#include "http/openai/chat_payload.hpp"

#include "http/openai/body_writer.hpp"
#include "http/openai/error_body.hpp"
#include "http/openai/exact_json.hpp"
#include "http/openai/small_document.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

namespace gw::openai {

namespace {

using rapidjson::Value;

std::string_view view(const Value& text) {
  return {text.GetString(), text.GetStringLength()};
}

const Value* member(const Value& object, std::string_view name) {
  if (!object.IsObject()) {
    return nullptr;
  }
  for (const auto& m : object.GetObject()) {
    if (view(m.name) == name) {
      return &m.value;
    }
  }
  return nullptr;
}

// -- validation -------------------------------------------------------------------------------

/// The top-level members a chat request is read for, found in one pass over the object (the
/// first of a repeated name wins, as member() does). Looking each up by name walked the members
/// some fifteen times per request.
struct top_members {
  const Value* model = nullptr;
  const Value* messages = nullptr;
  const Value* stream = nullptr;
  const Value* stream_options = nullptr;
  const Value* temperature = nullptr;
  const Value* top_p = nullptr;
  const Value* tools = nullptr;
  const Value* max_completion_tokens = nullptr;
  const Value* max_tokens = nullptr;
  const Value* input = nullptr;
  /// How many "model" members there are (names as decoded: a key with escapes counts too).
  int model_count = 0;
  /// A "stream" or "stream_options" member is present (even a null one).
  bool stream_keys = false;
};

/// Where `name` goes in `top`, or null for a member the gateway does not read.
const Value** top_member_slot(top_members& top, std::string_view name) {
  const std::pair<std::string_view, const Value**> slots[] = {
    {"model", &top.model},
    {"messages", &top.messages},
    {"stream", &top.stream},
    {"stream_options", &top.stream_options},
    {"temperature", &top.temperature},
    {"top_p", &top.top_p},
    {"tools", &top.tools},
    {"max_completion_tokens", &top.max_completion_tokens},
    {"max_tokens", &top.max_tokens},
    {"input", &top.input},
  };
  for (const auto& [known, slot] : slots) {
    if (name == known) {
      return slot;
    }
  }
  return nullptr;
}

top_members find_top_members(const Value& object) {
  top_members top;
  if (object.IsObject()) {
    for (const auto& m : object.GetObject()) {
      if (const Value** slot = top_member_slot(top, view(m.name)); slot != nullptr) {
        top.model_count += slot == &top.model ? 1 : 0;
        top.stream_keys |= slot == &top.stream || slot == &top.stream_options;
        if (*slot == nullptr) {
          *slot = &m.value;
        }
      }
    }
  }
  return top;
}

// Whether a parsed document nests arrays/objects more than max_json_depth levels (the root
// container is level 1), as its text's brackets do. It walks the document with a stack of its
// own, never by recursion, and looks at each container and member once: the text scan it
// replaces looked at every byte (~15 instructions each, most of them inside strings).
bool nests_deeper_than_limit(const Value& root) {
  if (!root.IsObject() && !root.IsArray()) {
    return false;
  }
  struct level {
    const Value* container;
    rapidjson::SizeType next; // the next child to look at
  };
  std::array<level, max_json_depth> levels{};
  size_t depth = 0;
  levels[depth++] = {&root, 0};
  while (depth > 0) {
    auto& top = levels[depth - 1];
    const auto& container = *top.container;
    bool object = container.IsObject();
    if (top.next == (object ? container.MemberCount() : container.Size())) {
      --depth;
      continue;
    }
    const auto& child = object ? (container.MemberBegin() + top.next)->value : container[top.next];
    ++top.next;
    if (child.IsObject() || child.IsArray()) {
      if (depth == levels.size()) {
        return true; // the child would be level max_json_depth + 1
      }
      levels[depth++] = {&child, 0};
    }
  }
  return false;
}

// The largest max_tokens we accept; far above any model, low enough that sums cannot overflow.
constexpr int64_t max_token_count = 1'000'000'000'000;

// Python int() of a JSON value (reference §7.2), restricted to non-negative counts:
// null -> 0, booleans -> 0/1, floats truncate, integer-literal strings are accepted.
std::optional<int64_t> token_count(const Value& v) {
  if (v.IsNull()) {
    return 0;
  }
  if (v.IsBool()) {
    return v.GetBool() ? 1 : 0;
  }
  if (v.IsInt64()) {
    auto n = v.GetInt64();
    if (n < 0 || n > max_token_count) {
      return std::nullopt;
    }
    return n;
  }
  if (v.IsNumber()) { // uint64 beyond int64, or a double
    if (!v.IsDouble()) {
      return std::nullopt;
    }
    double t = std::trunc(v.GetDouble());
    if (!std::isfinite(t) || t < 0 || t > static_cast<double>(max_token_count)) {
      return std::nullopt;
    }
    return static_cast<int64_t>(t);
  }
  if (!v.IsString()) {
    return std::nullopt;
  }
  auto text = view(v);
  auto first = text.find_first_not_of(" \t\n\r\f\v");
  if (first == std::string_view::npos) {
    return std::nullopt;
  }
  text = text.substr(first, text.find_last_not_of(" \t\n\r\f\v") - first + 1);
  bool negative = false;
  if (text.front() == '+' || text.front() == '-') {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text.empty() || text.size() > 13) {
    return std::nullopt;
  }
  int64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    n = n * 10 + (c - '0');
  }
  if ((negative && n != 0) || n > max_token_count) {
    return std::nullopt;
  }
  return n;
}

// A count token_count() refuses only for its size: a non-negative integer (number or digit
// string) or a finite non-negative float above max_token_count. Told apart so that the error
// names the bound instead of calling 2^62 "not a non-negative integer".
bool exceeds_token_bound(const Value& v) {
  if (v.IsUint64()) {
    return v.GetUint64() > static_cast<uint64_t>(max_token_count);
  }
  if (v.IsDouble()) {
    double d = v.GetDouble();
    return std::isfinite(d) && d > static_cast<double>(max_token_count);
  }
  if (!v.IsString()) {
    return false;
  }
  auto text = view(v);
  auto first = text.find_first_not_of(" \t\n\r\f\v");
  if (first == std::string_view::npos) {
    return false;
  }
  text = text.substr(first, text.find_last_not_of(" \t\n\r\f\v") - first + 1);
  if (text.front() == '+') {
    text.remove_prefix(1);
  }
  text.remove_prefix(std::min(text.find_first_not_of('0'), text.size())); // leading zeros
  bool digits = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
  if (!digits) {
    return false;
  }
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  return ec == std::errc::result_out_of_range
         || (ec == std::errc{} && n > static_cast<uint64_t>(max_token_count));
}

std::optional<request_error> check_messages(const Value* messages) {
  if (messages == nullptr || !messages->IsArray() || messages->Empty()) {
    return request_error{"Request body must include a non-empty 'messages' array", "messages"};
  }
  rapidjson::SizeType i = 0;
  for (const auto& message : messages->GetArray()) {
    auto prefix = [index = i++] {
      return "messages[" + std::to_string(index) + "]";
    };
    if (!message.IsObject()) {
      return request_error{prefix() + " must be an object", prefix()};
    }
    const auto* role = member(message, "role");
    if (role == nullptr || !role->IsString()) {
      return request_error{prefix() + ".role must be a string", prefix() + ".role"};
    }
    if (member(message, "content") == nullptr) {
      return request_error{prefix() + ".content is required", prefix() + ".content"};
    }
  }
  return std::nullopt;
}

// Type checks of the optional top-level fields; null counts as absent (OpenAI accepts it).
std::optional<request_error> check_fields(const top_members& top) {
  struct type_rule {
    const char* name;
    const Value* top_members::*value;
    bool (Value::*is)() const;
    const char* wanted;
  };
  static constexpr type_rule rules[] = {
    {"model", &top_members::model, &Value::IsString, "a string"},
    {"stream", &top_members::stream, &Value::IsBool, "a boolean"},
    {"stream_options", &top_members::stream_options, &Value::IsObject, "an object"},
    {"temperature", &top_members::temperature, &Value::IsNumber, "a number"},
    {"top_p", &top_members::top_p, &Value::IsNumber, "a number"},
    {"tools", &top_members::tools, &Value::IsArray, "an array"},
  };
  for (const auto& rule : rules) {
    const auto* value = top.*rule.value;
    if (value != nullptr && !value->IsNull() && !(value->*rule.is)()) {
      return request_error{std::string("'") + rule.name + "' must be " + rule.wanted, rule.name};
    }
  }
  for (auto [name, value] : {std::pair{"max_completion_tokens", top.max_completion_tokens},
                             std::pair{"max_tokens", top.max_tokens}}) {
    if (value != nullptr && !token_count(*value)) {
      if (exceeds_token_bound(*value)) {
        return request_error{
          std::string("'") + name + "' must be at most " + std::to_string(max_token_count), name};
      }
      return request_error{std::string("'") + name + "' must be a non-negative integer", name};
    }
  }
  return std::nullopt;
}

// -- token estimate: lengths of Python str()/repr() forms, computed without building them ----

// Decodes one UTF-8 code point (validated input; a stray byte counts as itself).
uint32_t next_code_point(std::string_view s, size_t& i) {
  auto b = static_cast<unsigned char>(s[i++]);
  int extra = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : 0;
  uint32_t cp = extra == 0 ? b : b & (0x3Fu >> extra);
  for (; extra > 0 && i < s.size(); --extra) {
    cp = (cp << 6) | (static_cast<unsigned char>(s[i++]) & 0x3Fu);
  }
  return cp;
}

int64_t code_points(std::string_view s) {
  // Every byte but a continuation byte (10xxxxxx) starts a code point. Eight bytes per step:
  // the prompt estimate reads every message's text (callgrind: ~3.3 instructions per byte
  // one by one).
  constexpr uint64_t high_bits = 0x8080808080808080ULL;
  constexpr uint64_t ones = 0x0101010101010101ULL;
  size_t continuations = 0;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t word = 0;
    std::memcpy(&word, s.data() + i, 8);
    // Bit 7 set where a byte has bit 7 set and bit 6 clear; then one per such byte, summed.
    uint64_t marks = ((word & ~(word << 1)) & high_bits) >> 7;
    continuations += static_cast<size_t>((marks * ones) >> 56);
  }
  for (; i < s.size(); ++i) {
    continuations += (static_cast<unsigned char>(s[i]) & 0xC0u) == 0x80u ? 1 : 0;
  }
  return static_cast<int64_t>(s.size() - continuations);
}

// Characters Python's repr() writes as \uXXXX: separators, format controls, odd spaces.
bool py_unicode_escaped(uint32_t cp) {
  return (cp >= 0x2000 && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202F)
         || (cp >= 0x205F && cp <= 0x2064) || cp == 0x1680 || cp == 0x3000 || cp == 0xFEFF;
}

// len(repr(s)) for a Python str: quotes, backslash escapes, \xNN and \uXXXX forms.
int64_t py_repr_string_len(std::string_view s) {
  bool has_single = s.find('\'') != std::string_view::npos;
  bool has_double = s.find('"') != std::string_view::npos;
  uint32_t quote = has_single && !has_double ? uint32_t{'"'} : uint32_t{'\''};
  int64_t n = 2;
  size_t i = 0;
  while (i < s.size()) {
    auto cp = next_code_point(s, i);
    if (cp == '\\' || cp == quote || cp == '\n' || cp == '\r' || cp == '\t') {
      n += 2;
    } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0xA0) || cp == 0xAD) {
      n += 4;
    } else if (py_unicode_escaped(cp)) {
      n += 6;
    } else {
      n += 1;
    }
  }
  return n;
}

int64_t decimal_digits(uint64_t v) {
  int64_t n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

// len(repr(d)) for a Python float: shortest round-trip digits, scientific notation outside
// 1e-4 <= |d| < 1e16, a trailing ".0" on integral values.
int64_t py_float_len(double d) {
  if (!std::isfinite(d)) {
    return std::isnan(d) ? 3 : (d < 0 ? 4 : 3);
  }
  char buf[40];
  int digits = 1;
  for (; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof(buf), "%.*e", digits - 1, d);
    if (std::strtod(buf, nullptr) == d) {
      break;
    }
  }
  // The smallest round-tripping precision never ends in a zero digit.
  digits = std::min(digits, 17);
  std::snprintf(buf, sizeof(buf), "%.*e", digits - 1, d);
  int exponent = std::atoi(std::strchr(buf, 'e') + 1);
  int64_t sign = std::signbit(d) ? 1 : 0;
  if (exponent < -4 || exponent >= 16) {
    int64_t exp_digits =
      std::max<int64_t>(2, decimal_digits(static_cast<uint64_t>(std::abs(exponent))));
    return sign + digits + (digits > 1 ? 1 : 0) + 2 + exp_digits;
  }
  if (exponent < 0) {
    return sign + 2 + (-exponent - 1) + digits;
  }
  if (digits <= exponent + 1) {
    return sign + (exponent + 1) + 2;
  }
  return sign + digits + 1;
}

int64_t py_repr_len(const Value& v, int depth);

int64_t py_str_len(const Value& v, int depth) {
  return v.IsString() ? code_points(view(v)) : py_repr_len(v, depth);
}

int64_t py_repr_len(const Value& v, int depth) {
  if (depth > max_json_depth) {
    return 0;
  }
  switch (v.GetType()) {
  case rapidjson::kNullType:
  case rapidjson::kTrueType:
    return 4; // None, True
  case rapidjson::kFalseType:
    return 5;
  case rapidjson::kStringType:
    return py_repr_string_len(view(v));
  case rapidjson::kNumberType:
    if (v.IsUint64()) {
      return decimal_digits(v.GetUint64());
    }
    if (v.IsInt64()) {
      return 1 + decimal_digits(static_cast<uint64_t>(-(v.GetInt64() + 1)) + 1);
    }
    return py_float_len(v.GetDouble());
  case rapidjson::kArrayType: {
    int64_t n = 2 + 2 * std::max<int64_t>(0, static_cast<int64_t>(v.Size()) - 1);
    for (const auto& item : v.GetArray()) {
      n += py_repr_len(item, depth + 1);
    }
    return n;
  }
  case rapidjson::kObjectType: {
    int64_t n = 2 + 2 * std::max<int64_t>(0, static_cast<int64_t>(v.MemberCount()) - 1);
    for (const auto& m : v.GetObject()) {
      n += py_repr_string_len(view(m.name)) + 2 + py_repr_len(m.value, depth + 1);
    }
    return n;
  }
  }
  return 0;
}

// Length of the reference's content text (§7.2): strings as they are, lists joined by " ",
// objects by `text` or nested `content`, anything else by its Python str() form.
int64_t content_text_len(const Value& v, int depth) {
  if (depth > max_json_depth) {
    return 0;
  }
  if (v.IsString()) {
    return code_points(view(v));
  }
  if (v.IsArray()) {
    int64_t n = std::max<int64_t>(0, static_cast<int64_t>(v.Size()) - 1);
    for (const auto& item : v.GetArray()) {
      n += content_text_len(item, depth + 1);
    }
    return n;
  }
  if (v.IsObject()) {
    if (const auto* text = member(v, "text"); text != nullptr) {
      return py_str_len(*text, depth + 1);
    }
    if (const auto* content = member(v, "content"); content != nullptr) {
      return content_text_len(*content, depth + 1);
    }
  }
  return py_str_len(v, depth);
}

// -- upstream body ----------------------------------------------------------------------------

// The body is written by body_writer (http/openai/body_writer.hpp) into a StringBuffer, which
// writes without per-character capacity checks (about 3x faster than appending to a
// std::string); the one final copy is cheap by comparison.

enum class search_dialect { none, groq, openrouter };

constexpr std::string_view web_search_preview = "web_search_preview";
constexpr std::string_view openrouter_web_search = "openrouter:web_search";

void key(body_writer& w, std::string_view name) {
  w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
}

void string(body_writer& w, std::string_view text) {
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

bool is_tool_of_type(const Value& tool, std::string_view type) {
  const auto* t = member(tool, "type");
  return t != nullptr && t->IsString() && view(*t) == type;
}

void write_stream_options(body_writer& w, const Value* client) {
  key(w, "stream_options");
  w.StartObject();
  if (client != nullptr && client->IsObject()) {
    for (const auto& m : client->GetObject()) {
      if (view(m.name) != "include_usage") {
        key(w, view(m.name));
        m.value.Accept(w);
      }
    }
  }
  key(w, "include_usage");
  w.Bool(true);
  w.EndObject();
}

// groq: the client's tools minus web_search_preview; the key is dropped when none remain.
void write_groq_tools(body_writer& w, const Value& tools) {
  bool any = false;
  for (const auto& tool : tools.GetArray()) {
    any = any || !is_tool_of_type(tool, web_search_preview);
  }
  if (!any) {
    return;
  }
  key(w, "tools");
  w.StartArray();
  for (const auto& tool : tools.GetArray()) {
    if (!is_tool_of_type(tool, web_search_preview)) {
      tool.Accept(w);
    }
  }
  w.EndArray();
}

// openrouter: web_search_preview replaced by its own server tool (added once).
void write_openrouter_tools(body_writer& w, const Value& tools) {
  key(w, "tools");
  w.StartArray();
  bool has_native = false;
  for (const auto& tool : tools.GetArray()) {
    if (is_tool_of_type(tool, web_search_preview)) {
      continue;
    }
    has_native = has_native || is_tool_of_type(tool, openrouter_web_search);
    tool.Accept(w);
  }
  if (!has_native) {
    w.StartObject();
    key(w, "type");
    string(w, openrouter_web_search);
    w.EndObject();
  }
  w.EndArray();
}

// Writes `object` (or {} when it is not an object) with member `name` rewritten by `rewrite`,
// which receives the old value or nullptr; the member is appended when absent.
template <class Rewrite>
void write_object_with(body_writer& w, const Value* object, std::string_view name,
                       Rewrite rewrite) {
  w.StartObject();
  bool done = false;
  if (object != nullptr && object->IsObject()) {
    for (const auto& m : object->GetObject()) {
      if (view(m.name) != name) {
        key(w, view(m.name));
        m.value.Accept(w);
      } else if (!done) {
        key(w, name);
        rewrite(&m.value);
        done = true;
      }
    }
  }
  if (!done) {
    key(w, name);
    rewrite(nullptr);
  }
  w.EndObject();
}

// groq: compound_custom.tools.enabled_tools gains "web_search" (§10.3); wrong types reset.
void write_compound_custom(body_writer& w, const Value* client) {
  key(w, "compound_custom");
  write_object_with(w, client, "tools", [&w](const Value* tools) {
    write_object_with(w, tools, "enabled_tools", [&w](const Value* enabled) {
      w.StartArray();
      bool has = false;
      if (enabled != nullptr && enabled->IsArray()) {
        for (const auto& tool : enabled->GetArray()) {
          has = has || (tool.IsString() && view(tool) == "web_search");
          tool.Accept(w);
        }
      }
      if (!has) {
        string(w, "web_search");
      }
      w.EndArray();
    });
  });
}

/// The request's document and its first 2 KiB of pool in one block (see small_document):
/// it lives as long as the request, shared between its attempts.
std::shared_ptr<rapidjson::Document> make_document(size_t body_bytes) {
  auto holder = std::make_shared<small_document<2048>>(body_bytes);
  return {holder, &holder->get()};
}

/// ~4 characters a token over the messages' (or the Responses API input's) text, plus 4 tokens
/// per message: the Python original's estimate.
int64_t estimate_prompt_tokens(const Value* messages, const Value* input) {
  int64_t chars = 0;
  int64_t count = 0;
  if (messages != nullptr && messages->IsArray()) {
    for (const auto& message : messages->GetArray()) {
      ++count;
      if (const auto* content = member(message, "content"); content != nullptr) {
        chars += content_text_len(*content, 0);
      }
    }
  }
  if (input != nullptr && input->IsArray()) {
    for (const auto& item : input->GetArray()) {
      chars += content_text_len(item, 0);
    }
  }
  return std::max<int64_t>(1, chars / 4 + 4 * count);
}

/// parse_chat_request; with `find_splice`, also where the model value sits when an upstream
/// body may be the text with that value replaced.
std::variant<chat_request, request_error> parse_chat(std::string_view body, bool find_splice) {
  auto doc = make_document(body.size());
  auto parsed = parse_exact(*doc, body);
  if (parsed.IsError()) {
    std::string reason = rapidjson::GetParseError_En(parsed.Code());
    if (!reason.empty() && reason.back() == '.') {
      reason.pop_back();
    }
    return request_error{
      "Invalid JSON body: " + reason + " at offset " + std::to_string(parsed.Offset()), {}};
  }
  if (nests_deeper_than_limit(*doc)) {
    return request_error{"Request body nests arrays/objects deeper than "
                           + std::to_string(max_json_depth) + " levels",
                         {}};
  }
  if (!doc->IsObject()) {
    return request_error{"Request body must be a JSON object", {}};
  }
  auto top = find_top_members(*doc);
  if (auto err = check_messages(top.messages)) {
    return std::move(*err);
  }
  if (auto err = check_fields(top)) {
    return std::move(*err);
  }
  chat_request req;
  if (top.model != nullptr && top.model->IsString()) {
    req.model.assign(view(*top.model));
  }
  if (top.stream != nullptr && top.stream->IsBool()) {
    req.stream = top.stream->GetBool();
  }
  if (top.stream_options != nullptr) {
    const auto* usage = member(*top.stream_options, "include_usage");
    req.include_usage = usage != nullptr && usage->IsTrue();
  }
  // Python's `max_completion_tokens or max_tokens or 0`: a zero falls through to the next.
  for (const auto* value : {top.max_completion_tokens, top.max_tokens}) {
    if (value != nullptr && req.max_output_tokens == 0) {
      req.max_output_tokens = token_count(*value).value_or(0);
    }
  }
  req.prompt_estimate = estimate_prompt_tokens(top.messages, top.input);
  if (find_splice && top.model_count == 1 && top.model->IsString() && !top.stream_keys) {
    req.model_span = top_level_model_span(body);
  }
  req.document = std::move(doc);
  return req;
}

} // namespace

std::variant<chat_request, request_error> parse_chat_request(std::string_view body) {
  return parse_chat(body, false);
}

std::variant<chat_request, request_error> parse_owned_chat_request(std::string body) {
  auto parsed = parse_chat(body, true);
  if (auto* req = std::get_if<chat_request>(&parsed)) {
    req->text = std::make_shared<const std::string>(std::move(body));
  }
  return parsed;
}

int64_t estimate_prompt_tokens(const rapidjson::Value& payload) {
  auto top = find_top_members(payload);
  return estimate_prompt_tokens(top.messages, top.input);
}

std::string build_upstream_body(const chat_request& req, std::string_view provider_name,
                                std::string_view model_id, bool stream) {
  const Value* doc = req.document && req.document->IsObject() ? req.document.get() : nullptr;
  auto dialect = search_dialect::none;
  if (doc != nullptr && has_web_search_preview_tool(*doc)) {
    if (provider_name == "groq") {
      dialect = search_dialect::groq;
    } else if (provider_name == "openrouter") {
      dialect = search_dialect::openrouter;
    }
  }
  if (!stream && dialect == search_dialect::none && req.model_span && req.text) {
    // The client's own text around the model value: the same JSON values in one copy.
    std::string out;
    const std::string& text = *req.text;
    out.reserve(text.size() + model_id.size() + 8);
    out.append(text, 0, req.model_span->begin);
    append_json_string(out, model_id);
    out.append(text, req.model_span->end, std::string::npos);
    return out;
  }
  rapidjson::StringBuffer buffer;
  body_writer w(buffer);
  bool wrote_model = false;
  bool wrote_stream = false;
  bool wrote_options = false;
  bool wrote_compound = false;
  w.StartObject();
  if (doc != nullptr) {
    for (const auto& m : doc->GetObject()) {
      auto name = view(m.name);
      if (name == "model") {
        if (!wrote_model) {
          key(w, name);
          string(w, model_id);
          wrote_model = true;
        }
      } else if (name == "stream") {
        if (stream && !wrote_stream) {
          key(w, name);
          w.Bool(true);
          wrote_stream = true;
        }
      } else if (name == "stream_options") {
        // Without streaming the upstream rejects stream_options, so it is dropped.
        if (stream && !wrote_options) {
          write_stream_options(w, &m.value);
          wrote_options = true;
        }
      } else if ((dialect != search_dialect::none && name == "tool_choice")
                 || (dialect == search_dialect::groq
                     && (name == "max_tokens" || name == "max_completion_tokens"))) {
        // Replaced by the translation (tool_choice) or refused by Groq's compound models.
        continue;
      } else if (dialect != search_dialect::none && name == "tools" && m.value.IsArray()) {
        if (dialect == search_dialect::groq) {
          write_groq_tools(w, m.value);
        } else {
          write_openrouter_tools(w, m.value);
        }
      } else if (dialect == search_dialect::groq && name == "compound_custom") {
        if (!wrote_compound) {
          write_compound_custom(w, &m.value);
          wrote_compound = true;
        }
      } else {
        key(w, name);
        m.value.Accept(w);
      }
    }
  }
  if (!wrote_model) {
    key(w, "model");
    string(w, model_id);
  }
  if (stream && !wrote_stream) {
    key(w, "stream");
    w.Bool(true);
  }
  if (stream && !wrote_options) {
    write_stream_options(w, nullptr);
  }
  if (dialect == search_dialect::groq && !wrote_compound) {
    write_compound_custom(w, nullptr);
  }
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

} // namespace gw::openai
