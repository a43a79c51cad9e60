// SPDX-License-Identifier: GPL-2.0-or-later
// cib.xml, its .sig and the numbered backups (see persist.hpp).
//
// The write sequence, and why in this order (Pacemaker's
// cib_file_write_with_digest writes the same files, without the recovery):
//   1. cib.xml.tmp-X      <- the new CIB, fsynced, closed
//   2. cib.xml.sig.tmp-Y  <- its MD5, fsynced, closed
//   3. (configuration change) the current pair gets a second name,
//      cib-N.raw(.sig), and the oldest backups beyond max_backups go
//   4. rename cib.xml.tmp-X -> cib.xml
//   5. rename cib.xml.sig.tmp-Y -> cib.xml.sig
//   6. fsync the directory; only now is the write reported done
// Both halves of the new pair are complete and durable before any name
// changes, so every prefix of the sequence is recoverable: up to 3 the old
// pair is intact (temporary files are removed at the next start); after 4
// the new cib.xml sits with the old .sig and the new .sig, complete, under
// its temporary name, which load() renames into place. Before 6 a power
// loss may keep either rename without the other (file systems commit
// renames apart), and either half is again finishable from the other's
// temporary file. cib.xml goes first, as in Pacemaker, so that readers of
// cib.xml alone (crm_verify --xml-file, an administrator) see the new
// configuration at once. A half-finished pair is only completed when its
// other half matches it exactly; anything else is corrupt and the backups
// are tried, newest first.
#include "vigil/cibd/persist.hpp"

#include <algorithm>
#include <cctype>

#include "vigil/common/md5.hpp"

namespace vigil::cibd {
namespace {

constexpr const char* kCibTemp = "cib.xml.tmp-";
constexpr const char* kSigTemp = "cib.xml.sig.tmp-";

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

bool starts_with(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
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

// A file and its .sig as a CIB: the store, or why not.
Result<Store> check_pair(Disk& disk, const std::string& path) {
  auto text = disk.read(path);
  if (!text) return text.error();
  auto sig = disk.read(path + ".sig");
  if (!sig) {
    return Error(ErrorCode::kInvalidInput, "no signature file (" + sig.error().message() + ")");
  }
  const std::string actual = md5_hex(*text);
  if (trim(*sig) != actual) {
    return Error(ErrorCode::kInvalidInput, "content does not match its .sig (expected " +
                                               trim(*sig) + ", got " + actual + ")");
  }
  auto store = Store::from_xml(*text, true);
  if (!store) {
    return Error(store.error().code(), "signature matches, but " + store.error().message());
  }
  return store;
}

// The new file for one half of the pair: complete and fsynced, not renamed.
Result<NewFile> write_temp(Disk& disk, const std::string& prefix, std::string_view data) {
  auto created = disk.create_unique(prefix, 0640);
  if (!created) return created.error();
  NewFile tmp = std::move(created).value();
  Status st = tmp.file->append(data);
  if (st) st = tmp.file->sync();
  if (st) st = tmp.file->close();
  if (!st) {
    tmp.file.reset();
    (void)disk.unlink(tmp.path);  // best effort: the error that matters is st
    return st.error();
  }
  return tmp;
}

}  // namespace

Result<CibFiles> CibFiles::open(std::string dir, PersistOptions options, Disk& disk) {
  if (dir.empty()) return Error(ErrorCode::kInvalidInput, "empty CIB directory");
  if (Status s = disk.make_dirs(dir, 0750); !s) return s.error();
  return CibFiles(std::move(dir), options, disk);
}

// cib.xml and cib.xml.sig disagree: a write stopped between its renames
// when the missing half is complete under its temporary name. Renames it
// into place and says what it did; nullopt when no temporary file fits.
std::optional<std::string> CibFiles::finish_interrupted_write() const {
  Disk& disk = *disk_;
  const std::string path = cib_path();
  auto names = disk.list(dir_);
  if (!names) return std::nullopt;
  auto text = disk.read(path);
  auto sig = disk.read(path + ".sig");
  for (const std::string& name : *names) {
    const std::string temp = dir_ + "/" + name;
    if (starts_with(name, kSigTemp) && text) {
      auto candidate = disk.read(temp);
      if (candidate && trim(*candidate) == md5_hex(*text) && disk.rename(temp, path + ".sig") &&
          disk.sync_dir(dir_)) {
        return "cib.xml was in place, its .sig still in " + temp + ": renamed to cib.xml.sig";
      }
    } else if (starts_with(name, kCibTemp) && sig) {
      auto candidate = disk.read(temp);
      if (candidate && md5_hex(*candidate) == trim(*sig) && disk.rename(temp, path) &&
          disk.sync_dir(dir_)) {
        return "cib.xml.sig was in place, its cib.xml still in " + temp + ": renamed to cib.xml";
      }
    }
  }
  return std::nullopt;
}

// Temporary files of writes that never finished (no longer needed once the
// pair in place is settled).
void CibFiles::remove_leftovers() const {
  auto names = disk_->list(dir_);
  if (!names) return;
  for (const std::string& name : *names) {
    if (starts_with(name, "cib") && name.find(".tmp-") != std::string::npos) {
      (void)disk_->unlink(dir_ + "/" + name);
    }
  }
}

Result<LoadResult> CibFiles::load() const {
  Disk& disk = *disk_;
  const std::string path = cib_path();
  LoadResult out{Store::empty(), std::nullopt, std::nullopt, false, {}, false};
  const bool present = disk.exists(path);
  std::vector<std::string> rejected;
  if (present) {
    auto store = check_pair(disk, path);
    if (!store && store.error().code() == ErrorCode::kInvalidInput) {
      // A missing or mismatching .sig may be an interrupted write (finished
      // only when a temporary file matches exactly).
      if (auto done = finish_interrupted_write()) {
        out.repaired = *done;
        store = check_pair(disk, path);
      }
    }
    if (store) {
      out.store = std::move(store).value();
      out.from_disk = true;
      out.source = path;
      remove_leftovers();
      return out;
    }
    rejected.push_back(path + ": " + store.error().message() + " (" + move_aside(disk, dir_) + ")");
  }
  const std::vector<long> nums = backup_numbers(disk, dir_);
  if (!present && nums.empty()) {
    // A node that never wrote a CIB: no problem. A lone .sig or temporary
    // file of a first write that never finished is finished if it can be.
    if (auto done = finish_interrupted_write()) {
      if (auto store = check_pair(disk, path)) {
        out.store = std::move(store).value();
        out.from_disk = true;
        out.source = path;
        out.repaired = *done;
      }
    }
    remove_leftovers();
    return out;
  }
  if (!present) rejected.push_back(path + ": missing, while backups are there");
  for (auto it = nums.rbegin(); it != nums.rend(); ++it) {
    const std::string raw = dir_ + "/cib-" + std::to_string(*it) + ".raw";
    auto store = check_pair(disk, raw);
    if (!store) {
      rejected.push_back(raw + ": " + store.error().message());
      continue;
    }
    out.store = std::move(store).value();
    out.from_disk = true;
    out.source = raw;
    break;
  }
  std::string problem;
  for (const std::string& r : rejected) problem += (problem.empty() ? "" : "; ") + r;
  if (out.from_disk) {
    problem += "; using the newest valid backup " + out.source + " (version " +
               out.store.version().to_string() + ")";
    // Back in place, so that the next start does not go through this again.
    auto copy = disk.read(out.source);
    if (!copy || !write_file_atomically(disk, path, *copy) ||
        !write_file_atomically(disk, path + ".sig", md5_hex(*copy) + "\n") ||
        !disk.sync_dir(dir_)) {
      problem += " (it could not be copied back to cib.xml)";
    } else {
      problem += ", copied back to cib.xml";
    }
  } else {
    out.empty_fallback = true;
    problem += "; no valid CIB file is left: starting with an EMPTY CIB";
  }
  out.problem = problem;
  remove_leftovers();
  return out;
}

// Step 3: the pair in place keeps a second name before it is replaced.
Status CibFiles::archive_current() {
  Disk& disk = *disk_;
  const std::string path = cib_path();
  const std::vector<long> nums = backup_numbers(disk, dir_);
  const long next = nums.empty() ? 0 : nums.back() + 1;
  const std::string raw = dir_ + "/cib-" + std::to_string(next) + ".raw";
  // Hard links keep the old files' inodes under the backup names: the
  // renames then only move the names. Copy when links are not possible
  // (or the old .sig is missing).
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
  return ok_status();
}

Status CibFiles::write(const Store& store, bool keep_backup) {
  Disk& disk = *disk_;
  const std::string path = cib_path();
  const std::string text = store.to_xml(true);
  auto cib_tmp = write_temp(disk, dir_ + "/" + kCibTemp, text);  // 1
  if (!cib_tmp) return cib_tmp.error();
  auto sig_tmp = write_temp(disk, dir_ + "/" + kSigTemp, md5_hex(text) + "\n");  // 2
  Status st = sig_tmp ? ok_status() : Status(sig_tmp.error());
  if (st && keep_backup && disk.exists(path)) st = archive_current();  // 3
  if (st) st = disk.rename(cib_tmp->path, path);                       // 4
  if (!st) {
    (void)disk.unlink(cib_tmp->path);  // best effort: nothing was renamed
    if (sig_tmp) (void)disk.unlink(sig_tmp->path);
    return st;
  }
  // From here the new pair can be finished from its temporary .sig.
  if (Status s = disk.rename(sig_tmp->path, path + ".sig"); !s) return s;  // 5
  return disk.sync_dir(dir_);                                              // 6
}

std::vector<std::string> CibFiles::backups() const {
  std::vector<std::string> out;
  for (long n : backup_numbers(*disk_, dir_)) {
    out.push_back(dir_ + "/cib-" + std::to_string(n) + ".raw");
  }
  return out;
}

}  // namespace vigil::cibd
