// parse_model_listing: a provider's `GET /models` body reduced to what the diagnosis rules read
// (reference §3.4, §13.2). The rules were written against Python values, so the search text
// reproduces Python's str() of each value (`['text', 'image']`, `None`, `True`): a word list
// that matches the original's text matches ours.
#include "catalog/diagnosis.hpp"
#include "catalog/python_text.hpp"
#include "catalog/tags.hpp"

#include <rapidjson/document.h>

#include <array>
#include <charconv>
#include <cmath>

namespace gw::catalog {

namespace {

using json_value = rapidjson::Value;

const json_value* member(const json_value& object, const char* key) {
  auto it = object.FindMember(key);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::string_view text_of(const json_value& v) {
  return {v.GetString(), v.GetStringLength()};
}

std::string_view trim(std::string_view text) {
  constexpr std::string_view space = " \t\r\n\v\f";
  auto first = text.find_first_not_of(space);
  if (first == std::string_view::npos) {
    return {};
  }
  auto last = text.find_last_not_of(space);
  return text.substr(first, last - first + 1);
}

// Python's float(): numbers, booleans and numeric strings; anything else is "not a number".
std::optional<double> to_number(const json_value& v) {
  if (v.IsBool()) {
    return v.GetBool() ? 1.0 : 0.0;
  }
  if (v.IsNumber()) {
    return v.GetDouble();
  }
  if (!v.IsString()) {
    return std::nullopt;
  }
  auto text = trim(text_of(v));
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
  }
  double out = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return out;
}

// §13.2 "structured zero price": at least one complete pair, every present key numeric and 0.
bool is_zero_price(const json_value* pricing) {
  if (pricing == nullptr || !pricing->IsObject()) {
    return false;
  }
  constexpr std::array<std::array<const char*, 2>, 4> pairs{{{"prompt", "completion"},
                                                             {"input", "output"},
                                                             {"input_price", "output_price"},
                                                             {"prompt_price", "completion_price"}}};
  bool complete_pair = false;
  for (const auto& pair : pairs) {
    int present = 0;
    for (const char* key : pair) {
      const auto* v = member(*pricing, key);
      if (v == nullptr) {
        continue;
      }
      ++present;
      auto number = to_number(*v);
      if (!number || *number != 0.0) {
        return false;
      }
    }
    complete_pair = complete_pair || present == 2;
  }
  return complete_pair;
}

// `architecture.input_modalities` and friends: an array of strings, or one string of names
// separated by commas and/or whitespace.
std::vector<std::string> modality_list(const json_value* v) {
  std::vector<std::string> out;
  auto add_words = [&out](std::string_view text) {
    constexpr std::string_view separators = ", \t\r\n\v\f";
    size_t pos = 0;
    while (pos < text.size()) {
      auto start = text.find_first_not_of(separators, pos);
      if (start == std::string_view::npos) {
        break;
      }
      auto end = text.find_first_of(separators, start);
      end = end == std::string_view::npos ? text.size() : end;
      out.push_back(ascii_lower(text.substr(start, end - start)));
      pos = end;
    }
  };
  if (v == nullptr) {
    return out;
  }
  if (v->IsString()) {
    add_words(text_of(*v));
  } else if (v->IsArray()) {
    for (const auto& item : v->GetArray()) {
      if (item.IsString() && !trim(text_of(item)).empty()) {
        out.push_back(ascii_lower(trim(text_of(item))));
      }
    }
  }
  return out;
}

// Capability text K of §13.2.2: every string (object keys, values, array items) of a field.
// Nesting deeper than a listing ever has is not followed (a hostile body must not recurse us
// off the stack).
void flatten_strings(const json_value& v, std::string& out, int depth) {
  constexpr int max_depth = 32;
  if (depth > max_depth) {
    return;
  }
  if (v.IsString()) {
    out += ascii_lower(text_of(v));
    out += ' ';
  } else if (v.IsArray()) {
    for (const auto& item : v.GetArray()) {
      flatten_strings(item, out, depth + 1);
    }
  } else if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      out += ascii_lower(text_of(m.name));
      out += ' ';
      flatten_strings(m.value, out, depth + 1);
    }
  }
}

listed_model read_item(const json_value& item) {
  listed_model out;
  const auto* id = member(item, "id");
  if (id != nullptr && id->IsString()) {
    out.id = std::string{trim(text_of(*id))};
  }
  for (auto [key, field] :
       {std::pair{"name", &out.name}, std::pair{"description", &out.description}}) {
    if (const auto* v = member(item, key); v != nullptr && v->IsString()) {
      field->assign(v->GetString(), v->GetStringLength());
    }
  }
  // S = " ".join(str(v) for v in [id, name, description, *architecture.values()]).lower()
  std::string search;
  for (const char* key : {"id", "name", "description"}) {
    append_python_str(member(item, key), search);
    search += ' ';
  }
  const auto* architecture = member(item, "architecture");
  out.has_architecture = architecture != nullptr && architecture->IsObject();
  if (out.has_architecture) {
    for (const auto& m : architecture->GetObject()) {
      append_python_str(&m.value, search);
      search += ' ';
    }
    out.input_modalities = modality_list(member(*architecture, "input_modalities"));
    out.output_modalities = modality_list(member(*architecture, "output_modalities"));
    if (const auto* v = member(*architecture, "modality"); v != nullptr && v->IsString()) {
      out.modality = ascii_lower(text_of(*v));
    }
  }
  search.pop_back();
  out.search_text = ascii_lower(search);

  if (const auto* v = member(item, "context_length"); v != nullptr && v->IsInt64()) {
    out.context_length = v->GetInt64();
  }
  out.zero_price = is_zero_price(member(item, "pricing"));
  for (const char* key : {"supported_parameters", "supported_features", "capabilities", "features",
                          "tools", "tool_types"}) {
    if (const auto* v = member(item, key)) {
      flatten_strings(*v, out.capability_text, 0);
    }
  }
  return out;
}

} // namespace

gw::expected<model_listing> parse_model_listing(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(body.data(),
                                                                                    body.size());
  if (doc.HasParseError()) {
    return make_error(errc::invalid_request, "non-JSON models payload");
  }
  if (!doc.IsObject()) {
    return make_error(errc::invalid_request, "invalid models payload");
  }
  model_listing out;
  const auto* data = member(doc, "data");
  if (data == nullptr || !data->IsArray()) {
    return out;
  }
  for (const auto& item : data->GetArray()) {
    if (!item.IsObject()) {
      continue;
    }
    out.items.push_back(read_item(item));
    if (!out.items.back().id.empty()) {
      out.raw_ids.push_back(out.items.back().id);
    }
  }
  return out;
}

} // namespace gw::catalog
