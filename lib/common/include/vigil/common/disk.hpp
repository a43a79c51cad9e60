// SPDX-License-Identifier: GPL-2.0-or-later
// Disk: the file operations Vigil's persistence needs (vigil-cib's cib.xml,
// vigil-pengine's saved inputs), behind an interface in the manner of
// LevelDB's Env, scoped small. The same code then runs over the real file
// system (real_disk()) and over MemDisk (mem_disk.hpp), which fills up,
// fails an fsync, dies between two renames or loses what was not synced, so
// tests see what the code does then.
//
// Errors carry the operation and the path ("write /var/lib/vigil/cib/
// cib.xml.tmp-x1Yz2Q: No space left on device"): kNotFound when the file or
// directory does not exist, else kIo.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/common/result.hpp"

namespace vigil {

// A file being written. Destroying it closes it (errors are then lost).
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Writes all of `data` at the end, or fails (part of it may be written).
  virtual Status append(std::string_view data) = 0;
  // fsync: what was appended survives a crash once this returns.
  virtual Status sync() = 0;
  virtual Status close() = 0;
};

struct NewFile {
  std::string path;
  std::unique_ptr<WritableFile> file;
};

class Disk {
 public:
  virtual ~Disk() = default;

  // A new, empty file named `prefix` followed by six characters that make
  // the name unique (mkstemp), with permissions `mode`.
  virtual Result<NewFile> create_unique(const std::string& prefix, unsigned mode) = 0;
  virtual Result<std::string> read(const std::string& path) = 0;
  virtual bool exists(const std::string& path) = 0;
  // Atomically gives `from`'s file the name `to`, replacing what was there.
  virtual Status rename(const std::string& from, const std::string& to) = 0;
  // A second name for the same file (a hard link); `to` must not exist.
  virtual Status link(const std::string& from, const std::string& to) = 0;
  virtual Status unlink(const std::string& path) = 0;
  // The names in `dir` (without "." and ".."), sorted.
  virtual Result<std::vector<std::string>> list(const std::string& dir) = 0;
  // Creates `dir` and its missing parents. `dir` gets `mode` even when it
  // existed; something in the way that is not a directory, or a `dir` we
  // cannot write to, is an error.
  virtual Status make_dirs(const std::string& dir, unsigned mode) = 0;
  // fsync of a directory: the names created, renamed or removed in it
  // survive a crash once this returns.
  virtual Status sync_dir(const std::string& dir) = 0;
};

// The real file system (POSIX calls). Stateless: one instance serves all.
Disk& real_disk();

// How Disk implementations report a failed call: "<what>: <strerror>",
// kNotFound for ENOENT, else kIo.
Error disk_error(const std::string& what, int err);

struct AtomicWrite {
  unsigned mode = 0640;
  bool sync = true;         // fsync the file before it is renamed into place
  std::string temp_prefix;  // empty: "<path>.tmp-"
};

// Writes `data` to a new temporary file (beside `path` unless temp_prefix
// says otherwise), fsyncs it (how.sync) and renames it over `path`: a reader
// sees the old file or the new one, never a part. On failure the temporary
// file is removed and `path` is as it was. The directory is not synced: a
// caller that writes several files syncs it once after the last.
Status write_file_atomically(Disk& disk, const std::string& path, std::string_view data,
                             const AtomicWrite& how = {});

}  // namespace vigil
