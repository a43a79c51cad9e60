// SPDX-License-Identifier: GPL-2.0-or-later
// The driver of the controller machine's data-driven tests: reads a script
// (the format is described in machine_script_test.cpp), feeds the machine
// and writes down the effects it queued. Test code only.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "golden_files.hpp"
#include "machine.hpp"

namespace vigil::controller::script {

namespace fs = std::filesystem;

inline constexpr std::int64_t kWallStart = 1'700'000'000;

// A mistake in a script (not in the machine): shows in the transcript.
[[noreturn]] inline void script_error(const std::string& what) {
  throw std::runtime_error(what);
}

inline fs::path data_dir() {
  return fs::path(VIGIL_SOURCE_DIR) / "lib" / "controller" / "testdata" / "machine";
}

inline std::string read_file(const fs::path& p) {
  if (!fs::is_regular_file(p)) script_error("cannot read " + p.string());
  return vigil::testing::read_text_file(p);
}

inline std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> w;
  std::string s;
  while (in >> s) w.push_back(s);
  return w;
}

inline std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string tok;
  while (std::getline(in, tok, sep)) {
    if (!tok.empty()) out.push_back(tok);
  }
  return out;
}

inline std::vector<NodeId> ids(const std::string& s) {
  std::vector<NodeId> out;
  for (const auto& t : split(s, ',')) out.push_back(static_cast<NodeId>(std::stoul(t)));
  return out;
}

inline cluster::GroupMember member_of(const std::string& s) {
  auto parts = split(s, ':');
  return {static_cast<NodeId>(std::stoul(parts.at(0))),
          parts.size() > 1 ? static_cast<std::uint32_t>(std::stoul(parts[1])) : 1u};
}

inline std::vector<cluster::GroupMember> members_of(const std::string& s) {
  std::vector<cluster::GroupMember> out;
  for (const auto& t : split(s, ',')) out.push_back(member_of(t));
  return out;
}

// key=value options of a command (after the positional words).
inline std::string opt(const std::vector<std::string>& w, const std::string& key,
                       const std::string& fallback = "") {
  for (const auto& x : w) {
    if (x.rfind(key + "=", 0) == 0) return x.substr(key.size() + 1);
  }
  return fallback;
}

inline std::string rest_after(const std::string& line, std::size_t words_to_skip) {
  std::size_t pos = 0;
  for (std::size_t i = 0; i < words_to_skip; ++i) {
    pos = line.find_first_not_of(' ', pos);
    pos = line.find(' ', pos);
    if (pos == std::string::npos) return "";
  }
  return line.substr(line.find_first_not_of(' ', pos));
}

// An operation "rsc:task:interval:rc" as the executor reports it.
inline OpEvent op_of(const std::string& spec, std::int64_t wall) {
  auto p = split(spec, ':');
  if (p.size() != 4) script_error("operation " + spec + ": expected rsc:task:interval:rc");
  OpEvent e;
  e.rsc = p[0];
  e.cls = "ocf";
  e.provider = "heartbeat";
  e.type = "Dummy";
  e.task = p[1];
  e.interval_ms = std::stoll(p[2]);
  e.rc = std::stoi(p[3]);
  e.op_status = 0;
  e.call_id = 10;
  e.timeout_ms = 20000;
  e.last_run = e.last_rc_change = wall;
  return e;
}

inline std::string ms(Duration d) {
  return std::to_string(d.count()) + "ms";
}

inline std::string describe(const Message& m) {
  std::string out = std::string("send ") + to_string(m.type);
  if (m.target != cluster::kNoNode) out += " to=" + std::to_string(m.target);
  if (!m.rsc.empty()) out += " rsc=" + m.rsc;
  if (!m.node.empty()) out += " node=" + m.node;
  if (!m.name.empty()) out += " " + m.name + "=" + m.value.value_or("(delete)");
  if (m.fresh) out += " fresh";
  for (const auto& e : m.ops) {
    out += " " + e.op_key() + ":" + std::to_string(e.rc) + (e.pending() ? ":pending" : "");
  }
  if (m.type == MsgType::kExec || m.type == MsgType::kCancel) {
    out += " " + op_key(m.exec.rsc, m.exec.task, m.exec.interval_ms);
    if (!m.exec.key.empty()) out += " key=" + m.exec.key;
  }
  return out;
}

// Runs one script against a fresh machine, playing the driver.
class Script {
 public:
  std::set<State> states_seen;
  std::set<std::size_t> inputs_seen;

  std::string run(const std::string& text) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("> ", 0) == 0 || line == ">") continue;  // regenerated
      out_.push_back(line);
      auto w = words(line);
      if (w.empty() || w[0][0] == '#') continue;
      try {
        command(line, w);
      } catch (const std::exception& e) {
        out_.push_back(std::string("> script error: ") + e.what());
      }
      drain();
    }
    std::string result;
    for (const auto& l : out_) result += l + "\n";
    return result;
  }

 private:
  struct Outstanding {
    std::string kind;  // cib-query, cib-write, exec, executor, history, compute
    Token token;
  };

  Now now() const { return {TimePoint(mono_), kWallStart + mono_.count() / 1000}; }

  void feed(Input input) {
    inputs_seen.insert(input.index());
    if (!machine_) script_error("the script must start with 'start'");
    Status st = machine_->step(now(), input);
    if (!st) out_.push_back("> refused: " + st.error().message());
    states_seen.insert(machine_->state());
  }

  ClusterSnapshot snapshot() const { return {nodes_, members_}; }

  void command(const std::string& line, const std::vector<std::string>& w) {
    const std::string& c = w[0];
    if (c == "option") return set_option(w.at(1));
    if (c == "start") return start(w);
    if (c == "view") return view(w);
    if (c == "membership") return membership(w);
    if (c == "quorum") return feed(QuorumInput{w.at(1) == "yes"});
    if (c == "recv") return recv(line, w);
    if (c == "cib-changed") return cib_changed(w);
    if (c == "exec-event") return exec_event(w);
    if (c == "advance") return advance(Duration(std::stoll(w.at(1))));
    if (c == "send-failed") return send_failed(w.at(1));
    if (c == "deliver") return deliver(w.at(1));
    if (c == "fence-event") return fence_event(line, w);
    if (c == "shutdown") return feed(ShutdownRequest{});
    if (c == "attr") {
      return feed(AttrRequest{w.at(1), w.at(2),
                              w.size() > 3 ? std::optional<std::string>(w[3]) : std::nullopt});
    }
    if (c == "cleanup") return feed(CleanupRequest{w.at(1), w.size() > 2 ? w[2] : ""});
    if (c == "status") return status();
    answer(line, w);
  }

  void set_option(const std::string& kv) {
    auto eq = kv.find('=');
    const std::string name = kv.substr(0, eq);
    const Duration d(std::stoll(kv.substr(eq + 1)));
    if (name == "alerts") {
      options_.alerts = d.count() != 0;
    } else if (name == "respawn_grace") {
      options_.respawn_grace = d;
    } else if (name == "dc_deadtime") {
      options_.dc_deadtime = d;
    } else if (name == "recheck_interval") {
      options_.recheck_interval = d;
    } else if (name == "shutdown_escalation") {
      options_.shutdown_escalation = d;
    } else {
      script_error("unknown option " + name);
    }
  }

  void start(const std::vector<std::string>& w) {
    std::vector<cluster::NodeInfo> infos;
    for (NodeId id : ids(opt(w, "nodes"))) infos.push_back({id, "node" + std::to_string(id), ""});
    auto list = cluster::NodeList::create(infos);
    if (!list) script_error("bad node list: " + list.error().message());
    nodes_ = *list;
    members_ = ids(opt(w, "members", opt(w, "nodes")));
    self_ = static_cast<NodeId>(std::stoul(opt(w, "self")));
    machine_ = std::make_unique<Machine>(options_);
    feed(StartInput{self_, {self_, 1}, snapshot(), opt(w, "quorate", "yes") == "yes"});
  }

  void view(const std::vector<std::string>& w) {
    cluster::GroupView v;
    v.group = kCpgGroup;
    v.members = members_of(w.at(1) == "-" ? "" : w[1]);
    v.joined = members_of(opt(w, "joined"));
    for (const auto& m : members_of(opt(w, "left"))) v.left.push_back({m, {}});
    feed(ViewInput{v, snapshot()});
  }

  void membership(const std::vector<std::string>& w) {
    cluster::MembershipChange c;
    members_ = ids(w.at(1) == "-" ? "" : w[1]);
    c.members = members_;
    c.joined = ids(opt(w, "joined"));
    c.left = ids(opt(w, "left"));
    feed(MembershipInput{c, snapshot()});
  }

  // The transition key the machine gave graph action `id` (from the exec
  // it sent or ran), so that a result can answer it.
  std::string key_of(const std::string& action) {
    if (action.empty()) return "";
    auto it = keys_.find(std::stoi(action));
    if (it == keys_.end()) script_error("no exec seen for action " + action);
    return it->second;
  }

  void recv(const std::string& line, const std::vector<std::string>& w) {
    const cluster::GroupMember from = member_of(w.at(1));
    const std::string kind = w.at(2);
    if (kind[0] == '<') return feed(MessageInput{from, rest_after(line, 2)});
    if (kind == "raw") return feed(MessageInput{from, rest_after(line, 3)});
    Message m;
    if (kind == "history") {
      m.type = MsgType::kHistory;
      for (std::size_t i = 3; i < w.size(); ++i) {
        if (w[i] == "fresh") {
          m.fresh = true;
        } else {
          m.ops.push_back(op_of(w[i], now().wall));
        }
      }
    } else if (kind == "result") {
      m.type = MsgType::kResult;
      OpEvent e = op_of(w.at(3), now().wall);
      e.transition_key = key_of(opt(w, "action"));
      m.ops.push_back(e);
    } else if (kind == "attr") {
      m.type = MsgType::kAttr;
      // An unknown "nodeN" still names node id N (the DC must refuse it).
      m.target = nodes_.id_of(w.at(3)).value_or(static_cast<NodeId>(std::stoul(w[3].substr(4))));
      m.name = w.at(4);
      if (w.size() > 5) m.value = w[5];
    } else if (kind == "cleanup") {
      m.type = MsgType::kCleanup;
      m.rsc = w.at(3);
      if (w.size() > 4) m.node = w[4];
    } else {
      script_error("unknown message kind " + kind);
    }
    feed(MessageInput{from, encode(m)});
  }

  static cibd::CibVersion version(const std::string& text) {
    auto v = cibd::CibVersion::parse(text);
    if (!v) script_error("bad CIB version " + text);
    return *v;
  }

  void cib_changed(const std::vector<std::string>& w) {
    cibd::CibChange c;
    const std::string& kind = w.at(1);
    c.origin = w.size() > 2 ? w[2] : "node" + std::to_string(self_);
    if (kind == "config") {
      c.config_changed = true;
      c.client = "vigil";
    } else if (kind == "replace") {
      c.op = cibd::CibOp::kReplace;
      c.diff = "<cib-diff full=\"true\"/>";
    } else if (kind == "status") {
      c.client = kCibClientName;
      // With versions, the change as vigil-cib notifies it (the DC keeps
      // the chain for the scheduler).
      if (const std::string from = opt(w, "from"), to = opt(w, "to"); !from.empty()) {
        c.previous = version(from);
        c.current = version(to);
        c.diff = "<cib-diff from=\"" + from + "\" to=\"" + to +
                 "\"><cib-request op=\"modify\" section=\"status\"/></cib-diff>";
      }
    } else {
      script_error("unknown CIB change " + kind);
    }
    feed(CibChangedInput{c});
  }

  void exec_event(const std::vector<std::string>& w) {
    OpEvent e = op_of(w.at(1), now().wall);
    exec::OperationResult r;
    r.call_id = e.call_id;
    r.rsc_id = e.rsc;
    r.agent = *exec::parse_agent_spec("ocf:heartbeat:Dummy");
    r.action = e.task;
    r.interval = Duration(e.interval_ms);
    r.timeout = Duration(e.timeout_ms);
    r.rc = static_cast<exec::OcfRc>(e.rc);
    r.run_at = r.rc_changed_at = e.last_run;
    r.user_data = make_user_data(key_of(opt(w, "action")), "");
    feed(ExecutorEventInput{r});
  }

  void advance(Duration d) {
    const Duration target = mono_ + d;
    for (;;) {
      auto next = timers_.end();
      for (auto it = timers_.begin(); it != timers_.end(); ++it) {
        if (it->second <= target && (next == timers_.end() || it->second < next->second)) next = it;
      }
      if (next == timers_.end()) break;
      mono_ = std::max(mono_, next->second);
      const TimerId id = next->first;
      timers_.erase(next);
      out_.push_back("> fire #" + std::to_string(id));
      feed(TimerInput{id});
      drain();
    }
    mono_ = target;
  }

  // CPG delivers a node's own messages to it too: the last one of `type`.
  void deliver(const std::string& type) {
    for (auto it = sent_.rbegin(); it != sent_.rend(); ++it) {
      if (to_string(it->type) == type) return feed(MessageInput{{self_, 1}, encode(*it)});
    }
    script_error("no " + type + " message was sent");
  }

  void send_failed(const std::string& type) {
    for (auto it = sent_.rbegin(); it != sent_.rend(); ++it) {
      if (to_string(it->type) == type) {
        return feed(SendFailedInput{*it, Error(ErrorCode::kIo, "CPG send failed")});
      }
    }
    script_error("no " + type + " message was sent");
  }

  // fence-event TARGET ACTION ok|failed [by=..] [client=..] [origin=..] [created=S]
  //             [completed=S] [reason=TEXT...]  (wall seconds; default: now)
  void fence_event(const std::string& line, const std::vector<std::string>& w) {
    FenceEvent e;
    e.target = w.at(1);
    e.action = w.at(2);
    if (w.at(3) != "ok" && w[3] != "failed") script_error("fence-event: ok or failed, not " + w[3]);
    e.succeeded = w[3] == "ok";
    e.delegate = opt(w, "by");
    e.client = opt(w, "client", "stonith_admin.1234");
    e.origin = opt(w, "origin", e.delegate);
    e.completed = std::stoll(opt(w, "completed", std::to_string(now().wall)));
    e.created = std::stoll(opt(w, "created", std::to_string(e.completed)));
    const auto at = line.find(" reason=");
    if (at != std::string::npos) e.reason = line.substr(at + 8);
    e.id = e.origin + ":" + std::to_string(++fence_events_);
    feed(FenceEventInput{e});
  }

  void status() {
    ControllerStatus s = machine_->status();
    out_.push_back(
        "> status state=" + s.state + " dc=" + s.dc_name +
        " members=" + std::to_string(s.members.size()) + " quorate=" + (s.quorate ? "yes" : "no") +
        " transition=" + to_string(s.transition) + " id=" + std::to_string(s.transition_id) +
        " in-flight=" + std::to_string(s.actions_in_flight) +
        " runs=" + std::to_string(s.scheduler_runs));
  }

  // Takes the outstanding request of `kind` the command names (#T) or the
  // oldest one.
  Token take(const std::string& kind, const std::vector<std::string>& w) {
    Token explicit_token = 0;
    if (w.size() > 1 && w[1][0] == '#') explicit_token = std::stoull(w[1].substr(1));
    for (auto it = outstanding_.begin(); it != outstanding_.end(); ++it) {
      if (it->kind == kind && (explicit_token == 0 || it->token == explicit_token)) {
        Token t = it->token;
        outstanding_.erase(it);
        return t;
      }
    }
    if (explicit_token) return explicit_token;  // a stale token, on purpose
    script_error("no outstanding " + kind);
  }

  static std::size_t first_arg(const std::vector<std::string>& w) {
    return w.size() > 1 && w[1][0] == '#' ? 2 : 1;
  }

  static Error error_of(const std::string& line, const std::vector<std::string>& w,
                        std::size_t at) {
    const std::string kind = w.size() > at + 1 ? w[at + 1] : "";
    const ErrorCode code = kind == "io"            ? ErrorCode::kIo
                           : kind == "unsupported" ? ErrorCode::kUnsupported
                           : kind == "not-found"   ? ErrorCode::kNotFound
                                                   : ErrorCode::kInvalidInput;
    return Error(code, rest_after(line, at + 2));
  }

  void answer(const std::string& line, const std::vector<std::string>& w) {
    const std::string& c = w[0];
    const std::size_t a = first_arg(w);
    const bool failed = w.size() > a && w[a] == "error";
    if (c == "cib-answer") {
      Token t = take("cib-query", w);
      if (failed) return feed(CibAnswer{t, error_of(line, w, a)});
      cibd::CibReply reply;
      reply.xml = read_file(data_dir() / w.at(a));
      if (const std::string v = opt(w, "version"); !v.empty()) reply.version = version(v);
      return feed(CibAnswer{t, reply});
    }
    if (c == "written") {
      Token t = take("cib-write", w);
      return feed(CibWriteAnswer{t, failed ? Status(error_of(line, w, a)) : ok_status()});
    }
    if (c == "exec-answer") {
      Token t = take("exec", w);
      return feed(ExecAnswer{t, failed ? Result<int>(error_of(line, w, a)) : Result<int>(7)});
    }
    if (c == "executor-answer") {
      Token t = take("executor", w);
      return feed(ExecutorAnswer{t, failed ? Status(error_of(line, w, a)) : ok_status()});
    }
    if (c == "fencer-answer") {
      Token t = take("fence", w);
      return feed(FencerAnswer{t, failed ? Status(error_of(line, w, a)) : ok_status()});
    }
    if (c == "history-answer") {
      if (failed) return feed(HistoryAnswer{take("history", w), error_of(line, w, a)});
      return history_answer(w);
    }
    if (c == "scheduler-answer") {
      Token t = take("compute", w);
      if (failed) return feed(SchedulerAnswer{t, error_of(line, w, a)});
      pengined::ComputeResult r;
      r.graph_xml = read_file(data_dir() / w.at(a));
      r.recheck_by = std::stoll(opt(w, "recheck_by", "0"));
      if (const std::string v = opt(w, "holds"); !v.empty()) r.cib_version = version(v);
      return feed(SchedulerAnswer{t, r});
    }
    script_error("unknown command: " + line);
  }

  void history_answer(const std::vector<std::string>& w) {
    Token t = take("history", w);
    std::vector<lrmd::ResourceHistory> h;
    for (std::size_t i = first_arg(w); i < w.size(); ++i) {
      OpEvent e = op_of(w[i], now().wall);
      lrmd::ResourceHistory r;
      r.rsc_id = e.rsc;
      r.agent = *exec::parse_agent_spec("ocf:heartbeat:Dummy");
      exec::OperationResult res;
      res.call_id = e.call_id;
      res.rsc_id = e.rsc;
      res.agent = r.agent;
      res.action = e.task;
      res.interval = Duration(e.interval_ms);
      res.rc = static_cast<exec::OcfRc>(e.rc);
      res.run_at = res.rc_changed_at = e.last_run;
      r.last_results.push_back(res);
      h.push_back(r);
    }
    feed(HistoryAnswer{t, h});
  }

  // Prints the queued effects and keeps what later commands refer to.
  void drain() {
    if (!machine_) return;
    for (auto& e : machine_->take_effects()) out_.push_back("> " + effect_text(e));
    // Drop lines of the form "> " that effect_text left empty (debug logs).
    std::erase_if(out_, [](const std::string& l) { return l == "> "; });
  }

  std::string effect_text(Effect& effect) {
    struct V {
      Script& s;
      std::string operator()(JoinGroup&) { return "join-group"; }
      std::string operator()(LeaveGroup&) { return "leave-group"; }
      std::string operator()(SendEffect& e) {
        s.sent_.push_back(e.message);
        if (e.message.type == MsgType::kExec && !e.message.exec.key.empty()) {
          s.keys_[std::stoi(e.message.exec.key)] = e.message.exec.key;
        }
        return describe(e.message);
      }
      std::string operator()(CibQueryEffect& e) {
        return s.track("cib-query", e.token) + (e.scope.empty() ? "" : " " + e.scope);
      }
      std::string operator()(CibWriteEffect& e) {
        std::string out = s.track("cib-write", e.token);
        for (const auto& ed : e.edits) {
          out += "\n>   " + std::string(ed.remove ? "delete " : "modify ") +
                 (ed.scope.empty() ? "cib" : ed.scope) + (ed.remove ? "" : " " + ed.xml);
        }
        return out;
      }
      std::string operator()(ExecEffect& e) {
        const auto& r = e.request;
        const std::string key = r.user_data.substr(0, r.user_data.find('\n'));
        if (!key.empty()) s.keys_[std::stoi(key)] = key;
        // A stop's instance attributes (Pacemaker's stop_params): the
        // ones the resource was started with.
        std::string params;
        if (r.action == "stop") {
          for (const auto& [k, v] : r.params) {
            if (k.rfind("CRM_meta_", 0) != 0) params += " " + k + "=" + v;
          }
        }
        return s.track("exec", e.token) + " " + op_key(r.rsc_id, r.action, r.interval.count()) +
               (key.empty() ? "" : " key=" + key) + params;
      }
      std::string operator()(CancelEffect& e) {
        return s.track("executor", e.token) + " cancel " +
               op_key(e.rsc, e.task, e.interval.count());
      }
      std::string operator()(ForgetEffect& e) {
        return s.track("executor", e.token) + " forget " + e.rsc;
      }
      std::string operator()(HistoryEffect& e) { return s.track("history", e.token); }
      std::string operator()(ComputeEffect& e) {
        return s.track("compute", e.token) +
               " transition=" + std::to_string(e.request.transition_id.value_or(-1)) +
               (e.request.base ? " base=" + e.request.base->to_string() +
                                     " diffs=" + std::to_string(e.request.diffs.size())
                               : "");
      }
      std::string operator()(FenceEffect& e) {
        return s.track("fence", e.token) + " " + e.request.action + " " + e.request.target +
               " timeout=" + ms(e.request.timeout) +
               (e.request.delay.count() > 0 ? " delay=" + ms(e.request.delay) : std::string());
      }
      std::string operator()(ArmTimer& e) {
        s.timers_[e.id] = s.mono_ + e.after;
        return "timer #" + std::to_string(e.id) + " " + ms(e.after);
      }
      std::string operator()(CancelTimer& e) {
        s.timers_.erase(e.id);
        return "timer-cancel #" + std::to_string(e.id);
      }
      std::string operator()(LogEffect& e) {
        if (e.level == LogLevel::kDebug) return "";
        return std::string("log ") + vigil::to_string(e.level) + " " + e.text;
      }
      std::string operator()(ShutdownDone&) { return "shutdown-done"; }
      std::string operator()(HaltEffect& e) { return "halt " + e.reason; }
      std::string operator()(AlertEffect& e) {
        // The alerts (id, and recipient after a slash) and the event's
        // variables, without their CRM_alert_ prefix.
        std::string out = "alert " + std::string(alerts::kind_name(e.event.kind)) + " to=";
        for (std::size_t i = 0; i < e.alerts.size(); ++i) {
          out += (i ? "," : "") + e.alerts[i].id +
                 (e.alerts[i].recipient ? "/" + *e.alerts[i].recipient : std::string());
        }
        for (const auto& [key, value] : e.event.vars) {
          out += " " + std::string(alerts::key_names(key).second.substr(10)) + "=" +
                 (value.find(' ') == std::string::npos ? value : "\"" + value + "\"");
        }
        return out;
      }
    };
    return std::visit(V{*this}, effect);
  }

  std::string track(const std::string& kind, Token t) {
    outstanding_.push_back({kind, t});
    return kind + " #" + std::to_string(t);
  }

  ControllerOptions options_;
  std::unique_ptr<Machine> machine_;
  NodeId self_ = cluster::kNoNode;
  cluster::NodeList nodes_;
  std::vector<NodeId> members_;
  Duration mono_{0};
  std::map<TimerId, Duration> timers_;
  std::vector<Outstanding> outstanding_;
  std::map<int, std::string> keys_;  // graph action id -> transition key
  std::vector<Message> sent_;
  std::vector<std::string> out_;
  int fence_events_ = 0;
};

}  // namespace vigil::controller::script
