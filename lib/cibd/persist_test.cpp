// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/cibd/persist.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "vigil/common/md5.hpp"

namespace vigil::cibd {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  std::string path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "cibd-test-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string slurp(const std::string& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Store with_resource(const std::string& id) {
  Store s = Store::empty();
  CibRequest r;
  r.op = CibOp::kCreate;
  r.scope = "resources";
  r.payload = "<primitive id=\"" + id + "\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\"/>";
  REQUIRE(s.apply(r, UpdateMeta{"n1", "t", "root", 0}));
  return s;
}

}  // namespace

TEST_CASE("a missing cib.xml loads as an empty CIB") {
  TempDir t;
  auto files = CibFiles::open(t.path + "/cib");
  REQUIRE(files);
  auto loaded = files->load();
  REQUIRE(loaded);
  CHECK_FALSE(loaded->from_disk);
  CHECK_FALSE(loaded->problem);
  CHECK(loaded->store.version() == CibVersion{0, 0, 0});
}

TEST_CASE("write then load round-trips, with a matching signature") {
  TempDir t;
  auto files = CibFiles::open(t.path);
  REQUIRE(files);
  Store s = with_resource("r1");
  REQUIRE(files->write(s, true));
  const std::string text = slurp(t.path + "/cib.xml");
  CHECK(slurp(t.path + "/cib.xml.sig") == md5_hex(text) + "\n");
  auto loaded = files->load();
  REQUIRE(loaded);
  CHECK(loaded->from_disk);
  CHECK(loaded->store.version() == s.version());
  CHECK(loaded->store.digest() == s.digest());
  // No temporary files are left behind.
  for (const auto& e : fs::directory_iterator(t.path)) {
    CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);
  }
}

TEST_CASE("configuration writes keep numbered backups, at most max_backups") {
  TempDir t;
  auto files = CibFiles::open(t.path, PersistOptions{3});
  REQUIRE(files);
  for (int i = 0; i < 6; ++i) REQUIRE(files->write(with_resource("r" + std::to_string(i)), true));
  const auto backups = files->backups();
  REQUIRE(backups.size() == 3);
  // The newest backup is the file the last write replaced (r4).
  CHECK(slurp(backups.back()).find("id=\"r4\"") != std::string::npos);
  CHECK(slurp(backups.back() + ".sig") == md5_hex(slurp(backups.back())) + "\n");
  CHECK(backups.front() == t.path + "/cib-2.raw");
  // A status-only write keeps no backup.
  REQUIRE(files->write(with_resource("r9"), false));
  CHECK(files->backups().size() == 3);
}

TEST_CASE("a corrupt cib.xml is reported, moved aside and not used") {
  TempDir t;
  auto files = CibFiles::open(t.path);
  REQUIRE(files);
  REQUIRE(files->write(with_resource("r1"), false));

  SECTION("content changed behind the signature") {
    std::ofstream(t.path + "/cib.xml", std::ios::app) << "<!-- tampered -->";
  }
  SECTION("missing signature") {
    fs::remove(t.path + "/cib.xml.sig");
  }
  SECTION("not XML, with a matching signature") {
    std::ofstream(t.path + "/cib.xml") << "garbage";
    std::ofstream(t.path + "/cib.xml.sig") << md5_hex("garbage") << "\n";
  }
  SECTION("does not validate, with a matching signature") {
    const std::string bad = R"(<cib epoch="3" validate-with="pacemaker-3.9"><bogus/></cib>)";
    std::ofstream(t.path + "/cib.xml") << bad;
    std::ofstream(t.path + "/cib.xml.sig") << md5_hex(bad) << "\n";
  }
  auto loaded = files->load();
  REQUIRE(loaded);
  REQUIRE(loaded->problem);
  CHECK(loaded->problem->find("cib.xml") != std::string::npos);
  CHECK(loaded->problem->find("cib.xml.corrupt-1") != std::string::npos);
  CHECK_FALSE(loaded->from_disk);
  CHECK(loaded->store.version() == CibVersion{0, 0, 0});
  CHECK_FALSE(fs::exists(t.path + "/cib.xml"));
  CHECK(fs::exists(t.path + "/cib.xml.corrupt-1"));
}

TEST_CASE("an unusable state directory is an error") {
  TempDir t;
  std::ofstream(t.path + "/file") << "x";
  CHECK_FALSE(CibFiles::open(t.path + "/file"));
  CHECK_FALSE(CibFiles::open(""));
}

}  // namespace vigil::cibd
