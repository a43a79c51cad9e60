// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/admin/agent.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "vigil/admin/cib_edit.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {
namespace {

constexpr std::chrono::seconds kMetadataTimeout{30};

std::vector<std::string> split_colon(std::string_view s) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto c = s.find(':', start);
    parts.emplace_back(s.substr(start, c == std::string_view::npos ? s.size() - start : c - start));
    if (c == std::string_view::npos) break;
    start = c + 1;
  }
  return parts;
}

// Agent and provider names end up in a path: no separators, no dot-dot.
bool safe_path_part(std::string_view s) {
  if (s.empty() || s == "." || s == "..") return false;
  return s.find('/') == std::string_view::npos && s.find('\0') == std::string_view::npos;
}

// Runs argv with OCF_ROOT set and returns its stdout; stderr is dropped.
Result<std::string> run_capture(const std::string& path, const std::string& ocf_root) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Error(ErrorCode::kIo, std::strerror(errno));
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return Error(ErrorCode::kIo, std::strerror(errno));
  }
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    const int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      dup2(devnull, STDIN_FILENO);
      dup2(devnull, STDERR_FILENO);
    }
    setenv("OCF_ROOT", ocf_root.c_str(), 1);
    execl(path.c_str(), path.c_str(), "meta-data", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  // An agent that hangs must not hang the command: give it kMetadataTimeout.
  std::string out;
  char buf[4096];
  const auto deadline = std::chrono::steady_clock::now() + kMetadataTimeout;
  bool timed_out = false;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd pfd{fds[0], POLLIN, 0};
    const int ready = poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      timed_out = true;
      break;
    }
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;
    }
  }
  close(fds[0]);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return Error(ErrorCode::kNotFound, "meta-data action timed out after " +
                                           std::to_string(kMetadataTimeout.count()) + "s");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Error(ErrorCode::kNotFound,
                 "meta-data action failed (exit status " +
                     std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
  }
  return out;
}

}  // namespace

std::string AgentName::full() const {
  return provider.empty() ? standard + ":" + type : standard + ":" + provider + ":" + type;
}

Result<AgentName> parse_agent_name(std::string_view text) {
  const auto parts = split_colon(text);
  bool ok = false;
  AgentName name;
  if (parts.size() == 3 && parts[0] == "ocf") {
    name = {parts[0], parts[1], parts[2]};
    ok = true;
  } else if (parts.size() == 2 && parts[0] != "ocf") {
    name = {parts[0], "", parts[1]};
    ok = true;
  }
  for (const auto& p : parts) ok = ok && !p.empty();
  if (!ok) {
    if (parts.size() == 1 && !text.empty()) {
      return Error(ErrorCode::kUnsupported,
                   "short agent names are not supported by vigil yet: give the full name, e.g. "
                   "'ocf:heartbeat:" +
                       std::string(text) + "'");
    }
    return Error(ErrorCode::kInvalidInput,
                 "Invalid resource agent name '" + std::string(text) +
                     "'. Use standard:provider:type when standard is 'ocf' or standard:type "
                     "otherwise. List of standards and providers can be obtained by using "
                     "commands 'pcs resource standards' and 'pcs resource providers'." +
                     kErrorsOccurred);
  }
  return name;
}

Result<AgentMetadata> parse_agent_metadata(std::string_view xml_text) {
  auto doc = xml::parse_string(xml_text, "agent metadata");
  if (!doc) return doc.error();
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (root == nullptr || !xml::is(root, "resource-agent")) {
    return Error(ErrorCode::kInvalidInput, "agent metadata has no <resource-agent> root");
  }
  AgentMetadata md;
  if (const xmlNode* params = xml::first_child(root, "parameters")) {
    for (const xmlNode* p : xml::children(params, "parameter")) {
      const std::string req = xml::attr_or(p, "required", "0");
      md.parameters.push_back({xml::attr_or(p, "name"), req == "1" || req == "true"});
    }
  }
  if (const xmlNode* actions = xml::first_child(root, "actions")) {
    for (const xmlNode* a : xml::children(actions, "action")) {
      md.actions.push_back({xml::attr_or(a, "name"), xml::attr_or(a, "interval"),
                            xml::attr_or(a, "timeout"), xml::attr_or(a, "role"),
                            xml::attr_or(a, "depth")});
    }
  }
  return md;
}

Result<AgentMetadata> OcfMetadataSource::metadata(const AgentName& agent) const {
  if (agent.standard != "ocf") {
    return Error(
        ErrorCode::kUnsupported,
        "agent class '" + agent.standard +
            "' is not supported by vigil yet: only ocf:PROVIDER:TYPE agents can be created");
  }
  const std::string not_installed =
      "Agent '" + agent.full() + "' is not installed or does not provide valid metadata: ";
  if (!safe_path_part(agent.provider) || !safe_path_part(agent.type)) {
    return Error(ErrorCode::kNotFound, not_installed + "bad provider or type name");
  }
  const std::string path = root_ + "/resource.d/" + agent.provider + "/" + agent.type;
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || access(path.c_str(), X_OK) != 0) {
    return Error(ErrorCode::kNotFound, not_installed + path + " is not an executable file");
  }
  auto out = run_capture(path, root_);
  if (!out) return Error(ErrorCode::kNotFound, not_installed + out.error().message());
  auto md = parse_agent_metadata(*out);
  if (!md) return Error(ErrorCode::kNotFound, not_installed + md.error().message());
  return md;
}

}  // namespace vigil::admin
