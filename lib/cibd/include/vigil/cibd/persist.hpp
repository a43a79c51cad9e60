// SPDX-License-Identifier: GPL-2.0-or-later
// The CIB on disk, in $state/cib/: cib.xml and cib.xml.sig (the MD5 of
// cib.xml's bytes, hex, as Pacemaker writes it), plus numbered backups of
// earlier configurations, cib-N.raw and cib-N.raw.sig (Pacemaker's archive).
//
// Every file operation goes through a Disk (vigil/common/disk.hpp): the real
// file system in the daemon, MemDisk in tests that fill the disk, fail an
// fsync or stop the process at any step.
//
// write(): both new files are complete and fsynced under temporary names
// before either name changes, so every crash leaves either the old pair or
// a pair that load() can finish (the order and why: persist.cpp). A write
// that returns ok is on disk (directory fsynced); one that fails changes
// nothing that load() would return, except after the rename of cib.xml
// itself (see write()).
//
// load(): cib.xml when it matches its .sig, parses and validates. Else an
// interrupted write is finished when its other half is there, complete.
// Else cib.xml is moved aside (cib.xml.corrupt-N, with the reason) and the
// newest backup that passes the same checks is used and put back in place;
// only when no file is valid does the node start with an empty CIB, and the
// result says so. A missing cib.xml with backups beside it is treated like
// a corrupt one, as Pacemaker does.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "vigil/cibd/store.hpp"
#include "vigil/common/disk.hpp"
#include "vigil/common/result.hpp"

namespace vigil::cibd {

struct PersistOptions {
  std::size_t max_backups = 100;
};

struct LoadResult {
  Store store;
  // Set when cib.xml could not be used as it was: every file rejected with
  // its reason, and what was used instead.
  std::optional<std::string> problem;
  // Set when an interrupted write was finished: which half was put in place.
  std::optional<std::string> repaired;
  bool from_disk = false;
  // The file the CIB came from (cib.xml or a backup); empty when empty.
  std::string source;
  // Files were there but none was valid: the CIB is empty. Say so loudly.
  bool empty_fallback = false;
};

class CibFiles {
 public:
  // `dir` is $state/cib; created (0750) when missing. `disk` must outlive
  // the CibFiles.
  static Result<CibFiles> open(std::string dir, PersistOptions options = {},
                               Disk& disk = real_disk());

  Result<LoadResult> load() const;
  // Writes the store; `keep_backup` keeps the file being replaced as
  // cib-N.raw first (configuration changes). A failure before cib.xml is
  // renamed leaves the previous pair. A failure after it (the .sig's rename
  // or the directory's fsync) leaves the new pair finishable: a crash before
  // the next successful write may bring this CIB back at start.
  Status write(const Store& store, bool keep_backup);

  const std::string& dir() const { return dir_; }
  std::string cib_path() const { return dir_ + "/cib.xml"; }
  // The backups present, oldest first (full paths).
  std::vector<std::string> backups() const;

 private:
  CibFiles(std::string dir, PersistOptions options, Disk& disk)
      : dir_(std::move(dir)), options_(options), disk_(&disk) {}
  Status archive_current();
  std::optional<std::string> finish_interrupted_write() const;
  void remove_leftovers() const;
  std::string dir_;
  PersistOptions options_;
  Disk* disk_;
};

}  // namespace vigil::cibd
