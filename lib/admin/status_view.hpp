// SPDX-License-Identifier: GPL-2.0-or-later
// The pieces of crm_mon's text view (status_text.cpp assembles them),
// shared by the files that render one section each.
#pragma once

#include <libxml/tree.h>

#include <cstdint>
#include <memory>
#include <string>

#include "vigil/cib/cib.hpp"
#include "vigil/common/result.hpp"
#include "vigil/common/time.hpp"
#include "vigil/pengine/working_set.hpp"

namespace vigil::admin::status_view {

struct View {
  xmlDoc* doc = nullptr;  // the CIB as read (history details the model drops)
  pengine::WorkingSet& ws;
  bool full = false;  // --show-detail --show-node-attributes --failcounts
};

// The scheduler's view of a copy of `doc` (unpacked, or with `schedule`
// scheduled), with the model it points into.
struct Unpacked {
  std::unique_ptr<cib::Cib> model;
  std::unique_ptr<pengine::WorkingSet> ws;
};
// With `schedule`, the whole scheduler runs (placements, actions, score
// records: `resource why`).
Result<Unpacked> unpack_copy(xmlDoc* doc, EpochSeconds now, bool schedule = false);

// ctime(3) without its newline, in local time: "Fri Jul 13 13:50:59 2012".
std::string ctime_text(EpochSeconds t);
// Pacemaker's readable interval: "10s", "1m30s", "1.500s", "500ms".
std::string readable_interval(std::uint64_t ms);
// An execution status in crm_mon's words (exit codes: pengine::exit_text).
const char* exec_status_text(int status);
// "name" or, with details, "name (id)" when they differ, a guest's
// "name@host".
std::string node_display_name(const pengine::Node& node, bool details);

// "Failed Resource Actions:" and its lines, or "" (status_failures.cpp).
std::string failed_actions_section(const View& v);
// --show-detail's node lines, one per node (status_full.cpp).
std::string detailed_node_list(const View& v);
// "Node Attributes:" and "Migration Summary:" (status_full.cpp); each "" when
// it has nothing to show.
std::string node_attributes_section(const View& v);
std::string migration_summary_section(const View& v);

}  // namespace vigil::admin::status_view
