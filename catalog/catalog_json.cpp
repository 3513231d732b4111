#include "catalog/catalog_json.hpp"

#include "catalog/ids.hpp"
#include "catalog/tags.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <system_error>
#include <unordered_set>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace gw::catalog {

namespace {

using json_value = rapidjson::Value;

// A catalog file is a few hundred KiB at most; refuse to slurp anything absurd.
constexpr off_t max_catalog_file_bytes = off_t{64} * 1024 * 1024;

gw::error entry_error(size_t index, const std::string& what) {
  return make_error(errc::invalid_request, "catalog entry " + std::to_string(index) + ": " + what);
}

gw::error field_error(size_t index, const char* field, const char* expectation) {
  return entry_error(index, std::string{"field '"} + field + "' must be " + expectation);
}

const json_value* member(const json_value& object, const char* key) {
  auto it = object.FindMember(key);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

// Python's int(): integers, floats without a fraction, and numeric strings ("  42 ", "-3").
std::optional<int64_t> to_integer(const json_value& v) {
  if (v.IsInt64()) {
    return v.GetInt64();
  }
  if (v.IsDouble()) {
    double d = v.GetDouble();
    if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.0e18) {
      return static_cast<int64_t>(d);
    }
    return std::nullopt;
  }
  if (v.IsString()) {
    std::string_view text{v.GetString(), v.GetStringLength()};
    auto first = text.find_first_not_of(" \t\r\n");
    auto last = text.find_last_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
      return std::nullopt;
    }
    text = text.substr(first, last - first + 1);
    if (!text.empty() && text.front() == '+') {
      text.remove_prefix(1);
    }
    int64_t out = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (ec != std::errc{} || end != text.data() + text.size()) {
      return std::nullopt;
    }
    return out;
  }
  return std::nullopt;
}

// Python's bool(): null, false, 0, "" and empty containers are false; all else is true.
bool truthy(const json_value& v) {
  if (v.IsNull()) {
    return false;
  }
  if (v.IsBool()) {
    return v.GetBool();
  }
  if (v.IsNumber()) {
    return v.GetDouble() != 0.0;
  }
  if (v.IsString()) {
    return v.GetStringLength() > 0;
  }
  if (v.IsArray()) {
    return !v.Empty();
  }
  return v.MemberCount() > 0;
}

// Ids may come as numbers (the original stringified them); containers and null may not.
std::optional<std::string> to_id_string(const json_value& v) {
  if (v.IsString()) {
    return std::string{v.GetString(), v.GetStringLength()};
  }
  if (v.IsNumber()) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer{buffer};
    v.Accept(writer);
    return std::string{buffer.GetString(), buffer.GetSize()};
  }
  return std::nullopt;
}

// Reads an optional string field; absent or null keeps the route's default.
std::optional<gw::error> read_string(const json_value& entry, size_t index, const char* key,
                                     std::string& out) {
  const auto* v = member(entry, key);
  if (v == nullptr || v->IsNull()) {
    return std::nullopt;
  }
  if (!v->IsString()) {
    return field_error(index, key, "a string");
  }
  out.assign(v->GetString(), v->GetStringLength());
  return std::nullopt;
}

// Reads an optional integer field; absent or null means "no value".
std::optional<gw::error> read_optional_int(const json_value& entry, size_t index, const char* key,
                                           std::optional<int64_t>& out) {
  const auto* v = member(entry, key);
  if (v == nullptr || v->IsNull()) {
    out.reset();
    return std::nullopt;
  }
  out = to_integer(*v);
  if (!out) {
    return field_error(index, key, "an integer");
  }
  return std::nullopt;
}

gw::expected<route> parse_route(const json_value& entry, size_t index) {
  if (!entry.IsObject()) {
    return make_error(errc::invalid_request, "Each model catalog entry must be an object");
  }
  route r;
  for (const char* key : {"route_id", "provider_name", "model_id", "rank"}) {
    if (member(entry, key) == nullptr) {
      return entry_error(index, std::string{"missing required field '"} + key + "'");
    }
  }
  for (auto [key, field] :
       {std::pair{"route_id", &r.route_id}, std::pair{"provider_name", &r.provider_name},
        std::pair{"model_id", &r.model_id}}) {
    auto text = to_id_string(*member(entry, key));
    if (!text) {
      return field_error(index, key, "a string");
    }
    *field = std::move(*text);
  }
  for (auto [key, problem] : {std::pair{"route_id", route_id_problem(r.route_id)},
                              std::pair{"provider_name", model_id_problem(r.provider_name)},
                              std::pair{"model_id", model_id_problem(r.model_id)}}) {
    if (!problem.empty()) {
      return entry_error(index, std::string{"field '"} + key + "' " + problem);
    }
  }
  auto rank = to_integer(*member(entry, "rank"));
  if (!rank) {
    return field_error(index, "rank", "an integer");
  }
  r.rank = *rank;

  r.display_name = r.model_id;
  if (const auto* v = member(entry, "display_name"); v != nullptr && truthy(*v)) {
    auto text = to_id_string(*v);
    if (!text) {
      return field_error(index, "display_name", "a string");
    }
    r.display_name = std::move(*text);
  }
  if (const auto* v = member(entry, "enabled")) {
    r.enabled = truthy(*v);
  }
  if (auto err = read_optional_int(entry, index, "context_window", r.context_window)) {
    return *err;
  }
  if (auto err = read_optional_int(entry, index, "rank_score", r.rank_score)) {
    return *err;
  }
  for (auto [key, field] :
       {std::pair{"quality", &r.quality}, std::pair{"speed", &r.speed}, std::pair{"cost", &r.cost},
        std::pair{"notes", &r.notes}, std::pair{"source_url", &r.source_url},
        std::pair{"rank_reason", &r.rank_reason}, std::pair{"rank_source", &r.rank_source}}) {
    if (auto err = read_string(entry, index, key, *field)) {
      return *err;
    }
  }
  if (const auto* v = member(entry, "tags"); v != nullptr && !v->IsNull()) {
    if (!v->IsArray()) {
      return field_error(index, "tags", "an array of strings");
    }
    std::vector<std::string> raw;
    for (const auto& tag : v->GetArray()) {
      if (tag.IsString()) {
        raw.emplace_back(tag.GetString(), tag.GetStringLength());
      }
    }
    r.tags = std::move(raw);
  }
  r.tags = canonical_tags(r.tags);
  return r;
}

std::string parse_error_text(const rapidjson::Document& doc) {
  return std::string{"Invalid JSON: "} + rapidjson::GetParseError_En(doc.GetParseError())
         + " (at offset " + std::to_string(doc.GetErrorOffset()) + ")";
}

std::string errno_text(int code) {
  return std::generic_category().message(code);
}

} // namespace

gw::expected<std::vector<route>> parse_catalog(const rapidjson::Value& root) {
  const json_value* entries = nullptr;
  if (root.IsArray()) {
    entries = &root;
  } else if (root.IsObject()) {
    if (const auto* data = member(root, "data"); data != nullptr && data->IsArray()) {
      entries = data;
    }
  }
  if (entries == nullptr) {
    return make_error(errc::invalid_request, "Expected a JSON array or { data: [...] }");
  }
  if (entries->Size() > max_catalog_routes) {
    return make_error(errc::invalid_request,
                      "The catalog has " + std::to_string(entries->Size()) + " routes; at most "
                        + std::to_string(max_catalog_routes) + " are allowed");
  }
  std::vector<route> routes;
  routes.reserve(entries->Size());
  size_t index = 0;
  for (const auto& entry : entries->GetArray()) {
    auto parsed = parse_route(entry, index++);
    if (!parsed) {
      return parsed.error();
    }
    if (is_text_chat_route(*parsed)) {
      routes.push_back(std::move(*parsed));
    }
  }
  std::unordered_set<std::string> seen;
  for (const auto& r : routes) {
    if (!seen.insert(r.route_id).second) {
      return make_error(errc::invalid_request, "Duplicate route_id: " + r.route_id);
    }
  }
  std::stable_sort(routes.begin(), routes.end(), route_order);
  return routes;
}

gw::expected<std::vector<route>> parse_catalog(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    return make_error(errc::invalid_request, parse_error_text(doc));
  }
  return parse_catalog(static_cast<const rapidjson::Value&>(doc));
}

std::string serialize_catalog(const std::vector<route>& routes) {
  std::vector<const route*> sorted;
  sorted.reserve(routes.size());
  for (const auto& r : routes) {
    sorted.push_back(&r);
  }
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const route* a, const route* b) { return route_order(*a, *b); });
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer{buffer};
  writer.SetIndent(' ', 2);
  writer.StartArray();
  for (const auto* r : sorted) {
    writer.StartObject();
    write_route_fields(writer, *r);
    writer.EndObject();
  }
  writer.EndArray();
  std::string out{buffer.GetString(), buffer.GetSize()};
  out += '\n';
  return out;
}

gw::expected<std::vector<route>> load_catalog_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int code = errno;
    if (code == ENOENT) {
      return make_error(errc::not_found, path + ": no such file");
    }
    return make_error(errc::config_error, path + ": " + errno_text(code));
  }
  std::string content;
  struct stat info {};
  if (::fstat(fd, &info) == 0 && info.st_size > max_catalog_file_bytes) {
    ::close(fd);
    return make_error(errc::config_error, path + ": file is larger than 64 MiB");
  }
  char chunk[65536];
  for (;;) {
    auto n = ::read(fd, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      int code = errno;
      ::close(fd);
      return make_error(errc::config_error, path + ": " + errno_text(code));
    }
    if (n == 0) {
      break;
    }
    content.append(chunk, static_cast<size_t>(n));
    if (content.size() > static_cast<size_t>(max_catalog_file_bytes)) {
      ::close(fd);
      return make_error(errc::config_error, path + ": file is larger than 64 MiB");
    }
  }
  ::close(fd);
  auto routes = parse_catalog(content);
  if (!routes) {
    return make_error(errc::config_error, path + ": " + routes.error().message);
  }
  return routes;
}

std::optional<gw::error> save_catalog_file(const std::string& path,
                                           const std::vector<route>& routes) {
  namespace fs = std::filesystem;
  auto io_error = [&path](const std::string& what, int code) {
    return make_error(errc::io_error, path + ": " + what + ": " + errno_text(code));
  };
  auto parent = fs::path{path}.parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    fs::create_directories(parent, ec);
    if (ec) {
      return io_error("cannot create directory " + parent.string(), ec.value());
    }
  }
  auto content = serialize_catalog(routes);
  auto tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return io_error("cannot create " + tmp, errno);
  }
  auto fail = [&](const std::string& what) {
    int code = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return io_error(what, code);
  };
  size_t written = 0;
  while (written < content.size()) {
    auto n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return fail("write failed");
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    return fail("fsync failed");
  }
  if (::close(fd) != 0) {
    int code = errno;
    ::unlink(tmp.c_str());
    return io_error("close failed", code);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int code = errno;
    ::unlink(tmp.c_str());
    return io_error("rename failed", code);
  }
  // Persist the rename itself; a failure here leaves a complete file, so it is not reported.
  int dir_fd = ::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return std::nullopt;
}

} // namespace gw::catalog
