// SPDX-License-Identifier: GPL-2.0-or-later
// The fencer (Pacemaker's pacemaker-fenced) as a pure state machine, in the
// controller's style: step(now, input) takes one input and queues effects
// (run an agent, send to a peer, arm a timer, answer a client, notify, log)
// that the driver carries out and answers with inputs carrying the same
// token or timer id. No process, socket or clock inside; randomness (the
// pcmk_delay_max delay) comes from a seed.
//
// A request is taken by its origin node, which asks every member which of
// its devices can fence the target (query / query-reply), plans the devices
// (the target's topology levels, else every capable device one after
// another; `on` uses the unfencing devices, all of them), and has each
// device run by a node that has it, never the target while another node can.
// Messages to this node itself are handled inside, without a round trip.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "vigil/common/clock.hpp"
#include "vigil/common/log_sink.hpp"
#include "vigil/fencing/agent_protocol.hpp"
#include "vigil/fencing/device.hpp"
#include "vigil/fencing/history.hpp"
#include "vigil/fencing/messages.hpp"
#include "vigil/fencing/topology.hpp"

namespace vigil::fencing {

using Token = std::uint64_t;
using TimerId = std::uint64_t;

// What the CIB says (see fencing_config.hpp), devices with their meta-data.
struct FencerConfig {
  std::vector<Device> devices;  // devices this node may run
  Topology topology;
  NodeAttributes node_attributes;
  std::set<std::string> nodes;  // configured node names
  Duration stonith_timeout{60'000};
  // The CIB's devices not registered here, by id, with the reason, so that
  // a request nothing can fence says which devices were left out and why.
  std::map<std::string, std::string> left_out;
};

// --- inputs -----------------------------------------------------------------

struct ConfigInput {
  FencerConfig config;
};
// The nodes whose fencer is up, this one included.
struct MembersInput {
  std::vector<std::string> members;
};
// A client's request: fence (reboot, off, on), which devices can fence a
// target (query), run a device's monitor, a human's confirmation that a
// node is off (stonith_admin --confirm: recorded as a done "off" by "a
// human", on every node), or the history cleanup of a target (every target
// when empty) on every node.
struct ClientRequest {
  enum class Kind { kFence, kQuery, kMonitor, kConfirm, kHistoryCleanup };
  Kind kind = Kind::kFence;
  std::string client{};  // who to answer
  std::string ref{};     // the client's request id, echoed
  std::string target{};  // fence, query, confirm, history cleanup
  std::string action = "reboot";
  std::string device{};  // monitor
  Duration delay{0};     // fence: added before the first device (priority-fencing-delay)
  Duration timeout{0};   // fence: 0 = stonith-timeout; monitor: 0 = the device's
};
struct AgentDoneInput {
  Token token = 0;
  AgentResult result;
};
struct TimerInput {
  TimerId id = 0;
};
struct PeerInput {
  std::string from;     // sender's node name
  std::string payload;  // undecoded
};
using Input =
    std::variant<ConfigInput, MembersInput, ClientRequest, AgentDoneInput, TimerInput, PeerInput>;

// --- effects ----------------------------------------------------------------

struct RunAgentEffect {
  Token token = 0;
  AgentCall call;
};
struct SendEffect {
  std::string to;  // a node; empty: every other member
  PeerMessage message;
};
struct ArmTimerEffect {
  TimerId id = 0;
  Duration after{0};
};
struct ReplyEffect {
  std::string client{};
  std::string ref{};
  bool ok = false;
  std::string reason{};                // why it failed
  std::string delegate{};              // fence: who fenced
  std::vector<std::string> devices{};  // query: devices that can fence the target
  std::string op{};                    // fence, confirm: the history entry's id
  bool refused = false;                // refused at once (unknown node, device, action)
};
// A fencing operation finished (or was learnt from a peer): for the
// controller and subscribed clients.
struct NotifyEffect {
  HistoryEntry entry;
};
struct LogEffect {
  LogLevel level = LogLevel::kInfo;
  std::string text;
};
using Effect =
    std::variant<RunAgentEffect, SendEffect, ArmTimerEffect, ReplyEffect, NotifyEffect, LogEffect>;

class Fencer {
 public:
  struct Options {
    std::string self;                 // this node's name
    std::uint64_t seed = 1;           // pcmk_delay_max's random delays
    Duration query_timeout{10'000};   // waiting for query replies
    Duration list_cache{60'000};      // dynamic list kept this long
    std::size_t history_limit = 500;  // finished entries kept
  };
  explicit Fencer(Options options);
  ~Fencer();
  Fencer(const Fencer&) = delete;
  Fencer& operator=(const Fencer&) = delete;

  void step(const Now& now, const Input& input);
  std::vector<Effect> take_effects();

  const FenceHistory& history() const;
  std::size_t operations_in_progress() const;

  struct State;

 private:
  std::unique_ptr<State> s_;
};

std::string describe(const Effect& e);  // one line, for logs and scripts

}  // namespace vigil::fencing
