// SPDX-License-Identifier: GPL-2.0-or-later
// Promotable clones (Pacemaker's pcmk_sched_promotable.c): the settings a
// promotable clone adds, and the promotion scores its instances get from
// node attributes ("master-<name>"), the choice of the instances to promote
// and colocations with roles (promotable.cpp); their actions and orderings
// (promotable_actions.cpp).
#pragma once

#include <string>

#include "clone.hpp"

namespace vigil::pengine {

// Whether a clone's configuration makes it promotable (<master>, or the
// meta attribute promotable=true).
bool is_promotable_clone(const Resource* rsc);

// The role the status shows for a primitive: an instance of a promotable
// clone that is merely started shows as unpromoted.
Role displayable_role(const Resource* rsc);

// promoted-max / promoted-node-max (or the deprecated master-max /
// master-node-max) into the clone's CloneData; 1 when absent, 0 when
// invalid or negative.
void unpack_promotable_settings(WorkingSet& ws, Resource* clone);

// The node attribute that holds a promotion score for a resource known by
// `name` in the history ("master-" + name).
std::string promotion_score_attr(const std::string& name);

// The promotion score of instance `rsc` (a primitive, or the sum over a
// cloned group's members) on `node`, from the node attribute named after
// the instance's history name, or for an anonymous clone after its bare
// id; 0 when the score does not apply there. `is_default` (if given) tells
// whether no attribute was found.
int promotion_score(const WorkingSet& ws, const Resource* rsc, const Node* node,
                    bool* is_default = nullptr);

// Adds each instance's positive promotion scores to its node scores on
// nodes that can run resources, and raises its priority to the best of them
// (Pacemaker's pcmk__add_promotion_scores; once per clone, before the
// clone's instances are assigned).
void add_promotion_scores(WorkingSet& ws, Resource* clone);

// Files every location with role=Promoted under the promotable clone it
// constrains (once, after the constraints are unpacked).
void collect_promoted_locations(WorkingSet& ws);
// The instance's promotion priority raised by the role=Promoted locations
// of itself and its clone on `chosen` (Pacemaker's apply_promoted_locations).
int promoted_location_priority(const Resource* inst, const Node* chosen, int priority);

// Chooses the promoted instances once the clone's instances are placed
// (Pacemaker's pcmk__set_instance_roles): promotion priorities, the clone's
// node weights merged with them and with colocations with the promoted
// role, promoted-max / promoted-node-max; prints the "promotion score" lines.
void set_instance_roles(WorkingSet& ws, Resource* clone);

// Whether a colocation now changes the promotion priority of `dependent`, a
// placed instance of a promotable clone (a colocation with a role).
bool colocation_affects_role(const Resource* dependent, const Colocation& c);
// That change (Pacemaker's pcmk__apply_coloc_to_priority).
void apply_coloc_to_priority(const WorkingSet& ws, Resource* dependent, const Resource* primary,
                             const Colocation& c);
// A colocation with a role of promotable clone `primary`: the dependent's
// scores while it is placed, its promotion priority afterwards. False when
// the colocation is an ordinary clone colocation.
bool promotable_apply_coloc_score(WorkingSet& ws, Resource* dependent, Resource* primary,
                                  const Colocation& c);

// Actions (promotable_actions.cpp): the instances' actions and the clone's
// promote/promoted/demote/demoted pseudo-actions (Pacemaker's
// pcmk__create_promotable_actions); the clone's promotion orderings
// (pcmk__order_promotable_instances and the clone-level ones).
void create_promotable_actions(WorkingSet& ws, Resource* clone);
void order_promotable_clone(WorkingSet& ws, Resource* clone);
void order_promotable_instances(WorkingSet& ws, Resource* clone);
// Starts and promotions of a promotable clone's (or bundle's) instances after
// every stop and demotion, promotions after the starts.
void order_role_changes(WorkingSet& ws, Resource* rsc);
// A cloned group of a promotable clone: its own demote/demoted and
// promote/promoted pseudo-actions, and its members' promotions and demotions
// between them (Pacemaker's group pseudo-actions and member constraints).
bool in_promotable_clone(const Resource* rsc);
void create_group_role_actions(WorkingSet& ws, Resource* group);
void order_group_member_roles(WorkingSet& ws, Resource* group, Resource* member,
                              std::uint32_t down_flags, std::uint32_t post_down_flags);
void order_group_member_promotion(WorkingSet& ws, Resource* group, Resource* member,
                                  Resource* previous);

}  // namespace vigil::pengine
