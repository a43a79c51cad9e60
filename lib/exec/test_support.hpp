// SPDX-License-Identifier: GPL-2.0-or-later
// Private helpers of lib/exec's tests: temporary directories (tests/support's
// TempDir), running an io_context until something happened (bounded),
// collecting results.
#pragma once

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "temp_dir.hpp"
#include "vigil/exec/operation.hpp"

namespace vigil::exec::testing {

using vigil::test::TempDir;

inline void write_file(const std::string& path, const std::string& text, mode_t mode = 0644) {
  std::ofstream(path, std::ios::trunc) << text;
  ::chmod(path.c_str(), mode);
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline bool file_exists(const std::string& path) {
  return std::filesystem::exists(path);
}

// Copies the test agents of agents/ocf/vigil to <ocf_root>/resource.d/vigil.
inline void install_test_agents(const std::string& ocf_root) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(ocf_root) / "resource.d" / "vigil";
  fs::create_directories(dir);
  for (const auto& entry : fs::directory_iterator(VIGIL_TEST_AGENTS_DIR)) {
    fs::copy_file(entry.path(), dir / entry.path().filename(),
                  fs::copy_options::overwrite_existing);
    fs::permissions(dir / entry.path().filename(), fs::perms(0755));
  }
}

// Runs `io` until `done()` holds or `limit` has passed; returns done().
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (io.stopped()) io.restart();
    io.run_one_for(std::chrono::milliseconds(20));
  }
  return true;
}

// Runs `io` for `d` (to show that nothing more happens).
inline void run_for(boost::asio::io_context& io, std::chrono::milliseconds d) {
  const auto deadline = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < deadline) {
    if (io.stopped()) io.restart();
    io.run_one_until(deadline);
  }
}

// Whether a process has ended: gone, or a zombie nobody reaps (our PID 1
// may not reap orphans).
inline bool process_ended(pid_t pid) {
  if (::kill(pid, 0) != 0) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

// Polls `done()` every 10 ms for at most `limit`, without an event loop.
inline bool eventually(const std::function<bool()>& done,
                       std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    ::usleep(10 * 1000);
  }
  return true;
}

// An operation request as the executor's tests queue them.
inline OperationRequest request_of(const std::string& rsc, AgentSpec agent,
                                   const std::string& action, Duration interval, Duration timeout) {
  OperationRequest r;
  r.rsc_id = rsc;
  r.agent = std::move(agent);
  r.action = action;
  r.interval = interval;
  r.timeout = timeout;
  return r;
}

struct ResultLog {
  std::vector<OperationResult> results;
  std::function<void(const OperationResult&)> callback() {
    return [this](const OperationResult& r) { results.push_back(r); };
  }
  std::size_t size() const { return results.size(); }
  const OperationResult& last() const { return results.back(); }
  std::vector<OperationResult> for_call(int call_id) const {
    std::vector<OperationResult> out;
    for (const auto& r : results) {
      if (r.call_id == call_id) out.push_back(r);
    }
    return out;
  }
};

}  // namespace vigil::exec::testing
