// SPDX-License-Identifier: GPL-2.0-or-later
// The CIB on disk, in $state/cib/: cib.xml and cib.xml.sig (the MD5 of
// cib.xml's bytes, hex, as Pacemaker writes it), plus numbered backups of
// earlier configurations, cib-N.raw and cib-N.raw.sig.
//
// Every file operation goes through a Disk (vigil/common/disk.hpp): the real
// file system in the daemon, MemDisk in tests that fill the disk, fail an
// fsync or stop the process between two writes.
//
// Writes are atomic: a temporary file in the same directory is written,
// fsynced and renamed over the target (write_file_atomically), then the
// directory is fsynced; the .sig is written the same way after cib.xml.
// Before a configuration change overwrites cib.xml, the previous file is
// kept as the next backup and only the newest `max_backups` are kept.
//
// load(): a missing cib.xml is an empty CIB. A file that does not match its
// .sig (or has none), does not parse or does not validate is moved aside as
// cib.xml.corrupt-<n> (its .sig too) and reported in the result's
// `problem`; the caller then starts empty, so a peer's copy wins at sync.
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
  // Set when a file was found unusable: "cib.xml: ... (moved to ...)".
  std::optional<std::string> problem;
  bool from_disk = false;
};

class CibFiles {
 public:
  // `dir` is $state/cib; created (0750) when missing. `disk` must outlive
  // the CibFiles.
  static Result<CibFiles> open(std::string dir, PersistOptions options = {},
                               Disk& disk = real_disk());

  Result<LoadResult> load() const;
  // Writes the store; `keep_backup` keeps the file being replaced as
  // cib-N.raw first (configuration changes).
  Status write(const Store& store, bool keep_backup);

  const std::string& dir() const { return dir_; }
  std::string cib_path() const { return dir_ + "/cib.xml"; }
  // The backups present, oldest first (full paths).
  std::vector<std::string> backups() const;

 private:
  CibFiles(std::string dir, PersistOptions options, Disk& disk)
      : dir_(std::move(dir)), options_(options), disk_(&disk) {}
  std::string dir_;
  PersistOptions options_;
  Disk* disk_;
};

}  // namespace vigil::cibd
