// SPDX-License-Identifier: GPL-2.0-or-later
// vigil-simulate --explain RSC: why a resource is placed where it is, read
// from the score records (provenance.hpp). The format, for an administrator:
//
//   Placement of web (primitive): assigned to node2
//     node1: -INFINITY (not a candidate: standby)
//       +0          symmetric            symmetric-cluster=true allows every node
//       -INFINITY   migration-threshold  fail count 3 here reached migration-threshold=3
//     node2: 100
//       +0          symmetric            symmetric-cluster=true allows every node
//       +100        stickiness           active here, resource-stickiness=100
//     node3: not allowed (no constraint or default gives it this node)
//
// A node line gives the final score; under it, one line per change in the
// order the scheduler made them: "+N"/"-N" adds (saturating at +/-INFINITY,
// where -INFINITY wins), "=N" sets. Replaying them from 0 gives the score.
#include <cstdio>
#include <iterator>

#include "internal.hpp"
#include "vigil/pengine/output.hpp"

namespace vigil::pengine {

namespace {

std::string signed_score(int v) {
  std::string s = Score(v).str();
  return v >= 0 ? "+" + s : s;
}

const char* kind_of(ScoreSource s) {
  switch (s) {
    case ScoreSource::kNodeWeight:
      return "node-weight";
    case ScoreSource::kSymmetric:
      return "symmetric";
    case ScoreSource::kLocation:
      return "location";
    case ScoreSource::kColocation:
    case ScoreSource::kColocationUndo:
      return "colocation";
    case ScoreSource::kColocatedPrefs:
      return "colocated";
    case ScoreSource::kStickiness:
      return "stickiness";
    case ScoreSource::kFailLimit:
      return "migration-threshold";
    case ScoreSource::kStopFailure:
      return "stop-failure";
    case ScoreSource::kProbeFailure:
      return "probe-failure";
    case ScoreSource::kHardError:
      return "hard-error";
    case ScoreSource::kFatalError:
      return "fatal-error";
    case ScoreSource::kOnFailMigrate:
      return "on-fail=migrate";
    case ScoreSource::kOnFailStop:
      return "on-fail=stop";
    case ScoreSource::kMultipleActive:
      return "multiple-active";
    case ScoreSource::kUnmanaged:
      return "unmanaged";
    case ScoreSource::kStopping:
      return "stopping";
    case ScoreSource::kOrphan:
      return "orphan";
    case ScoreSource::kShutdownLock:
      return "shutdown-lock";
    case ScoreSource::kExclusiveDiscovery:
      return "discovery";
    case ScoreSource::kNodeHealth:
      return "node-health";
    case ScoreSource::kRemoteConnection:
      return "pacemaker-remote";
    case ScoreSource::kTicket:
      return "ticket";
    case ScoreSource::kUtilization:
      return "utilization";
    case ScoreSource::kCloneLimit:
    case ScoreSource::kCloneInstance:
    case ScoreSource::kCloneUndo:
      return "clone";
    case ScoreSource::kCloneColocation:
      return "colocation";
    case ScoreSource::kPromotionScore:
    case ScoreSource::kPromotionPriority:
      return "promotion";
    case ScoreSource::kBundle:
      return "bundle";
  }
  return "?";
}

std::string with_role(const Resource* rsc, Role role) {
  return role == Role::kUnknown ? rsc->id : rsc->id + " (" + role_text(role) + ")";
}

// "web-with-db: web with db, score 50 [, node-attribute rack]"
std::string colocation_text(const Colocation& c) {
  std::string s = c.id + ": " + with_role(c.dependent, c.dependent_role) + " with " +
                  with_role(c.primary, c.primary_role) + ", score " + Score(c.score).str();
  if (!c.node_attribute.empty() && c.node_attribute != "#uname") {
    s += ", node-attribute " + c.node_attribute;
  }
  return s;
}

std::string location_text(const Location& loc, const Resource& rsc, bool through_group) {
  std::string s = loc.id;
  if (!loc.rule_id.empty()) s += ", rule " + loc.rule_id;
  // The ids `pcs resource ban/move` and `crm_resource --ban/--move` give
  // the constraints they create.
  if (loc.id.rfind("cli-ban-", 0) == 0) s += " (made by resource ban)";
  if (loc.id.rfind("cli-prefer-", 0) == 0) s += " (made by resource move)";
  if (through_group) {
    s += (loc.rsc->is_clone() ? ", through clone " : ", through group ") + loc.rsc->id;
    if (loc.rsc->is_group() && loc.rsc->group_colocated && &rsc != loc.rsc->children.front()) {
      s += " (a member after the first gets 0: it follows the first)";
    }
  }
  return s;
}

std::string op_text(const ScoreLog& log, std::int32_t ref) {
  const cib::OpHistory* op = log.op(ref);
  if (!op) return "an operation";
  return op->id + " (rc=" + std::to_string(op->rc) + ")";
}

// Reason codes (UnmanagedWhy, NodeWeightWhy) in words, by value.
template <std::size_t N>
const char* reason(const char* const (&words)[N], std::int32_t code) {
  return code >= 0 && static_cast<std::size_t>(code) < N ? words[code] : "?";
}
constexpr const char* kUnmanaged[] = {"is-managed=false", "maintenance=true",
                                      "maintenance-mode=true", "the node is in maintenance",
                                      "blocked after a failure"};
static_assert(std::size(kUnmanaged) == static_cast<std::size_t>(UnmanagedWhy::kBlocked) + 1);
constexpr const char* kNodeWeight[] = {"the node's score attribute", "the node is offline",
                                       "the node is shutting down"};
static_assert(std::size(kNodeWeight) == static_cast<std::size_t>(NodeWeightWhy::kShuttingDown) + 1);

constexpr const char* kTicketBan[] = {"is not granted while it is active", "is not granted",
                                      "is in standby", "is needed to promote it"};
static_assert(std::size(kTicketBan) ==
              static_cast<std::size_t>(TicketBanWhy::kPromotionNeedsIt) + 1);

// "rsc1-dep-ticketA: ticket ticketA is not granted (loss-policy=stop)"
std::string ticket_text(const RscTicket& t, std::int32_t why) {
  static constexpr const char* kPolicy[] = {"stop", "demote", "fence", "freeze"};
  return t.id + ": ticket " + t.ticket->id + " " + reason(kTicketBan, why) +
         " (loss-policy=" + kPolicy[static_cast<int>(t.loss_policy)] + ")";
}
constexpr const char* kCloneBan[] = {"the node cannot run resources (or the instance is an orphan)",
                                     "the clone may not run on this node",
                                     "the clone's own score here is negative",
                                     "clone-node-max instances are here already"};
static_assert(std::size(kCloneBan) == static_cast<std::size_t>(CloneBanWhy::kFull) + 1);
constexpr const char* kBundleRule[] = {
    "a bundle replica's instance runs on the replica's guest node",
    "a bundle's clone never runs on a replica's guest node itself",
    "a bundle replica's instance runs only on its own guest node",
    "a bundle replica's instance is wanted on its guest node",
    "a bundle's clone is placed among the bundle's guest nodes only",
    "a bundle's guest node runs nothing but its replica's instance"};
static_assert(std::size(kBundleRule) == static_cast<std::size_t>(BundleWhy::kGuestNode) + 1);

std::string cause_text(const WorkingSet& ws, const Resource& rsc, const ScoreRecord& r) {
  auto coloc = [&]() -> const Colocation& {
    return *ws.colocations.at(static_cast<std::size_t>(r.ref));
  };
  switch (r.source) {
    case ScoreSource::kNodeWeight:
      return reason(kNodeWeight, r.aux);
    case ScoreSource::kSymmetric:
      return "symmetric-cluster=true allows every node";
    case ScoreSource::kLocation:
      return location_text(*ws.locations.at(static_cast<std::size_t>(r.ref)), rsc, r.aux != 0);
    case ScoreSource::kColocation: {
      const Colocation& c = coloc();
      std::string where = r.aux < 0 ? c.primary->id + " is not placed"
                                    : c.primary->id + " is on " +
                                          ws.nodes.at(static_cast<std::size_t>(r.aux))->uname;
      if (c.group) {
        return "group " + c.group->id + ": " + c.dependent->id + " follows " + c.primary->id +
               "; " + where;
      }
      return colocation_text(c) + "; " + where;
    }
    case ScoreSource::kColocationUndo:
      return colocation_text(coloc()) + " left no node available: undone";
    case ScoreSource::kColocatedPrefs: {
      const Colocation& c = coloc();
      if (c.group) return "group " + c.group->id + ": where " + c.dependent->id + " can run";
      // Without influence, only while this resource is not active yet.
      return "where " + c.dependent->id + " prefers to run (" + colocation_text(c) +
             (c.influence ? ")" : ", influence=false but " + c.primary->id + " is not active)");
    }
    case ScoreSource::kStickiness:
      return "active here, resource-stickiness=" + std::to_string(rsc.stickiness);
    case ScoreSource::kFailLimit:
      return "fail count " + std::to_string(r.aux) +
             " here reached migration-threshold=" + std::to_string(rsc.migration_threshold);
    case ScoreSource::kStopFailure:
      return "stop failed here: " + op_text(ws.scores, r.ref);
    case ScoreSource::kProbeFailure:
      return "probe failed here: " + op_text(ws.scores, r.ref);
    case ScoreSource::kHardError:
      return "hard error here: " + op_text(ws.scores, r.ref);
    case ScoreSource::kFatalError:
      return "fatal error, banned everywhere: " + op_text(ws.scores, r.ref);
    case ScoreSource::kOnFailMigrate:
      return "failed here and must move away (on-fail=migrate)";
    case ScoreSource::kOnFailStop:
      return "failed, and its on-fail keeps it stopped: " + op_text(ws.scores, r.ref);
    case ScoreSource::kMultipleActive:
      return "active on several nodes with multiple-active=stop_only";
    case ScoreSource::kUnmanaged:
      return std::string("active here and unmanaged (") + reason(kUnmanaged, r.aux) + "): it stays";
    case ScoreSource::kStopping:
      return r.aux ? "target-role=Stopped" : "its failure handling leaves it stopped";
    case ScoreSource::kOrphan:
      return "no longer configured (stop-orphan-resources)";
    case ScoreSource::kShutdownLock:
      return "locked to " + (rsc.lock_node ? rsc.lock_node->uname : std::string("its node")) +
             ", where a clean shutdown stopped it (shutdown-lock)";
    case ScoreSource::kExclusiveDiscovery:
      return "resource-discovery=exclusive and no such location names this node";
    case ScoreSource::kNodeHealth:
      return "#health-* attributes, node-health-strategy=" + ws.config.node_health_strategy;
    case ScoreSource::kRemoteConnection:
      if (r.aux == 0) return "a guest node's connection may run wherever its container can";
      if (r.aux == 1) {
        return "Pacemaker Remote nodes host no connections, fence devices or guests";
      }
      return "its container is a Pacemaker Remote node: it runs there only";
    case ScoreSource::kTicket:
      return ticket_text(*ws.rsc_tickets.at(static_cast<std::size_t>(r.ref)), r.aux);
    case ScoreSource::kUtilization:
      return std::string("not enough free capacity here for it") +
             (r.aux ? " and the resources colocated with it" : "") +
             " (placement-strategy=" + ws.config.placement_strategy + ")";
    case ScoreSource::kCloneLimit:
      return "clone-max instances of " + (rsc.parent ? rsc.parent->id : rsc.id) +
             " are placed already";
    case ScoreSource::kCloneInstance:
      return reason(kCloneBan, r.aux);
    case ScoreSource::kCloneColocation:
      return colocation_text(coloc()) + "; no instance is placed here";
    case ScoreSource::kCloneUndo:
      return "placed elsewhere than where it is active: scores restored";
    case ScoreSource::kPromotionScore:
      return "promotion score " + std::to_string(r.aux) + " (master-" + clone_strip(rsc.id) +
             " node attribute)";
    case ScoreSource::kBundle:
      return reason(kBundleRule, r.aux);
    case ScoreSource::kPromotionPriority:
      if (r.aux == 1) return colocation_text(coloc()) + "; weighed for promotion";
      return "promotion priority of " + ws.all_rscs.at(static_cast<std::size_t>(r.ref))->id +
             " placed here";
  }
  return "";
}

// Changes made as the resource's node is chosen, once its score lines were
// printed (the capacity check of a placement-strategy; a promotable clone's
// weights for choosing the promoted instances, promotion tickets included).
bool made_when_choosing(const ScoreRecord& r) {
  return r.source == ScoreSource::kUtilization || r.source == ScoreSource::kPromotionPriority ||
         (r.source == ScoreSource::kTicket &&
          r.aux == static_cast<std::int32_t>(TicketBanWhy::kPromotionNeedsIt));
}

// Why a node cannot take resources whatever its score, "" when it can.
std::string unavailable(const Node& n) {
  if (!n.online) return n.unclean ? "offline and unclean" : "offline";
  if (n.shutdown) return "shutting down";
  if (n.unclean) return "unclean, to be fenced";
  if (n.standby) return n.standby_onfail ? "standby after a failure" : "standby";
  if (n.maintenance) return "maintenance";
  return "";
}

const char* kind_name(cib::RscKind k) {
  switch (k) {
    case cib::RscKind::kPrimitive:
      return "primitive";
    case cib::RscKind::kGroup:
      return "group";
    case cib::RscKind::kClone:
      return "clone";
    case cib::RscKind::kBundle:
      return "bundle";
  }
  return "resource";
}

}  // namespace

std::string explain_text(const WorkingSet& ws, const std::string& rsc_id) {
  const Resource* rsc = ws.find_rsc(rsc_id);
  if (!rsc) return "No resource named " + rsc_id + "\n";
  std::string out = "Placement of " + rsc->id + " (" + kind_name(rsc->kind);
  if (rsc->parent) out += " in " + rsc->parent->id;
  out += "): ";
  out += rsc->allocated_to ? "assigned to " + rsc->allocated_to->uname
                           : std::string("not assigned to any node");
  out += "\n";
  for (const auto& n : ws.nodes) {
    const NodeScore& slot = rsc->allowed[n->index];
    out += "  " + n->uname + ": ";
    if (!slot.present) {
      out += "not allowed (no constraint or default gives it this node)\n";
      continue;
    }
    int score = ws.scores.score(slot);
    out += Score(score).str();
    if (std::string why = unavailable(*n); !why.empty()) {
      out += " (not a candidate: " + why + ")";
    } else if (score < 0) {
      out += " (not a candidate: negative score)";
    }
    out += "\n";
    bool choosing = false;
    for (const ScoreRecord* r : ws.scores.history(slot)) {
      // (Unless score lines shown later include it: a bundle's clone's.)
      auto index = static_cast<std::size_t>(r - ws.scores.records().data());
      if (!choosing && made_when_choosing(*r) && index >= rsc->scores_shown_upto) {
        // After the score lines (-s) were printed: they do not show these.
        out += "    then, as a node is chosen:\n";
        choosing = true;
      }
      std::string delta =
          r->op == ScoreOp::kSet ? "=" + Score(r->value).str() : signed_score(r->value);
      char head[64];
      std::snprintf(head, sizeof head, "    %-11s %-20s ", delta.c_str(), kind_of(r->source));
      out += head + cause_text(ws, *rsc, *r) + "\n";
    }
  }
  return out;
}

}  // namespace vigil::pengine
