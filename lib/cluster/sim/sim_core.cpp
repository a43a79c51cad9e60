// SPDX-License-Identifier: GPL-2.0-or-later
#include "sim/sim_core.hpp"

#include <algorithm>
#include <stdexcept>

namespace vigil::cluster::detail {
namespace {

constexpr std::size_t kMaxGroupName = 128;  // CPG_MAX_NAME_LENGTH

template <typename T>
std::vector<T> minus(const std::vector<T>& a, const std::vector<T>& b) {
  std::vector<T> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

std::string str(const std::vector<NodeId>& ids) {
  std::string s = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) s += ',';
    s += std::to_string(ids[i]);
  }
  return s + "]";
}

std::string str(const GroupMember& m) {
  return std::to_string(m.node) + ":" + std::to_string(m.pid);
}

std::string str(const std::vector<GroupMember>& ms) {
  std::string s = "[";
  for (std::size_t i = 0; i < ms.size(); ++i) {
    if (i > 0) s += ',';
    s += str(ms[i]);
  }
  return s + "]";
}

std::string str(const std::vector<DepartedMember>& ms) {
  std::string s = "[";
  for (std::size_t i = 0; i < ms.size(); ++i) {
    if (i > 0) s += ',';
    s += str(ms[i].member) + "/" + to_string(ms[i].reason);
  }
  return s + "]";
}

std::string str(const RingId& r) {
  return std::to_string(r.rep) + "." + std::to_string(r.seq);
}

}  // namespace

SimCore::SimCore(SimOptions options) : options_(std::move(options)), random_(options_.seed) {
  set_latency(options_.min_latency, options_.max_latency);
}

SimCore::~SimCore() {
  // Endpoints still held by callers become inert instead of dangling.
  for (auto& [id, ep] : endpoints_) ep.cpg->core_ = nullptr;
}

void SimCore::note(const std::string& line) {
  if (options_.trace) trace_.push_back("t=" + std::to_string(now_.count()) + " " + line);
}

SimNode& SimCore::add_node(NodeId id, std::string name, std::string addr) {
  if (nodes_.count(id) != 0) {
    throw std::invalid_argument("SimNetwork: node " + std::to_string(id) + " added twice");
  }
  std::vector<NodeInfo> infos = node_list_.nodes();
  infos.push_back(NodeInfo{id, name, addr});
  auto list = NodeList::create(std::move(infos));
  if (!list) throw std::invalid_argument("SimNetwork: " + list.error().message());
  node_list_ = std::move(*list);
  NodeState& n = nodes_[id];
  n.node.reset(new SimNode(*this, NodeInfo{id, std::move(name), std::move(addr)}));
  return *n.node;
}

NodeState& SimCore::state(NodeId id) {
  auto it = nodes_.find(id);
  if (it == nodes_.end()) {
    throw std::invalid_argument("SimNetwork: unknown node " + std::to_string(id));
  }
  return it->second;
}

const NodeState& SimCore::state(NodeId id) const {
  return const_cast<SimCore*>(this)->state(id);
}

// --- topology -----------------------------------------------------------------

void SimCore::start(NodeId id) {
  NodeState& n = state(id);
  if (n.up) throw std::logic_error("SimNetwork: node " + std::to_string(id) + " is already up");
  start_all_of({id});
}

void SimCore::start_all() {
  std::vector<NodeId> down;
  for (auto& [id, n] : nodes_) {
    if (!n.up) down.push_back(id);
  }
  start_all_of(down);
}

void SimCore::start_all_of(const std::vector<NodeId>& ids) {
  if (ids.empty()) return;
  for (NodeId id : ids) {
    NodeState& n = nodes_.at(id);
    n.up = true;
    ++n.incarnation;
    n.ring_members.clear();
    n.ring = RingId{};
    n.quorate = false;
    n.wait_for_all_pending = options_.wait_for_all.value_or(options_.two_node);
    n.queue.clear();
    n.last_ready = now_;
    note("start n" + std::to_string(id) + " incarnation " + std::to_string(n.incarnation));
  }
  reform();
}

void SimCore::crash(NodeId id) {
  NodeState& n = state(id);
  if (!n.up) return;
  n.up = false;
  n.queue.clear();
  n.ring_members.clear();
  n.ring = RingId{};
  n.quorate = false;
  n.wait_for_all_pending = false;
  SimNode& node = *n.node;
  node.members_.clear();
  node.ring_ = RingId{};
  node.quorate_ = false;
  node.membership_handler_ = nullptr;
  node.quorum_handler_ = nullptr;
  for (auto& [eid, ep] : endpoints_) {
    if (ep.self.node != id || !ep.alive) continue;
    ep.alive = false;
    ep.joined = false;
    ep.view_members.clear();
    ep.cpg->handlers_ = MessagingHandlers{};
    ep.cpg->view_.clear();
  }
  note("crash n" + std::to_string(id));
  reform();
}

void SimCore::partition(const std::vector<std::vector<NodeId>>& sides) {
  std::set<NodeId> seen;
  std::string line = "partition";
  for (const auto& side : sides) {
    const std::uint64_t p = next_partition_++;
    std::vector<NodeId> sorted = side;
    std::sort(sorted.begin(), sorted.end());
    for (NodeId id : sorted) {
      NodeState& n = state(id);
      if (!seen.insert(id).second) {
        throw std::invalid_argument("SimNetwork: node " + std::to_string(id) +
                                    " is on two sides of a partition");
      }
      n.partition = p;
    }
    line += " " + str(sorted);
  }
  for (auto& [id, n] : nodes_) {
    if (seen.count(id) == 0) {
      n.partition = next_partition_++;
      line += " [" + std::to_string(id) + "]";
    }
  }
  note(line);
  reform();
}

void SimCore::isolate(NodeId id) {
  state(id).partition = next_partition_++;
  note("isolate n" + std::to_string(id));
  reform();
}

void SimCore::heal() {
  for (auto& [id, n] : nodes_) n.partition = 0;
  note("heal");
  reform();
}

void SimCore::set_latency(SimTime min, SimTime max) {
  if (min.count() < 0 || max < min) {
    throw std::invalid_argument("SimNetwork: latency bounds must satisfy 0 <= min <= max");
  }
  options_.min_latency = min;
  options_.max_latency = max;
}

void SimCore::set_loss(NodeId id, double rate) {
  state(id).loss = std::clamp(rate, 0.0, 1.0);
}

void SimCore::clog(NodeId id, SimTime duration) {
  NodeState& n = state(id);
  n.clogged_until = std::max(n.clogged_until, now_ + duration);
  note("clog n" + std::to_string(id) + " until " + std::to_string(n.clogged_until.count()));
}

std::vector<std::vector<NodeId>> SimCore::partitions() const {
  std::map<std::uint64_t, std::vector<NodeId>> sides;
  for (const auto& [id, n] : nodes_) {
    if (n.up) sides[n.partition].push_back(id);
  }
  std::vector<std::vector<NodeId>> out;
  for (auto& [p, ids] : sides) out.push_back(std::move(ids));
  std::sort(out.begin(), out.end());
  return out;
}

// Forms a new ring in every partition whose running nodes differ from what
// its nodes last saw, and tells them: membership, then quorum, then CPG views.
void SimCore::reform() {
  std::map<std::uint64_t, std::vector<NodeId>> sides;
  for (const auto& [id, n] : nodes_) {
    if (n.up) sides[n.partition].push_back(id);
  }
  for (const auto& [p, ring] : sides) {
    const bool changed = std::any_of(ring.begin(), ring.end(), [&, &ring = ring](NodeId id) {
      return nodes_.at(id).ring_members != ring;
    });
    if (!changed) continue;
    const RingId ring_id{ring.front(), ++ring_seq_};
    note("ring " + str(ring_id) + " members " + str(ring));
    for (NodeId id : ring) {
      NodeState& n = nodes_.at(id);
      MembershipChange c;
      c.ring = ring_id;
      c.members = ring;
      c.joined = minus(ring, n.ring_members);
      c.left = minus(n.ring_members, ring);
      n.ring_members = ring;
      n.ring = ring_id;
      enqueue(n, SimEvent{SimTime{0}, MembershipEvent{std::move(c)}});
    }
    for (NodeId id : ring) {
      NodeState& n = nodes_.at(id);
      const bool q = compute_quorum(n, ring.size());
      if (q != n.quorate) {
        n.quorate = q;
        enqueue(n, SimEvent{SimTime{0}, QuorumEvent{q}});
      }
    }
    std::set<std::string> groups;
    for (const auto& [eid, ep] : endpoints_) {
      if (ep.alive && (ep.joined || !ep.view_members.empty()) &&
          std::binary_search(ring.begin(), ring.end(), ep.self.node)) {
        groups.insert(ep.group);
      }
    }
    for (const std::string& g : groups) refresh_views(g, ring, LeaveReason::kNodeDown, {});
  }
}

// votequorum with one vote per node.
bool SimCore::compute_quorum(NodeState& n, std::size_t votes) {
  const std::size_t expected =
      options_.expected_votes != 0 ? options_.expected_votes : nodes_.size();
  if (n.wait_for_all_pending && votes >= expected) n.wait_for_all_pending = false;
  const bool two_node = options_.two_node && expected == 2;
  const std::size_t needed = two_node ? 1 : expected / 2 + 1;
  return !n.wait_for_all_pending && votes >= needed;
}

std::vector<std::uint64_t> SimCore::group_endpoints(const std::string& group,
                                                    const std::vector<NodeId>& ring) const {
  std::vector<std::uint64_t> out;
  for (const auto& [eid, ep] : endpoints_) {
    if (ep.alive && ep.joined && ep.group == group &&
        std::binary_search(ring.begin(), ring.end(), ep.self.node)) {
      out.push_back(eid);
    }
  }
  std::sort(out.begin(), out.end(), [&](std::uint64_t a, std::uint64_t b) {
    return endpoints_.at(a).self < endpoints_.at(b).self;
  });
  return out;
}

// Sends a view change to every endpoint of `group` in `ring` whose last view
// differs from the group's current members there, and to `leavers` (which
// see themselves leave).
void SimCore::refresh_views(const std::string& group, const std::vector<NodeId>& ring,
                            LeaveReason reason, const std::vector<std::uint64_t>& leavers) {
  std::vector<std::uint64_t> recipients = group_endpoints(group, ring);
  std::vector<GroupMember> members;
  for (std::uint64_t eid : recipients) members.push_back(endpoints_.at(eid).self);
  recipients.insert(recipients.end(), leavers.begin(), leavers.end());
  for (std::uint64_t eid : recipients) {
    EndpointState& ep = endpoints_.at(eid);
    const bool leaving = std::find(leavers.begin(), leavers.end(), eid) != leavers.end();
    if (!leaving && ep.view_members == members) continue;
    GroupView v;
    v.group = group;
    v.members = members;
    if (ep.view_members.empty() && !leaving) {
      v.joined = {ep.self};  // its own join: CPG names only the joiner
    } else {
      v.joined = minus(members, ep.view_members);
    }
    for (const GroupMember& m : minus(ep.view_members, members)) {
      v.left.push_back(DepartedMember{m, reason});
    }
    ep.view_members = leaving ? std::vector<GroupMember>{} : members;
    enqueue(nodes_.at(ep.self.node), SimEvent{SimTime{0}, ViewEvent{eid, std::move(v)}});
  }
}

void SimCore::enqueue(NodeState& n, SimEvent event, SimTime extra_delay) {
  const SimTime latency{
      random_.between(options_.min_latency.count(), options_.max_latency.count())};
  const SimTime ready = std::max(now_ + latency + extra_delay, n.last_ready);
  n.last_ready = ready;
  event.ready = ready;
  n.queue.push_back(std::move(event));
}

// --- CPG endpoints ------------------------------------------------------------

Result<std::unique_ptr<SimCpg>> SimCore::connect_cpg(NodeId node) {
  const NodeState& n = state(node);
  if (!n.up) {
    return Error(ErrorCode::kIo, "cpg_initialize: CS_ERR_LIBRARY: node " + std::to_string(node) +
                                     " is down (corosync is not running)");
  }
  const std::uint64_t id = next_endpoint_++;
  const GroupMember self{node, next_pid_++};
  std::unique_ptr<SimCpg> cpg(new SimCpg(this, id, self));
  EndpointState ep;
  ep.cpg = cpg.get();
  ep.self = self;
  endpoints_.emplace(id, std::move(ep));
  return cpg;
}

void SimCore::endpoint_destroyed(std::uint64_t id) {
  auto it = endpoints_.find(id);
  if (it == endpoints_.end()) return;
  const EndpointState ep = std::move(it->second);
  endpoints_.erase(it);
  if (!ep.alive || !ep.joined) return;
  note("exit " + str(ep.self) + " group " + ep.group);
  refresh_views(ep.group, nodes_.at(ep.self.node).ring_members, LeaveReason::kProcessDown, {});
}

bool SimCore::endpoint_alive(std::uint64_t id) const {
  auto it = endpoints_.find(id);
  return it != endpoints_.end() && it->second.alive;
}

Status SimCore::endpoint_usable(std::uint64_t id) const {
  auto it = endpoints_.find(id);
  if (it == endpoints_.end() || !it->second.alive) {
    return Error(ErrorCode::kIo, "cpg: CS_ERR_BAD_HANDLE: the node of this process crashed");
  }
  return ok_status();
}

Status SimCore::join(std::uint64_t id, std::string_view group) {
  if (Status s = endpoint_usable(id); !s) return s;
  EndpointState& ep = endpoints_.at(id);
  if (ep.joined) {
    return Error(ErrorCode::kInvalidInput,
                 "cpg_join: CS_ERR_EXIST: already in group '" + ep.group + "'");
  }
  if (group.empty() || group.size() > kMaxGroupName) {
    return Error(ErrorCode::kInvalidInput, "cpg_join: group names have 1 to 128 bytes");
  }
  ep.joined = true;
  ep.group = std::string(group);
  ep.view_members.clear();
  note("join " + str(ep.self) + " group " + ep.group);
  refresh_views(ep.group, nodes_.at(ep.self.node).ring_members, LeaveReason::kLeave, {});
  return ok_status();
}

Status SimCore::leave(std::uint64_t id) {
  if (Status s = endpoint_usable(id); !s) return s;
  EndpointState& ep = endpoints_.at(id);
  if (!ep.joined) return Error(ErrorCode::kInvalidInput, "cpg_leave: not in a group");
  ep.joined = false;
  note("leave " + str(ep.self) + " group " + ep.group);
  refresh_views(ep.group, nodes_.at(ep.self.node).ring_members, LeaveReason::kLeave, {id});
  return ok_status();
}

Status SimCore::send(std::uint64_t id, std::string_view payload) {
  if (Status s = endpoint_usable(id); !s) return s;
  const EndpointState& ep = endpoints_.at(id);
  if (!ep.joined) {
    return Error(ErrorCode::kInvalidInput, "cpg_mcast_joined: not in a group");
  }
  if (payload.size() > options_.max_message_size) {
    return Error(ErrorCode::kInvalidInput,
                 "cpg_mcast_joined: message of " + std::to_string(payload.size()) +
                     " bytes exceeds the limit of " + std::to_string(options_.max_message_size));
  }
  const GroupMember sender = ep.self;
  const std::vector<std::uint64_t> recipients =
      group_endpoints(ep.group, nodes_.at(sender.node).ring_members);
  const std::uint64_t seq = ++msg_seq_;
  note("send #" + std::to_string(seq) + " from " + str(sender) + " len " +
       std::to_string(payload.size()));
  auto data = std::make_shared<const std::string>(payload);

  // Per receiving node: how many transmissions were lost before one arrived.
  std::map<NodeId, SimTime> delay;
  std::vector<NodeId> evicted;
  for (std::uint64_t eid : recipients) {
    const NodeId to = endpoints_.at(eid).self.node;
    if (delay.count(to) != 0 || std::count(evicted.begin(), evicted.end(), to) != 0) continue;
    std::uint32_t lost = 0;
    if (to != sender.node) {
      const double rate = nodes_.at(to).loss;
      while (lost <= options_.max_retransmits && random_.chance(rate)) ++lost;
    }
    if (lost > options_.max_retransmits) {
      evicted.push_back(to);
    } else {
      delay[to] = options_.retransmit_delay * lost;
    }
  }
  for (std::uint64_t eid : recipients) {
    const NodeId to = endpoints_.at(eid).self.node;
    auto d = delay.find(to);
    if (d == delay.end()) continue;
    enqueue(nodes_.at(to), SimEvent{SimTime{0}, MessageEvent{eid, sender, seq, data}}, d->second);
  }
  if (!evicted.empty()) {
    for (NodeId to : evicted) {
      nodes_.at(to).partition = next_partition_++;
      note("evict n" + std::to_string(to) + " (too many lost transmissions)");
    }
    reform();
  }
  return ok_status();
}

// --- delivery -----------------------------------------------------------------

std::optional<SimTime> SimCore::next_delivery_time() const {
  std::optional<SimTime> best;
  for (const auto& [id, n] : nodes_) {
    if (!n.up || n.queue.empty()) continue;
    const SimTime t = std::max(n.queue.front().ready, n.clogged_until);
    if (!best || t < *best) best = t;
  }
  return best;
}

bool SimCore::deliver_next() {
  std::vector<NodeState*> ties;
  SimTime best{0};
  for (auto& [id, n] : nodes_) {
    if (!n.up || n.queue.empty()) continue;
    const SimTime t = std::max(n.queue.front().ready, n.clogged_until);
    if (ties.empty() || t < best) {
      ties.assign(1, &n);
      best = t;
    } else if (t == best) {
      ties.push_back(&n);
    }
  }
  if (ties.empty()) return false;
  NodeState& n = ties.size() == 1 ? *ties.front() : *ties[random_.below(ties.size())];
  now_ = std::max(now_, best);
  SimEvent event = std::move(n.queue.front());
  n.queue.pop_front();
  deliver(n, std::move(event));
  return true;
}

void SimCore::advance_to(SimTime t) {
  now_ = std::max(now_, t);
}

// Handlers are copied before the call: a handler may replace itself, crash
// its node or destroy its endpoint.
void SimCore::deliver(NodeState& n, SimEvent event) {
  SimNode& node = *n.node;
  const std::string at = "n" + std::to_string(node.id()) + " ";
  if (auto* m = std::get_if<MembershipEvent>(&event.body)) {
    node.members_ = m->change.members;
    node.ring_ = m->change.ring;
    note(at + "membership ring " + str(m->change.ring) + " members " + str(m->change.members) +
         " joined " + str(m->change.joined) + " left " + str(m->change.left));
    auto handler = node.membership_handler_;
    if (handler) handler(m->change);
  } else if (auto* q = std::get_if<QuorumEvent>(&event.body)) {
    node.quorate_ = q->quorate;
    note(at + (q->quorate ? "quorate" : "not quorate"));
    auto handler = node.quorum_handler_;
    if (handler) handler(q->quorate);
  } else if (auto* v = std::get_if<ViewEvent>(&event.body)) {
    auto it = endpoints_.find(v->endpoint);
    if (it == endpoints_.end() || !it->second.alive) return;
    SimCpg& cpg = *it->second.cpg;
    const bool self_left =
        std::any_of(v->view.left.begin(), v->view.left.end(),
                    [&](const DepartedMember& d) { return d.member == cpg.self_; });
    cpg.view_ = self_left ? std::vector<GroupMember>{} : v->view.members;
    note(at + "view " + str(cpg.self_) + " group " + v->view.group + " members " +
         str(v->view.members) + " joined " + str(v->view.joined) + " left " + str(v->view.left));
    auto handler = cpg.handlers_.on_view;
    if (handler) handler(v->view);
  } else if (auto* msg = std::get_if<MessageEvent>(&event.body)) {
    auto it = endpoints_.find(msg->endpoint);
    if (it == endpoints_.end() || !it->second.alive) return;
    SimCpg& cpg = *it->second.cpg;
    note(at + "deliver #" + std::to_string(msg->msg_seq) + " from " + str(msg->sender) + " to " +
         str(cpg.self_));
    auto handler = cpg.handlers_.on_message;
    const std::shared_ptr<const std::string> payload = msg->payload;
    if (handler) handler(msg->sender, *payload);
  }
}

}  // namespace vigil::cluster::detail
