// SPDX-License-Identifier: GPL-2.0-or-later
// Service: vigil-stonithd's logic without sockets or Corosync. It drives
// lib/fencing's Fencer: inputs from the CIB, the CPG group, clients, agent
// runs and timers; its effects carried out through a Clock, an AgentRunner
// and a cluster::Messaging (CorosyncCpg in the daemon, SimCpg in tests).
//
// - Peers: the CPG group "vigil-stonithd". A member's name comes from the
//   NodeList (nodeid -> name); the Fencer's members are the nodes whose
//   fencer is in the view. Every CPG message is multicast: one addressed to
//   a node carries its name in front ("node2\n<fencing .../>"), and the
//   others drop it; our own copy is dropped (the Fencer handles messages to
//   itself inside).
// - The CIB: set_cib() with the whole document, at start and after every
//   change. Each fence agent's meta-data is read once (its action=metadata,
//   cached per agent; a failure is retried at the next change), then the
//   configuration this node registers is built (fencing_config.hpp: a
//   device whose agent is missing, a disabled device, or one banned from
//   this node is left out, and the reason logged). A CIB that cannot be
//   read leaves the previous configuration in place, loudly.
// - Clients: handle() takes one protocol request (protocol.hpp) and answers
//   once through `answer`: a payload, or an Error (kNotFound: refused, an
//   unknown node or device; kFailed: carried out and failed, with the
//   reason; kInvalidInput/kUnsupported: a malformed request). Subscribed
//   connections get every finished operation as <fence-event>.
// - The executor's devices, as Pacemaker 2.1.5's fencer keeps "api
//   registered" ones: a stonith resource's start registers the device with
//   the start's parameters (fence-register; its agent's meta-data read as
//   for the CIB's, a missing agent refuses it with the reason), and it is
//   used whatever the CIB says of its placement; its stop unregisters it.
//   The Fencer gets the union. A device of the same id in both is one
//   device with the newest definition: an executor's at each register, a
//   CIB's when its definition changes or it comes back (so a CIB device
//   survives its unregister, and an executor's one its CIB removal).
// - Device monitoring is the executor's, as in Pacemaker: it runs a stonith
//   resource's recurring monitor by asking here (fence-monitor), refused
//   for a device the executor did not register (not started here); this
//   service schedules no monitor of its own.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/cluster/messaging.hpp"
#include "vigil/cluster/node_list.hpp"
#include "vigil/common/clock.hpp"
#include "vigil/common/log_sink.hpp"
#include "vigil/common/result.hpp"
#include "vigil/fencerd/protocol.hpp"
#include "vigil/fencing/agent_runner.hpp"
#include "vigil/fencing/fencer.hpp"

namespace vigil::fencerd {

inline constexpr const char* kGroup = "vigil-stonithd";

struct ServiceOptions {
  std::uint64_t seed = 1;             // pcmk_delay_max's random delays
  Duration metadata_timeout{30'000};  // an agent's action=metadata
  Duration query_timeout{10'000};     // waiting for the members' query replies
  std::size_t history_limit = 500;    // finished operations kept
  LogSink log = stderr_log_sink("vigil-stonithd");
};

class Service {
 public:
  using Answer = std::function<void(Result<std::string>)>;
  // Returns false when the connection is gone (it is then unsubscribed).
  using EventSink = std::function<bool(std::uint64_t connection, std::string_view payload)>;

  // `clock`, `runner` and `cpg` must outlive the service.
  Service(Clock& clock, fencing::AgentRunner& runner, cluster::Messaging& cpg,
          cluster::NodeList nodes, ServiceOptions options = {});
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Joins the CPG group. Fails when this node has no name in the node list.
  Status start();
  // Corosync's node list changed (names of members to come).
  void set_nodes(cluster::NodeList nodes);
  // The whole CIB, at start and after each change.
  Status set_cib(std::string_view cib_xml);

  void set_event_sink(EventSink sink);
  void handle(std::uint64_t connection, std::string_view payload, Answer answer);
  void connection_closed(std::uint64_t connection);

  const std::string& self() const;
  const fencing::Fencer& fencer() const;
  // Registered devices, as the last configuration built has them.
  const std::vector<DeviceInfo>& devices() const;
  // The nodes whose fencer is in the group, this one included.
  const std::vector<std::string>& members() const;
  // True once a configuration was given to the Fencer.
  bool configured() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::fencerd
