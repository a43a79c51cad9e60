// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/cibd/persist.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "temp_dir.hpp"
#include "vigil/common/md5.hpp"
#include "vigil/common/mem_disk.hpp"

namespace vigil::cibd {
namespace {

namespace fs = std::filesystem;

using test::TempDir;

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
  auto files = CibFiles::open(t.path() + "/cib");
  REQUIRE(files);
  auto loaded = files->load();
  REQUIRE(loaded);
  CHECK_FALSE(loaded->from_disk);
  CHECK_FALSE(loaded->problem);
  CHECK(loaded->store.version() == CibVersion{0, 0, 0});
}

TEST_CASE("write then load round-trips, with a matching signature") {
  TempDir t;
  auto files = CibFiles::open(t.path());
  REQUIRE(files);
  Store s = with_resource("r1");
  REQUIRE(files->write(s, true));
  const std::string text = slurp(t.path() + "/cib.xml");
  CHECK(slurp(t.path() + "/cib.xml.sig") == md5_hex(text) + "\n");
  auto loaded = files->load();
  REQUIRE(loaded);
  CHECK(loaded->from_disk);
  CHECK(loaded->store.version() == s.version());
  CHECK(loaded->store.digest() == s.digest());
  // No temporary files are left behind.
  for (const auto& e : fs::directory_iterator(t.path())) {
    CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);
  }
}

TEST_CASE("configuration writes keep numbered backups, at most max_backups") {
  TempDir t;
  auto files = CibFiles::open(t.path(), PersistOptions{3});
  REQUIRE(files);
  for (int i = 0; i < 6; ++i) REQUIRE(files->write(with_resource("r" + std::to_string(i)), true));
  const auto backups = files->backups();
  REQUIRE(backups.size() == 3);
  // The newest backup is the file the last write replaced (r4).
  CHECK(slurp(backups.back()).find("id=\"r4\"") != std::string::npos);
  CHECK(slurp(backups.back() + ".sig") == md5_hex(slurp(backups.back())) + "\n");
  CHECK(backups.front() == t.path() + "/cib-2.raw");
  // A status-only write keeps no backup.
  REQUIRE(files->write(with_resource("r9"), false));
  CHECK(files->backups().size() == 3);
}

TEST_CASE("a corrupt cib.xml without any backup: moved aside, an empty CIB, said loudly") {
  TempDir t;
  auto files = CibFiles::open(t.path());
  REQUIRE(files);
  REQUIRE(files->write(with_resource("r1"), false));

  SECTION("content changed behind the signature") {
    std::ofstream(t.path() + "/cib.xml", std::ios::app) << "<!-- tampered -->";
  }
  SECTION("missing signature") {
    fs::remove(t.path() + "/cib.xml.sig");
  }
  SECTION("not XML, with a matching signature") {
    std::ofstream(t.path() + "/cib.xml") << "garbage";
    std::ofstream(t.path() + "/cib.xml.sig") << md5_hex("garbage") << "\n";
  }
  SECTION("does not validate, with a matching signature") {
    const std::string bad = R"(<cib epoch="3" validate-with="pacemaker-3.9"><bogus/></cib>)";
    std::ofstream(t.path() + "/cib.xml") << bad;
    std::ofstream(t.path() + "/cib.xml.sig") << md5_hex(bad) << "\n";
  }
  auto loaded = files->load();
  REQUIRE(loaded);
  REQUIRE(loaded->problem);
  CHECK(loaded->problem->find("cib.xml") != std::string::npos);
  CHECK(loaded->problem->find("cib.xml.corrupt-1") != std::string::npos);
  CHECK(loaded->problem->find("EMPTY CIB") != std::string::npos);
  CHECK(loaded->empty_fallback);
  CHECK_FALSE(loaded->from_disk);
  CHECK(loaded->store.version() == CibVersion{0, 0, 0});
  CHECK_FALSE(fs::exists(t.path() + "/cib.xml"));
  CHECK(fs::exists(t.path() + "/cib.xml.corrupt-1"));
}

TEST_CASE("an unusable state directory is an error") {
  TempDir t;
  std::ofstream(t.path() + "/file") << "x";
  CHECK_FALSE(CibFiles::open(t.path() + "/file"));
  CHECK_FALSE(CibFiles::open(""));
}

// ---- when the disk fails (MemDisk) ---------------------------------------------
// A full disk, an fsync error, a process killed or a power loss between the
// writes of cib.xml and cib.xml.sig. persist_crash_test.cpp stops the write
// at every step.

namespace {

const std::string kDir = "/state/cib";
const std::string kCib = kDir + "/cib.xml";

bool holds(const Store& s, const std::string& id) {
  return s.query("//primitive[@id='" + id + "']").ok();
}

// A disk holding a CIB with r1, written the way the daemon writes it.
struct Fixture {
  MemDisk disk;
  Store first = with_resource("r1");
  Store second = with_resource("r2");
  CibFiles files = open();

  Fixture() { REQUIRE(files.write(first, true)); }

  CibFiles open() {
    auto f = CibFiles::open(kDir, {}, disk);
    REQUIRE(f);
    return std::move(f).value();
  }

  // What a restarted vigil-cib finds.
  LoadResult restart(bool power_lost) {
    disk.restart(power_lost);
    auto loaded = open().load();
    REQUIRE(loaded);
    return std::move(loaded).value();
  }

  bool temporary_files_left() const {
    for (const auto& f : disk.files()) {
      if (f.find(".tmp-") != std::string::npos) return true;
    }
    return false;
  }
};

}  // namespace

TEST_CASE("persist faults: a full disk while cib.xml is written leaves the previous CIB") {
  Fixture fx;
  fx.disk.inject({MemDisk::Op::kAppend, "cib.xml.tmp-", ENOSPC, 0, 1, 100});
  auto st = fx.files.write(fx.second, true);
  REQUIRE_FALSE(st);
  CHECK(st.error().code() == ErrorCode::kIo);
  CHECK(st.error().message().find("No space left on device") != std::string::npos);
  CHECK_FALSE(fx.temporary_files_left());
  // The backup is only taken once both new files are complete: none here.
  CHECK(fx.files.backups().empty());

  LoadResult loaded = fx.restart(false);
  CHECK_FALSE(loaded.problem);
  CHECK(loaded.from_disk);
  CHECK(holds(loaded.store, "r1"));
  CHECK_FALSE(holds(loaded.store, "r2"));
}

TEST_CASE("persist faults: EIO on the fsync of cib.xml's temporary file renames nothing") {
  Fixture fx;
  fx.disk.inject({MemDisk::Op::kSync, "cib.xml.tmp-", EIO, 0, 1, 0});
  auto st = fx.files.write(fx.second, false);
  REQUIRE_FALSE(st);
  CHECK(st.error().message().rfind("fsync " + kCib + ".tmp-", 0) == 0);
  CHECK(st.error().message().find("Input/output error") != std::string::npos);
  CHECK_FALSE(fx.temporary_files_left());
  // Retried by the next change, which then succeeds.
  REQUIRE(fx.files.write(fx.second, false));
  LoadResult loaded = fx.restart(true);
  CHECK_FALSE(loaded.problem);
  CHECK(holds(loaded.store, "r2"));
}

TEST_CASE("persist faults: a full disk while cib.xml.sig is written renames nothing") {
  Fixture fx;
  fx.disk.inject({MemDisk::Op::kAppend, "cib.xml.sig.tmp-", ENOSPC, 0, 1, 0});
  auto st = fx.files.write(fx.second, true);
  REQUIRE_FALSE(st);
  CHECK(st.error().message().find("No space left on device") != std::string::npos);
  // Both halves are written before either is renamed: the pair is r1's.
  CHECK(fx.disk.contents(kCib) == fx.first.to_xml(true));
  CHECK(fx.disk.contents(kCib + ".sig") == md5_hex(fx.first.to_xml(true)) + "\n");
  CHECK_FALSE(fx.temporary_files_left());
  LoadResult loaded = fx.restart(false);
  CHECK_FALSE(loaded.problem);
  CHECK(holds(loaded.store, "r1"));
  CHECK_FALSE(holds(loaded.store, "r2"));
}

TEST_CASE("persist faults: the process dies between the renames of cib.xml and its .sig") {
  Fixture fx;
  fx.disk.inject({MemDisk::Op::kRename, "cib.xml.sig", EIO, 0, 1, 0, true});
  REQUIRE_FALSE(fx.files.write(fx.second, true));

  SECTION("killed, the machine stays up: the start finishes the write from the temporary .sig") {
    LoadResult loaded = fx.restart(false);
    CHECK_FALSE(loaded.problem);
    REQUIRE(loaded.repaired);
    CHECK(loaded.repaired->find("renamed to cib.xml.sig") != std::string::npos);
    CHECK(loaded.from_disk);
    CHECK(holds(loaded.store, "r2"));
    CHECK_FALSE(fx.temporary_files_left());
    CHECK(fx.disk.contents(kCib + ".sig") == md5_hex(fx.second.to_xml(true)) + "\n");
  }
  SECTION("power loss: neither rename was synced, the previous pair is intact") {
    LoadResult loaded = fx.restart(true);
    CHECK_FALSE(loaded.problem);
    CHECK(holds(loaded.store, "r1"));
    CHECK_FALSE(fx.disk.exists(kDir + "/cib-0.raw"));  // the backup's link was not synced
  }
}

TEST_CASE("persist faults: killed before any rename, the next start loads the old CIB") {
  Fixture fx;
  fx.disk.inject({MemDisk::Op::kRename, "cib.xml", EIO, 0, 1, 0, true});
  REQUIRE_FALSE(fx.files.write(fx.second, false));
  CHECK(fx.temporary_files_left());
  LoadResult loaded = fx.restart(false);
  CHECK_FALSE(loaded.problem);
  CHECK_FALSE(loaded.repaired);
  CHECK(holds(loaded.store, "r1"));
  // The start removes what the dead write left.
  CHECK_FALSE(fx.temporary_files_left());
  CibFiles again = fx.open();
  REQUIRE(again.write(fx.second, false));
  CHECK_FALSE(fx.temporary_files_left());
}

TEST_CASE("a corrupt cib.xml falls back to the newest valid backup, checked alike") {
  Fixture fx;
  // Backups: cib-0 (r1), cib-1 (r2), cib-2 (r3); cib.xml is r4.
  REQUIRE(fx.files.write(fx.second, true));
  REQUIRE(fx.files.write(with_resource("r3"), true));
  REQUIRE(fx.files.write(with_resource("r4"), true));
  REQUIRE(fx.files.backups().size() == 3);
  fx.disk.put(kCib, "<cib epoch=\"tampered\"/>");

  SECTION("the newest backup is valid") {
    LoadResult loaded = fx.restart(false);
    REQUIRE(loaded.problem);
    CHECK(loaded.problem->find(kCib + ": content does not match its .sig") != std::string::npos);
    CHECK(loaded.problem->find("using the newest valid backup " + kDir + "/cib-2.raw") !=
          std::string::npos);
    CHECK(loaded.from_disk);
    CHECK_FALSE(loaded.empty_fallback);
    CHECK(loaded.source == kDir + "/cib-2.raw");
    CHECK(holds(loaded.store, "r3"));
    CHECK(fx.disk.contents(kCib + ".corrupt-1") == "<cib epoch=\"tampered\"/>");
    // Copied back in place: the next start is clean.
    LoadResult again = fx.restart(true);
    CHECK_FALSE(again.problem);
    CHECK(holds(again.store, "r3"));
  }
  SECTION("newer backups that are torn, unparsable or invalid are skipped, each with why") {
    fx.disk.put(kDir + "/cib-2.raw", "<cib><configuration>");  // .sig no longer matches
    const std::string bad = "not xml at all";
    fx.disk.put(kDir + "/cib-1.raw", bad);
    fx.disk.put(kDir + "/cib-1.raw.sig", md5_hex(bad) + "\n");
    LoadResult loaded = fx.restart(false);
    REQUIRE(loaded.problem);
    CHECK(loaded.problem->find(kDir + "/cib-2.raw: content does not match") != std::string::npos);
    CHECK(loaded.problem->find(kDir + "/cib-1.raw: signature matches, but") != std::string::npos);
    CHECK(loaded.source == kDir + "/cib-0.raw");
    CHECK(holds(loaded.store, "r1"));
  }
  SECTION("no valid file at all: an empty CIB, said loudly") {
    for (const std::string& b : fx.files.backups()) fx.disk.put(b + ".sig", "0\n");
    LoadResult loaded = fx.restart(false);
    REQUIRE(loaded.problem);
    CHECK(loaded.empty_fallback);
    CHECK_FALSE(loaded.from_disk);
    CHECK(loaded.problem->find("EMPTY CIB") != std::string::npos);
    CHECK(loaded.store.version() == CibVersion{0, 0, 0});
  }
  SECTION("cib.xml missing while backups are there: the newest valid one, as Pacemaker") {
    REQUIRE(fx.disk.unlink(kCib));
    LoadResult loaded = fx.restart(false);
    REQUIRE(loaded.problem);
    CHECK(loaded.problem->find("missing, while backups are there") != std::string::npos);
    CHECK(holds(loaded.store, "r3"));
  }
}

}  // namespace vigil::cibd
