// SPDX-License-Identifier: GPL-2.0-or-later
// Pieces of crm_mon's XML status (status_xml.cpp) shared by its files:
// element helpers, crm_mon's time formats, the resource list
// (status_xml_resources.cpp) and the operation history and failed actions
// read from the CIB's status section (status_xml_history.cpp).
#pragma once

#include <libxml/tree.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "vigil/cib/cib.hpp"
#include "vigil/common/time.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/pengine/working_set.hpp"

namespace vigil::admin::status_xml {

// A new last child element of `parent`.
inline xmlNode* child(xmlNode* parent, const char* name) {
  return xmlNewChild(parent, nullptr, reinterpret_cast<const xmlChar*>(name), nullptr);
}
inline void set(xmlNode* n, const char* name, const std::string& value) {
  xmlSetProp(n, reinterpret_cast<const xmlChar*>(name),
             reinterpret_cast<const xmlChar*>(value.c_str()));
}
inline const char* tf(bool b) {
  return b ? "true" : "false";
}

// Pacemaker's crm_is_true (true, on, yes, y, 1; any case).
bool is_true(const std::string& v);
// The integer a text starts with (sign and digits), as C's strtol reads it;
// nullopt when it starts with none.
std::optional<std::int64_t> leading_int(std::string_view text);

// An exit reason as Pacemaker escapes it before it becomes an attribute
// (so "<" shows as "&lt;" once parsed).
std::string escape_reason(const std::string& text);

// The CIB's history entries by model entry: the element each was read from
// (for the attributes the model does not keep), and each node_state's
// element with its model.
class HistoryIndex {
 public:
  HistoryIndex(const pengine::WorkingSet& ws, xmlDoc* doc);
  const xmlNode* element_of(const cib::OpHistory* op) const;
  struct State {
    const xmlNode* element;
    const cib::NodeState* model;  // null when the model has none for it
  };
  const std::vector<State>& states() const { return states_; }
  // The lrm_resource elements of a state, each with its model history.
  struct Entry {
    const xmlNode* element;
    const cib::ResourceHistory* model;
  };
  std::vector<Entry> entries(const State& s) const;

 private:
  std::vector<State> states_;
  std::unordered_map<const cib::OpHistory*, const xmlNode*> ops_;
};

void add_resources(xmlNode* root, const pengine::WorkingSet& ws);
void add_node_history(xmlNode* root, const pengine::WorkingSet& ws, const HistoryIndex& history);
void add_failures(xmlNode* root, const pengine::WorkingSet& ws, const HistoryIndex& history);

}  // namespace vigil::admin::status_xml
