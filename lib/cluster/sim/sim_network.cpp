// SPDX-License-Identifier: GPL-2.0-or-later
// SimNetwork, SimNode and SimCpg: thin public faces of SimCore.
#include "vigil/cluster/sim_network.hpp"

#include "sim/sim_core.hpp"
#include "vigil/cluster/sim_cpg.hpp"
#include "vigil/cluster/sim_node.hpp"

namespace vigil::cluster {

SimNetwork::SimNetwork(SimOptions options)
    : core_(std::make_unique<detail::SimCore>(std::move(options))) {}
SimNetwork::~SimNetwork() = default;
SimNetwork::SimNetwork(SimNetwork&&) noexcept = default;
SimNetwork& SimNetwork::operator=(SimNetwork&&) noexcept = default;

SimNode& SimNetwork::add_node(NodeId id, std::string name, std::string addr) {
  return core_->add_node(id, std::move(name), std::move(addr));
}
SimNode& SimNetwork::node(NodeId id) {
  return *core_->state(id).node;
}
const NodeList& SimNetwork::node_list() const {
  return core_->node_list();
}

void SimNetwork::start(NodeId id) {
  core_->start(id);
}
void SimNetwork::start_all() {
  core_->start_all();
}
void SimNetwork::crash(NodeId id) {
  core_->crash(id);
}
void SimNetwork::partition(const std::vector<std::vector<NodeId>>& sides) {
  core_->partition(sides);
}
void SimNetwork::isolate(NodeId id) {
  core_->isolate(id);
}
void SimNetwork::heal() {
  core_->heal();
}
void SimNetwork::set_latency(SimTime min, SimTime max) {
  core_->set_latency(min, max);
}
void SimNetwork::set_loss(NodeId id, double rate) {
  core_->set_loss(id, rate);
}
void SimNetwork::clog(NodeId id, SimTime duration) {
  core_->clog(id, duration);
}

SimTime SimNetwork::now() const {
  return core_->now();
}
std::optional<SimTime> SimNetwork::next_delivery_time() const {
  return core_->next_delivery_time();
}
bool SimNetwork::deliver_next() {
  return core_->deliver_next();
}

std::size_t SimNetwork::run_until_idle(std::size_t max_steps) {
  std::size_t n = 0;
  while (n < max_steps && core_->deliver_next()) ++n;
  return n;
}

std::size_t SimNetwork::run_until(SimTime t) {
  std::size_t n = 0;
  for (auto next = core_->next_delivery_time(); next && *next <= t;
       next = core_->next_delivery_time()) {
    core_->deliver_next();
    ++n;
  }
  core_->advance_to(t);
  return n;
}

bool SimNetwork::idle() const {
  return !core_->next_delivery_time().has_value();
}

std::vector<std::vector<NodeId>> SimNetwork::partitions() const {
  return core_->partitions();
}
const std::vector<std::string>& SimNetwork::trace() const {
  return core_->trace();
}
SimRandom& SimNetwork::random() {
  return core_->random();
}

// --- SimNode ---------------------------------------------------------------------

bool SimNode::up() const {
  return core_.state(info_.id).up;
}
std::uint32_t SimNode::incarnation() const {
  return core_.state(info_.id).incarnation;
}
const NodeList& SimNode::nodes() const {
  return core_.node_list();
}
void SimNode::set_membership_handler(Membership::ChangeHandler handler) {
  membership_handler_ = std::move(handler);
}
void SimNode::set_quorum_handler(Quorum::ChangeHandler handler) {
  quorum_handler_ = std::move(handler);
}
Result<std::unique_ptr<SimCpg>> SimNode::connect_cpg() {
  return core_.connect_cpg(info_.id);
}

// --- SimCpg ----------------------------------------------------------------------

namespace {
Error network_gone() {
  return Error(ErrorCode::kIo, "cpg: CS_ERR_LIBRARY: the simulated network is gone");
}
}  // namespace

SimCpg::~SimCpg() {
  if (core_ != nullptr) core_->endpoint_destroyed(id_);
}
void SimCpg::set_handlers(MessagingHandlers handlers) {
  handlers_ = std::move(handlers);
}
Status SimCpg::join(std::string_view group) {
  return core_ != nullptr ? core_->join(id_, group) : network_gone();
}
Status SimCpg::leave() {
  return core_ != nullptr ? core_->leave(id_) : network_gone();
}
Status SimCpg::send(std::string_view payload) {
  return core_ != nullptr ? core_->send(id_, payload) : network_gone();
}
std::size_t SimCpg::max_message_size() const {
  return core_ != nullptr ? core_->options().max_message_size : 0;
}
bool SimCpg::alive() const {
  return core_ != nullptr && core_->endpoint_alive(id_);
}

}  // namespace vigil::cluster
