// SPDX-License-Identifier: GPL-2.0-or-later
// cib.xml, its .sig and the numbered backups (see persist.hpp).
#include "vigil/cibd/persist.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "vigil/common/md5.hpp"

namespace vigil::cibd {
namespace {

namespace fs = std::filesystem;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    const int f = fd_;
    fd_ = -1;
    return f;
  }

 private:
  int fd_;
};

Error io_error(const std::string& what) {
  return Error(ErrorCode::kIo, what + ": " + std::strerror(errno));
}

Status fsync_dir(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return io_error("open " + dir);
  if (::fsync(fd.get()) != 0) return io_error("fsync " + dir);
  return ok_status();
}

// Temporary file in the same directory, fsync, rename over `path`.
Status write_atomic(const std::string& dir, const std::string& path, std::string_view data) {
  std::string tmp = path + ".tmp-XXXXXX";
  Fd fd(::mkstemp(tmp.data()));
  if (fd.get() < 0) return io_error("create a temporary file in " + dir);
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const Error e = io_error("write " + tmp);
      ::unlink(tmp.c_str());
      return e;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fchmod(fd.get(), 0640) != 0 || ::fsync(fd.get()) != 0) {
    const Error e = io_error("fsync " + tmp);
    ::unlink(tmp.c_str());
    return e;
  }
  if (::close(fd.release()) != 0) {
    const Error e = io_error("close " + tmp);
    ::unlink(tmp.c_str());
    return e;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const Error e = io_error("rename " + tmp + " to " + path);
    ::unlink(tmp.c_str());
    return e;
  }
  return ok_status();
}

Result<std::string> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorCode::kNotFound, path + ": cannot be read");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Error(ErrorCode::kIo, path + ": read error");
  return ss.str();
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

// Backup numbers present (cib-N.raw), sorted.
std::vector<long> backup_numbers(const std::string& dir) {
  std::vector<long> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
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
std::string move_aside(const std::string& dir) {
  const std::string cib = dir + "/cib.xml";
  for (int n = 1; n < 100000; ++n) {
    const std::string dest = cib + ".corrupt-" + std::to_string(n);
    std::error_code ec;
    if (fs::exists(dest, ec)) continue;
    if (::rename(cib.c_str(), dest.c_str()) != 0) {
      return "could not be moved aside (" + std::string(std::strerror(errno)) + ")";
    }
    ::rename((cib + ".sig").c_str(), (dest + ".sig").c_str());
    (void)fsync_dir(dir);  // best effort: the move is a safety measure
    return "moved to " + dest;
  }
  return "not moved: too many corrupt copies";
}

}  // namespace

Result<CibFiles> CibFiles::open(std::string dir, PersistOptions options) {
  if (dir.empty()) return Error(ErrorCode::kInvalidInput, "empty CIB directory");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error(ErrorCode::kIo, "cannot create " + dir + ": " + ec.message());
  if (!fs::is_directory(dir, ec)) return Error(ErrorCode::kIo, dir + " is not a directory");
  ::chmod(dir.c_str(), 0750);
  if (::access(dir.c_str(), W_OK) != 0) return io_error(dir + " is not writable");
  return CibFiles(std::move(dir), options);
}

Result<LoadResult> CibFiles::load() const {
  const std::string path = cib_path();
  std::error_code ec;
  if (!fs::exists(path, ec)) return LoadResult{Store::empty(), std::nullopt, false};

  auto text = read_all(path);
  std::string reason;
  if (!text) {
    reason = text.error().message();
  } else {
    auto sig = read_all(path + ".sig");
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
  const std::string where = move_aside(dir_);
  return LoadResult{Store::empty(), path + ": unusable, " + reason + "; " + where, false};
}

Status CibFiles::write(const Store& store, bool keep_backup) {
  const std::string path = cib_path();
  std::error_code ec;
  if (keep_backup && fs::exists(path, ec)) {
    const std::vector<long> nums = backup_numbers(dir_);
    const long next = nums.empty() ? 0 : nums.back() + 1;
    const std::string raw = dir_ + "/cib-" + std::to_string(next) + ".raw";
    // Hard links keep the old files' inodes under the backup names: the
    // atomic renames below then only move the names. Copy when links are
    // not possible (or the old .sig is missing).
    if (::link(path.c_str(), raw.c_str()) != 0) {
      auto old = read_all(path);
      if (!old) return old.error();
      if (Status s = write_atomic(dir_, raw, *old); !s) return s;
      if (Status s = write_atomic(dir_, raw + ".sig", md5_hex(*old) + "\n"); !s) return s;
    } else if (::link((path + ".sig").c_str(), (raw + ".sig").c_str()) != 0) {
      auto old = read_all(raw);
      if (!old) return old.error();
      if (Status s = write_atomic(dir_, raw + ".sig", md5_hex(*old) + "\n"); !s) return s;
    }
    // Keep the newest max_backups (the new one included).
    std::vector<long> all = nums;
    all.push_back(next);
    while (all.size() > options_.max_backups) {
      const std::string victim = dir_ + "/cib-" + std::to_string(all.front()) + ".raw";
      ::unlink(victim.c_str());
      ::unlink((victim + ".sig").c_str());
      all.erase(all.begin());
    }
  }
  const std::string text = store.to_xml(true);
  if (Status s = write_atomic(dir_, path, text); !s) return s;
  if (Status s = write_atomic(dir_, path + ".sig", md5_hex(text) + "\n"); !s) return s;
  return fsync_dir(dir_);
}

std::vector<std::string> CibFiles::backups() const {
  std::vector<std::string> out;
  for (long n : backup_numbers(dir_)) out.push_back(dir_ + "/cib-" + std::to_string(n) + ".raw");
  return out;
}

}  // namespace vigil::cibd
