// SPDX-License-Identifier: GPL-2.0-or-later
// Tickets (Pacemaker's pcmk_sched_tickets.c and the ticket part of unpack.c):
// the status section says which tickets this site holds; an rsc_ticket ties
// resources to one. A resource whose ticket is not granted, or is in standby,
// is banned from every node; one that is active when its ticket is lost is
// stopped, demoted, has its nodes fenced or is frozen, as its loss-policy
// says. Bans go through ScoreLog with ScoreSource::kTicket.
#include <strings.h>

#include <cstdlib>

#include "internal.hpp"

namespace vigil::pengine {

namespace {

bool equals_nocase(const std::string& a, const char* b) {
  return strcasecmp(a.c_str(), b) == 0;
}

void ban(WorkingSet& ws, Resource* rsc, const RscTicket& rt, TicketBanWhy why) {
  resource_location(ws, rsc, nullptr, -kInfinity,
                    {ScoreSource::kTicket, rt.index, static_cast<std::int32_t>(why)});
}

// A loss-policy of fence or freeze acts only on a resource in the role the
// constraint names (any role when it names none).
bool role_matches(const Resource* rsc, const RscTicket& rt) {
  return rt.role == Role::kUnknown || rt.role == rsc->role;
}

// What a ticket that is not granted, or in standby, does to `rsc` (each
// member of a group or instance of a clone in turn).
void apply_ticket(WorkingSet& ws, Resource* rsc, const RscTicket& rt) {
  const Ticket& t = *rt.ticket;
  if (t.granted && !t.standby) return;
  if (!rsc->children.empty()) {
    for (Resource* c : rsc->children) apply_ticket(ws, c, rt);
    return;
  }
  // A promoted-role dependency is enforced on promotion (the promotable
  // clone's require_promotion_tickets), except that loss-policy=stop stops.
  bool bans_role = rt.role != Role::kPromoted || rt.loss_policy == LossPolicy::kStop;
  if (!t.granted && !rsc->running_on.empty()) {
    switch (rt.loss_policy) {
      case LossPolicy::kStop:
        ban(ws, rsc, rt, TicketBanWhy::kLost);
        break;
      case LossPolicy::kDemote:
        if (rt.role != Role::kPromoted) ban(ws, rsc, rt, TicketBanWhy::kLost);
        break;
      case LossPolicy::kFence:
        if (!role_matches(rsc, rt)) return;
        ban(ws, rsc, rt, TicketBanWhy::kLost);
        for (Node* n : std::vector<Node*>(rsc->running_on)) {
          pe_fence_node(ws, n, "deadman ticket was lost", false);
        }
        break;
      case LossPolicy::kFreeze:
        if (!role_matches(rsc, rt)) return;
        rsc->clear(kRscManaged);
        rsc->set(kRscBlock);
        break;
    }
  } else if (!t.granted) {
    if (bans_role) ban(ws, rsc, rt, TicketBanWhy::kNotGranted);
  } else if (bans_role) {
    ban(ws, rsc, rt, TicketBanWhy::kStandby);
  }
}

LossPolicy loss_policy_of(WorkingSet& ws, const std::string& given, const Ticket& ticket,
                          Role role) {
  if (equals_nocase(given, "fence")) {
    if (ws.config.stonith_enabled) return LossPolicy::kFence;
    ws.warnings.push_back("Resetting 'loss-policy' for ticket '" + ticket.id +
                          "' to 'stop' because fencing is not configured");
    return LossPolicy::kStop;
  }
  if (equals_nocase(given, "freeze")) return LossPolicy::kFreeze;
  if (equals_nocase(given, "demote")) return LossPolicy::kDemote;
  if (equals_nocase(given, "stop")) return LossPolicy::kStop;
  // Absent (or, with schema validation off, not one of the above): demote
  // for a promoted-role dependency, stop otherwise.
  LossPolicy dflt = role == Role::kPromoted ? LossPolicy::kDemote : LossPolicy::kStop;
  if (!given.empty()) {
    ws.warnings.push_back("Unknown loss-policy '" + given + "' for ticket '" + ticket.id +
                          "': using '" + (dflt == LossPolicy::kDemote ? "demote" : "stop") + "'");
  }
  return dflt;
}

void new_rsc_ticket(WorkingSet& ws, const std::string& id, Resource* rsc, Ticket* ticket,
                    const std::string& role_text, const std::string& loss_policy) {
  auto rt = std::make_unique<RscTicket>();
  rt->index = static_cast<int>(ws.rsc_tickets.size());
  rt->id = id;
  rt->rsc = rsc;
  rt->ticket = ticket;
  if (!role_text.empty() && !equals_nocase(role_text, "Started")) {
    rt->role = role_from_text(role_text);
    if (rt->role == Role::kUnknown) {
      ws.warnings.push_back("Ticket constraint '" + id + "': unknown role '" + role_text +
                            "' (the constraint applies to every role)");
    }
  }
  rt->loss_policy = loss_policy_of(ws, loss_policy, *ticket, rt->role);
  const RscTicket& ref = *rt;
  rsc->tickets.push_back(rt.get());
  ws.rsc_tickets.push_back(std::move(rt));
  apply_ticket(ws, rsc, ref);
}

// A resource set of an rsc_ticket; false when it names an unknown resource
// (the rest of the constraint is ignored then, as Pacemaker does).
bool unpack_ticket_set(WorkingSet& ws, const std::string& set_id,
                       const std::vector<std::string>& refs, const std::string& role,
                       Ticket* ticket, const std::string& loss_policy) {
  if (set_id.empty()) {
    ws.warnings.push_back("Ignoring <resource_set> without id");
    return false;
  }
  for (const auto& ref : refs) {
    std::vector<Resource*> rscs;
    if (!expand_constraint_ref(ws, ref, rscs, nullptr)) {
      ws.warnings.push_back(set_id + ": No resource found for " + ref);
      return false;
    }
    for (Resource* r : rscs) new_rsc_ticket(ws, set_id, r, ticket, role, loss_policy);
  }
  return true;
}

// rsc="..." naming one resource, possibly one instance of a clone.
void unpack_simple(WorkingSet& ws, const cib::TicketConstraint& t, Ticket* ticket) {
  if (t.rsc.empty()) {
    ws.warnings.push_back("Ignoring constraint '" + t.id + "' without resource");
    return;
  }
  Resource* rsc = ws.find_rsc(t.rsc);
  if (!rsc) {
    ws.warnings.push_back("Ignoring constraint '" + t.id + "' because resource '" + t.rsc +
                          "' does not exist");
    return;
  }
  if (!t.rsc_instance.empty()) {
    ws.warnings.push_back(
        "Support for rsc-instance is deprecated and will be removed in a "
        "future release");
    if (rsc->kind != cib::RscKind::kClone) {
      ws.warnings.push_back("Ignoring constraint '" + t.id + "' because resource '" + t.rsc +
                            "' is not a clone but instance '" + t.rsc_instance + "' was requested");
      return;
    }
    // Instances are named after the clone's configured child: "child:N".
    Resource* instance = nullptr;
    if (rsc->config && !rsc->config->children.empty()) {
      instance = ws.find_rsc(rsc->config->children.front()->id + ":" + t.rsc_instance);
    }
    if (!instance || instance->parent != rsc) {
      ws.warnings.push_back("Ignoring constraint '" + t.id + "' because resource '" + t.rsc +
                            "' does not have an instance '" + t.rsc_instance + "'");
      return;
    }
    rsc = instance;
  }
  new_rsc_ticket(ws, t.id, rsc, ticket, t.rsc_role, t.loss_policy);
}

}  // namespace

Ticket* find_or_add_ticket(WorkingSet& ws, const std::string& id) {
  if (id.empty()) return nullptr;
  auto [it, added] = ws.tickets.try_emplace(id);
  if (added) it->second.id = id;
  return &it->second;
}

void unpack_tickets(WorkingSet& ws) {
  for (const cib::TicketState& s : ws.cib.ticket_states) {
    Ticket* t = find_or_add_ticket(ws, s.id);
    if (!t) continue;
    // A second ticket_state of the same ticket adds to (and overrides) the first.
    for (const auto& [name, value] : s.attrs) t->state[name] = value;
    t->granted = is_true(lookup(t->state, "granted"));
    if (const std::string* last = lookup(t->state, "last-granted")) {
      t->last_granted = std::strtoll(last->c_str(), nullptr, 10);
    }
    t->standby = is_true(lookup(t->state, "standby"));
  }
}

void unpack_rsc_ticket(WorkingSet& ws, const cib::TicketConstraint& t) {
  if (t.id.empty()) {
    ws.warnings.push_back("Ignoring <rsc_ticket> constraint without id");
    return;
  }
  if (t.ticket.empty()) {
    ws.warnings.push_back("Ignoring constraint '" + t.id + "' without ticket");
    return;
  }
  // A ticket the status section does not name is known all the same: it is
  // not granted.
  if (!ws.tickets.count(t.ticket)) {
    ws.warnings.push_back("Ticket '" + t.ticket + "' of constraint '" + t.id +
                          "' has no state in the status section: it is not granted");
  }
  Ticket* ticket = find_or_add_ticket(ws, t.ticket);
  if (!t.sets.empty()) {
    for (const cib::ResourceSet& s : t.sets) {
      if (!unpack_ticket_set(ws, s.id, s.rscs, s.role, ticket, t.loss_policy)) return;
    }
    return;
  }
  if (!t.rsc.empty() && !ws.find_rsc(t.rsc)) {
    // A tag or a template stands for a set of the resources it names, the
    // constraint's rsc-role becoming the set's role.
    std::vector<Resource*> rscs;
    if (!expand_constraint_ref(ws, t.rsc, rscs, nullptr)) {
      ws.warnings.push_back("Ignoring constraint '" + t.id + "' because '" + t.rsc +
                            "' is not a valid resource or tag");
      return;
    }
    for (Resource* r : rscs) new_rsc_ticket(ws, t.rsc, r, ticket, t.rsc_role, t.loss_policy);
    return;
  }
  unpack_simple(ws, t, ticket);
}

void require_promotion_tickets(WorkingSet& ws, Resource* rsc) {
  for (const RscTicket* rt : rsc->tickets) {
    if (rt->role == Role::kPromoted && (!rt->ticket->granted || rt->ticket->standby)) {
      ban(ws, rsc, *rt, TicketBanWhy::kPromotionNeedsIt);
    }
  }
}

}  // namespace vigil::pengine
