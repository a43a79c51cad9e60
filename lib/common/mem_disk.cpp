// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/common/mem_disk.hpp"

#include <algorithm>
#include <cstdio>

namespace vigil {

namespace {

// "/a/b/c" -> "/a/b"; "/a" -> "/"; "c" -> ".".
std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string name_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool is_change(MemDisk::Op op) {
  return op != MemDisk::Op::kRead && op != MemDisk::Op::kExists && op != MemDisk::Op::kList;
}

}  // namespace

struct MemDisk::Inode {
  std::string data;    // what the process sees
  std::string synced;  // what survives a power loss
};

class MemDisk::File final : public WritableFile {
 public:
  File(MemDisk& disk, std::shared_ptr<Inode> inode, std::string path)
      : disk_(disk),
        inode_(std::move(inode)),
        path_(std::move(path)),
        generation_(disk.generation_) {}

  Status append(std::string_view data) override {
    std::size_t keep = 0;
    if (const int err = usable(Op::kAppend, &keep); err != 0) {
      inode_->data.append(data.substr(0, std::min(keep, data.size())));
      return disk_error("write " + path_, err);
    }
    if (disk_.capacity_) {
      const std::size_t room = *disk_.capacity_ - std::min(*disk_.capacity_, disk_.used());
      if (data.size() > room) {
        inode_->data.append(data.substr(0, room));
        return disk_error("write " + path_, ENOSPC);
      }
    }
    inode_->data.append(data);
    return ok_status();
  }

  Status sync() override {
    if (const int err = usable(Op::kSync); err != 0) return disk_error("fsync " + path_, err);
    inode_->synced = inode_->data;
    return ok_status();
  }

  Status close() override {
    if (const int err = usable(Op::kClose); err != 0) return disk_error("close " + path_, err);
    closed_ = true;
    return ok_status();
  }

 private:
  int usable(Op op, std::size_t* keep = nullptr) {
    if (closed_ || generation_ != disk_.generation_) {
      ++disk_.calls_[op];
      return EBADF;
    }
    return disk_.enter(op, path_, {}, keep);
  }

  MemDisk& disk_;
  std::shared_ptr<Inode> inode_;
  std::string path_;
  unsigned generation_;
  bool closed_ = false;
};

MemDisk::MemDisk() {
  dirs_.insert("/");
  dirs_.insert(".");
}

MemDisk::~MemDisk() = default;

void MemDisk::inject(Fault fault) {
  faults_.push_back(std::move(fault));
}

void MemDisk::clear_faults() {
  faults_.clear();
}

void MemDisk::set_capacity(std::optional<std::size_t> bytes) {
  capacity_ = bytes;
}

void MemDisk::die_after(std::size_t changes) {
  changes_left_ = changes;
}

void MemDisk::restart(bool power_lost) {
  dead_ = false;
  changes_left_.reset();
  ++generation_;
  if (!power_lost) return;
  live_ = durable_;
  for (auto& [path, inode] : live_) inode->data = inode->synced;
}

std::optional<std::string> MemDisk::contents(const std::string& path) const {
  auto it = live_.find(path);
  if (it == live_.end()) return std::nullopt;
  return it->second->data;
}

std::vector<std::string> MemDisk::files() const {
  std::vector<std::string> out;
  for (const auto& [path, inode] : live_) out.push_back(path);
  return out;
}

std::size_t MemDisk::calls(Op op) const {
  auto it = calls_.find(op);
  return it == calls_.end() ? 0 : it->second;
}

void MemDisk::put(const std::string& path, std::string_view data) {
  for (std::string d = parent_of(path); dirs_.insert(d).second; d = parent_of(d)) {
  }
  auto inode = std::make_shared<Inode>();
  inode->data = inode->synced = std::string(data);
  live_[path] = inode;
  durable_[path] = inode;
}

int MemDisk::enter(Op op, const std::string& path, const std::string& other, std::size_t* keep) {
  ++calls_[op];
  if (dead_) return EIO;
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    const bool matches =
        it->op == op &&
        (it->path_contains.empty() || path.find(it->path_contains) != std::string::npos ||
         (!other.empty() && other.find(it->path_contains) != std::string::npos));
    if (!matches) continue;
    if (it->skip > 0) {
      --it->skip;
      continue;
    }
    const int err = it->error;
    if (keep != nullptr) *keep = it->keep;
    dead_ = dead_ || it->die;
    if (--it->times == 0) faults_.erase(it);
    return err;
  }
  if (is_change(op) && changes_left_) {
    if (*changes_left_ == 0) {
      dead_ = true;
      return EIO;
    }
    --*changes_left_;
  }
  return 0;
}

std::size_t MemDisk::used() const {
  std::set<const Inode*> seen;
  std::size_t total = 0;
  for (const auto& [path, inode] : live_) {
    if (seen.insert(inode.get()).second) total += inode->data.size();
  }
  return total;
}

// Permissions are not modelled: `mode` is accepted and forgotten.
Result<NewFile> MemDisk::create_unique(const std::string& prefix, unsigned /*mode*/) {
  char suffix[16];
  std::snprintf(suffix, sizeof(suffix), "%06u", ++next_unique_ % 1000000);
  const std::string path = prefix + suffix;
  if (const int err = enter(Op::kCreate, path); err != 0) {
    return disk_error("create " + prefix + "XXXXXX", err);
  }
  if (dirs_.count(parent_of(path)) == 0) return disk_error("create " + prefix + "XXXXXX", ENOENT);
  auto inode = std::make_shared<Inode>();
  live_[path] = inode;
  return NewFile{path, std::make_unique<File>(*this, inode, path)};
}

Result<std::string> MemDisk::read(const std::string& path) {
  if (const int err = enter(Op::kRead, path); err != 0) return disk_error("read " + path, err);
  auto it = live_.find(path);
  if (it == live_.end()) return disk_error("read " + path, dirs_.count(path) ? EISDIR : ENOENT);
  return it->second->data;
}

bool MemDisk::exists(const std::string& path) {
  if (enter(Op::kExists, path) != 0) return false;
  return live_.count(path) > 0 || dirs_.count(path) > 0;
}

Status MemDisk::rename(const std::string& from, const std::string& to) {
  const std::string what = "rename " + from + " to " + to;
  if (const int err = enter(Op::kRename, from, to); err != 0) return disk_error(what, err);
  auto it = live_.find(from);
  if (it == live_.end() || dirs_.count(parent_of(to)) == 0) return disk_error(what, ENOENT);
  if (dirs_.count(to) > 0) return disk_error(what, EISDIR);
  auto inode = it->second;
  live_.erase(it);
  live_[to] = std::move(inode);
  return ok_status();
}

Status MemDisk::link(const std::string& from, const std::string& to) {
  const std::string what = "link " + from + " to " + to;
  if (const int err = enter(Op::kLink, from, to); err != 0) return disk_error(what, err);
  auto it = live_.find(from);
  if (it == live_.end() || dirs_.count(parent_of(to)) == 0) return disk_error(what, ENOENT);
  if (live_.count(to) > 0 || dirs_.count(to) > 0) return disk_error(what, EEXIST);
  live_[to] = it->second;
  return ok_status();
}

Status MemDisk::unlink(const std::string& path) {
  if (const int err = enter(Op::kUnlink, path); err != 0) return disk_error("unlink " + path, err);
  if (live_.erase(path) == 0) return disk_error("unlink " + path, ENOENT);
  return ok_status();
}

Result<std::vector<std::string>> MemDisk::list(const std::string& dir) {
  if (const int err = enter(Op::kList, dir); err != 0) return disk_error("list " + dir, err);
  if (dirs_.count(dir) == 0) return disk_error("list " + dir, ENOENT);
  std::vector<std::string> names;
  for (const auto& [path, inode] : live_) {
    if (parent_of(path) == dir) names.push_back(name_of(path));
  }
  for (const auto& d : dirs_) {
    if (d != dir && parent_of(d) == dir) names.push_back(name_of(d));
  }
  std::sort(names.begin(), names.end());
  return names;
}

Status MemDisk::make_dirs(const std::string& dir, unsigned /*mode*/) {
  if (dir.empty()) return Error(ErrorCode::kInvalidInput, "empty directory name");
  if (const int err = enter(Op::kMakeDirs, dir); err != 0) return disk_error("mkdir " + dir, err);
  for (std::string d = dir; dirs_.count(d) == 0; d = parent_of(d)) {
    if (live_.count(d) > 0) return Error(ErrorCode::kIo, d + " is not a directory");
  }
  for (std::string d = dir; dirs_.insert(d).second; d = parent_of(d)) {
  }
  return ok_status();
}

Status MemDisk::sync_dir(const std::string& dir) {
  if (const int err = enter(Op::kSyncDir, dir); err != 0) return disk_error("fsync " + dir, err);
  if (dirs_.count(dir) == 0) return disk_error("fsync " + dir, ENOENT);
  for (auto it = durable_.begin(); it != durable_.end();) {
    it = parent_of(it->first) == dir ? durable_.erase(it) : std::next(it);
  }
  for (const auto& [path, inode] : live_) {
    if (parent_of(path) == dir) durable_[path] = inode;
  }
  return ok_status();
}

}  // namespace vigil
