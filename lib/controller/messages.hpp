// SPDX-License-Identifier: GPL-2.0-or-later
// The messages controllers exchange over the "vigil-crmd" CPG group. Each is
// one XML element <crmd t="TYPE" ...>; every member receives every message
// (agreed order) and keeps those meant for it.
//   history   node -> DC   the node's whole executor history (<op> children)
//   result    node -> DC   one operation result (<op>)
//   exec      DC -> node   run an operation (<action> with <param> children)
//   cancel    DC -> node   cancel a recurring operation
//   forget    DC -> node   drop a resource's executor history (lrm_delete)
//   shutdown  DC -> node   do_shutdown: the node may leave
//   attr      any -> DC    set (value present) or delete a transient attribute
//   cleanup   any -> DC    forget a resource's history and failures
//   rejoin    DC -> all    send your history again (the CIB was replaced)
//   joined    DC -> node   your history is in the CIB
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "records.hpp"
#include "vigil/cluster/types.hpp"
#include "vigil/common/result.hpp"

namespace vigil::controller {

enum class MsgType {
  kHistory,
  kResult,
  kExec,
  kCancel,
  kForget,
  kShutdown,
  kAttr,
  kCleanup,
  kRejoin,
  kJoined
};
const char* to_string(MsgType t);

struct ExecSpec {
  std::string rsc, cls, provider, type, task;
  std::int64_t interval_ms = 0, timeout_ms = 0, start_delay_ms = 0;
  std::string key, digest;
  std::map<std::string, std::string> params;
};

struct Message {
  MsgType type = MsgType::kHistory;
  cluster::NodeId target = cluster::kNoNode;  // exec, cancel, forget, shutdown, attr
  std::vector<OpEvent> ops;                   // history, result (one)
  ExecSpec exec;                              // exec; cancel uses rsc/task/interval_ms
  std::string rsc;                            // forget, cleanup
  std::string node;                           // cleanup: uname or empty (all)
  std::string name;                           // attr
  std::optional<std::string> value;           // attr: nullopt deletes
  bool fresh = false;                         // history: the first one since the controller started
};

std::string encode(const Message& m);
// Refuses anything malformed (the payload may come from anywhere).
Result<Message> decode(std::string_view payload);

}  // namespace vigil::controller
