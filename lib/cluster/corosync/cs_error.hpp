// SPDX-License-Identifier: GPL-2.0-or-later
// corosync's cs_error_t as Vigil Errors (private to lib/cluster).
#pragma once

#include <corosync/corotypes.h>

#include <functional>
#include <string>
#include <string_view>

#include "vigil/common/result.hpp"

namespace vigil::cluster::corosync {

// "CS_ERR_LIBRARY", "CS_OK"...; "CS_ERR_<n>" for values corosync does not name.
std::string cs_error_name(cs_error_t rc);

// Error(kIo, "<call>: CS_ERR_...: <meaning>") with a hint where one helps
// (CS_ERR_LIBRARY: corosync is probably not running).
Error cs_failure(std::string_view call, cs_error_t rc);

// Repeats `call` while it answers CS_ERR_TRY_AGAIN (corosync is busy, e.g.
// syncing after a membership change), sleeping a little more each time, at
// most ~1 s in all. For connection set-up only, never inside the event loop.
cs_error_t cs_retry(const std::function<cs_error_t()>& call);

}  // namespace vigil::cluster::corosync
