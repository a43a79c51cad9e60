// SPDX-License-Identifier: GPL-2.0-or-later
// `vigil status`'s "Daemon Status:" (pcs's _get_local_services_status and
// _format_local_services_status, for Vigil's services); the rules are in
// status_daemons.hpp.
#include "vigil/admin/status_daemons.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "vigil/exec/run_to_exit.hpp"

namespace vigil::admin {

namespace {

constexpr const char* kSupervisor = "vigil";
constexpr const char* kDaemons[] = {"vigil-cib", "vigil-crmd", "vigil-lrmd", "vigil-pengine",
                                    "vigil-stonithd"};

// systemctl's unit file states for which `systemctl is-enabled` succeeds.
bool enabled_state(const std::string& s) {
  for (const char* ok :
       {"enabled", "enabled-runtime", "static", "indirect", "generated", "alias"}) {
    if (s == ok) return true;
  }
  return false;
}

// `systemctl show` with one block per unit: "ActiveState=..." and
// "UnitFileState=..." lines, blocks separated by an empty line.
std::vector<ServiceState> parse_show(const std::string& text, std::size_t units) {
  std::vector<ServiceState> states;
  std::istringstream in(text);
  std::string line;
  ServiceState cur;
  bool open = false;
  auto close = [&]() {
    if (open) states.push_back(cur);
    cur = ServiceState{};
    open = false;
  };
  while (std::getline(in, line)) {
    if (line.empty()) {
      close();
      continue;
    }
    open = true;
    if (line.rfind("ActiveState=", 0) == 0) {
      cur.running = line.substr(12) == "active";
    } else if (line.rfind("UnitFileState=", 0) == 0) {
      cur.enabled = enabled_state(line.substr(14));
    }
  }
  close();
  if (states.size() != units) states.clear();
  return states;
}

class SystemProbe final : public ServiceProbe {
 public:
  bool has_systemd() const override {
    struct stat st {};
    return ::stat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
  }

  std::vector<ServiceState> unit_states(const std::vector<std::string>& names) const override {
    std::vector<std::string> argv = {"systemctl", "show",
                                     "--property=Id,ActiveState,UnitFileState"};
    for (const auto& n : names) argv.push_back(n + ".service");
    const std::string path = systemctl_path();
    if (path.empty()) return {};
    argv[0] = path;
    exec::SpawnRequest request;
    request.path = path;
    request.argv = argv;
    request.env = exec::current_environment();
    // systemd answers at once; a hung bus must not hang `vigil status`.
    auto exit = exec::run_to_exit(request, Duration(5000));
    if (!exit || exit->kind != exec::ProcessExit::Kind::kExited || exit->code != 0) return {};
    return parse_show(exit->out, names.size());
  }

  bool process_running(const std::string& name) const override {
    std::unique_ptr<DIR, int (*)(DIR*)> proc(::opendir("/proc"), ::closedir);
    if (!proc) return false;
    // The kernel keeps 15 characters of a process name.
    const std::string comm_name = name.substr(0, 15);
    while (const dirent* e = ::readdir(proc.get())) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
      std::ifstream comm(std::string("/proc/") + e->d_name + "/comm");
      std::string line;
      if (std::getline(comm, line) && line == comm_name) return true;
    }
    return false;
  }

 private:
  static std::string systemctl_path() {
    for (const char* p : {"/usr/bin/systemctl", "/bin/systemctl"}) {
      if (::access(p, X_OK) == 0) return p;
    }
    return {};
  }
};

}  // namespace

std::unique_ptr<ServiceProbe> system_service_probe() {
  return std::make_unique<SystemProbe>();
}

std::string daemon_status_text(const ServiceProbe& probe) {
  std::vector<std::string> names = {"corosync", kSupervisor};
  names.insert(names.end(), std::begin(kDaemons), std::end(kDaemons));
  std::vector<ServiceState> states(names.size());
  if (probe.has_systemd()) {
    if (auto units = probe.unit_states(names); units.size() == names.size()) states = units;
    // Daemons under vigild: their process says they run, vigil.service
    // whether they start at boot.
    for (std::size_t i = 2; i < names.size(); ++i) {
      states[i].running = states[i].running || probe.process_running(names[i]);
      states[i].enabled = states[i].enabled || states[1].enabled;
    }
    states[0].running = states[0].running || probe.process_running(names[0]);
    states[1].running = states[1].running || probe.process_running("vigild");
  } else {
    for (std::size_t i = 0; i < names.size(); ++i) {
      states[i].running = probe.process_running(i == 1 ? "vigild" : names[i]);
    }
  }
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const bool always = i != 1;
    if (!always && !states[i].running && !states[i].enabled) continue;
    out += "  " + names[i] + ": " + (states[i].running ? "active" : "inactive") + "/" +
           (states[i].enabled ? "enabled" : "disabled") + "\n";
  }
  return out;
}

}  // namespace vigil::admin
