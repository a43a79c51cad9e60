// SPDX-License-Identifier: GPL-2.0-or-later
// What the held-CIB tests share: the example CIB, a file reader, and
// vigil-cib's master in one object, writing the diffs its replicas and
// subscribers get (the same attributes as lib/cibd's replica).
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "vigil/cibd/store.hpp"
#include "vigil/cibd/wire.hpp"

namespace vigil::pengined::testing {

inline const std::string kWebCluster = std::string(VIGIL_SOURCE_DIR) + "/examples/web-cluster.xml";
inline constexpr std::int64_t kNow = 1784116800;

inline std::string read(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct Master {
  cibd::Store store;
  std::int64_t written = 1784110000;
  std::string user = "hacluster";  // the writer named in each update

  std::string apply(cibd::CibRequest req) {
    req.client = "crmd";
    cibd::UpdateMeta meta{"node1", "crmd", user, ++written};
    const cibd::CibVersion before = store.version();
    auto outcome = store.apply(req, meta);
    REQUIRE(outcome);
    std::string out = "<cib-diff from=\"" + before.to_string() + "\" to=\"" +
                      outcome->current.to_string() + "\" digest=\"" + store.digest() +
                      "\" written=\"" + std::to_string(written) + "\" origin=\"node1\">";
    return out + cibd::encode_request(req) + "</cib-diff>";
  }
};

}  // namespace vigil::pengined::testing
