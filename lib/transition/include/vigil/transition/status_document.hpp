// SPDX-License-Identifier: GPL-2.0-or-later
// A CIB document's status section, changed in memory the way the CIB daemon
// and the attribute manager change it for the controller: node_state updates
// (the XML history.hpp and outcome.hpp build) merged in, sections erased by
// XPath, transient node attributes set and removed. For whoever holds a whole
// CIB in one document and has no daemons to send these to: crm_simulate's
// executor (simulation.hpp) and tests. Node states and resource histories
// are indexed by id, so a transition of thousands of actions costs no scan
// of everything per action.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "vigil/common/result.hpp"

struct _xmlDoc;   // libxml2's xmlDoc
struct _xmlNode;  // libxml2's xmlNode

namespace vigil::transition {

class StatusDocument {
 public:
  // `doc` is a whole CIB (<cib> root) and must outlive this view. A missing
  // <status> section is created by the first change.
  explicit StatusDocument(_xmlDoc* doc);
  ~StatusDocument();  // not copyable: the index belongs to one view

  // Merges a <node_state> update as a CIB modify does: the node_state with
  // the update's id (else, as crm_simulate looks nodes up, its uname) takes
  // the update's attributes, and so does each child matched by element name
  // and id (the first of that name when it has no id), recursively; what
  // matches nothing is added. Errors (nothing changes): not XML, not a
  // <node_state>, no id.
  Status apply(std::string_view node_state_xml);

  // Removes every element `xpath` selects; returns how many. Error: an XPath
  // libxml2 cannot evaluate.
  Result<int> erase(const std::string& xpath);

  // Sets a transient attribute of a node (transient_attributes/
  // instance_attributes/nvpair, with the attribute manager's ids). "value++"
  // adds one to the current value (none counts as 0; INFINITY stays). The
  // node_state is found by id, else by name, and created when missing.
  // Returns the id of the node_state written to.
  std::string set_attribute(const std::string& node_uuid, const std::string& node_name,
                            const std::string& name, const std::string& value);

  // Removes the node's transient attributes whose names `which` accepts;
  // returns how many.
  int remove_attributes(const std::string& node_uuid,
                        const std::function<bool(std::string_view)>& which);

  // One above the highest call-id recorded for `rsc` on the node (1 when
  // nothing is): how crm_simulate numbers the results it records.
  int next_call_id(const std::string& node_uuid, const std::string& node_name,
                   const std::string& rsc) const;
  // Whether the node has a history entry (lrm_resource) for `rsc`.
  bool has_history(const std::string& node_uuid, const std::string& node_name,
                   const std::string& rsc) const;

 private:
  struct Index;
  Index& index() const;
  _xmlNode* find_node_state(const std::string& uuid, const std::string& uname) const;
  _xmlNode* node_state(const std::string& uuid, const std::string& uname);
  _xmlNode* child(_xmlNode* parent, const char* name, const std::string& id) const;
  _xmlNode* ensure_child(_xmlNode* parent, const char* name, const std::string& id);
  void merge(const _xmlNode* from, _xmlNode* to);

  _xmlDoc* doc_;
  // Built on first use, dropped when erase() removes more than records.
  mutable std::unique_ptr<Index> index_;
};

}  // namespace vigil::transition
