// SPDX-License-Identifier: GPL-2.0-or-later
// Corosync lets root (uid or gid 0) use its IPC, and whom cmap's
// uidgid.uid.<uid> / uidgid.gid.<gid> keys name. A daemon that drops root
// names its group first, as pacemakerd does for Pacemaker's daemons.
#include <corosync/cmap.h>

#include <string>

#include "corosync/cs_error.hpp"
#include "vigil/cluster/corosync_cmap.hpp"

namespace vigil::cluster {

Status allow_group_in_corosync(gid_t gid) {
  using corosync::cs_failure;
  using corosync::cs_retry;
  cmap_handle_t handle = 0;
  cs_error_t rc = cs_retry([&] { return cmap_initialize(&handle); });
  if (rc != CS_OK) return cs_failure("cmap_initialize", rc);
  const std::string key = "uidgid.gid." + std::to_string(gid);
  rc = cs_retry([&] { return cmap_set_uint8(handle, key.c_str(), 1); });
  cmap_finalize(handle);
  if (rc != CS_OK) return cs_failure("cmap_set_uint8(" + key + ")", rc);
  return ok_status();
}

}  // namespace vigil::cluster
