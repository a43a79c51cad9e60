// SPDX-License-Identifier: GPL-2.0-or-later
// The machine's driver: turns the edges' callbacks (Corosync, the CIB, the
// executor, the scheduler, the clock) into inputs, and carries out the
// effects the machine queues. It decides nothing. Inputs that arrive while
// effects are being carried out (an edge answering at once) wait their
// turn, so the machine always takes one input at a time.
#include <deque>
#include <map>

#include "machine.hpp"
#include "vigil/cibclient/access.hpp"
#include "vigil/lrmd/access.hpp"
#include "vigil/pengined/access.hpp"

namespace vigil::controller {

class Controller::Impl {
 public:
  Impl(ControllerEnv env, ControllerOptions options)
      : env_(std::move(env)), machine_(std::move(options)) {}
  ~Impl();

  Status start();
  Status feed(Input input);
  void set_shutdown_done(std::function<void()> done) { shutdown_done_ = std::move(done); }
  void set_halt_handler(std::function<void(const std::string&)> h) { halt_ = std::move(h); }
  const Machine& machine() const { return machine_; }

 private:
  ClusterSnapshot snapshot() const { return {env_.membership.nodes(), env_.membership.members()}; }
  // Wraps a callback so that it does nothing once this object is gone.
  template <typename F>
  auto guarded(F fn) {
    std::weak_ptr<char> alive = alive_;
    return [alive, fn = std::move(fn)](auto&&... args) mutable {
      if (alive.expired()) return;
      fn(std::forward<decltype(args)>(args)...);
    };
  }
  void perform(Effect& effect);
  void write(Token token, std::vector<CibEdit> edits);

  ControllerEnv env_;
  Machine machine_;
  std::shared_ptr<char> alive_ = std::make_shared<char>(0);
  std::map<TimerId, std::unique_ptr<Timer>> timers_;
  std::function<void()> shutdown_done_;
  std::function<void(const std::string&)> halt_;
  std::deque<Input> queue_;
  bool busy_ = false;
  bool started_ = false;
  cibclient::SubscriptionId cib_sub_ = 0;
  std::optional<Error> join_error_;
};

Controller::Impl::~Impl() {
  if (!started_) return;
  env_.cib.unsubscribe(cib_sub_);
  env_.executor.set_event_handler({});
  env_.fencer.set_event_handler({});
  env_.cpg.set_handlers({});
  env_.membership.set_membership_handler({});
  env_.quorum.set_quorum_handler({});
}

Status Controller::Impl::start() {
  if (started_) return Error(ErrorCode::kInvalidInput, "the controller is already started");
  env_.cib.set_client_name(kCibClientName);
  env_.cpg.set_handlers(
      cluster::MessagingHandlers{guarded([this](const cluster::GroupMember& s, std::string_view p) {
                                   (void)feed(MessageInput{s, std::string(p)});
                                 }),
                                 guarded([this](const cluster::GroupView& v) {
                                   (void)feed(ViewInput{v, snapshot()});
                                 })});
  env_.membership.set_membership_handler(guarded([this](const cluster::MembershipChange& c) {
    (void)feed(MembershipInput{c, snapshot()});
  }));
  env_.quorum.set_quorum_handler(guarded([this](bool q) { (void)feed(QuorumInput{q}); }));
  env_.executor.set_event_handler(
      guarded([this](const exec::OperationResult& r) { (void)feed(ExecutorEventInput{r}); }));
  env_.fencer.set_event_handler(
      guarded([this](const FenceEvent& e) { (void)feed(FenceEventInput{e}); }));
  cib_sub_ = env_.cib.subscribe(
      guarded([this](const cibclient::CibChange& c) { (void)feed(CibChangedInput{c}); }));
  started_ = true;
  if (auto st = feed(StartInput{env_.membership.local_node(), env_.cpg.self(), snapshot(),
                                env_.quorum.quorate()});
      !st) {
    return st;
  }
  if (join_error_) return *join_error_;
  return ok_status();
}

Status Controller::Impl::feed(Input input) {
  if (busy_) {
    queue_.push_back(std::move(input));
    return ok_status();
  }
  busy_ = true;
  Status first = ok_status();
  bool head = true;
  for (;;) {
    const Now now{env_.clock.now(), env_.clock.wall_seconds()};
    Status st = machine_.step(now, input);
    if (head) first = st;
    head = false;
    for (Effect& e : machine_.take_effects()) perform(e);
    if (queue_.empty()) break;
    input = std::move(queue_.front());
    queue_.pop_front();
  }
  busy_ = false;
  return first;
}

void Controller::Impl::write(Token token, std::vector<CibEdit> edits) {
  struct Batch {
    std::size_t remaining;
    std::optional<Error> error;
  };
  auto batch = std::make_shared<Batch>(Batch{edits.size(), std::nullopt});
  auto one_done = guarded([this, batch, token](Result<cibclient::CibReply> r) {
    if (!r && !batch->error) batch->error = r.error();
    if (--batch->remaining > 0) return;
    (void)feed(CibWriteAnswer{token, batch->error ? Status(*batch->error) : ok_status()});
  });
  cibclient::UpdateOptions create;
  create.allow_create = true;
  for (auto& e : edits) {
    if (e.remove) {
      env_.cib.remove(e.scope, one_done);
    } else {
      env_.cib.modify(e.scope, e.xml, one_done, create);
    }
  }
}

void Controller::Impl::perform(Effect& effect) {
  struct Visitor {
    Impl& d;
    void operator()(JoinGroup&) {
      if (auto st = d.env_.cpg.join(kCpgGroup); !st) {
        d.join_error_ = st.error().with_context("joining CPG group " + std::string(kCpgGroup));
      }
    }
    void operator()(LeaveGroup&) { (void)d.env_.cpg.leave(); }
    void operator()(SendEffect& e) {
      if (auto st = d.env_.cpg.send(encode(e.message)); !st)
        (void)d.feed(SendFailedInput{std::move(e.message), st.error()});
    }
    void operator()(CibQueryEffect& e) {
      d.env_.cib.query(e.scope, d.guarded([&d = d, t = e.token](Result<cibclient::CibReply> r) {
        (void)d.feed(CibAnswer{t, std::move(r)});
      }));
    }
    void operator()(CibWriteEffect& e) { d.write(e.token, std::move(e.edits)); }
    void operator()(ExecEffect& e) {
      d.env_.executor.exec(e.request, d.guarded([&d = d, t = e.token](Result<int> r) {
        (void)d.feed(ExecAnswer{t, std::move(r)});
      }));
    }
    void operator()(CancelEffect& e) {
      d.env_.executor.cancel(lrmd::CancelRequest{e.rsc, e.task, e.interval},
                             d.guarded([&d = d, t = e.token](Status st) {
                               (void)d.feed(ExecutorAnswer{t, std::move(st)});
                             }));
    }
    void operator()(ForgetEffect& e) {
      d.env_.executor.forget(e.rsc, d.guarded([&d = d, t = e.token](Status st) {
        (void)d.feed(ExecutorAnswer{t, std::move(st)});
      }));
    }
    void operator()(HistoryEffect& e) {
      d.env_.executor.history(
          "", d.guarded([&d = d, t = e.token](Result<std::vector<lrmd::ResourceHistory>> h) {
            (void)d.feed(HistoryAnswer{t, std::move(h)});
          }));
    }
    void operator()(ComputeEffect& e) {
      d.env_.scheduler.compute(std::move(e.request),
                               d.guarded([&d = d, t = e.token](Result<pengined::ComputeResult> r) {
                                 (void)d.feed(SchedulerAnswer{t, std::move(r)});
                               }));
    }
    void operator()(FenceEffect& e) {
      d.env_.fencer.fence(e.request, d.guarded([&d = d, t = e.token](Status st) {
        (void)d.feed(FencerAnswer{t, std::move(st)});
      }));
    }
    void operator()(ArmTimer& e) {
      d.timers_[e.id] = d.env_.clock.start_timer(e.after, d.guarded([&d = d, id = e.id] {
        d.timers_.erase(id);
        (void)d.feed(TimerInput{id});
      }));
    }
    void operator()(CancelTimer& e) { d.timers_.erase(e.id); }
    void operator()(LogEffect& e) {
      if (d.env_.log) d.env_.log(e.level, e.text);
    }
    void operator()(AlertEffect& e) {
      if (d.env_.alerts) d.env_.alerts(e.alerts, e.event);
    }
    void operator()(HaltEffect& e) {
      if (d.halt_) {
        auto halt = d.halt_;
        halt(e.reason);
      }
    }
    void operator()(ShutdownDone&) {
      if (d.shutdown_done_) {
        auto done = d.shutdown_done_;
        done();
      }
    }
  };
  std::visit(Visitor{*this}, effect);
}

// --- the public face ----------------------------------------------------------

Controller::Controller(ControllerEnv env, ControllerOptions options)
    : impl_(std::make_unique<Impl>(std::move(env), std::move(options))) {}
Controller::~Controller() = default;
Status Controller::start() {
  return impl_->start();
}
void Controller::request_shutdown(std::function<void()> done) {
  impl_->set_shutdown_done(std::move(done));
  (void)impl_->feed(ShutdownRequest{});
}
Status Controller::set_attribute(const std::string& node, const std::string& name,
                                 const std::string& value) {
  return impl_->feed(AttrRequest{node, name, value});
}
Status Controller::delete_attribute(const std::string& node, const std::string& name) {
  return impl_->feed(AttrRequest{node, name, std::nullopt});
}
Status Controller::cleanup(const std::string& rsc, const std::string& node) {
  return impl_->feed(CleanupRequest{rsc, node});
}
void Controller::set_halt_handler(std::function<void(const std::string&)> handler) {
  impl_->set_halt_handler(std::move(handler));
}
ControllerStatus Controller::status() const {
  return impl_->machine().status();
}
bool Controller::is_dc() const {
  return impl_->machine().is_dc();
}

}  // namespace vigil::controller
