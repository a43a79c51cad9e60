// SPDX-License-Identifier: GPL-2.0-or-later
// The word structure of `resource create`, parsed before anything is looked
// up: ID AGENT [k=v...] [op ACTION k=v... ...] [meta k=v...].
#pragma once

#include <string>
#include <vector>

#include "vigil/admin/cib_edit.hpp"
#include "vigil/common/result.hpp"

namespace vigil::admin {

struct OpArgs {
  std::string action;
  std::vector<KeyValue> options;  // in typed order
};

// What follows a `clone` or `promotable` word of `resource create`.
enum class CloneKind { kNone, kClone, kPromotable };

struct ResourceCreateArgs {
  std::string id;
  std::string agent;
  std::vector<KeyValue> instance;  // typed order; sorted when written
  std::vector<OpArgs> ops;
  std::vector<KeyValue> meta;  // the primitive's (also after `clone ID meta ...`)
  // `clone [ID] [k=v...]` / `promotable [ID] [k=v...]`: pcs 0.11 takes the
  // clone's options straight after the keyword (and its id, the first word
  // without '='); a later `meta` section is the primitive's.
  CloneKind clone = CloneKind::kNone;
  bool clone_and_promotable = false;  // both keywords given (refused later)
  std::string clone_id;               // empty: <id>-clone
  std::vector<KeyValue> clone_meta;   // without promotable=true
};

// Fails with pcs's messages ("missing value of 'x' option", "When using 'op'
// you must specify an operation name and at least one option", the hint for
// the old `master` keyword); bundle fails as not supported yet.
Result<ResourceCreateArgs> parse_resource_create(const std::vector<std::string>& args);

// `update ID [k=v...] [op ...] [meta ...]`: the same words without the
// agent (ResourceCreateArgs::agent stays empty).
Result<ResourceCreateArgs> parse_resource_update(const std::vector<std::string>& args);

}  // namespace vigil::admin
