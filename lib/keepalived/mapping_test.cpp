// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/keepalived/mapping.hpp"

#include <catch2/catch.hpp>
