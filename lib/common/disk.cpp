// SPDX-License-Identifier: GPL-2.0-or-later
// The real Disk over POSIX calls, and the atomic write every persistent file
// of Vigil goes through.
#include "vigil/common/disk.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace vigil {

namespace {

// An open descriptor, closed on destruction.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now; returns close()'s errno, or 0.
  int reset() {
    const int fd = fd_;
    fd_ = -1;
    return fd >= 0 && ::close(fd) != 0 ? errno : 0;
  }

 private:
  int fd_;
};

class PosixFile final : public WritableFile {
 public:
  PosixFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

  Status append(std::string_view data) override {
    while (!data.empty()) {
      const ssize_t n = ::write(fd_.get(), data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return disk_error("write " + path_, errno);
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return ok_status();
  }

  Status sync() override {
    if (::fsync(fd_.get()) != 0) return disk_error("fsync " + path_, errno);
    return ok_status();
  }

  Status close() override {
    if (const int err = fd_.reset(); err != 0) return disk_error("close " + path_, err);
    return ok_status();
  }

 private:
  Fd fd_;
  std::string path_;
};

class PosixDisk final : public Disk {
 public:
  Result<NewFile> create_unique(const std::string& prefix, unsigned mode) override {
    std::string path = prefix + "XXXXXX";
    const int fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd < 0) return disk_error("create " + prefix + "XXXXXX", errno);
    auto file = std::make_unique<PosixFile>(fd, path);
    // mkstemp makes 0600; the mode asked for is set whatever the umask.
    if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) {
      const Error e = disk_error("chmod " + path, errno);
      file.reset();
      ::unlink(path.c_str());
      return e;
    }
    return NewFile{std::move(path), std::move(file)};
  }

  Result<std::string> read(const std::string& path) override {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return disk_error("read " + path, errno);
    std::string text;
    char buf[64 * 1024];
    while (true) {
      const ssize_t n = ::read(fd.get(), buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return disk_error("read " + path, errno);
      if (n == 0) return text;
      text.append(buf, static_cast<std::size_t>(n));
    }
  }

  bool exists(const std::string& path) override {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
  }

  Status rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return disk_error("rename " + from + " to " + to, errno);
    }
    return ok_status();
  }

  Status link(const std::string& from, const std::string& to) override {
    if (::link(from.c_str(), to.c_str()) != 0) {
      return disk_error("link " + from + " to " + to, errno);
    }
    return ok_status();
  }

  Status unlink(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return disk_error("unlink " + path, errno);
    return ok_status();
  }

  Result<std::vector<std::string>> list(const std::string& dir) override {
    std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), &::closedir);
    if (!d) return disk_error("list " + dir, errno);
    std::vector<std::string> names;
    while (const dirent* e = ::readdir(d.get())) {
      const std::string_view name = e->d_name;
      if (name != "." && name != "..") names.emplace_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  Status make_dirs(const std::string& dir, unsigned mode) override {
    if (dir.empty()) return Error(ErrorCode::kInvalidInput, "empty directory name");
    for (std::size_t slash = dir.find('/', 1);; slash = dir.find('/', slash + 1)) {
      const std::string part = dir.substr(0, slash);
      if (::mkdir(part.c_str(), static_cast<mode_t>(mode)) != 0 && errno != EEXIST) {
        return disk_error("mkdir " + part, errno);
      }
      if (slash == std::string::npos) break;
    }
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) return disk_error("stat " + dir, errno);
    if (!S_ISDIR(st.st_mode)) return Error(ErrorCode::kIo, dir + " is not a directory");
    if (::chmod(dir.c_str(), static_cast<mode_t>(mode)) != 0) {
      return disk_error("chmod " + dir, errno);
    }
    if (::access(dir.c_str(), W_OK) != 0) return disk_error(dir + " is not writable", errno);
    return ok_status();
  }

  Status sync_dir(const std::string& dir) override {
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) return disk_error("open " + dir, errno);
    if (::fsync(fd.get()) != 0) return disk_error("fsync " + dir, errno);
    return ok_status();
  }
};

}  // namespace

Disk& real_disk() {
  static PosixDisk disk;
  return disk;
}

Error disk_error(const std::string& what, int err) {
  return Error(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
               what + ": " + std::strerror(err));
}

Status write_file_atomically(Disk& disk, const std::string& path, std::string_view data,
                             const AtomicWrite& how) {
  auto created =
      disk.create_unique(how.temp_prefix.empty() ? path + ".tmp-" : how.temp_prefix, how.mode);
  if (!created) return created.error();
  NewFile tmp = std::move(created).value();
  Status st = tmp.file->append(data);
  if (st && how.sync) st = tmp.file->sync();
  if (st) st = tmp.file->close();
  if (st) st = disk.rename(tmp.path, path);
  if (!st) {
    tmp.file.reset();
    (void)disk.unlink(tmp.path);  // best effort: the error that matters is st
  }
  return st;
}

}  // namespace vigil
