// SPDX-License-Identifier: GPL-2.0-or-later
// CibFiles::write stopped at every step of its sequence (MemDisk): killed
// there, with or without a power loss, or failing there with the process
// going on. Every time, a fresh load() must give the last acknowledged CIB,
// or the one being written once the write got past the rename of cib.xml,
// never a problem or a fallback.
#include <catch2/catch.hpp>
#include <map>
#include <vector>

#include "vigil/cibd/persist.hpp"
#include "vigil/common/md5.hpp"
#include "vigil/common/mem_disk.hpp"

namespace vigil::cibd {
namespace {

const std::string kDir = "/state/cib";
const std::string kCib = kDir + "/cib.xml";

Store with_resources(int n) {
  Store s = Store::empty();
  for (int i = 1; i <= n; ++i) {
    CibRequest r;
    r.op = CibOp::kCreate;
    r.scope = "resources";
    r.payload = "<primitive id=\"r" + std::to_string(i) +
                "\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\"/>";
    REQUIRE(s.apply(r, UpdateMeta{"n1", "t", "root", 0}));
  }
  return s;
}

Store with_status(Store s) {
  CibRequest r;
  r.op = CibOp::kModify;
  r.scope = "status";
  r.payload = R"(<status><node_state id="1" uname="n1" in_ccm="true"/></status>)";
  REQUIRE(s.apply(r, UpdateMeta{"n1", "crmd", "hacluster", 0}));
  return s;
}

CibFiles open_files(MemDisk& disk) {
  auto f = CibFiles::open(kDir, {}, disk);
  REQUIRE(f);
  return std::move(f).value();
}

bool temporary_files_left(const MemDisk& disk) {
  for (const auto& f : disk.files()) {
    if (f.find(".tmp-") != std::string::npos) return true;
  }
  return false;
}

// A disk holding `acked` (written and acknowledged, with one backup
// behind it), and the next CIB about to be written.
struct Scenario {
  MemDisk disk;
  Store acked = with_resources(2);
  Store next;
  bool config_change;

  explicit Scenario(bool config)
      : next(config ? with_resources(3) : with_status(acked.clone())), config_change(config) {
    CibFiles files = open_files(disk);
    REQUIRE(files.write(with_resources(1), true));
    REQUIRE(files.write(acked, true));
  }
};

// A file system without hard links: backups are copied.
void refuse_links(MemDisk& disk) {
  disk.inject({MemDisk::Op::kLink, "", EPERM, 0, 1'000'000, 0});
}

// The changes (Disk calls that alter something) one write makes.
std::size_t changes_of_a_write(bool config, bool links) {
  Scenario sc(config);
  if (!links) refuse_links(sc.disk);
  auto count = [&sc] {
    std::size_t n = 0;
    for (auto op : {MemDisk::Op::kCreate, MemDisk::Op::kAppend, MemDisk::Op::kSync,
                    MemDisk::Op::kClose, MemDisk::Op::kRename, MemDisk::Op::kLink,
                    MemDisk::Op::kUnlink, MemDisk::Op::kMakeDirs, MemDisk::Op::kSyncDir}) {
      n += sc.disk.calls(op);
    }
    return n;
  };
  CibFiles files = open_files(sc.disk);
  const std::size_t before = count();
  const std::size_t links_before = sc.disk.calls(MemDisk::Op::kLink);
  REQUIRE(files.write(sc.next, sc.config_change));
  // A refused link fails before it could change anything: not a step.
  const std::size_t refused = links ? 0 : sc.disk.calls(MemDisk::Op::kLink) - links_before;
  return count() - before - refused;
}

// What a fresh start finds must be one of the two, cleanly.
void check_start(Scenario& sc, bool write_ok, bool past_rename, const std::string& what) {
  INFO(what);
  auto loaded = open_files(sc.disk).load();
  REQUIRE(loaded);
  CHECK_FALSE(loaded->problem);
  CHECK_FALSE(loaded->empty_fallback);
  CHECK(loaded->from_disk);
  const std::string digest = loaded->store.digest();
  const bool is_acked = digest == sc.acked.digest();
  const bool is_next = digest == sc.next.digest();
  CHECK((is_acked || is_next));
  if (write_ok) CHECK(is_next);  // acknowledged: never lost
  if (!past_rename) CHECK(is_acked);
  CHECK_FALSE(temporary_files_left(sc.disk));
  // And the node goes on writing from there.
  CibFiles files = open_files(sc.disk);
  Store later = with_resources(4);
  REQUIRE(files.write(later, true));
  auto again = files.load();
  REQUIRE(again);
  CHECK_FALSE(again->problem);
  CHECK(again->store.digest() == later.digest());
}

}  // namespace

TEST_CASE("persist crash: killed after every step of a write, with and without power loss") {
  // A configuration write (backup by hard links, or copied where links
  // fail) and a status write.
  for (auto [config, links] : {std::pair{true, true}, {true, false}, {false, true}}) {
    const std::size_t steps = changes_of_a_write(config, links);
    REQUIRE(steps >= 8);  // 2 x (create, append, sync, close), 2 renames, a directory fsync
    for (std::size_t k = 0; k <= steps; ++k) {
      for (bool power_lost : {false, true}) {
        Scenario sc(config);
        if (!links) refuse_links(sc.disk);
        CibFiles files = open_files(sc.disk);
        sc.disk.die_after(k);
        const bool ok = files.write(sc.next, config).ok();
        CHECK(ok == (k == steps));
        // The rename of cib.xml is the first change that can show the new
        // CIB: before it (creates, writes, syncs, backup links) only the
        // old pair may come back.
        const bool past_rename = sc.disk.contents(kCib) == sc.next.to_xml(true);
        sc.disk.restart(power_lost);
        sc.disk.clear_faults();
        check_start(sc, ok, past_rename,
                    std::string(config ? "configuration" : "status") +
                        (links ? "" : " (backup copied)") + " write killed after " +
                        std::to_string(k) + " of " + std::to_string(steps) + " changes" +
                        (power_lost ? ", power lost" : ""));
      }
    }
  }
}

TEST_CASE("persist crash: every call of a write failing, the process going on") {
  using Op = MemDisk::Op;
  for (bool config : {true, false}) {
    // Count each kind of call one write makes, then fail each call in turn.
    Scenario probe(config);
    std::map<Op, std::size_t> before;
    const std::vector<Op> ops = {Op::kCreate, Op::kAppend, Op::kSync,   Op::kClose,
                                 Op::kRename, Op::kLink,   Op::kSyncDir};
    for (Op op : ops) before[op] = probe.disk.calls(op);
    {
      CibFiles files = open_files(probe.disk);
      REQUIRE(files.write(probe.next, config));
    }
    for (Op op : ops) {
      const std::size_t n = probe.disk.calls(op) - before[op];
      for (std::size_t skip = 0; skip < n; ++skip) {
        Scenario sc(config);
        CibFiles files = open_files(sc.disk);
        sc.disk.inject({op, "", op == Op::kAppend ? ENOSPC : EIO, skip, 1, 3});
        const auto st = files.write(sc.next, config);
        const std::string what = std::string(config ? "configuration" : "status") +
                                 " write, call " + std::to_string(skip) + " of op " +
                                 std::to_string(static_cast<int>(op)) + " failing";
        INFO(what);
        // A link may fail: the backup is then copied instead.
        if (op != Op::kLink) {
          REQUIRE_FALSE(st);
          CHECK(st.error().code() == ErrorCode::kIo);
          CHECK_FALSE(st.error().message().empty());
        }
        const bool past_rename = sc.disk.contents(kCib) == sc.next.to_xml(true);
        if (!st) {
          // What the daemon does next: the master undid the update and
          // writes its CIB (the acknowledged one) again.
          REQUIRE(files.write(sc.acked, false));
          auto loaded = open_files(sc.disk).load();
          REQUIRE(loaded);
          CHECK_FALSE(loaded->problem);
          CHECK(loaded->store.digest() == sc.acked.digest());
        } else {
          check_start(sc, true, past_rename, what);
        }
      }
    }
  }
}

TEST_CASE("persist crash: a power loss may keep the .sig's rename without cib.xml's") {
  // File systems may commit two renames apart: the new .sig is in place,
  // cib.xml is still the old one, the new cib.xml in its temporary file.
  Scenario sc(true);
  const std::string text = sc.next.to_xml(true);
  sc.disk.put(kDir + "/cib.xml.tmp-abcdef", text);
  sc.disk.put(kCib + ".sig", md5_hex(text) + "\n");
  auto loaded = open_files(sc.disk).load();
  REQUIRE(loaded);
  CHECK_FALSE(loaded->problem);
  REQUIRE(loaded->repaired);
  CHECK(loaded->repaired->find("renamed to cib.xml") != std::string::npos);
  CHECK(loaded->store.digest() == sc.next.digest());
  CHECK(sc.disk.contents(kCib) == text);
}

TEST_CASE("persist crash: a temporary file that does not match is never used") {
  Scenario sc(true);
  // A torn pair (cib.xml changed behind its .sig) beside unrelated temporary
  // files: not finished from them, the newest valid backup is used instead.
  sc.disk.put(kDir + "/cib.xml.sig.tmp-zzzzzz", "0123\n");
  sc.disk.put(kDir + "/cib.xml.tmp-yyyyyy", sc.next.to_xml(true));
  sc.disk.put(kCib, sc.next.to_xml(true));
  auto loaded = open_files(sc.disk).load();
  REQUIRE(loaded);
  CHECK_FALSE(loaded->repaired);
  REQUIRE(loaded->problem);
  CHECK(loaded->problem->find("using the newest valid backup") != std::string::npos);
  CHECK_FALSE(temporary_files_left(sc.disk));
}

}  // namespace vigil::cibd

namespace vigil::cibd {

TEST_CASE("persist crash: a node's first write killed at every step") {
  // Nothing acknowledged yet: a start finds a new node (empty, no problem)
  // or the first CIB once its rename happened; never a fallback.
  const Store first = with_resources(1);
  for (std::size_t k = 0; k <= 12; ++k) {
    for (bool power_lost : {false, true}) {
      INFO("first write killed after " << k << " changes" << (power_lost ? ", power lost" : ""));
      MemDisk disk;
      CibFiles files = open_files(disk);
      disk.die_after(k);
      const bool ok = files.write(first, true).ok();
      disk.restart(power_lost);
      auto loaded = open_files(disk).load();
      REQUIRE(loaded);
      CHECK_FALSE(loaded->problem);
      CHECK_FALSE(loaded->empty_fallback);
      if (ok) CHECK(loaded->store.digest() == first.digest());
      const bool empty = loaded->store.version() == CibVersion{0, 0, 0};
      CHECK((empty || loaded->store.digest() == first.digest()));
      CHECK_FALSE(temporary_files_left(disk));
    }
  }
}

}  // namespace vigil::cibd
