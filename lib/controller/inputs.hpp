// SPDX-License-Identifier: GPL-2.0-or-later
// What the controller's state machine takes (inputs) and what it asks its
// driver to do (effects). Every request effect carries a token; its answer
// comes back as an input with the same token. Plain data only, so that a
// test can write both down as text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "messages.hpp"
#include "vigil/alerts/alerts.hpp"
#include "vigil/cibd/types.hpp"
#include "vigil/cluster/node_list.hpp"
#include "vigil/cluster/types.hpp"
#include "vigil/common/clock.hpp"
#include "vigil/common/result.hpp"
#include "vigil/controller/controller.hpp"
#include "vigil/exec/operation.hpp"
#include "vigil/lrmd/protocol.hpp"
#include "vigil/pengined/access.hpp"

namespace vigil::controller {

using cluster::NodeId;
using Token = std::uint64_t;
using TimerId = std::uint64_t;

// The time an input arrives at (monotonic for timers and waits, wall
// seconds for what the CIB records).
using vigil::Now;

// One CIB change of a batch: a modify (merge, created when missing) of
// `scope` with `xml`, or the deletion of what the XPath `scope` matches.
struct CibEdit {
  bool remove = false;
  std::string scope;
  std::string xml;
};

// What Corosync says about the cluster, sent with the inputs that change it.
struct ClusterSnapshot {
  cluster::NodeList nodes;      // configured nodes
  std::vector<NodeId> members;  // current Corosync members (sorted)
};

// --- inputs -----------------------------------------------------------------

struct StartInput {
  NodeId self = cluster::kNoNode;
  cluster::GroupMember cpg_self;
  ClusterSnapshot cluster;
  bool quorate = false;
};
struct ViewInput {
  cluster::GroupView view;
  ClusterSnapshot cluster;
};
struct MembershipInput {
  cluster::MembershipChange change;
  ClusterSnapshot cluster;
};
struct QuorumInput {
  bool quorate = false;
};
struct MessageInput {
  cluster::GroupMember sender;
  std::string payload;  // undecoded: it may come from anywhere
};
struct CibChangedInput {
  cibd::CibChange change;
};
struct ExecutorEventInput {
  exec::OperationResult result;
};
struct TimerInput {
  TimerId id = 0;
};
// A CPG send the driver could not carry out.
struct SendFailedInput {
  Message message;
  Error error;
};
// A fencing operation that ended, as the fencer tells every subscriber.
struct FenceEventInput {
  FenceEvent event;
};
// Client requests (the crmd.sock protocol, a signal).
struct ShutdownRequest {};
struct AttrRequest {
  std::string node;  // uname; empty: this node
  std::string name;
  std::optional<std::string> value;  // nullopt deletes
};
struct CleanupRequest {
  std::string rsc;
  std::string node;  // empty: every node
};
// Answers, by token.
struct CibAnswer {
  Token token = 0;
  Result<cibd::CibReply> reply = Error(ErrorCode::kInternal, "no answer");
};
struct CibWriteAnswer {
  Token token = 0;
  Status status = ok_status();
};
struct ExecAnswer {  // exec accepted (call id) or refused
  Token token = 0;
  Result<int> call_id = 0;
};
struct ExecutorAnswer {  // cancel, forget
  Token token = 0;
  Status status = ok_status();
};
struct HistoryAnswer {
  Token token = 0;
  Result<std::vector<lrmd::ResourceHistory>> history = std::vector<lrmd::ResourceHistory>{};
};
struct SchedulerAnswer {
  Token token = 0;
  Result<pengined::ComputeResult> result = Error(ErrorCode::kInternal, "no answer");
};
struct FencerAnswer {  // the target is fenced (or unfenced), or the attempt failed
  Token token = 0;
  Status status = ok_status();
};

using Input =
    std::variant<StartInput, ViewInput, MembershipInput, QuorumInput, MessageInput, CibChangedInput,
                 ExecutorEventInput, TimerInput, SendFailedInput, FenceEventInput, ShutdownRequest,
                 AttrRequest, CleanupRequest, CibAnswer, CibWriteAnswer, ExecAnswer, ExecutorAnswer,
                 HistoryAnswer, SchedulerAnswer, FencerAnswer>;
// A short name per input kind, for logs and test traces.
const char* input_name(const Input& input);
const char* input_kind_name(std::size_t index);

// The index of input kind T in Input, at compile time.
template <typename T, typename V = Input>
struct InputIndex;
template <typename T, typename... Ts>
struct InputIndex<T, std::variant<Ts...>> {
  static constexpr std::size_t value = [] {
    constexpr bool same[] = {std::is_same_v<T, Ts>...};
    for (std::size_t i = 0; i < sizeof...(Ts); ++i) {
      if (same[i]) return i;
    }
    return sizeof...(Ts);
  }();
  static_assert(value < sizeof...(Ts), "not an input kind");
};
template <typename T>
inline constexpr std::size_t kInputIndex = InputIndex<T>::value;
inline constexpr std::size_t kInputKinds = std::variant_size_v<Input>;

// --- effects ----------------------------------------------------------------

struct JoinGroup {};
struct LeaveGroup {};
struct SendEffect {
  Message message;
};
struct CibQueryEffect {
  Token token = 0;
  std::string scope;  // empty: the whole CIB
};
// All edits applied (in order, each acknowledged); answered once with the
// first error, if any.
struct CibWriteEffect {
  Token token = 0;
  std::vector<CibEdit> edits;
};
struct ExecEffect {
  Token token = 0;
  exec::OperationRequest request;
};
struct CancelEffect {
  Token token = 0;
  std::string rsc, task;
  Duration interval{0};
};
struct ForgetEffect {
  Token token = 0;
  std::string rsc;
};
struct HistoryEffect {
  Token token = 0;
};
struct ComputeEffect {
  Token token = 0;
  pengined::ComputeRequest request;
};
struct FenceEffect {
  Token token = 0;
  FenceRequest request;
};
struct ArmTimer {
  TimerId id = 0;
  Duration after{0};
};
struct CancelTimer {
  TimerId id = 0;
};
struct LogEffect {
  LogLevel level = LogLevel::kInfo;
  std::string text;
};
// The clean shutdown is over: the driver tells whoever asked for it.
struct ShutdownDone {};
// This node must stop at once (it learnt that it was fenced): the daemon
// exits with a code its supervisor does not respawn.
struct HaltEffect {
  std::string reason;
};

// An event for the alert agents: the alerts that selected it (in
// Pacemaker's order), run by the driver without waiting for them.
struct AlertEffect {
  std::vector<alerts::Alert> alerts;
  alerts::Event event;
};

using Effect =
    std::variant<JoinGroup, LeaveGroup, SendEffect, CibQueryEffect, CibWriteEffect, ExecEffect,
                 CancelEffect, ForgetEffect, HistoryEffect, ComputeEffect, FenceEffect, ArmTimer,
                 CancelTimer, LogEffect, ShutdownDone, HaltEffect, AlertEffect>;

}  // namespace vigil::controller
