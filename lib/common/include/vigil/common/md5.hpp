// SPDX-License-Identifier: GPL-2.0-or-later
// MD5 (RFC 1321), only because Pacemaker's operation digests use it: the
// digests recorded in CIB status sections must be reproducible bit for bit.
#pragma once

#include <string>
#include <string_view>

namespace vigil {

// Lower-case hex digest of `data`.
std::string md5_hex(std::string_view data);

}  // namespace vigil
