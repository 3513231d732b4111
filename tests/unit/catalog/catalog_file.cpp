#define CAF_SUITE catalog.file
#include "catalog/catalog_json.hpp"
#include "catalog/default_catalog.hpp"

#include <caf/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

using gw::errc;
using gw::catalog::load_catalog_file;
using gw::catalog::route;
using gw::catalog::save_catalog_file;

namespace fs = std::filesystem;

namespace {

// A private scratch directory per test, removed afterwards.
struct fixture {
  fs::path dir;

  fixture() {
    auto pattern = (fs::temp_directory_path() / "gw-catalog-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      CAF_FAIL("mkdtemp failed");
    }
    dir = pattern;
  }

  ~fixture() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  static std::string read(const fs::path& path) {
    std::ifstream in{path, std::ios::binary};
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }

  static void write(const fs::path& path, const std::string& content) {
    std::ofstream out{path, std::ios::binary};
    out << content;
  }

  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator{dir}) {
      names.push_back(entry.path().filename().string());
    }
    return names;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(catalog_file_tests, fixture)

CAF_TEST(a saved catalog loads back unchanged) {
  auto path = (dir / "model_catalog.json").string();
  auto defaults = gw::catalog::default_catalog();
  auto err = save_catalog_file(path, defaults);
  if (err) {
    CAF_FAIL(err->message);
  }
  CAF_CHECK_EQUAL(read(path), gw::catalog::serialize_catalog(defaults));
  auto loaded = load_catalog_file(path);
  CAF_REQUIRE(loaded);
  CAF_CHECK(*loaded == defaults);
}

CAF_TEST(saving leaves no temporary file behind) {
  auto path = (dir / "model_catalog.json").string();
  CAF_REQUIRE(!save_catalog_file(path, gw::catalog::default_catalog()));
  CAF_REQUIRE(!save_catalog_file(path, {}));
  std::vector<std::string> expected{"model_catalog.json"};
  CAF_CHECK_EQUAL(entries(), expected);
  CAF_CHECK_EQUAL(read(path), "[]\n");
}

CAF_TEST(saving replaces the file by rename so readers never see a torn file) {
  auto path = dir / "model_catalog.json";
  CAF_REQUIRE(!save_catalog_file(path.string(), gw::catalog::default_catalog()));
  auto before = read(path);
  // A reader holding the old file keeps seeing the complete old content: the new content
  // went to a different inode that was renamed over the path.
  std::ifstream old_reader{path, std::ios::binary};
  CAF_REQUIRE(old_reader.good());
  CAF_REQUIRE(!save_catalog_file(path.string(), {}));
  std::ostringstream old_content;
  old_content << old_reader.rdbuf();
  CAF_CHECK_EQUAL(old_content.str(), before);
  CAF_CHECK_EQUAL(read(path), "[]\n");
}

CAF_TEST(saving creates missing parent directories) {
  auto path = dir / "a" / "b" / "catalog.json";
  CAF_REQUIRE(!save_catalog_file(path.string(), gw::catalog::default_catalog()));
  auto loaded = load_catalog_file(path.string());
  CAF_REQUIRE(loaded);
  CAF_CHECK_EQUAL(loaded->size(), 71u);
}

CAF_TEST(saving under a regular file fails with an io error and leaves nothing) {
  write(dir / "blocker", "x");
  auto err = save_catalog_file((dir / "blocker" / "catalog.json").string(), {});
  CAF_REQUIRE(err.has_value());
  CAF_CHECK(err->code == errc::io_error);
  CAF_CHECK(err->message.find("blocker") != std::string::npos);
  std::vector<std::string> expected{"blocker"};
  CAF_CHECK_EQUAL(entries(), expected);
}

CAF_TEST(loading a missing file is not found) {
  auto loaded = load_catalog_file((dir / "absent.json").string());
  CAF_REQUIRE(!loaded);
  CAF_CHECK(loaded.error().code == errc::not_found);
}

CAF_TEST(loading an unparsable file is a config error naming the path) {
  auto path = (dir / "broken.json").string();
  write(path, "{ not json");
  auto loaded = load_catalog_file(path);
  CAF_REQUIRE(!loaded);
  CAF_CHECK(loaded.error().code == errc::config_error);
  CAF_CHECK_EQUAL(loaded.error().message.rfind(path + ": Invalid JSON", 0), 0u);
  write(path, R"([{"route_id": "a", "provider_name": "p", "model_id": "m"}])");
  auto missing_rank = load_catalog_file(path);
  CAF_REQUIRE(!missing_rank);
  CAF_CHECK(missing_rank.error().code == errc::config_error);
  CAF_CHECK_EQUAL(missing_rank.error().message,
                  path + ": catalog entry 0: missing required field 'rank'");
}

CAF_TEST(loading a directory is a config error) {
  auto loaded = load_catalog_file(dir.string());
  CAF_REQUIRE(!loaded);
  CAF_CHECK(loaded.error().code == errc::config_error);
}

CAF_TEST(a file using the data wrapper loads) {
  auto path = (dir / "wrapped.json").string();
  write(path, R"({"object": "list", "data": [
    {"route_id": "x", "provider_name": "groq", "model_id": "m", "rank": 3, "health": {}}]})");
  auto loaded = load_catalog_file(path);
  CAF_REQUIRE(loaded);
  CAF_REQUIRE_EQUAL(loaded->size(), 1u);
  CAF_CHECK_EQUAL(loaded->front().rank, 3);
}

CAF_TEST_FIXTURE_SCOPE_END()
