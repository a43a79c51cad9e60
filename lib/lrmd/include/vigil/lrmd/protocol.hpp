// SPDX-License-Identifier: GPL-2.0-or-later
// vigil-lrmd's messages: one XML element per request, answer and event, in
// the payload of lib/ipc frames. The operation and result types are
// lib/exec's; this header only adds what the daemon layer needs (history,
// the request envelope) and the XML encoding of all of it.
//
// Requests (client -> lrmd), answers in brackets:
//   <lrmd-exec rsc= class= [provider=] type= action= [interval-ms=] [timeout-ms=]
//              [start-delay-ms=] [user-data=] [every-result="true"]>
//     <param name= value=/>...                       [<lrmd-ok call-id=/>]
//   <lrmd-cancel rsc= action= interval-ms=/>         [<lrmd-ok/>]
//   <lrmd-metadata class= [provider=] type=/>        [<lrmd-metadata-reply>text</...>]
//   <lrmd-list-agents class= [provider=]/>           [<lrmd-agents><agent name=/>...]
//   <lrmd-history [rsc=]/>                           [<lrmd-history-reply><lrmd-rsc ...>...]
//     (each <lrmd-rsc>: <last-result/>..., <recurring><param/>...</recurring>...,
//      and <stop-params><param/>...</stop-params> when known)
//   <lrmd-forget rsc=/>                              [<lrmd-ok/>]
//   <lrmd-subscribe/>                                [<lrmd-ok/>]: events to this connection
// Events (lrmd -> subscribed clients): <lrmd-event .../> (see encode_event).
// Errors travel as the frame's kError (code + message), never as XML.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "vigil/common/result.hpp"
#include "vigil/exec/operation.hpp"

namespace vigil::lrmd {

// What an event carries of the agent's output: the last bytes of stdout and
// of stderr, each at most this long.
inline constexpr std::size_t kEventOutputTail = 4096;

struct CancelRequest {
  std::string rsc_id;
  std::string action;
  Duration interval{0};
};

struct MetadataRequest {
  exec::AgentSpec agent;
};

struct ListAgentsRequest {
  exec::AgentClass cls = exec::AgentClass::kOcf;
  std::string provider;  // OCF: empty lists every provider's agents as "provider:type"
};

struct HistoryRequest {
  std::string rsc_id;  // empty: every resource
};

struct ForgetRequest {
  std::string rsc_id;
};

struct SubscribeRequest {};

using Request = std::variant<exec::OperationRequest, CancelRequest, MetadataRequest,
                             ListAgentsRequest, HistoryRequest, ForgetRequest, SubscribeRequest>;

// A recurring operation in place on the executor.
struct RecurringOp {
  std::string action;
  Duration interval{0};
  Duration timeout{0};
  int call_id = 0;
  std::string user_data;
  std::map<std::string, std::string> params;
};

// What the executor knows of one resource, for a controller that restarts
// (Pacemaker's controller rebuilds its view from the executor the same way):
// the agent, the last result of each operation (action + interval), in call
// order, without output, the recurring operations in place, and the
// parameters of the last start, probe (monitor of interval 0), reload or
// reload-agent the executor accepted, as requested (meta attributes
// included; nullopt: none since the history began). A resource is stopped
// with those, not with what its configuration says when the stop comes
// (Pacemaker's controller keeps them as stop_params): a controller that
// restarts learns them here.
struct ResourceHistory {
  std::string rsc_id;
  exec::AgentSpec agent;
  std::vector<exec::OperationResult> last_results;
  std::vector<RecurringOp> recurring;
  std::optional<std::map<std::string, std::string>> stop_params;
};

// Whether an operation's parameters are those a resource runs with (and is
// stopped with): a start, a probe (monitor of interval 0), a reload.
bool defines_stop_params(std::string_view action, Duration interval);

// --- encoding. Every decoder refuses (kInvalidInput, with the reason)
// anything malformed: not XML, unknown element, missing or bad attribute.
std::string encode_request(const Request& request);
Result<Request> decode_request(std::string_view payload);

std::string encode_exec_reply(int call_id);
Result<int> decode_exec_reply(std::string_view payload);
std::string encode_ok();
Status decode_ok(std::string_view payload);

std::string encode_metadata_reply(std::string_view metadata);
Result<std::string> decode_metadata_reply(std::string_view payload);

std::string encode_agents_reply(const std::vector<std::string>& agents);
Result<std::vector<std::string>> decode_agents_reply(std::string_view payload);

std::string encode_history_reply(const std::vector<ResourceHistory>& history);
Result<std::vector<ResourceHistory>> decode_history_reply(std::string_view payload);

// An operation's result as an event. Output and error output keep their
// last kEventOutputTail bytes.
std::string encode_event(const exec::OperationResult& result);
Result<exec::OperationResult> decode_event(std::string_view payload);

}  // namespace vigil::lrmd
