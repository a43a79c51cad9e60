// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/common/md5.hpp"

#include <catch2/catch.hpp>

TEST_CASE("md5 matches RFC 1321 test vectors") {
  CHECK(vigil::md5_hex("") == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(vigil::md5_hex("abc") == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(vigil::md5_hex("message digest") == "f96b697d7cb7938d525a2f31aaf161d0");
  CHECK(vigil::md5_hex(
            "12345678901234567890123456789012345678901234567890123456789012345678901234567890") ==
        "57edf4a22be3c955ac49da2e2107b67a");
}

TEST_CASE("md5 of a Pacemaker parameter block") {
  // The digest crm_simulate reports for this parameter set.
  CHECK(vigil::md5_hex(" <parameters target_role=\"started\"/>\n") ==
        "08b7001b97ccdaa1ca23a9f165256bc1");
}
