// SPDX-License-Identifier: GPL-2.0-or-later
// The fencing history as Pacemaker 2.1.5's tools print it (lib/fencing's
// st_output.c wording): `stonith_admin --history NODE --verbose`, which
// `pcs stonith history show` prints, and crm_mon's "Failed Fencing
// Actions", "Pending Fencing Actions" and "Fencing History" sections.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vigil/fencing/history.hpp"

namespace vigil::admin {

// "2026-12-06 18:12:34Z" in local time ("... +01:00" away from UTC), as
// Pacemaker's crm_time_as_string with date, time of day and time zone.
std::string fence_time_text(std::int64_t when);

// Pending operations first (the latest first), then finished ones, the
// latest completion first (stonith__sort_history).
std::vector<fencing::HistoryEntry> sort_fence_history(std::vector<fencing::HistoryEntry> entries);

// `stonith_admin --history` verbose text of sorted entries: one line per
// operation ("reboot of node2 successful: delegate=node1, client=..,
// origin=node1, completed='...'"), then "N events found".
std::string fence_history_text(const std::vector<fencing::HistoryEntry>& sorted);

// crm_mon's fencing sections (text, after the resources) for sorted
// entries: "Failed Fencing Actions" and "Pending Fencing Actions" at the
// default fence-history level (each operation kept once: its latest
// result), or with `full` (fence-history=3) every failure and "Fencing
// History" (the rest). Each section starts with an empty line; nothing when
// there is nothing to show.
std::string fencing_status_text(const std::vector<fencing::HistoryEntry>& sorted, bool full);

}  // namespace vigil::admin
