// SPDX-License-Identifier: GPL-2.0-or-later
// This machine's node name as Corosync gives it by default: the host name
// up to its first dot. Empty when the host name cannot be read.
#pragma once

#include <string>

namespace vigil {

std::string short_host_name();

}  // namespace vigil
