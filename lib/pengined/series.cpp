// SPDX-License-Identifier: GPL-2.0-or-later
#include "series.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

namespace vigil::pengined {

namespace {

bool parse_unsigned(const std::string& s, unsigned& out) {
  if (s.empty() || s.size() > 9) return false;
  unsigned v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  out = v;
  return true;
}

Status write_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return Error(ErrorCode::kIo, "cannot create " + tmp + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Error(ErrorCode::kIo, "cannot write " + tmp + ": " + std::strerror(err));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return Error(ErrorCode::kIo, "cannot write " + path + ": " + std::strerror(err));
  }
  return ok_status();
}

}  // namespace

unsigned next_sequence(const std::string& dir, const std::string& series, int max) {
  unsigned seq = 0;
  bool found = false;
  {
    std::ifstream last(dir + "/" + series + ".last");
    std::string text;
    if (last && std::getline(last, text) && parse_unsigned(text, seq)) found = true;
  }
  if (!found) {
    std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(dir.c_str()), &closedir);
    if (d) {
      const std::string prefix = series + "-";
      while (dirent* e = readdir(d.get())) {
        std::string name = e->d_name;
        if (name.size() <= prefix.size() + 4 || name.compare(0, prefix.size(), prefix) != 0 ||
            name.compare(name.size() - 4, 4, ".xml") != 0) {
          continue;
        }
        unsigned n = 0;
        if (parse_unsigned(name.substr(prefix.size(), name.size() - prefix.size() - 4), n) &&
            n + 1 > seq) {
          seq = n + 1;
        }
      }
    }
  }
  if (max > 0 && seq >= static_cast<unsigned>(max)) seq = 0;
  return seq;
}

Result<std::string> save_in_series(const std::string& dir, const std::string& series, unsigned seq,
                                   int max, const std::string& text) {
  const std::string path = dir + "/" + series + "-" + std::to_string(seq) + ".xml";
  if (auto st = write_atomically(path, text); !st) return st.error();
  unsigned next = seq + 1;
  if (max > 0 && next >= static_cast<unsigned>(max)) next = 0;
  if (auto st = write_atomically(dir + "/" + series + ".last", std::to_string(next)); !st) {
    return st.error();
  }
  return path;
}

}  // namespace vigil::pengined
