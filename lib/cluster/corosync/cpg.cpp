// SPDX-License-Identifier: GPL-2.0-or-later
#include <corosync/cpg.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstring>
#include <deque>
#include <optional>
#include <string>

#include "corosync/cs_error.hpp"
#include "corosync/service.hpp"
#include "vigil/cluster/corosync_cpg.hpp"
#include "vigil/common/event_barrier.hpp"

namespace vigil::cluster {

using corosync::cs_failure;
using corosync::cs_retry;

namespace {

constexpr auto kRetryDelay = std::chrono::milliseconds(10);

LeaveReason leave_reason(std::uint32_t reason) {
  switch (reason) {
    case CPG_REASON_LEAVE:
      return LeaveReason::kLeave;
    case CPG_REASON_NODEDOWN:
      return LeaveReason::kNodeDown;
    case CPG_REASON_PROCDOWN:
      return LeaveReason::kProcessDown;
    default:
      return LeaveReason::kOther;
  }
}

std::vector<GroupMember> to_members(const cpg_address* list, std::size_t n) {
  std::vector<GroupMember> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(GroupMember{list[i].nodeid, list[i].pid});
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

class CorosyncCpg::Impl final : public corosync::Service {
 public:
  Impl(boost::asio::io_context& io, CpgOptions options)
      : Service(io, "cpg"), options_(options), retry_timer_(io) {}
  ~Impl() override { close(); }

  Status join(std::string_view group);
  Status leave();
  Status send(std::string_view payload);

  static void on_deliver(cpg_handle_t handle, const cpg_name* group, std::uint32_t nodeid,
                         std::uint32_t pid, void* msg, std::size_t len);
  static void on_confchg(cpg_handle_t handle, const cpg_name* group, const cpg_address* members,
                         std::size_t n_members, const cpg_address* left, std::size_t n_left,
                         const cpg_address* joined, std::size_t n_joined);

  cpg_handle_t handle_ = 0;
  bool initialized_ = false;
  CpgOptions options_;
  GroupMember self_;
  std::optional<cpg_name> group_;
  MessagingHandlers handlers_;
  std::deque<std::string> outbox_;
  std::size_t outbox_bytes_ = 0;

 protected:
  cs_error_t dispatch_all() override { return cpg_dispatch(handle_, CS_DISPATCH_ALL); }
  void finalize() override {
    retry_timer_.cancel();
    if (initialized_) {
      cpg_finalize(handle_);
      initialized_ = false;
    }
  }

 private:
  static Impl* from(cpg_handle_t handle) {
    void* context = nullptr;
    if (cpg_context_get(handle, &context) != CS_OK) return nullptr;
    return static_cast<Impl*>(context);
  }
  Status state_error() const;
  cs_error_t mcast(std::string_view payload);
  Status enqueue(std::string_view payload);
  void flush();
  void schedule_retry();

  boost::asio::steady_timer retry_timer_;
  bool retry_armed_ = false;
};

Status CorosyncCpg::Impl::state_error() const {
  if (lost()) return *lost();
  return Error(ErrorCode::kIo, "cpg: the connection is closed");
}

Status CorosyncCpg::Impl::join(std::string_view group) {
  if (!usable()) return state_error();
  if (group_) {
    return Error(ErrorCode::kInvalidInput, "cpg_join: already in group '" +
                                               std::string(group_->value, group_->length) +
                                               "' (one group per connection)");
  }
  if (group.empty() || group.size() > CPG_MAX_NAME_LENGTH) {
    return Error(ErrorCode::kInvalidInput, "cpg_join: group names have 1 to " +
                                               std::to_string(CPG_MAX_NAME_LENGTH) + " bytes");
  }
  cpg_name name{};
  name.length = static_cast<std::uint32_t>(group.size());
  std::memcpy(name.value, group.data(), group.size());
  const cs_error_t rc = cs_retry([&] { return cpg_join(handle_, &name); });
  if (rc != CS_OK) return cs_failure("cpg_join(" + std::string(group) + ")", rc);
  group_ = name;
  return ok_status();
}

Status CorosyncCpg::Impl::leave() {
  if (!usable()) return state_error();
  if (!group_) return Error(ErrorCode::kInvalidInput, "cpg_leave: not in a group");
  flush();  // best effort: what flow control still holds back is dropped
  outbox_.clear();
  outbox_bytes_ = 0;
  cpg_name name = *group_;
  const cs_error_t rc = cs_retry([&] { return cpg_leave(handle_, &name); });
  if (rc != CS_OK) return cs_failure("cpg_leave", rc);
  group_.reset();
  return ok_status();
}

cs_error_t CorosyncCpg::Impl::mcast(std::string_view payload) {
  // libcpg only reads the buffer; iovec merely lacks the const.
  iovec iov{const_cast<char*>(payload.data()), payload.size()};
  return cpg_mcast_joined(handle_, CPG_TYPE_AGREED, &iov, 1);
}

Status CorosyncCpg::Impl::send(std::string_view payload) {
  if (!usable()) return state_error();
  if (!group_) return Error(ErrorCode::kInvalidInput, "cpg_mcast_joined: not in a group");
  if (payload.size() > options_.max_message_size) {
    return Error(ErrorCode::kInvalidInput,
                 "cpg_mcast_joined: message of " + std::to_string(payload.size()) +
                     " bytes exceeds the limit of " + std::to_string(options_.max_message_size));
  }
  if (!outbox_.empty()) return enqueue(payload);  // keep the order
  const cs_error_t rc = mcast(payload);
  if (rc == CS_OK) return ok_status();
  if (rc == CS_ERR_TRY_AGAIN) return enqueue(payload);
  return cs_failure("cpg_mcast_joined", rc);
}

Status CorosyncCpg::Impl::enqueue(std::string_view payload) {
  if (outbox_bytes_ + payload.size() > options_.max_queued_bytes) {
    return Error(ErrorCode::kIo, "cpg_mcast_joined: " + std::to_string(outbox_bytes_) +
                                     " bytes already wait for corosync's flow control");
  }
  outbox_.emplace_back(payload);
  outbox_bytes_ += payload.size();
  schedule_retry();
  return ok_status();
}

void CorosyncCpg::Impl::flush() {
  while (!outbox_.empty() && usable()) {
    const cs_error_t rc = mcast(outbox_.front());
    if (rc == CS_ERR_TRY_AGAIN) {
      schedule_retry();
      return;
    }
    if (rc != CS_OK) {
      outbox_.clear();
      outbox_bytes_ = 0;
      report_lost(cs_failure("cpg_mcast_joined", rc));
      return;
    }
    outbox_bytes_ -= outbox_.front().size();
    outbox_.pop_front();
  }
}

void CorosyncCpg::Impl::schedule_retry() {
  if (retry_armed_) return;
  retry_armed_ = true;
  std::weak_ptr<Impl> weak = std::static_pointer_cast<Impl>(shared_from_this());
  retry_timer_.expires_after(kRetryDelay);
  retry_timer_.async_wait([weak](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (!self) return;
    self->retry_armed_ = false;
    if (ec || !self->usable()) return;
    self->flush();
  });
}

void CorosyncCpg::Impl::on_deliver(cpg_handle_t handle, const cpg_name*, std::uint32_t nodeid,
                                   std::uint32_t pid, void* msg, std::size_t len) {
  Impl* self = from(handle);
  if (self == nullptr || !self->usable()) return;
  auto handler = self->handlers_.on_message;  // it may replace itself
  if (!handler) return;
  // No exception may pass through corosync's C code.
  const std::string_view payload(static_cast<char*>(msg), len);
  guard_event(
      self->options_.log,
      [&] {
        return "cpg: the message of " + std::to_string(len) + " bytes from " +
               std::to_string(nodeid) + ":" + std::to_string(pid);
      },
      [&] {
        handler(GroupMember{nodeid, pid}, payload);
      });
}

void CorosyncCpg::Impl::on_confchg(cpg_handle_t handle, const cpg_name* group,
                                   const cpg_address* members, std::size_t n_members,
                                   const cpg_address* left, std::size_t n_left,
                                   const cpg_address* joined, std::size_t n_joined) {
  Impl* self = from(handle);
  if (self == nullptr || !self->usable()) return;
  GroupView view;
  view.group.assign(group->value, std::min<std::size_t>(group->length, CPG_MAX_NAME_LENGTH));
  view.members = to_members(members, n_members);
  view.joined = to_members(joined, n_joined);
  for (std::size_t i = 0; i < n_left; ++i) {
    view.left.push_back(
        DepartedMember{GroupMember{left[i].nodeid, left[i].pid}, leave_reason(left[i].reason)});
  }
  std::sort(view.left.begin(), view.left.end(),
            [](const DepartedMember& a, const DepartedMember& b) { return a.member < b.member; });
  auto handler = self->handlers_.on_view;
  if (!handler) return;
  guard_event(
      self->options_.log,
      [&] { return "cpg: the view of " + std::to_string(view.members.size()) + " members"; },
      [&] { handler(view); });
}

// --- CorosyncCpg --------------------------------------------------------------

Result<std::unique_ptr<CorosyncCpg>> CorosyncCpg::connect(boost::asio::io_context& io,
                                                          CpgOptions options) {
  auto impl = std::make_shared<Impl>(io, options);
  cpg_model_v1_data_t model{};
  model.model = CPG_MODEL_V1;
  model.cpg_deliver_fn = &Impl::on_deliver;
  model.cpg_confchg_fn = &Impl::on_confchg;
  model.cpg_totem_confchg_fn = nullptr;
  model.flags = 0;
  cs_error_t rc = cs_retry([&] {
    return cpg_model_initialize(&impl->handle_, CPG_MODEL_V1,
                                reinterpret_cast<cpg_model_data_t*>(&model), impl.get());
  });
  if (rc != CS_OK) return cs_failure("cpg_initialize", rc);
  impl->initialized_ = true;

  unsigned int local = 0;
  rc = cs_retry([&] { return cpg_local_get(impl->handle_, &local); });
  if (rc != CS_OK) return cs_failure("cpg_local_get", rc);
  impl->self_ = GroupMember{local, static_cast<std::uint32_t>(::getpid())};

  int fd = -1;
  rc = cpg_fd_get(impl->handle_, &fd);
  if (rc != CS_OK) return cs_failure("cpg_fd_get", rc);
  if (Status s = impl->watch(fd); !s) return s.error();
  return std::unique_ptr<CorosyncCpg>(new CorosyncCpg(std::move(impl)));
}

CorosyncCpg::~CorosyncCpg() {
  if (impl_) impl_->close();
}

void CorosyncCpg::set_handlers(MessagingHandlers handlers) {
  impl_->handlers_ = std::move(handlers);
}
Status CorosyncCpg::join(std::string_view group) {
  return impl_->join(group);
}
Status CorosyncCpg::leave() {
  return impl_->leave();
}
Status CorosyncCpg::send(std::string_view payload) {
  return impl_->send(payload);
}
GroupMember CorosyncCpg::self() const {
  return impl_->self_;
}
std::size_t CorosyncCpg::max_message_size() const {
  return impl_->options_.max_message_size;
}
void CorosyncCpg::set_lost_handler(std::function<void(const Error&)> handler) {
  impl_->set_lost_handler(std::move(handler));
}
std::size_t CorosyncCpg::queued() const {
  return impl_->outbox_.size();
}

}  // namespace vigil::cluster
