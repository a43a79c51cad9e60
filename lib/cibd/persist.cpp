// SPDX-License-Identifier: GPL-2.0-or-later
// cib.xml, its .sig and the numbered backups (see persist.hpp).
#include "vigil/cibd/persist.hpp"

#include <algorithm>
#include <cctype>

#include "vigil/common/md5.hpp"

namespace vigil::cibd {
namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

// Backup numbers present (cib-N.raw), sorted.
std::vector<long> backup_numbers(Disk& disk, const std::string& dir) {
  std::vector<long> out;
  auto names = disk.list(dir);
  if (!names) return out;
  for (const std::string& name : *names) {
    if (name.size() < 9 || name.compare(0, 4, "cib-") != 0 ||
        name.compare(name.size() - 4, 4, ".raw") != 0) {
      continue;
    }
    const std::string num = name.substr(4, name.size() - 8);
    if (num.empty() || !std::all_of(num.begin(), num.end(), ::isdigit) || num.size() > 9) continue;
    out.push_back(std::stol(num));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Moves cib.xml (and its .sig) aside as cib.xml.corrupt-<n>.
std::string move_aside(Disk& disk, const std::string& dir) {
  const std::string cib = dir + "/cib.xml";
  for (int n = 1; n < 100000; ++n) {
    const std::string dest = cib + ".corrupt-" + std::to_string(n);
    if (disk.exists(dest)) continue;
    if (Status s = disk.rename(cib, dest); !s) {
      return "could not be moved aside (" + s.error().message() + ")";
    }
    (void)disk.rename(cib + ".sig", dest + ".sig");
    (void)disk.sync_dir(dir);  // best effort: the move is a safety measure
    return "moved to " + dest;
  }
  return "not moved: too many corrupt copies";
}

}  // namespace

Result<CibFiles> CibFiles::open(std::string dir, PersistOptions options, Disk& disk) {
  if (dir.empty()) return Error(ErrorCode::kInvalidInput, "empty CIB directory");
  if (Status s = disk.make_dirs(dir, 0750); !s) return s.error();
  return CibFiles(std::move(dir), options, disk);
}

Result<LoadResult> CibFiles::load() const {
  const std::string path = cib_path();
  auto text = disk_->read(path);
  if (!text && text.error().code() == ErrorCode::kNotFound) {
    return LoadResult{Store::empty(), std::nullopt, false};
  }
  std::string reason;
  if (!text) {
    reason = text.error().message();
  } else {
    auto sig = disk_->read(path + ".sig");
    if (!sig) {
      reason = "no signature file cib.xml.sig";
    } else if (trim(*sig) != md5_hex(*text)) {
      reason = "content does not match cib.xml.sig (expected " + trim(*sig) + ", got " +
               md5_hex(*text) + ")";
    } else {
      auto store = Store::from_xml(*text, true);
      if (store) return LoadResult{std::move(store).value(), std::nullopt, true};
      reason = store.error().message();
    }
  }
  const std::string where = move_aside(*disk_, dir_);
  return LoadResult{Store::empty(), path + ": unusable, " + reason + "; " + where, false};
}

Status CibFiles::write(const Store& store, bool keep_backup) {
  Disk& disk = *disk_;
  const std::string path = cib_path();
  if (keep_backup && disk.exists(path)) {
    const std::vector<long> nums = backup_numbers(disk, dir_);
    const long next = nums.empty() ? 0 : nums.back() + 1;
    const std::string raw = dir_ + "/cib-" + std::to_string(next) + ".raw";
    // Hard links keep the old files' inodes under the backup names: the
    // atomic renames below then only move the names. Copy when links are
    // not possible (or the old .sig is missing).
    if (!disk.link(path, raw)) {
      auto old = disk.read(path);
      if (!old) return old.error();
      if (Status s = write_file_atomically(disk, raw, *old); !s) return s;
      if (Status s = write_file_atomically(disk, raw + ".sig", md5_hex(*old) + "\n"); !s) return s;
    } else if (!disk.link(path + ".sig", raw + ".sig")) {
      auto old = disk.read(raw);
      if (!old) return old.error();
      if (Status s = write_file_atomically(disk, raw + ".sig", md5_hex(*old) + "\n"); !s) return s;
    }
    // Keep the newest max_backups (the new one included).
    std::vector<long> all = nums;
    all.push_back(next);
    while (all.size() > options_.max_backups) {
      const std::string victim = dir_ + "/cib-" + std::to_string(all.front()) + ".raw";
      (void)disk.unlink(victim);
      (void)disk.unlink(victim + ".sig");
      all.erase(all.begin());
    }
  }
  const std::string text = store.to_xml(true);
  if (Status s = write_file_atomically(disk, path, text); !s) return s;
  if (Status s = write_file_atomically(disk, path + ".sig", md5_hex(text) + "\n"); !s) return s;
  return disk.sync_dir(dir_);
}

std::vector<std::string> CibFiles::backups() const {
  std::vector<std::string> out;
  for (long n : backup_numbers(*disk_, dir_)) {
    out.push_back(dir_ + "/cib-" + std::to_string(n) + ".raw");
  }
  return out;
}

}  // namespace vigil::cibd
