#include "http/openai/web_search.hpp"

#include <string_view>

namespace gw::openai {

namespace {

constexpr std::string_view web_search_preview = "web_search_preview";

bool is_web_search_preview(const rapidjson::Value& tool) {
  if (!tool.IsObject()) {
    return false;
  }
  auto type = tool.FindMember("type");
  return type != tool.MemberEnd() && type->value.IsString()
         && std::string_view(type->value.GetString(), type->value.GetStringLength())
              == web_search_preview;
}

const rapidjson::Value* member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) {
    return nullptr;
  }
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::string_view view(const rapidjson::Value& text) {
  return {text.GetString(), text.GetStringLength()};
}

bool is_blank(std::string_view text) {
  return text.find_first_not_of(" \t\n\r\f\v") == std::string_view::npos;
}

// Content nests (parts holding `content` holding parts); a bound keeps the walk finite.
constexpr int max_part_depth = 16;

// Text of a content value: a string, or a list of parts joined by a single space. Parts that
// carry no text are left out so they do not produce stray separators.
void append_content_text(const rapidjson::Value& content, std::string& out, int depth,
                         text_parts parts) {
  if (depth > max_part_depth) {
    return;
  }
  if (content.IsString()) {
    out.append(view(content));
    return;
  }
  if (!content.IsArray()) {
    return;
  }
  for (const auto& part : content.GetArray()) {
    std::string piece;
    if (part.IsString()) {
      piece.assign(view(part));
    } else if (const auto* text = member(part, "text"); text != nullptr && text->IsString()) {
      piece.assign(view(*text));
    } else if (const auto* nested = member(part, "content"); nested != nullptr) {
      if (parts.follow_nested) {
        append_content_text(*nested, piece, depth + 1, parts);
      } else if (nested->IsString()) {
        piece.assign(view(*nested));
      }
    }
    if (piece.empty()) {
      continue;
    }
    if (!out.empty()) {
      out.push_back(parts.separator);
    }
    out.append(piece);
  }
}

std::string content_text(const rapidjson::Value* content, text_parts parts) {
  std::string out;
  if (content != nullptr) {
    append_content_text(*content, out, 0, parts);
  }
  return out;
}

} // namespace

void prepare_web_search_payload(rapidjson::Document& payload) {
  if (!payload.IsObject()) {
    return;
  }
  auto& alloc = payload.GetAllocator();
  auto make_preview = [&alloc] {
    rapidjson::Value tool(rapidjson::kObjectType);
    tool.AddMember("type",
                   rapidjson::Value(web_search_preview.data(),
                                    static_cast<rapidjson::SizeType>(web_search_preview.size()),
                                    alloc),
                   alloc);
    return tool;
  };
  auto tools = payload.FindMember("tools");
  if (tools == payload.MemberEnd()) {
    payload.AddMember("tools", rapidjson::Value(rapidjson::kArrayType), alloc);
    tools = payload.FindMember("tools");
  } else if (!tools->value.IsArray()) {
    tools->value.SetArray();
  }
  bool present = false;
  for (const auto& tool : tools->value.GetArray()) {
    present = present || is_web_search_preview(tool);
  }
  if (!present) {
    tools->value.PushBack(make_preview(), alloc);
  }
  if (auto choice = payload.FindMember("tool_choice"); choice != payload.MemberEnd()) {
    choice->value = make_preview();
  } else {
    payload.AddMember("tool_choice", make_preview(), alloc);
  }
}

bool has_web_search_preview_tool(const rapidjson::Value& payload) {
  const auto* tools = member(payload, "tools");
  if (tools == nullptr || !tools->IsArray()) {
    return false;
  }
  for (const auto& tool : tools->GetArray()) {
    if (is_web_search_preview(tool)) {
      return true;
    }
  }
  return false;
}

std::string assistant_text(const rapidjson::Value& body) {
  return assistant_text(body, text_parts{});
}

std::string assistant_text(const rapidjson::Value& body, text_parts parts) {
  if (!body.IsObject()) {
    return {};
  }
  if (const auto* content = member(body, "content"); content != nullptr && content->IsString()) {
    if (!is_blank(view(*content))) {
      return std::string(view(*content));
    }
  }
  if (const auto* message = member(body, "message"); message != nullptr) {
    if (auto text = content_text(member(*message, "content"), parts); !is_blank(text)) {
      return text;
    }
  }
  const auto* choices = member(body, "choices");
  if (choices == nullptr || !choices->IsArray() || choices->Empty()) {
    return {};
  }
  const auto& first = (*choices)[0];
  if (const auto* message = member(first, "message"); message != nullptr) {
    if (auto text = content_text(member(*message, "content"), parts); !is_blank(text)) {
      return text;
    }
  }
  if (const auto* text = member(first, "text"); text != nullptr && text->IsString()) {
    if (!is_blank(view(*text))) {
      return std::string(view(*text));
    }
  }
  return {};
}

bool has_assistant_content(const rapidjson::Value& body) {
  return !is_blank(assistant_text(body));
}

} // namespace gw::openai
