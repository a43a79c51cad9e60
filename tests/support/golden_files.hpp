// SPDX-License-Identifier: GPL-2.0-or-later
// Golden-file tests in etcd raft's data-driven style, for Catch2: every
// script under a folder is run, and what it printed must equal the file.
// VIGIL_REWRITE=1 rewrites the files that differ (to be reviewed as a diff,
// never accepted blindly); VIGIL_SCRIPT=NAME runs only the files whose name
// contains NAME.
#pragma once

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace vigil::testing {

inline std::string read_text_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `run` on every `.txt` file of `dir` (in name order); `run` returns
// the transcript the file should be. Fails when fewer than `min_files` are
// found (a missing folder must not pass silently).
inline void check_golden_files(const std::filesystem::path& dir, std::size_t min_files,
                               const std::function<std::string(const std::string&)>& run) {
  namespace fs = std::filesystem;
  REQUIRE(fs::is_directory(dir));
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".txt") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= min_files);
  if (const char* only = std::getenv("VIGIL_SCRIPT")) {
    std::erase_if(files, [&](const fs::path& f) {
      return f.filename().string().find(only) == std::string::npos;
    });
  }
  const bool rewrite = std::getenv("VIGIL_REWRITE") != nullptr;
  for (const auto& f : files) {
    const std::string expected = read_text_file(f);
    const std::string actual = run(expected);
    INFO(f.filename().string());
    if (rewrite && actual != expected) {
      std::ofstream(f) << actual;
      WARN("rewrote " << f.string());
    } else {
      CHECK(actual == expected);
    }
  }
}

}  // namespace vigil::testing
