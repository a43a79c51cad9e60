// SPDX-License-Identifier: GPL-2.0-or-later
// The "Daemon Status:" block `vigil status` ends with, as `pcs status` ends
// with corosync's, pacemaker's and pcsd's: "  NAME: active|inactive/
// enabled|disabled".
//
// The services are corosync, the five Vigil daemons (vigil-cib,
// vigil-crmd, vigil-lrmd, vigil-pengine, vigil-stonithd; always listed) and
// vigil, the unit of their supervisor vigild (listed only when it is
// enabled or running, as pcs lists pacemaker_remote). Where systemd runs
// (/run/systemd/system exists), a service is active when its unit is, or,
// for a daemon, when vigild runs it (its process exists); enabled when its
// unit is enabled, or for a daemon when vigil.service is. Without systemd
// (the network-namespace harness, containers), a service is active when a
// process of that name runs, and never enabled: nothing starts it at boot.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vigil::admin {

struct ServiceState {
  bool running = false;
  bool enabled = false;
};

// Where the states come from (the system, or a test's table).
class ServiceProbe {
 public:
  virtual ~ServiceProbe() = default;
  // Whether systemd manages services here.
  virtual bool has_systemd() const = 0;
  // The state of each unit (NAME.service), in order; empty when systemctl
  // could not be asked.
  virtual std::vector<ServiceState> unit_states(const std::vector<std::string>& names) const = 0;
  // Whether a process of that name (its comm) runs.
  virtual bool process_running(const std::string& name) const = 0;
};

// systemctl and /proc.
std::unique_ptr<ServiceProbe> system_service_probe();

// The block's lines after "Daemon Status:", each indented by two spaces and
// ending in '\n'.
std::string daemon_status_text(const ServiceProbe& probe);

}  // namespace vigil::admin
