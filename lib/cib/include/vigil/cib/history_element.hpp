// SPDX-License-Identifier: GPL-2.0-or-later
// One element of a node's resource history (what lies under <lrm_resources>)
// as a streaming reader has it: no tree, only its name, place, line and
// attributes. The model (cib.cpp) and the checks (status_check.cpp) read
// history through it, from a tree or from a stream alike.
#pragma once

#include <libxml/tree.h>

#include <span>
#include <string_view>
#include <utility>

namespace vigil::cib {

using AttrView = std::pair<std::string_view, std::string_view>;  // name, value

struct HistoryElement {
  std::string_view name;    // lrm_resource, lrm_rsc_op, or whatever else is there
  std::string_view parent;  // lrm_resources or lrm_resource
  long line = 0;
  std::span<const AttrView> attrs;  // in document order
  // The <node_state> it belongs to, in the document being read; its root's
  // validate-with says which checks apply.
  const xmlNode* node_state = nullptr;
};

}  // namespace vigil::cib
