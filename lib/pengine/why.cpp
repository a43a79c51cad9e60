// SPDX-License-Identifier: GPL-2.0-or-later
// `vigil resource why RSC [NODE]`: the placement explained (explain.cpp's
// score records, node by node), the decision the scheduler took, and what
// would change it. The "what would change it" part replays each node's score
// records (a group's members together) without the causes an administrator
// can remove (failures, bans, constraints, tickets, a disabled resource, and
// the winner's stickiness), so each lever it names is one the records show;
// it is read from provenance, never recomputed.
#include <algorithm>
#include <ctime>
#include <functional>
#include <optional>

#include "internal.hpp"
#include "vigil/pengine/output.hpp"
#include "vigil/pengine/summary.hpp"

namespace vigil::pengine {

namespace {

// The kinds of cause an administrator can remove, one lever each.
enum class Lever { kNone, kFailure, kBan, kLocation, kTicket, kDisabled };

Lever lever_of(const WorkingSet& ws, const ScoreRecord& r) {
  switch (r.source) {
    case ScoreSource::kFailLimit:
    case ScoreSource::kStopFailure:
    case ScoreSource::kProbeFailure:
    case ScoreSource::kHardError:
    case ScoreSource::kOnFailMigrate:
      return Lever::kFailure;
    case ScoreSource::kLocation: {
      const Location& loc = *ws.locations.at(static_cast<std::size_t>(r.ref));
      if (loc.id.rfind("cli-ban-", 0) == 0 || loc.id.rfind("cli-prefer-", 0) == 0) {
        return Lever::kBan;
      }
      return Lever::kLocation;
    }
    case ScoreSource::kTicket:
      return Lever::kTicket;
    case ScoreSource::kStopping:
      return r.aux ? Lever::kDisabled : Lever::kNone;
    default:
      return Lever::kNone;
  }
}

// The node's score from its records, leaving out those `skip` says.
int replay_without(const WorkingSet& ws, const NodeScore& slot,
                   const std::function<bool(const ScoreRecord&)>& skip) {
  std::vector<const ScoreRecord*> kept;
  for (const ScoreRecord* r : ws.scores.history(slot)) {
    if (!skip(*r)) kept.push_back(r);
  }
  return replay_scores(kept);
}

std::string utc_text(EpochSeconds t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

// Why the node cannot take resources whatever its score, "" when it can,
// with the command that lifts it.
std::pair<std::string, std::string> node_block(const Node& n) {
  if (!n.online) return {"is offline", "came back online"};
  if (n.shutdown) return {"is shutting down", "were started again"};
  if (n.unclean) return {"is unclean", "were fenced and rejoined"};
  if (n.standby) {
    return {"is in standby", "left standby (vigil node unstandby " + n.uname + ")"};
  }
  if (n.maintenance) {
    return {"is in maintenance", "left maintenance (vigil node unmaintenance " + n.uname + ")"};
  }
  return {};
}

// What removing a lever's records takes, in words, for `rsc` on `node`.
std::string lever_text(WorkingSet& ws, Resource& rsc, const Node& node, Lever lever,
                       const std::vector<const ScoreRecord*>& records) {
  switch (lever) {
    case Lever::kFailure: {
      EpochSeconds last = 0;
      const int count = failcount(ws, &node, &rsc, &last, false);
      std::string s = "the failure of " + rsc.id + " on " + node.uname;
      if (count > 0) s += " (fail count " + Score(count).str() + ")";
      if (rsc.failure_timeout_s > 0 && last > 0) {
        s += " expired at " + utc_text(last + rsc.failure_timeout_s) +
             " (failure-timeout=" + std::to_string(rsc.failure_timeout_s) + "s) or";
      }
      return s + " were cleaned up (vigil resource cleanup " + rsc.id + " node=" + node.uname + ")";
    }
    case Lever::kBan:
    case Lever::kLocation: {
      std::vector<std::string> ids;
      for (const ScoreRecord* r : records) {
        if (r->source != ScoreSource::kLocation) continue;
        const std::string& id = ws.locations.at(static_cast<std::size_t>(r->ref))->id;
        if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
      }
      std::string list;
      for (const auto& id : ids) list += (list.empty() ? "" : ", ") + id;
      if (lever == Lever::kBan) {
        return "the move/ban constraint " + list + " were cleared (vigil resource clear " +
               rsc.top()->id + ")";
      }
      return "the location constraint " + list + " were removed (vigil constraint delete " + list +
             ")";
    }
    case Lever::kTicket:
      return "its ticket were granted";
    case Lever::kDisabled:
      return rsc.top()->id + " were enabled (vigil resource enable " + rsc.top()->id + ")";
    case Lever::kNone:
      break;
  }
  return {};
}

std::string decision_text(WorkingSet& ws, const Resource& rsc) {
  std::string out;
  for (const SummaryItem& item : transition_summary(ws)) {
    if (!item.rsc) continue;
    const Resource* r = item.rsc;
    while (r && r != &rsc) r = r->parent;
    if (!r) continue;
    std::string line = std::string(to_string(item.change)) + " " + item.rsc->id;
    if (item.origin && item.destination && item.origin != item.destination) {
      line += " (" + item.origin->uname + " -> " + item.destination->uname + ")";
    } else if (item.destination) {
      line += " (" + item.destination->uname + ")";
    } else if (item.origin) {
      line += " (" + item.origin->uname + ")";
    }
    out += "  " + line + "\n";
  }
  if (out.empty()) {
    std::string where;
    for (const Node* n : rsc.running_on) where += (where.empty() ? "" : " ") + n->uname;
    out = where.empty() ? "  nothing to do: it stays stopped\n"
                        : "  nothing to do: it stays where it is (" + where + ")\n";
  }
  return out;
}

}  // namespace

Result<std::string> why_text(WorkingSet& ws, const std::string& rsc_id,
                             const std::string& node_name) {
  Resource* rsc = ws.find_rsc(rsc_id);
  if (!rsc) return Error(ErrorCode::kNotFound, "Unable to find resource: " + rsc_id);
  const Node* only = nullptr;
  if (!node_name.empty()) {
    only = ws.find_node(node_name);
    if (!only) return Error(ErrorCode::kNotFound, "Unable to find node: " + node_name);
  }
  std::string out = explain_text(ws, rsc_id);
  if (only) {
    // Keep the heading and the one node's block.
    std::string kept;
    std::size_t pos = 0;
    bool keep = true;
    while (pos < out.size()) {
      std::size_t end = out.find('\n', pos);
      if (end == std::string::npos) end = out.size();
      const std::string line = out.substr(pos, end - pos);
      if (pos > 0 && line.rfind("  ", 0) == 0 && line.rfind("    ", 0) != 0) {
        keep = line.rfind("  " + only->uname + ":", 0) == 0;
      }
      if (keep) kept += line + "\n";
      pos = end + 1;
    }
    out = kept;
  }

  out += "\nDecision:\n" + decision_text(ws, *rsc);

  // The resources whose records decide together: a group's members (a
  // member follows the first, which takes everyone's preferences).
  std::vector<Resource*> members;
  Resource* group =
      rsc->is_group() ? rsc : (rsc->parent && rsc->parent->is_group() ? rsc->parent : nullptr);
  if (group) {
    members = group->children;
  } else {
    members.push_back(rsc);
  }
  auto group_internal = [&](const ScoreRecord& r) {
    if (r.source != ScoreSource::kColocation && r.source != ScoreSource::kColocatedPrefs) {
      return false;
    }
    return ws.colocations.at(static_cast<std::size_t>(r.ref))->group != nullptr;
  };
  // A node's total over the members, leaving out group-internal records and
  // whatever `skip` says.
  auto total = [&](const Node& n, const std::function<bool(const ScoreRecord&)>& skip) {
    Score sum(0);
    bool any = false;
    for (Resource* m : members) {
      const NodeScore& slot = m->allowed[n.index];
      if (!slot.present) return std::optional<int>();
      any = true;
      sum = sum + Score(replay_without(ws, slot, [&](const ScoreRecord& r) {
              return group_internal(r) || skip(r);
            }));
    }
    return any ? std::optional<int>(sum.value()) : std::nullopt;
  };
  const Node* winner = rsc->allocated_to;
  if (!winner && group && !group->children.empty()) winner = group->children.front()->allocated_to;
  const auto keep_all = [](const ScoreRecord&) { return false; };
  const auto removable = [&](const ScoreRecord& r) {
    const Lever l = lever_of(ws, r);
    return l != Lever::kNone && r.value < 0;
  };
  const int winner_total = winner ? total(*winner, keep_all).value_or(-kInfinity) : -kInfinity;
  std::vector<std::string> changes;
  for (const auto& n : ws.nodes) {
    if (n.get() == winner || (only && n.get() != only)) continue;
    const auto [blocked, unblock] = node_block(*n);
    // Every removable cause against this node, in words, once each.
    std::vector<std::string> levers;
    for (Resource* m : members) {
      const NodeScore& slot = m->allowed[n->index];
      if (!slot.present) continue;
      std::vector<Lever> seen;
      for (const ScoreRecord* r : ws.scores.history(slot)) {
        if (!removable(*r)) continue;
        const Lever lever = lever_of(ws, *r);
        if (std::find(seen.begin(), seen.end(), lever) != seen.end()) continue;
        seen.push_back(lever);
        std::vector<const ScoreRecord*> mine;
        for (const ScoreRecord* x : ws.scores.history(slot)) {
          if (lever_of(ws, *x) == lever && removable(*x)) mine.push_back(x);
        }
        std::string text = lever_text(ws, *m, *n, lever, mine);
        if (std::find(levers.begin(), levers.end(), text) == levers.end()) levers.push_back(text);
      }
    }
    if (!blocked.empty()) levers.push_back("it " + unblock);
    if (levers.empty()) continue;
    const auto without = total(*n, removable);
    if (!without || *without < 0) continue;
    std::string list;
    for (std::size_t i = 0; i < levers.size(); ++i) {
      list += (i == 0 ? "" : (i + 1 == levers.size() ? " and " : ", ")) + levers[i];
    }
    std::string verdict;
    if (!winner || *without > winner_total) {
      verdict = " would win";
    } else if (*without == winner_total) {
      verdict = " would tie with " + winner->uname;
    } else {
      verdict = " could run it, " + winner->uname + " still preferred,";
    }
    changes.push_back(n->uname + verdict + " (score " + Score(*without).str() +
                      (winner ? " against " + Score(winner_total).str() : std::string()) + ") if " +
                      list);
  }
  // The winner's own advantage: stickiness keeps it where it is.
  if (winner) {
    const auto without =
        total(*winner, [](const ScoreRecord& r) { return r.source == ScoreSource::kStickiness; });
    if (without && *without != winner_total) {
      for (const auto& n : ws.nodes) {
        if (n.get() == winner || (only && n.get() != only)) continue;
        if (!node_block(*n).first.empty()) continue;
        const auto score = total(*n, keep_all);
        if (score && *score >= 0 && *score > *without) {
          changes.push_back(n->uname + " would win (score " + Score(*score).str() + " against " +
                            Score(*without).str() + ") if " + (group ? group->id : rsc->id) +
                            " had no resource-stickiness on " + winner->uname + " (now " +
                            std::to_string(rsc->stickiness) + " per resource)");
        }
      }
    }
  }
  out += "\nWhat would change it:\n";
  if (changes.empty()) {
    out +=
        "  no single failure, ban, constraint or stickiness decides it: the scores above "
        "do\n";
  }
  for (const auto& c : changes) out += "  * " + c + "\n";
  return out;
}

}  // namespace vigil::pengine
