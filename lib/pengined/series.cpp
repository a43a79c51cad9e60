// SPDX-License-Identifier: GPL-2.0-or-later
#include "series.hpp"

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

// Inputs are replayed, not recovered: they are renamed into place whole but
// not fsynced, as the scheduler must not wait for the disk.
const AtomicWrite kUnsynced{0640, false, ""};

}  // namespace

unsigned next_sequence(Disk& disk, const std::string& dir, const std::string& series, int max) {
  unsigned seq = 0;
  bool found = false;
  if (auto last = disk.read(dir + "/" + series + ".last")) {
    found = parse_unsigned(last->substr(0, last->find('\n')), seq);
  }
  if (!found) {
    const std::string prefix = series + "-";
    auto names = disk.list(dir);
    for (const std::string& name : names ? *names : std::vector<std::string>{}) {
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
  if (max > 0 && seq >= static_cast<unsigned>(max)) seq = 0;
  return seq;
}

Result<std::string> save_in_series(Disk& disk, const std::string& dir, const std::string& series,
                                   unsigned seq, int max, const std::string& text) {
  const std::string path = dir + "/" + series + "-" + std::to_string(seq) + ".xml";
  if (auto st = write_file_atomically(disk, path, text, kUnsynced); !st) return st.error();
  unsigned next = seq + 1;
  if (max > 0 && next >= static_cast<unsigned>(max)) next = 0;
  if (auto st = write_file_atomically(disk, dir + "/" + series + ".last", std::to_string(next),
                                      kUnsynced);
      !st) {
    return st.error();
  }
  return path;
}

}  // namespace vigil::pengined
