// SPDX-License-Identifier: GPL-2.0-or-later
// The textbook cluster's CIB for simulations: group myweb = VIP (IPaddr2) +
// Web (apache), Web prefers node1 (10) over node2 (5), stonith disabled,
// recurring monitors every `monitor_interval`.
#pragma once

#include <string>

namespace vigil::controller::testing {

struct WebCibOptions {
  int nodes = 2;
  std::string no_quorum_policy;     // empty: Pacemaker's default (stop)
  std::string migration_threshold;  // group meta attribute, empty: none
  std::string monitor_interval = "10s";
  bool stonith_enabled = false;
};

std::string web_cluster_cib(const WebCibOptions& options = {});

}  // namespace vigil::controller::testing
