// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/common/host.hpp"

#include <unistd.h>

namespace vigil {

std::string short_host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return {};
  std::string name(buf);
  return name.substr(0, name.find('.'));
}

}  // namespace vigil
