// SPDX-License-Identifier: GPL-2.0-or-later
// The Disk contract, checked alike on the real file system and on MemDisk,
// then MemDisk's faults and crash model.
#include "vigil/common/disk.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "temp_dir.hpp"
#include "vigil/common/mem_disk.hpp"

using namespace vigil;

namespace {

// What every Disk does, under `root` (an existing, empty directory).
void check_contract(Disk& disk, const std::string& root) {
  const std::string dir = root + "/a/b";
  REQUIRE(disk.make_dirs(dir, 0750));
  REQUIRE(disk.make_dirs(dir, 0750));  // existing: fine
  CHECK(disk.exists(root + "/a"));

  auto created = disk.create_unique(dir + "/f.tmp-", 0640);
  REQUIRE(created);
  CHECK(created->path.rfind(dir + "/f.tmp-", 0) == 0);
  CHECK(created->path.size() == dir.size() + 7 + 6);
  REQUIRE(created->file->append("hello "));
  REQUIRE(created->file->append("world"));
  REQUIRE(created->file->sync());
  REQUIRE(created->file->close());
  CHECK(*disk.read(created->path) == "hello world");

  REQUIRE(disk.rename(created->path, dir + "/f"));
  CHECK_FALSE(disk.exists(created->path));
  REQUIRE(disk.link(dir + "/f", dir + "/g"));
  CHECK_FALSE(disk.link(dir + "/f", dir + "/g"));  // exists
  REQUIRE(write_file_atomically(disk, dir + "/f", "new"));
  CHECK(*disk.read(dir + "/f") == "new");
  CHECK(*disk.read(dir + "/g") == "hello world");  // the old file, under its other name
  CHECK(*disk.list(dir) == std::vector<std::string>{"f", "g"});
  CHECK(*disk.list(root + "/a") == std::vector<std::string>{"b"});
  REQUIRE(disk.sync_dir(dir));

  REQUIRE(disk.unlink(dir + "/g"));
  CHECK(disk.unlink(dir + "/g").error().code() == ErrorCode::kNotFound);
  auto missing = disk.read(dir + "/g");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == ErrorCode::kNotFound);
  CHECK(missing.error().message().rfind("read " + dir + "/g: ", 0) == 0);
  CHECK(disk.list(root + "/nope").error().code() == ErrorCode::kNotFound);

  // A file in the way of a directory.
  CHECK_FALSE(disk.make_dirs(dir + "/f/sub", 0750));
  CHECK_FALSE(disk.make_dirs(dir + "/f", 0750));
  // An atomic write into a missing directory fails and leaves nothing.
  CHECK(write_file_atomically(disk, root + "/nope/x", "x").error().code() == ErrorCode::kNotFound);
  CHECK(*disk.list(root) == std::vector<std::string>{"a"});
}

}  // namespace

TEST_CASE("disk contract: the real file system") {
  test::TempDir t;
  check_contract(real_disk(), t.path());
  // Modes are the ones asked for, whatever the umask.
  const mode_t old = ::umask(077);
  REQUIRE(write_file_atomically(real_disk(), t / "m", "x", {0644, false, ""}));
  REQUIRE(real_disk().make_dirs(t / "d", 0750));
  ::umask(old);
  struct stat st {};
  REQUIRE(::stat((t / "m").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0644);
  REQUIRE(::stat((t / "d").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0750);
}

TEST_CASE("disk contract: MemDisk") {
  MemDisk disk;
  REQUIRE(disk.make_dirs("/root", 0700));
  check_contract(disk, "/root");
  CHECK(disk.files() == std::vector<std::string>{"/root/a/b/f"});
  CHECK(disk.calls(MemDisk::Op::kRename) == 2);
}

TEST_CASE("MemDisk: a power loss keeps synced contents under synced names only") {
  MemDisk disk;
  disk.put("/d/old", "durable");
  auto f = disk.create_unique("/d/new-", 0640);
  REQUIRE(f);
  REQUIRE(f->file->append("synced"));
  REQUIRE(f->file->sync());
  REQUIRE(f->file->append(" and not"));
  REQUIRE(disk.sync_dir("/d"));                  // the new name is durable now
  REQUIRE(disk.rename("/d/old", "/d/renamed"));  // this is not
  REQUIRE(write_file_atomically(disk, "/d/unsynced-name", "x"));

  SECTION("the process dies, the machine stays up: everything done is there") {
    disk.restart(false);
    CHECK(disk.contents(f->path) == "synced and not");
    CHECK(disk.contents("/d/renamed") == "durable");
    CHECK(disk.contents("/d/unsynced-name") == "x");
  }
  SECTION("power loss") {
    disk.restart(true);
    CHECK(disk.contents(f->path) == "synced");
    CHECK(disk.contents("/d/old") == "durable");
    CHECK_FALSE(disk.contents("/d/renamed"));
    CHECK_FALSE(disk.contents("/d/unsynced-name"));
  }
  // The old process's open file is dead either way.
  CHECK_FALSE(f->file->append("late"));
}

TEST_CASE("MemDisk: injected faults hit the matching calls only") {
  MemDisk disk;
  disk.put("/d/cib.xml", "old");
  disk.inject({MemDisk::Op::kAppend, "cib.xml", ENOSPC, 1, 1, 3});
  REQUIRE(write_file_atomically(disk, "/d/other", "a"));     // another path
  REQUIRE(write_file_atomically(disk, "/d/cib.xml", "v1"));  // skipped once
  auto full = write_file_atomically(disk, "/d/cib.xml", "v2-longer");
  REQUIRE_FALSE(full);
  CHECK(full.error().code() == ErrorCode::kIo);
  CHECK(full.error().message().find("No space left on device") != std::string::npos);
  CHECK(disk.contents("/d/cib.xml") == "v1");                                 // untouched
  CHECK(disk.files() == std::vector<std::string>{"/d/cib.xml", "/d/other"});  // no temp left
  REQUIRE(write_file_atomically(disk, "/d/cib.xml", "v3"));                   // spent

  disk.inject({MemDisk::Op::kSync, "", EIO, 0, 2, 0});
  CHECK(write_file_atomically(disk, "/d/x", "x").error().message().find("fsync /d/x.tmp-") == 0);
  CHECK_FALSE(write_file_atomically(disk, "/d/x", "x"));
  REQUIRE(write_file_atomically(disk, "/d/x", "x"));
  REQUIRE(write_file_atomically(disk, "/d/y", "y", {0640, false, ""}));  // no fsync asked
  CHECK(disk.calls(MemDisk::Op::kSync) == 6);
}

TEST_CASE("MemDisk: a full disk writes what fits, then ENOSPC") {
  MemDisk disk;
  disk.put("/d/a", "12345");
  disk.set_capacity(8);
  auto f = disk.create_unique("/d/b-", 0640);
  REQUIRE(f);
  auto st = f->file->append("abcdef");
  REQUIRE_FALSE(st);
  CHECK(st.error().message().find("No space left on device") != std::string::npos);
  CHECK(disk.contents(f->path) == "abc");
  REQUIRE(disk.unlink("/d/a"));
  REQUIRE(f->file->append("def"));
  disk.set_capacity(std::nullopt);
  REQUIRE(f->file->append(std::string(100, 'x')));
}

TEST_CASE("MemDisk: a process that dies fails every later call until restarted") {
  MemDisk disk;
  disk.die_after(3);  // create, append, sync succeed; close is the first to fail
  auto st = write_file_atomically(disk, "/x", "data");
  REQUIRE_FALSE(st);
  CHECK(st.error().message() == "close /x.tmp-000001: Input/output error");
  CHECK_FALSE(disk.exists("/x.tmp-000001"));  // not even a read works
  disk.restart(false);
  CHECK(disk.contents("/x.tmp-000001") == "data");  // left behind by the dead process
  REQUIRE(write_file_atomically(disk, "/x", "data"));

  // Death at a chosen call: the rename of one file.
  disk.inject({MemDisk::Op::kRename, "/x", EIO, 0, 1, 0, true});
  CHECK_FALSE(write_file_atomically(disk, "/x", "again"));
  CHECK_FALSE(write_file_atomically(disk, "/z", "z"));  // nothing works any more
  disk.restart(false);
  CHECK(disk.contents("/x") == "data");
  CHECK(disk.files() == std::vector<std::string>{"/x", "/x.tmp-000001", "/x.tmp-000003"});
}
