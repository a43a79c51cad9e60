// SPDX-License-Identifier: GPL-2.0-or-later
// An operation result as controllers move it around: from the executor
// (exec::OperationResult with the controller's user data) to the DC over
// CPG, and from there into lib/transition's history records. The executing
// node computes the op-digest from the graph action it ran, and the digest
// travels with the result, so the DC records the right digest even for
// results it cannot match to an action of its own graph (recurring monitors,
// results of an older DC's transition, history at join).
#pragma once

#include <libxml/tree.h>

#include <cstdint>
#include <string>

#include "vigil/exec/operation.hpp"
#include "vigil/transition/graph.hpp"
#include "vigil/transition/history.hpp"

namespace vigil::controller {

struct OpEvent {
  std::string rsc, cls, provider, type, task;
  std::int64_t interval_ms = 0;
  std::int64_t timeout_ms = 0;
  int call_id = 0;
  int rc = 0;
  int op_status = 0;  // Pacemaker's execution status (-1 pending, 0 done, ...)
  std::string exit_reason;
  std::string transition_key;  // "action:transition:target_rc:uuid", may be empty
  std::string digest;
  std::int64_t last_run = 0, last_rc_change = 0, exec_ms = 0, queue_ms = 0;

  // Parts of the transition key (-1 / empty when there is none).
  int target_rc() const;
  int action_id() const;
  int transition_id() const;
  std::string key_uuid() const;
  bool pending() const { return op_status == transition::kExecPending; }
  bool cancelled() const { return op_status == transition::kExecCancelled; }
  std::string op_key() const;  // rsc_task_interval

  transition::OpResult to_op_result() const;
  // A graph action standing for this operation, for results that match no
  // action of the current graph: enough for history records and
  // classification (target rc, interval, timeout, primitive).
  transition::GraphAction to_action(const std::string& node_uuid,
                                    const std::string& node_name) const;
};

std::string op_key(const std::string& rsc, const std::string& task, std::int64_t interval_ms);

// The user data the controller hands the executor: "key\ndigest".
std::string make_user_data(const std::string& transition_key, const std::string& digest);
OpEvent event_from_result(const exec::OperationResult& r);

// <op .../> for CPG messages, and back; from_xml refuses incomplete events.
std::string event_to_xml(const OpEvent& e);
Result<OpEvent> event_from_xml(const xmlNode* n);

// Whether `attr` is a fail-count or last-failure attribute of `rsc`.
bool is_failure_attr_of(const std::string& attr, const std::string& rsc);

}  // namespace vigil::controller
