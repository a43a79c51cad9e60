// SPDX-License-Identifier: GPL-2.0-or-later
#include <corosync/quorum.h>

#include <algorithm>

#include "corosync/cs_error.hpp"
#include "corosync/service.hpp"
#include "vigil/cluster/corosync_quorum.hpp"

namespace vigil::cluster {

using corosync::cs_failure;
using corosync::cs_retry;

class CorosyncQuorum::Impl final : public corosync::Service {
 public:
  Impl(boost::asio::io_context& io, NodeList nodes, NodeId local)
      : Service(io, "quorum"), nodes_(std::move(nodes)), local_(local) {}
  ~Impl() override { close(); }

  static void on_quorum(quorum_handle_t handle, std::uint32_t quorate, quorum_ring_id ring,
                        std::uint32_t n_members, const std::uint32_t* members);
  static void on_nodelist(quorum_handle_t handle, quorum_ring_id ring, std::uint32_t n_members,
                          const std::uint32_t* members, std::uint32_t n_joined,
                          const std::uint32_t* joined, std::uint32_t n_left,
                          const std::uint32_t* left);

  void apply_members(RingId ring, std::vector<NodeId> members);
  void apply_quorate(bool quorate);

  quorum_handle_t handle_ = 0;
  bool initialized_ = false;
  NodeList nodes_;
  NodeId local_;
  bool quorate_ = false;
  bool have_members_ = false;
  std::vector<NodeId> members_;
  RingId ring_;
  Quorum::ChangeHandler quorum_handler_;
  Membership::ChangeHandler membership_handler_;

 protected:
  cs_error_t dispatch_all() override { return quorum_dispatch(handle_, CS_DISPATCH_ALL); }
  void finalize() override {
    if (initialized_) {
      quorum_finalize(handle_);
      initialized_ = false;
    }
  }

 private:
  static Impl* from(quorum_handle_t handle) {
    const void* context = nullptr;
    if (quorum_context_get(handle, &context) != CS_OK) return nullptr;
    return static_cast<Impl*>(const_cast<void*>(context));
  }
};

// Both notifications carry the member list; whichever comes first updates
// it and the other finds nothing new.
void CorosyncQuorum::Impl::apply_members(RingId ring, std::vector<NodeId> members) {
  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end()), members.end());
  ring_ = ring;
  if (have_members_ && members == members_) return;
  MembershipChange change;
  change.ring = ring;
  std::set_difference(members.begin(), members.end(), members_.begin(), members_.end(),
                      std::back_inserter(change.joined));
  std::set_difference(members_.begin(), members_.end(), members.begin(), members.end(),
                      std::back_inserter(change.left));
  change.members = members;
  members_ = std::move(members);
  have_members_ = true;
  auto handler = membership_handler_;
  if (handler && usable()) handler(change);
}

void CorosyncQuorum::Impl::apply_quorate(bool quorate) {
  if (quorate == quorate_) return;
  quorate_ = quorate;
  auto handler = quorum_handler_;
  if (handler && usable()) handler(quorate);
}

void CorosyncQuorum::Impl::on_quorum(quorum_handle_t handle, std::uint32_t quorate,
                                     quorum_ring_id ring, std::uint32_t n_members,
                                     const std::uint32_t* members) {
  Impl* self = from(handle);
  if (self == nullptr || !self->usable()) return;
  self->apply_members(RingId{ring.nodeid, ring.seq},
                      std::vector<NodeId>(members, members + n_members));
  if (!self->usable()) return;  // a handler closed us
  self->apply_quorate(quorate != 0);
}

void CorosyncQuorum::Impl::on_nodelist(quorum_handle_t handle, quorum_ring_id ring,
                                       std::uint32_t n_members, const std::uint32_t* members,
                                       std::uint32_t, const std::uint32_t*, std::uint32_t,
                                       const std::uint32_t*) {
  Impl* self = from(handle);
  if (self == nullptr || !self->usable()) return;
  self->apply_members(RingId{ring.nodeid, ring.seq},
                      std::vector<NodeId>(members, members + n_members));
}

// --- CorosyncQuorum -----------------------------------------------------------

Result<std::unique_ptr<CorosyncQuorum>> CorosyncQuorum::connect(boost::asio::io_context& io,
                                                                NodeList nodes, NodeId local_node) {
  auto impl = std::make_shared<Impl>(io, std::move(nodes), local_node);
  quorum_model_v1_data_t model{};
  model.model = QUORUM_MODEL_V1;
  model.quorum_notify_fn = &Impl::on_quorum;
  model.nodelist_notify_fn = &Impl::on_nodelist;
  std::uint32_t quorum_type = 0;
  cs_error_t rc = cs_retry([&] {
    return quorum_model_initialize(&impl->handle_, QUORUM_MODEL_V1,
                                   reinterpret_cast<quorum_model_data_t*>(&model), &quorum_type,
                                   impl.get());
  });
  if (rc != CS_OK) return cs_failure("quorum_initialize", rc);
  impl->initialized_ = true;
  if (quorum_type != QUORUM_SET) {
    return Error(ErrorCode::kUnsupported,
                 "corosync has no quorum provider: set 'quorum { provider: corosync_votequorum }' "
                 "in corosync.conf");
  }
  int quorate = 0;
  rc = cs_retry([&] { return quorum_getquorate(impl->handle_, &quorate); });
  if (rc != CS_OK) return cs_failure("quorum_getquorate", rc);
  impl->quorate_ = quorate != 0;
  // CS_TRACK_CURRENT: the current members come as a first notification.
  rc = cs_retry(
      [&] { return quorum_trackstart(impl->handle_, CS_TRACK_CURRENT | CS_TRACK_CHANGES); });
  if (rc != CS_OK) return cs_failure("quorum_trackstart", rc);
  int fd = -1;
  rc = quorum_fd_get(impl->handle_, &fd);
  if (rc != CS_OK) return cs_failure("quorum_fd_get", rc);
  if (Status s = impl->watch(fd); !s) return s.error();
  return std::unique_ptr<CorosyncQuorum>(new CorosyncQuorum(std::move(impl)));
}

CorosyncQuorum::~CorosyncQuorum() {
  if (impl_) impl_->close();
}

bool CorosyncQuorum::quorate() const {
  return impl_->quorate_;
}
void CorosyncQuorum::set_quorum_handler(Quorum::ChangeHandler handler) {
  impl_->quorum_handler_ = std::move(handler);
}
NodeId CorosyncQuorum::local_node() const {
  return impl_->local_;
}
const NodeList& CorosyncQuorum::nodes() const {
  return impl_->nodes_;
}
const std::vector<NodeId>& CorosyncQuorum::members() const {
  return impl_->members_;
}
void CorosyncQuorum::set_membership_handler(Membership::ChangeHandler handler) {
  impl_->membership_handler_ = std::move(handler);
}
RingId CorosyncQuorum::ring() const {
  return impl_->ring_;
}
void CorosyncQuorum::set_node_list(NodeList nodes) {
  impl_->nodes_ = std::move(nodes);
}
void CorosyncQuorum::set_lost_handler(std::function<void(const Error&)> handler) {
  impl_->set_lost_handler(std::move(handler));
}

}  // namespace vigil::cluster
