// SPDX-License-Identifier: GPL-2.0-or-later
// Operation history as Pacemaker 2.1.5's controller records it in the CIB
// status section: status/node_state/lrm/lrm_resources/lrm_resource/
// lrm_rsc_op, built from a graph action and the executor's result. The
// op-digest is computed from the action's attributes with the filtering the
// policy engine uses when it compares digests (vigil/pengine/digest.hpp), so
// a recorded operation never looks like a changed definition.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vigil/common/result.hpp"
#include "vigil/transition/graph.hpp"

namespace vigil::transition {

// Pacemaker's feature set as 2.1.5 writes it (crm_feature_set).
inline constexpr std::string_view kFeatureSet = "3.16.2";
// The transition key's UUID for results the cluster did not schedule.
inline constexpr std::string_view kFakeUuid = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

// Execution status (op-status) values, Pacemaker's enum pcmk_exec_status.
inline constexpr int kExecPending = -1;
inline constexpr int kExecDone = 0;
inline constexpr int kExecCancelled = 1;
inline constexpr int kExecTimeout = 2;
inline constexpr int kExecNotSupported = 3;
inline constexpr int kExecError = 4;
inline constexpr int kExecErrorHard = 5;
inline constexpr int kExecErrorFatal = 6;
inline constexpr int kExecNotInstalled = 7;
inline constexpr int kExecNotConnected = 8;
inline constexpr int kExecInvalid = 9;
inline constexpr int kExecNoFenceDevice = 10;
inline constexpr int kExecNoSecrets = 11;

// "action:transition:target_rc:uuid" (the UUID padded to 36 characters).
struct TransitionKey {
  int action_id = -1;
  int transition_id = -1;
  int target_rc = -1;
  std::string uuid;
};
std::string encode_transition_key(const TransitionKey& key);
Result<TransitionKey> decode_transition_key(std::string_view text);

// "op_status:rc;transition-key".
struct TransitionMagic {
  int op_status = -1;
  int rc = -1;
  TransitionKey key;
};
std::string encode_transition_magic(const TransitionMagic& magic);
Result<TransitionMagic> decode_transition_magic(std::string_view text);

// The executor's result of one operation.
struct OpResult {
  int rc = 0;                  // OCF exit code (rc-code)
  int op_status = kExecDone;   // op-status
  std::string exit_reason;     // recorded for failures only, as Pacemaker does
  int call_id = 0;             // the executor's call id
  std::int64_t run_time = 0;   // epoch seconds the operation ran (last-run)
  std::int64_t rc_change = 0;  // epoch seconds the result last changed (recurring ops)
  std::int64_t exec_time_ms = 0;
  std::int64_t queue_time_ms = 0;
};

// What an agent's meta-data says about its parameters, for the restart and
// secure digests. Absent meta-data: no such digests are recorded.
struct AgentMetadata {
  bool reload_agent = false;   // OCF 1.1 "reload-agent" action
  bool legacy_reload = false;  // pre-1.1 "reload" action
  struct Param {
    std::string name;
    bool reloadable = false;  // reloadable="1"
    bool unique = false;      // unique="1"
    bool is_private = false;  // private="1" (secrets)
  };
  std::vector<Param> params;  // in meta-data order
};

// Reads an agent's meta-data XML (<resource-agent>) as Pacemaker's
// controller does: OCF agents of OCF version 1.1 or later with a
// "reload-agent" action reload by "reloadable" parameters; older ones with a
// "reload" action use "unique" parameters; "private" marks secrets. `cls` is
// the resource class ("ocf", "stonith" ...). Errors: not XML, not
// <resource-agent>, a parameter without a name.
Result<AgentMetadata> parse_agent_metadata(std::string_view xml_text, std::string_view cls);

struct HistoryContext {
  int transition_id = -1;
  std::string dc_uuid;    // the transition key's UUID (the DC's); kFakeUuid when empty
  std::string node_name;  // on_node of the record (the node the op ran on)
  std::string origin = "do_update_resource";  // crm-debug-origin
  std::string feature_set;                    // empty: the action's crm_feature_set or kFeatureSet
  const AgentMetadata* metadata = nullptr;    // optional
  // crm_simulate's records carry no transition of their own: their key is
  // made up of the call id as action, transition -1 and kFakeUuid.
  bool injected_key = false;
};

// One lrm_rsc_op element: its id and attributes in Pacemaker's order.
struct HistoryRecord {
  std::string id;
  std::vector<std::pair<std::string, std::string>> attrs;  // "id" first
  const std::string* attr(std::string_view name) const;
  std::string xml() const;  // <lrm_rsc_op .../>
};

// The op-digest of a resource action: MD5 of its parameters after Pacemaker's
// filtering (no CRM_meta_* except CRM_meta_timeout of recurring ops, no id,
// crm_feature_set, op-digest, on_node, on_node_uuid, pcmk_external_ip).
std::string op_digest(const GraphAction& action);

// The history records of one result of a resource action (rsc_op):
// `<rsc>_last_0`, `<rsc>_last_failure_0` (a
// failed operation also rewrites `<rsc>_last_0` when non-recurring),
// `<rsc>_<op>_<interval>` for recurring operations, the operation key for
// migrate_to/migrate_from, `<rsc>_<type>_notify_<op>_0` for notifications
// (recorded as successful, though the controller records none: see
// is_recordable; nor cancelled results, whose records are erased instead).
// A successful reload is recorded as a start and a
// failed one as a monitor. A pending result (record-pending) is recorded like
// a success, with the op-status and rc the caller gives (-1 and 193).
// Error: the action is no resource action.
Result<std::vector<HistoryRecord>> build_history(const GraphAction& action, const OpResult& result,
                                                 const HistoryContext& ctx);

// The CIB update (a modify of the status section) carrying these records:
// <node_state id uname crm-debug-origin><lrm id><lrm_resources>
// <lrm_resource id class provider type [shutdown-lock]> records </...>.
// `shutdown_lock`, when given, is written on the lrm_resource.
std::string lrm_update_xml(const std::string& node_uuid, const std::string& node_name,
                           const GraphPrimitive& rsc, const std::vector<HistoryRecord>& records,
                           const std::string& origin = "do_update_resource",
                           std::optional<std::int64_t> shutdown_lock = std::nullopt);

// The shutdown-lock value a result records on its lrm_resource when the
// action carries a lock: the lock time for a successful stop or a probe that
// found nothing (the lock holds), 0 otherwise (the lock is cleared); nullopt
// when the action has no lock.
std::optional<std::int64_t> recorded_shutdown_lock(const GraphAction& action,
                                                   const OpResult& result);

// Whether results of this action go into the history at all (Pacemaker
// records no cancel, delete, notify or meta-data results of its own).
bool is_recordable(const GraphAction& action);
// Whether a pending record is written before the action runs: recordable
// and CRM_meta_record_pending not false (Pacemaker 2.1.5's default is true).
bool records_pending(const GraphAction& action);
// The result recorded while the operation runs: op-status -1, rc 193,
// call-id -1, started `now`.
OpResult pending_result(std::int64_t now);
// The result recorded for an action lost to the Runner's timer (the node
// never answered): op-status 2 (timed out), rc 1 (error), call-id -1 and
// Pacemaker's exit reason. `local_node` is the DC's own node name.
OpResult lost_result(const GraphAction& action, std::int64_t now, const std::string& local_node);
// crm-debug-origin values Pacemaker's controller uses for those records.
inline constexpr std::string_view kLostResultOrigin = "controld_record_action_event";

// What a successful history-erasing action removes from its node's status,
// as XPaths for CIB deletes: a "delete" rsc_op or an "lrm_delete" crm_event
// erases the resource's lrm_resource; a "cancel" rsc_op erases the record of
// the recurring operation it cancels (its operation_key). Error for any other
// action, or for a node name that cannot be quoted.
Result<std::vector<std::string>> erase_xpaths(const GraphAction& action);

// One call for the usual case: build_history + lrm_update_xml for the node
// the action ran on (its on_node/on_node_uuid), with the shutdown lock.
Result<std::string> result_update_xml(const GraphAction& action, const OpResult& result,
                                      const HistoryContext& ctx);

}  // namespace vigil::transition
