// SPDX-License-Identifier: GPL-2.0-or-later
// What the held-CIB tests share: the example CIB, a file reader, and
// vigil-cib's master in one object, writing the diffs its replicas and
// subscribers get (the same attributes as lib/cibd's replica).
#pragma once

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "vigil/cibd/store.hpp"
#include "vigil/cibd/wire.hpp"
#include "vigil/common/clock.hpp"
#include "vigil/pengined/service.hpp"

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

// A scheduler saving its inputs in a scratch directory, after its first,
// whole run on the master's CIB: the version the tests' diffs start from.
struct SavingScheduler {
  std::string dir = make_dir();
  ManualClock clock;
  Scheduler scheduler{clock, {dir}};
  ComputeResult first;

  explicit SavingScheduler(const Master& master) {
    ComputeRequest whole;
    whole.cib_xml = master.store.to_xml();
    whole.now = kNow;
    auto out = scheduler.compute(whole);
    REQUIRE(out);
    first = std::move(*out);
  }
  ~SavingScheduler() { std::filesystem::remove_all(dir); }
  SavingScheduler(const SavingScheduler&) = delete;
  SavingScheduler& operator=(const SavingScheduler&) = delete;

  // The run after the first, from `diff` alone.
  Result<ComputeResult> after(const std::string& diff, std::optional<int> transition_id = {}) {
    ComputeRequest next;
    next.base = *first.cib_version;
    next.diffs = {diff};
    next.transition_id = transition_id;
    next.now = kNow;
    return scheduler.compute(next);
  }

 private:
  static std::string make_dir() {
    char tmpl[] = "/tmp/vigil-held-cib-test-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    return tmpl;
  }
};

}  // namespace vigil::pengined::testing
