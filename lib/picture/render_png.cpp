// SPDX-License-Identifier: GPL-2.0-or-later
// DOT to PNG through Graphviz's dot. The DOT goes through a temporary file
// (a large graph does not fit in a pipe written before the child starts),
// and dot writes beside the target, renamed over it only on success.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "vigil/exec/run_to_exit.hpp"
#include "vigil/picture/picture.hpp"

namespace vigil::picture {

namespace {

std::string find_on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string dirs = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const std::size_t end = std::min(dirs.find(':', start), dirs.size());
    std::string dir = dirs.substr(start, end - start);
    if (dir.empty()) dir = ".";
    const std::string candidate = dir + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return {};
}

// A temporary file removed when this goes out of scope.
class TempFile {
 public:
  explicit TempFile(std::string pattern) : path_(std::move(pattern)) {
    fd_ = ::mkstemp(path_.data());
    if (fd_ < 0) path_.clear();
  }
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) std::remove(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  bool ok() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }
  // Keeps the file (it was renamed away).
  void release() { path_.clear(); }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace

Status render_png(std::string_view dot_text, const std::string& path, Duration timeout) {
  const std::string dot = find_on_path("dot");
  if (dot.empty()) {
    return Error(
        ErrorCode::kNotFound,
        "cannot draw " + path + ": Graphviz's 'dot' is not installed (apt-get install graphviz)");
  }
  const char* tmpdir = std::getenv("TMPDIR");
  TempFile input(std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/vigil-dot-XXXXXX");
  if (!input.ok()) return Error(ErrorCode::kIo, "cannot create a temporary file for the graph");
  {
    std::ofstream f(input.path(), std::ios::binary | std::ios::trunc);
    f.write(dot_text.data(), static_cast<std::streamsize>(dot_text.size()));
    if (!f.flush()) return Error(ErrorCode::kIo, "cannot write " + input.path());
  }
  const std::filesystem::path target(path);
  const std::string dir =
      target.has_parent_path() ? target.parent_path().string() : std::string(".");
  TempFile output(dir + "/." + target.filename().string() + ".XXXXXX");
  if (!output.ok()) return Error(ErrorCode::kIo, "cannot write in " + dir);

  exec::SpawnRequest request;
  request.path = dot;
  request.argv = {dot, "-Tpng", "-o", output.path(), input.path()};
  request.env = exec::current_environment();
  auto exit = exec::run_to_exit(request, timeout);
  if (!exit) return exit.error().with_context("Graphviz's dot");
  if (exit->kind != exec::ProcessExit::Kind::kExited || exit->code != 0) {
    std::string why = exit->err.empty() ? exit->out : exit->err;
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    return Error(ErrorCode::kFailed, "Graphviz's dot could not draw " + path +
                                         (why.empty() ? std::string() : ": " + why));
  }
  if (std::rename(output.path().c_str(), path.c_str()) != 0) {
    return Error(ErrorCode::kIo, "cannot write " + path);
  }
  output.release();
  // mkstemp made it private; a picture gets the usual mode.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::chmod(path.c_str(), 0666 & ~mask);
  return ok_status();
}

}  // namespace vigil::picture
