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

struct ResourceCreateArgs {
  std::string id;
  std::string agent;
  std::vector<KeyValue> instance;  // typed order; sorted when written
  std::vector<OpArgs> ops;
  std::vector<KeyValue> meta;
};

// Fails with pcs's messages ("missing value of 'x' option", "When using 'op'
// you must specify an operation name and at least one option"); clone,
// promotable and bundle fail as not supported yet.
Result<ResourceCreateArgs> parse_resource_create(const std::vector<std::string>& args);

// `update ID [k=v...] [op ...] [meta ...]`: the same words without the
// agent (ResourceCreateArgs::agent stays empty).
Result<ResourceCreateArgs> parse_resource_update(const std::vector<std::string>& args);

}  // namespace vigil::admin
