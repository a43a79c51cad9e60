// SPDX-License-Identifier: GPL-2.0-or-later
// vigil-stonithd's driver around the Fencer (see service.hpp): inputs in
// one at a time (an input that arrives while effects are carried out waits
// its turn), effects out through the clock, the runner and CPG.
#include "vigil/fencerd/service.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <set>

#include "vigil/common/overload.hpp"
#include "vigil/fencing/fencing_config.hpp"
#include "vigil/fencing/messages.hpp"

namespace vigil::fencerd {

namespace {

// What a waiting client asked, to shape its answer.
enum class Waits { kFence, kConfirm, kQuery, kMonitor };

struct Waiting {
  Waits kind;
  Service::Answer answer;
};

// "node2\n<fencing .../>": a message for node2 only; "\n<fencing .../>": for all.
std::string envelope(const std::string& to, const std::string& body) {
  std::string out;
  out.reserve(to.size() + 1 + body.size());
  out += to;
  out += '\n';
  out += body;
  return out;
}

}  // namespace

struct Service::Impl {
  Clock& clock;
  fencing::AgentRunner& runner;
  cluster::Messaging& cpg;
  cluster::NodeList nodes;
  ServiceOptions opt;
  std::string self;
  std::unique_ptr<fencing::Fencer> fencer;
  std::vector<std::string> members;
  std::vector<DeviceInfo> devices;
  bool configured = false;

  // Inputs waiting while effects are carried out.
  std::deque<fencing::Input> inputs;
  bool stepping = false;

  std::map<fencing::TimerId, std::unique_ptr<Timer>> timers;
  std::uint64_t next_ref = 1;
  std::map<std::string, Waiting> waiting;  // by request ref
  std::set<std::uint64_t> subscribers;
  EventSink sink;

  // The CIB being configured: the latest one read, until its agents'
  // meta-data is known.
  std::optional<fencing::CibFencing> cib;
  std::uint64_t cib_generation = 0;
  std::map<std::string, fencing::AgentMetadata> metadata;  // by agent, successes only
  std::map<std::string, Error> metadata_failures;          // for the latest CIB
  std::set<std::string> metadata_running;
  // Registrations waiting for their agent's meta-data, by agent.
  std::map<std::string, std::vector<std::function<void(const Result<fencing::AgentMetadata>&)>>>
      metadata_waiters;

  // The configuration built from the CIB alone, and the meta attributes an
  // executor's registration of the same id takes from there, by id.
  std::optional<fencing::FencerConfig> cib_config;
  std::map<std::string, std::map<std::string, std::string>> cib_meta;
  // When each definition was registered, to keep the newest of a CIB and an
  // executor definition with the same id: a CIB device's stamp changes when
  // its definition does (or it comes back), an executor's at each register.
  struct CibDefinition {
    std::string agent;
    std::map<std::string, std::string> params;
    std::uint64_t stamp = 0;
  };
  std::map<std::string, CibDefinition> cib_definitions;
  struct ApiDevice {
    fencing::Device device;
    std::uint64_t stamp = 0;
  };
  std::map<std::string, ApiDevice> api_devices;  // started by the executor, by id
  std::uint64_t next_stamp = 0;

  // Cleared when the service goes: callbacks of the runner and of timers
  // that outlive it do nothing.
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);

  Impl(Clock& c, fencing::AgentRunner& r, cluster::Messaging& m, cluster::NodeList n,
       ServiceOptions o)
      : clock(c), runner(r), cpg(m), nodes(std::move(n)), opt(std::move(o)) {}

  void log(LogLevel level, const std::string& line) {
    if (opt.log) opt.log(level, line);
  }

  // --- the machine ----------------------------------------------------------

  void step(fencing::Input input) {
    inputs.push_back(std::move(input));
    if (stepping || !fencer) return;
    stepping = true;
    while (!inputs.empty()) {
      fencing::Input in = std::move(inputs.front());
      inputs.pop_front();
      fencer->step(Now{clock.now(), clock.wall_seconds()}, in);
      for (auto& e : fencer->take_effects()) carry_out(std::move(e));
    }
    stepping = false;
  }

  void carry_out(fencing::Effect e) {
    std::visit(Overload{
                   [&](fencing::RunAgentEffect& r) { run_agent(r); },
                   [&](fencing::SendEffect& s) { send(s); },
                   [&](fencing::ArmTimerEffect& t) { arm(t); },
                   [&](fencing::ReplyEffect& r) { reply(r); },
                   [&](fencing::NotifyEffect& n) { notify(n.entry); },
                   [&](fencing::LogEffect& l) { log(l.level, l.text); },
               },
               e);
  }

  void run_agent(const fencing::RunAgentEffect& r) {
    const fencing::Token token = r.token;
    std::weak_ptr<bool> weak = alive;
    runner.run(r.call, [this, weak, token](fencing::AgentResult result) {
      if (weak.expired()) return;
      step(fencing::AgentDoneInput{token, std::move(result)});
    });
  }

  void send(const fencing::SendEffect& s) {
    const std::string payload = envelope(s.to, fencing::encode(s.message));
    if (auto st = cpg.send(payload); !st) {
      // The daemon learns of a lost Corosync from the CPG connection itself
      // and exits; a peer that misses this message times out its operation.
      log(LogLevel::kError,
          "event=cpg-send-failed type=" + std::string(fencing::to_string(s.message.type)) +
              " reason=\"" + st.error().message() + "\"");
    }
  }

  void arm(const fencing::ArmTimerEffect& t) {
    const fencing::TimerId id = t.id;
    timers[id] = clock.start_timer(t.after, [this, id] {
      // The handle goes after the call: the clock allows that.
      auto handle = std::move(timers[id]);
      timers.erase(id);
      step(fencing::TimerInput{id});
    });
  }

  void reply(const fencing::ReplyEffect& r) {
    auto it = waiting.find(r.ref);
    if (it == waiting.end()) return;  // its client went away
    Waiting w = std::move(it->second);
    waiting.erase(it);
    if (!r.ok) {
      w.answer(Error(r.refused ? ErrorCode::kNotFound : ErrorCode::kFailed, r.reason));
      return;
    }
    switch (w.kind) {
      case Waits::kFence:
        return w.answer(encode_fence_reply(FenceReply{r.delegate, r.op}));
      case Waits::kQuery:
        return w.answer(encode_device_ids(r.devices));
      case Waits::kConfirm:
      case Waits::kMonitor:
        return w.answer(encode_ok());
    }
  }

  void notify(const fencing::HistoryEntry& entry) {
    if (subscribers.empty() || !sink) return;
    const std::string payload = encode_event(entry);
    for (auto it = subscribers.begin(); it != subscribers.end();) {
      if (sink(*it, payload)) {
        ++it;
      } else {
        it = subscribers.erase(it);
      }
    }
  }

  // --- CPG ------------------------------------------------------------------

  void on_message(const cluster::GroupMember& sender, std::string_view payload) {
    if (sender == cpg.self()) return;  // handled inside when it was sent
    const auto nl = payload.find('\n');
    if (nl == std::string_view::npos) {
      log(LogLevel::kWarning, "event=bad-message from-node=" + std::to_string(sender.node) +
                                  " reason=\"no address line\"");
      return;
    }
    const std::string_view to = payload.substr(0, nl);
    if (!to.empty() && to != self) return;
    auto from = nodes.name_of(sender.node);
    if (!from) {
      log(LogLevel::kWarning,
          "event=message-from-unnamed-node node=" + std::to_string(sender.node));
      return;
    }
    step(fencing::PeerInput{*from, std::string(payload.substr(nl + 1))});
  }

  void on_view(const cluster::GroupView& view) {
    std::set<std::string> names;
    for (const auto& m : view.members) {
      if (auto name = nodes.name_of(m.node)) {
        names.insert(*name);
      } else {
        log(LogLevel::kWarning,
            "event=member-without-name node=" + std::to_string(m.node) + " (left out)");
      }
    }
    names.insert(self);
    members.assign(names.begin(), names.end());
    log(LogLevel::kInfo, "event=members count=" + std::to_string(members.size()));
    step(fencing::MembersInput{members});
  }

  // --- the CIB ----------------------------------------------------------------

  Status set_cib(std::string_view text) {
    auto read = fencing::read_cib_fencing(text);
    if (!read) {
      log(LogLevel::kError, "event=cib-refused reason=\"" + read.error().message() +
                                "\" (the previous fencing configuration stays)");
      return read.error().with_context("fencing configuration");
    }
    cib = std::move(*read);
    ++cib_generation;
    metadata_failures.clear();
    for (const auto& d : cib->devices) {
      if (metadata.count(d.agent) || metadata_running.count(d.agent)) continue;
      if (!fencing::valid_agent_name(d.agent)) {
        metadata_failures.insert_or_assign(
            d.agent, Error(ErrorCode::kInvalidInput, "'" + d.agent + "' is no fence agent name"));
        continue;
      }
      fetch_metadata(d.agent);
    }
    try_configure();
    return ok_status();
  }

  void fetch_metadata(const std::string& agent) {
    metadata_running.insert(agent);
    const std::uint64_t generation = cib_generation;
    std::weak_ptr<bool> weak = alive;
    runner.run(fencing::make_metadata_call(agent, opt.metadata_timeout),
               [this, weak, agent, generation](fencing::AgentResult r) {
                 if (weak.expired()) return;
                 metadata_running.erase(agent);
                 Result<fencing::AgentMetadata> got = read_metadata(agent, r);
                 if (got) {
                   metadata.insert_or_assign(agent, *got);
                 } else if (generation == cib_generation) {
                   metadata_failures.insert_or_assign(agent, got.error());
                 }
                 auto waiters = std::move(metadata_waiters[agent]);
                 metadata_waiters.erase(agent);
                 for (auto& w : waiters) w(got);
                 try_configure();
               });
  }

  static Result<fencing::AgentMetadata> read_metadata(const std::string& agent,
                                                      const fencing::AgentResult& r) {
    if (!r.ok()) {
      return Error(ErrorCode::kNotFound,
                   fencing::describe_failure(fencing::make_metadata_call(agent, {}), r));
    }
    auto md = fencing::parse_agent_metadata(r.out);
    if (!md) return md.error().with_context(agent + " meta-data");
    return md;
  }

  // Builds and gives the configuration once every agent of the latest CIB
  // is known (or known to fail).
  void try_configure() {
    if (!cib || !metadata_running.empty() || !fencer) return;
    std::map<std::string, Result<fencing::AgentMetadata>> md;
    for (const auto& d : cib->devices) {
      if (md.count(d.agent)) continue;
      if (auto it = metadata.find(d.agent); it != metadata.end()) {
        md.emplace(d.agent, it->second);
      } else if (auto f = metadata_failures.find(d.agent); f != metadata_failures.end()) {
        md.emplace(d.agent, f->second);
      } else {
        // Its run ended for an older CIB with a failure: ask again.
        fetch_metadata(d.agent);
        return;
      }
    }
    auto built = fencing::build_config(*cib, md, self);
    // What an executor's registration takes from the CIB: provides=unfencing
    // only (its placement and target-role are the scheduler's business).
    std::map<std::string, std::map<std::string, std::string>> meta;
    for (const auto& d : cib->devices) {
      if (auto p = d.meta.find("provides"); p != d.meta.end()) meta[d.id].insert(*p);
    }
    cib.reset();
    if (!built) {
      log(LogLevel::kError, "event=config-refused reason=\"" + built.error().message() +
                                "\" (the previous fencing configuration stays)");
      return;
    }
    cib_meta = std::move(meta);
    for (const auto& [id, why] : built->config.left_out) {
      log(LogLevel::kWarning, "event=device-not-registered device=" + id + ": " + why);
    }
    note_cib_definitions(built->config);
    cib_config = std::move(built->config);
    publish_config();
  }

  void note_cib_definitions(const fencing::FencerConfig& config) {
    std::map<std::string, CibDefinition> now;
    for (const auto& d : config.devices) {
      CibDefinition def{d.agent, d.params, 0};
      auto old = cib_definitions.find(d.id);
      const bool same = old != cib_definitions.end() && old->second.agent == d.agent &&
                        old->second.params == d.params;
      def.stamp = same ? old->second.stamp : ++next_stamp;
      now.emplace(d.id, std::move(def));
    }
    cib_definitions = std::move(now);
  }

  // The Fencer's configuration: the CIB's devices and the executor's, one
  // device per id (the newest definition).
  void publish_config() {
    if (!fencer) return;
    fencing::FencerConfig c = cib_config ? *cib_config : fencing::FencerConfig{};
    if (!api_devices.empty()) {
      std::map<std::string, std::size_t> index;
      for (std::size_t i = 0; i < c.devices.size(); ++i) index.emplace(c.devices[i].id, i);
      for (const auto& [id, api] : api_devices) {
        auto at = index.find(id);
        if (at == index.end()) {
          c.devices.push_back(api.device);
          continue;
        }
        auto def = cib_definitions.find(id);
        if (def == cib_definitions.end() || def->second.stamp < api.stamp) {
          c.devices[at->second] = api.device;
        }
      }
      for (const auto& [id, api] : api_devices) c.left_out.erase(id);
    }
    devices.clear();
    for (const auto& d : c.devices) devices.push_back({d.id, d.agent});
    configured = true;
    step(fencing::ConfigInput{std::move(c)});
  }

  // --- the executor's devices ---------------------------------------------------

  // A stonith resource started on this node: registered whatever the CIB
  // says of its placement, with the start's parameters.
  void register_device(const RegisterCall& c, const Answer& answer) {
    if (!fencing::valid_agent_name(c.agent)) {
      return answer(Error(ErrorCode::kInvalidInput, "'" + c.agent + "' is no fence agent name"));
    }
    auto with_metadata = [this, c, answer](const Result<fencing::AgentMetadata>& md) {
      auto refuse = [&](const Error& e) {
        log(LogLevel::kWarning,
            "event=register-refused device=" + c.device + " reason=\"" + e.message() + "\"");
        answer(e);
      };
      if (!md) return refuse(md.error());
      static const std::map<std::string, std::string> kNoMeta;
      auto meta = cib_meta.find(c.device);
      auto d = fencing::make_device(c.device, c.agent, c.params,
                                    meta == cib_meta.end() ? kNoMeta : meta->second, *md);
      if (!d) return refuse(d.error().with_context("device " + c.device));
      api_devices.insert_or_assign(c.device, ApiDevice{std::move(*d), ++next_stamp});
      log(LogLevel::kNotice,
          "event=device-registered device=" + c.device + " agent=" + c.agent + " by=executor");
      publish_config();
      answer(encode_ok());
    };
    if (auto it = metadata.find(c.agent); it != metadata.end()) return with_metadata(it->second);
    metadata_waiters[c.agent].push_back(std::move(with_metadata));
    if (!metadata_running.count(c.agent)) fetch_metadata(c.agent);
  }

  // Its stop: the executor's registration goes; the CIB's, if any, stays.
  void unregister_device(const UnregisterCall& c, const Answer& answer) {
    if (api_devices.erase(c.device) > 0) {
      log(LogLevel::kNotice, "event=device-unregistered device=" + c.device + " by=executor");
      publish_config();
    }
    answer(encode_ok());
  }

  // --- clients ----------------------------------------------------------------

  // A request for the Fencer, answered by its ReplyEffect.
  void ask(std::uint64_t connection, fencing::ClientRequest r, std::string client, Waits kind,
           Answer answer) {
    r.ref = "r" + std::to_string(next_ref++);
    r.client = client.empty() ? "client." + std::to_string(connection) : std::move(client);
    waiting.emplace(r.ref, Waiting{kind, std::move(answer)});
    step(std::move(r));
  }

  void handle(std::uint64_t connection, std::string_view payload, Answer answer) {
    auto call = decode_call(payload);
    if (!call) {
      log(LogLevel::kWarning, "event=bad-request connection=" + std::to_string(connection) +
                                  " reason=\"" + call.error().message() + "\"");
      return answer(call.error());
    }
    using Kind = fencing::ClientRequest::Kind;
    std::visit(
        Overload{
            [&](FenceCall& c) {
              ask(connection,
                  {.kind = Kind::kFence,
                   .target = c.target,
                   .action = c.action,
                   .delay = c.delay,
                   .timeout = c.timeout},
                  c.client, Waits::kFence, std::move(answer));
            },
            [&](ConfirmCall& c) {
              ask(connection, {.kind = Kind::kConfirm, .target = c.target}, c.client,
                  Waits::kConfirm, std::move(answer));
            },
            [&](QueryCall& c) {
              ask(connection, {.kind = Kind::kQuery, .target = c.target, .action = c.action}, {},
                  Waits::kQuery, std::move(answer));
            },
            [&](MonitorCall& c) {
              // As Pacemaker's fencer: only a started device is monitored.
              if (!api_devices.count(c.device)) {
                return answer(Error(ErrorCode::kNotFound,
                                    "'" + c.device + "' not active (not started on this node)"));
              }
              ask(connection, {.kind = Kind::kMonitor, .device = c.device, .timeout = c.timeout},
                  {}, Waits::kMonitor, std::move(answer));
            },
            [&](RegisterCall& c) { register_device(c, answer); },
            [&](UnregisterCall& c) { unregister_device(c, answer); },
            [&](HistoryCall& c) {
              const auto& h = fencer->history();
              answer(encode_history(c.target.empty() ? h.entries() : h.for_target(c.target)));
            },
            [&](HistoryCleanupCall& c) {
              step(fencing::ClientRequest{.kind = Kind::kHistoryCleanup,
                                          .client = "client." + std::to_string(connection),
                                          .ref = "cleanup",
                                          .target = c.target});
              answer(encode_ok());
            },
            [&](DevicesCall&) { answer(encode_devices(devices)); },
            [&](SubscribeCall&) {
              subscribers.insert(connection);
              answer(encode_ok());
            },
        },
        *call);
  }
};

Service::Service(Clock& clock, fencing::AgentRunner& runner, cluster::Messaging& cpg,
                 cluster::NodeList nodes, ServiceOptions options)
    : impl_(std::make_unique<Impl>(clock, runner, cpg, std::move(nodes), std::move(options))) {}

Service::~Service() {
  *impl_->alive = false;
  impl_->cpg.set_handlers({});
}

Status Service::start() {
  Impl& s = *impl_;
  if (s.fencer) return Error(ErrorCode::kInternal, "vigil-stonithd: started twice");
  auto name = s.nodes.name_of(s.cpg.self().node);
  if (!name || name->empty()) {
    return Error(ErrorCode::kNotFound, "this node (id " + std::to_string(s.cpg.self().node) +
                                           ") has no name in Corosync's node list");
  }
  s.self = *name;
  s.members = {s.self};
  s.fencer = std::make_unique<fencing::Fencer>(fencing::Fencer::Options{
      .self = s.self,
      .seed = s.opt.seed,
      .query_timeout = s.opt.query_timeout,
      .history_limit = s.opt.history_limit,
  });
  s.cpg.set_handlers({
      .on_message = [&s](const cluster::GroupMember& m,
                         std::string_view payload) { s.on_message(m, payload); },
      .on_view = [&s](const cluster::GroupView& v) { s.on_view(v); },
  });
  if (auto st = s.cpg.join(kGroup); !st) return st.error().with_context("joining CPG group");
  s.log(LogLevel::kNotice, "event=started node=" + s.self);
  // A CIB given before start waits for the node's name.
  if (s.cib) s.try_configure();
  return ok_status();
}

void Service::set_nodes(cluster::NodeList nodes) {
  impl_->nodes = std::move(nodes);
}

Status Service::set_cib(std::string_view cib_xml) {
  return impl_->set_cib(cib_xml);
}

void Service::set_event_sink(EventSink sink) {
  impl_->sink = std::move(sink);
}

void Service::handle(std::uint64_t connection, std::string_view payload, Answer answer) {
  if (!impl_->fencer) {
    answer(Error(ErrorCode::kIo, "vigil-stonithd is not started"));
    return;
  }
  impl_->handle(connection, payload, std::move(answer));
}

void Service::connection_closed(std::uint64_t connection) {
  impl_->subscribers.erase(connection);
}

const std::string& Service::self() const {
  return impl_->self;
}

const fencing::Fencer& Service::fencer() const {
  return *impl_->fencer;
}

const std::vector<DeviceInfo>& Service::devices() const {
  return impl_->devices;
}

const std::vector<std::string>& Service::members() const {
  return impl_->members;
}

bool Service::configured() const {
  return impl_->configured;
}

}  // namespace vigil::fencerd
