// SPDX-License-Identifier: GPL-2.0-or-later
// vigil-lrmd's logic: history per resource, subscribers, meta-data cache and
// the protocol dispatcher, over lib/exec's Executor (see service.hpp).
#include "vigil/lrmd/service.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "vigil/common/deferred.hpp"

namespace vigil::lrmd {

namespace {

using OpKey = std::pair<std::string, std::int64_t>;  // action, interval (ms)

OpKey key_of(std::string_view action, Duration interval) {
  return {std::string(action), interval.count()};
}

struct Rsc {
  exec::AgentSpec agent;
  std::map<OpKey, exec::OperationResult> last;  // output stripped
  std::map<OpKey, RecurringOp> recurring;
  // The parameters of the last start, probe or reload accepted (see
  // ResourceHistory::stop_params).
  std::optional<std::map<std::string, std::string>> stop_params;
  int in_flight = 0;  // one-shot operations queued or running
};

// Executable regular files of a directory, sorted.
std::vector<std::string> executables(const std::string& dir) {
  std::vector<std::string> out;
  std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(dir.c_str()), &closedir);
  if (!d) return out;
  while (dirent* e = readdir(d.get())) {
    std::string name = e->d_name;
    if (name.empty() || name[0] == '.') continue;
    const std::string path = dir + "/" + name;
    struct stat st {};
    if (stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0) {
      out.push_back(name);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> subdirectories(const std::string& dir) {
  std::vector<std::string> out;
  std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(dir.c_str()), &closedir);
  if (!d) return out;
  while (dirent* e = readdir(d.get())) {
    std::string name = e->d_name;
    if (name.empty() || name[0] == '.') continue;
    struct stat st {};
    if (stat((dir + "/" + name).c_str(), &st) == 0 && S_ISDIR(st.st_mode)) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

struct Service::Impl {
  Impl(Clock& c, exec::ExecutorOptions opts) : clock(c), options(std::move(opts)), deferred(c) {}

  Clock& clock;
  exec::ExecutorOptions options;
  Deferred deferred;
  std::unique_ptr<exec::Executor> executor;

  std::map<std::string, Rsc, std::less<>> rscs;
  std::map<int, std::string> one_shot;  // call id -> rsc, while queued or running

  using MetadataDone = std::function<void(Result<std::string>)>;
  std::map<int, std::string> metadata_calls;                          // call id -> agent
  std::map<std::string, std::vector<MetadataDone>> metadata_waiting;  // agent -> callers
  std::map<std::string, std::string> metadata_cache;

  SubscriberId next_subscriber = 1;
  std::map<SubscriberId, std::function<void(const exec::OperationResult&)>> subscribers;
  EventSink sink;
  std::set<std::uint64_t> subscribed_connections;

  bool shutting_down = false;
  std::function<void()> shutdown_done;
  std::unique_ptr<Timer> shutdown_timer;

  void on_result(const exec::OperationResult& r) {
    if (r.rsc_id == kMetadataRscId) {
      on_metadata(r);
    } else {
      record(r);
      publish(r);
    }
    if (shutting_down) deferred.post([this] { check_shutdown(); });
  }

  void record(const exec::OperationResult& r) {
    const OpKey key = key_of(r.action, r.interval);
    if (r.interval.count() == 0) {
      if (auto it = one_shot.find(r.call_id); it != one_shot.end()) {
        if (auto rsc = rscs.find(it->second); rsc != rscs.end() && rsc->second.in_flight > 0) {
          --rsc->second.in_flight;
        }
        one_shot.erase(it);
      }
    }
    auto it = rscs.find(r.rsc_id);
    if (it == rscs.end()) return;  // forgotten: its late results are not history
    Rsc& rsc = it->second;
    if (r.status == exec::ExecStatus::kCancelled) {
      if (auto rec = rsc.recurring.find(key);
          rec != rsc.recurring.end() && rec->second.call_id == r.call_id) {
        rsc.recurring.erase(rec);
        rsc.last.erase(key);
      }
      return;
    }
    exec::OperationResult kept = r;
    kept.output.clear();
    kept.error_output.clear();
    rsc.last[key] = std::move(kept);
  }

  void publish(const exec::OperationResult& r) {
    // Copies: a subscriber may unsubscribe (or subscribe) from its callback.
    auto subs = subscribers;
    for (auto& [id, fn] : subs) {
      if (subscribers.count(id) != 0) fn(r);
    }
    if (!sink || subscribed_connections.empty()) return;
    const std::string payload = encode_event(r);
    for (auto it = subscribed_connections.begin(); it != subscribed_connections.end();) {
      if (sink(*it, payload)) {
        ++it;
      } else {
        it = subscribed_connections.erase(it);
      }
    }
  }

  void on_metadata(const exec::OperationResult& r) {
    auto call = metadata_calls.find(r.call_id);
    if (call == metadata_calls.end()) return;
    const std::string agent = call->second;
    metadata_calls.erase(call);
    auto waiting = metadata_waiting.find(agent);
    if (waiting == metadata_waiting.end()) return;
    std::vector<MetadataDone> callers = std::move(waiting->second);
    metadata_waiting.erase(waiting);
    Result<std::string> answer = std::string();
    if (r.status == exec::ExecStatus::kDone && r.rc == exec::OcfRc::kOk && !r.output.empty()) {
      metadata_cache[agent] = r.output;
      answer = r.output;
    } else {
      std::string why = r.exit_reason.empty() ? std::string(exec::to_string(r.status)) + ", rc " +
                                                    std::to_string(static_cast<int>(r.rc)) + " (" +
                                                    std::string(exec::to_string(r.rc)) + ")"
                                              : r.exit_reason;
      if (r.status == exec::ExecStatus::kDone && r.rc == exec::OcfRc::kOk) why = "no output";
      const ErrorCode code =
          r.rc == exec::OcfRc::kNotInstalled || r.status == exec::ExecStatus::kNotInstalled
              ? ErrorCode::kNotFound
              : ErrorCode::kIo;
      answer = Error(code, "meta-data of " + agent + ": " + why);
    }
    for (auto& fn : callers) fn(answer);
  }

  void check_shutdown() {
    if (!shutting_down || !shutdown_done) return;
    if (executor->running() != 0 || !executor->idle()) return;
    finish_shutdown();
  }

  void finish_shutdown() {
    shutdown_timer.reset();
    auto done = std::move(shutdown_done);
    shutdown_done = nullptr;
    if (done) done();
  }
};

Service::Service(Clock& clock, exec::Spawner& spawner, exec::ExecutorOptions options)
    : impl_(std::make_unique<Impl>(clock, options)) {
  Impl* impl = impl_.get();
  impl_->executor = std::make_unique<exec::Executor>(
      clock, spawner, std::move(options),
      [impl](const exec::OperationResult& r) { impl->on_result(r); });
}

Service::~Service() {
  // The executor first: it kills what still runs and reports nothing more.
  impl_->executor.reset();
}

Result<int> Service::exec(exec::OperationRequest request) {
  if (impl_->shutting_down) {
    return Error(ErrorCode::kIo, "vigil-lrmd is shutting down: request refused");
  }
  if (request.rsc_id == kMetadataRscId) {
    return Error(ErrorCode::kInvalidInput,
                 std::string("resource id '") + kMetadataRscId + "' is reserved");
  }
  const exec::AgentSpec agent = request.agent;
  const std::string rsc_id = request.rsc_id;
  RecurringOp op;
  op.action = request.action;
  op.interval = request.interval;
  op.timeout = request.timeout;
  op.user_data = request.user_data;
  op.params = request.params;
  auto id = impl_->executor->execute(std::move(request));
  if (!id) return id.error();
  Rsc& rsc = impl_->rscs[rsc_id];
  rsc.agent = agent;
  if (defines_stop_params(op.action, op.interval)) rsc.stop_params = op.params;
  if (op.interval.count() > 0) {
    op.call_id = *id;
    rsc.recurring[key_of(op.action, op.interval)] = std::move(op);
  } else {
    impl_->one_shot[*id] = rsc_id;
    ++rsc.in_flight;
  }
  return id;
}

Status Service::cancel(const CancelRequest& request) {
  return impl_->executor->cancel(request.rsc_id, request.action, request.interval);
}

void Service::metadata(const exec::AgentSpec& agent,
                       std::function<void(Result<std::string>)> done) {
  const std::string key = exec::to_string(agent);
  if (auto cached = impl_->metadata_cache.find(key); cached != impl_->metadata_cache.end()) {
    impl_->deferred.post([done = std::move(done), text = cached->second] { done(text); });
    return;
  }
  if (impl_->shutting_down) {
    impl_->deferred.post([done = std::move(done)] {
      done(Error(ErrorCode::kIo, "vigil-lrmd is shutting down: request refused"));
    });
    return;
  }
  auto& waiting = impl_->metadata_waiting[key];
  waiting.push_back(std::move(done));
  if (waiting.size() > 1) return;  // already asked
  exec::OperationRequest op;
  op.rsc_id = kMetadataRscId;
  op.agent = agent;
  op.action = "meta-data";
  auto id = impl_->executor->execute(std::move(op));
  if (!id) {
    auto callers = std::move(waiting);
    impl_->metadata_waiting.erase(key);
    Error error = id.error().with_context("meta-data of " + key);
    for (auto& fn : callers) {
      impl_->deferred.post([fn = std::move(fn), error] { fn(error); });
    }
    return;
  }
  impl_->metadata_calls[*id] = key;
}

Result<std::vector<std::string>> Service::list_agents(const ListAgentsRequest& request) const {
  const auto& paths = impl_->options.paths;
  switch (request.cls) {
    case exec::AgentClass::kOcf: {
      const std::string base = paths.ocf_root + "/resource.d";
      if (!request.provider.empty()) {
        if (request.provider.find('/') != std::string::npos || request.provider == "." ||
            request.provider == "..") {
          return Error(ErrorCode::kInvalidInput, "bad provider '" + request.provider + "'");
        }
        return executables(base + "/" + request.provider);
      }
      std::vector<std::string> out;
      for (const auto& provider : subdirectories(base)) {
        for (const auto& type : executables(base + "/" + provider)) {
          out.push_back(provider + ":" + type);
        }
      }
      return out;
    }
    case exec::AgentClass::kLsb:
      return executables(paths.lsb_dir);
    case exec::AgentClass::kStonith: {
      auto all = executables(paths.fence_agent_dir);
      std::erase_if(all, [](const std::string& n) { return n.rfind("fence_", 0) != 0; });
      return all;
    }
    case exec::AgentClass::kSystemd:
    case exec::AgentClass::kService:
      break;
  }
  return Error(ErrorCode::kUnsupported, "listing systemd units is not supported by vigil-lrmd");
}

std::vector<ResourceHistory> Service::history(const std::string& rsc_id) const {
  std::vector<ResourceHistory> out;
  auto add = [&](const std::string& id, const Rsc& rsc) {
    ResourceHistory h;
    h.rsc_id = id;
    h.agent = rsc.agent;
    for (const auto& [key, result] : rsc.last) h.last_results.push_back(result);
    std::sort(h.last_results.begin(), h.last_results.end(),
              [](const auto& a, const auto& b) { return a.call_id < b.call_id; });
    for (const auto& [key, op] : rsc.recurring) h.recurring.push_back(op);
    h.stop_params = rsc.stop_params;
    out.push_back(std::move(h));
  };
  if (!rsc_id.empty()) {
    if (auto it = impl_->rscs.find(rsc_id); it != impl_->rscs.end()) add(it->first, it->second);
    return out;
  }
  for (const auto& [id, rsc] : impl_->rscs) add(id, rsc);
  return out;
}

Status Service::forget(const std::string& rsc_id) {
  auto it = impl_->rscs.find(rsc_id);
  if (it == impl_->rscs.end()) {
    return Error(ErrorCode::kNotFound, "resource '" + rsc_id + "' has no history here");
  }
  if (it->second.in_flight > 0) {
    return Error(ErrorCode::kInvalidInput, "resource '" + rsc_id + "' has " +
                                               std::to_string(it->second.in_flight) +
                                               " operation(s) queued or running: not forgotten");
  }
  impl_->rscs.erase(it);  // first: the cancellations that follow are not history
  impl_->executor->cancel_all_recurring(rsc_id);
  return ok_status();
}

SubscriberId Service::subscribe(std::function<void(const exec::OperationResult&)> on_result) {
  const SubscriberId id = impl_->next_subscriber++;
  impl_->subscribers[id] = std::move(on_result);
  return id;
}

void Service::unsubscribe(SubscriberId id) {
  impl_->subscribers.erase(id);
}

void Service::set_event_sink(EventSink sink) {
  impl_->sink = std::move(sink);
}

void Service::connection_closed(std::uint64_t connection) {
  impl_->subscribed_connections.erase(connection);
}

void Service::handle(std::uint64_t connection, std::string_view payload,
                     std::function<void(Result<std::string>)> reply) {
  auto request = decode_request(payload);
  if (!request) {
    reply(request.error());
    return;
  }
  std::visit(
      [&](auto& r) {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, exec::OperationRequest>) {
          auto id = exec(std::move(r));
          reply(id ? Result<std::string>(encode_exec_reply(*id)) : Result<std::string>(id.error()));
        } else if constexpr (std::is_same_v<T, CancelRequest>) {
          auto st = cancel(r);
          reply(st ? Result<std::string>(encode_ok()) : Result<std::string>(st.error()));
        } else if constexpr (std::is_same_v<T, MetadataRequest>) {
          metadata(r.agent, [reply](Result<std::string> text) {
            reply(text ? Result<std::string>(encode_metadata_reply(*text))
                       : Result<std::string>(text.error()));
          });
        } else if constexpr (std::is_same_v<T, ListAgentsRequest>) {
          auto agents = list_agents(r);
          reply(agents ? Result<std::string>(encode_agents_reply(*agents))
                       : Result<std::string>(agents.error()));
        } else if constexpr (std::is_same_v<T, HistoryRequest>) {
          reply(encode_history_reply(history(r.rsc_id)));
        } else if constexpr (std::is_same_v<T, ForgetRequest>) {
          auto st = forget(r.rsc_id);
          reply(st ? Result<std::string>(encode_ok()) : Result<std::string>(st.error()));
        } else {
          impl_->subscribed_connections.insert(connection);
          reply(encode_ok());
        }
      },
      *request);
}

void Service::shutdown(Duration bound, std::function<void()> done) {
  if (impl_->shutting_down) {
    // Already under way: the new caller replaces the old one.
    impl_->shutdown_done = std::move(done);
    impl_->deferred.post([impl = impl_.get()] { impl->check_shutdown(); });
    return;
  }
  impl_->shutting_down = true;
  impl_->shutdown_done = std::move(done);
  for (const auto& [id, rsc] : impl_->rscs) {
    if (!rsc.recurring.empty()) impl_->executor->cancel_all_recurring(id);
  }
  impl_->shutdown_timer = impl_->clock.start_timer(bound, [impl = impl_.get()] {
    impl->shutdown_timer.reset();
    impl->finish_shutdown();
  });
  impl_->deferred.post([impl = impl_.get()] { impl->check_shutdown(); });
}

bool Service::shutting_down() const {
  return impl_->shutting_down;
}

std::size_t Service::running() const {
  return impl_->executor->running();
}

std::size_t Service::recurring() const {
  return impl_->executor->recurring();
}

}  // namespace vigil::lrmd
