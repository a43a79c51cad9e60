// SPDX-License-Identifier: GPL-2.0-or-later
// MemDisk: a Disk in memory for tests and simulations, with faults on demand
// (FoundationDB's non-durable files, LevelDB's fault-injection tests).
//
// It keeps two states: what a running process sees, and what would survive
// a power loss. A file's contents survive up to its last sync(); a name
// (created, renamed, linked, unlinked) survives once its directory was
// synced. Directories themselves are durable at once; permissions are not
// modelled. Three ways to fail:
// - inject(): the n-th matching call fails with an errno (ENOSPC, EIO ...),
//   an append possibly after writing part of its data (a short write), or
//   the process dies right there;
// - set_capacity(): appends beyond the capacity write what fits, then fail
//   with ENOSPC (a full disk);
// - die_after(n): the process dies after n more changes; every later call
//   fails with EIO until restart(), which models a new process on the same
//   disk, after a power loss or not.
#pragma once

#include <cerrno>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "vigil/common/disk.hpp"

namespace vigil {

class MemDisk final : public Disk {
 public:
  enum class Op {
    kCreate,
    kAppend,
    kSync,
    kClose,
    kRead,
    kExists,
    kRename,
    kLink,
    kUnlink,
    kList,
    kMakeDirs,
    kSyncDir
  };

  struct Fault {
    Op op = Op::kAppend;
    std::string path_contains;  // matched against the path (either path of a rename/link)
    int error = EIO;
    std::size_t skip = 0;   // matching calls that succeed first
    std::size_t times = 1;  // matching calls that fail, then the fault is spent
    std::size_t keep = 0;   // kAppend: bytes written before the error
    bool die = false;       // the process dies at this call (see die_after)
  };

  MemDisk();
  ~MemDisk() override;

  void inject(Fault fault);
  void clear_faults();
  // Total bytes all files may hold; nullopt: unlimited.
  void set_capacity(std::optional<std::size_t> bytes);
  void die_after(std::size_t changes);
  // A new process on this disk: calls work again; open files of the old one
  // are dead. With `power_lost`, unsynced contents and names are gone first.
  void restart(bool power_lost);

  // Inspection and setup, never failing and never counted.
  std::optional<std::string> contents(const std::string& path) const;
  std::vector<std::string> files() const;  // every file's path, sorted
  std::size_t calls(Op op) const;
  // A file holding `data`, synced, its name durable (and its directories).
  void put(const std::string& path, std::string_view data);

  Result<NewFile> create_unique(const std::string& prefix, unsigned mode) override;
  Result<std::string> read(const std::string& path) override;
  bool exists(const std::string& path) override;
  Status rename(const std::string& from, const std::string& to) override;
  Status link(const std::string& from, const std::string& to) override;
  Status unlink(const std::string& path) override;
  Result<std::vector<std::string>> list(const std::string& dir) override;
  Status make_dirs(const std::string& dir, unsigned mode) override;
  Status sync_dir(const std::string& dir) override;

 private:
  struct Inode;
  class File;

  // Counts the call and applies faults and death; an errno when it fails.
  int enter(Op op, const std::string& path, const std::string& other = {},
            std::size_t* keep = nullptr);
  std::size_t used() const;

  using Names = std::map<std::string, std::shared_ptr<Inode>>;
  Names live_;     // what the running process sees
  Names durable_;  // what a power loss leaves
  std::set<std::string> dirs_;
  std::vector<Fault> faults_;
  std::map<Op, std::size_t> calls_;
  std::optional<std::size_t> capacity_;
  std::optional<std::size_t> changes_left_;  // until the process dies
  bool dead_ = false;
  unsigned generation_ = 0;  // bumped by restart(): older files are dead
  unsigned next_unique_ = 0;
};

}  // namespace vigil
