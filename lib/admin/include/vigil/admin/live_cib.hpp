// SPDX-License-Identifier: GPL-2.0-or-later
// The running cluster's CIB as a command that waits for the cluster sees
// it (resource relocate run): written and read again between its steps,
// with time passing in between. cli/vigil implements it over vigil-cib;
// tests give a scripted one.
#pragma once

#include <libxml/tree.h>

#include "vigil/common/result.hpp"
#include "vigil/common/time.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {

class LiveCib {
 public:
  virtual ~LiveCib() = default;
  // The whole CIB as the cluster has it now.
  virtual Result<xml::DocPtr> read() = 0;
  // Replaces the cluster's configuration section with `doc`'s.
  virtual Status write_configuration(xmlDoc* doc) = 0;
  // Waits that long (crm_resource --wait polls every 2 s).
  virtual void sleep_seconds(int seconds) = 0;
  virtual EpochSeconds now() = 0;
};

}  // namespace vigil::admin
