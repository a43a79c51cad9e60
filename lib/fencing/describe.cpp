// SPDX-License-Identifier: GPL-2.0-or-later
// Effects as one line of text, for logs and test transcripts.
#include "vigil/fencing/fencer.hpp"

namespace vigil::fencing {

namespace {

std::string list(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out.empty() ? "-" : out;
}

}  // namespace

std::string describe(const Effect& e) {
  if (auto* r = std::get_if<RunAgentEffect>(&e)) {
    return "run " + r->call.device + " " + r->call.agent + " action=" + r->call.action +
           (r->call.target.empty() ? "" : " target=" + r->call.target) +
           " timeout=" + std::to_string(r->call.timeout.count()) + "ms";
  }
  if (auto* s = std::get_if<SendEffect>(&e)) {
    const auto& m = s->message;
    return "send to=" + (s->to.empty() ? std::string("all") : s->to) + " " + to_string(m.type) +
           (m.target.empty() ? "" : " target=" + m.target) +
           (m.action.empty() ? "" : " action=" + m.action) +
           (m.device.empty() ? "" : " device=" + m.device) +
           (m.type == MsgType::kQueryReply ? " devices=" + list(m.devices) : "") +
           (m.type == MsgType::kFenceResult ? std::string(" ok=") + (m.ok ? "true" : "false") : "");
  }
  if (auto* t = std::get_if<ArmTimerEffect>(&e)) {
    return "timer " + std::to_string(t->id) + " after=" + std::to_string(t->after.count()) + "ms";
  }
  if (auto* r = std::get_if<ReplyEffect>(&e)) {
    return "reply client=" + r->client + " ref=" + r->ref + " ok=" + (r->ok ? "true" : "false") +
           (r->delegate.empty() ? "" : " delegate=" + r->delegate) +
           (r->devices.empty() ? "" : " devices=" + list(r->devices)) +
           (r->op.empty() ? "" : " op=" + r->op) +
           (r->reason.empty() ? "" : " reason=" + r->reason);
  }
  if (auto* n = std::get_if<NotifyEffect>(&e)) {
    return std::string("notify ") + n->entry.action + " " + n->entry.target + " " +
           to_string(n->entry.state) +
           (n->entry.delegate.empty() ? "" : " delegate=" + n->entry.delegate);
  }
  const auto& l = std::get<LogEffect>(e);
  return std::string("log ") + to_string(l.level) + " " + l.text;
}

}  // namespace vigil::fencing
