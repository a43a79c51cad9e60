// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/fencing/messages.hpp"

#include <charconv>
#include <utility>

#include "vigil/common/xml.hpp"

namespace vigil::fencing {

namespace {

constexpr std::pair<MsgType, const char*> kNames[] = {
    {MsgType::kQuery, "query"}, {MsgType::kQueryReply, "query-reply"},
    {MsgType::kFence, "fence"}, {MsgType::kFenceResult, "fence-result"},
    {MsgType::kDone, "done"},   {MsgType::kHistory, "history"},
};
constexpr std::pair<OpState, const char*> kStates[] = {
    {OpState::kPending, "pending"}, {OpState::kDone, "done"}, {OpState::kFailed, "failed"}};

Error bad(const std::string& why) {
  return Error(ErrorCode::kInvalidInput, "fencing message: " + why);
}

void put(std::string& out, const char* name, std::string_view value) {
  if (value.empty()) return;
  out += ' ';
  out += name;
  out += "=\"";
  xml::append_escaped(out, value, xml::kEscapeWhitespace);
  out += '"';
}

bool parse_i64(const std::optional<std::string>& s, std::int64_t* v) {
  if (!s) return true;  // absent: keeps the default
  auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), *v);
  return ec == std::errc() && end == s->data() + s->size() && *v >= 0;
}

void put_entry(std::string& out, const HistoryEntry& e) {
  out += "<entry";
  put(out, "id", e.id);
  put(out, "target", e.target);
  put(out, "action", e.action);
  put(out, "origin", e.origin);
  put(out, "client", e.client);
  put(out, "delegate", e.delegate);
  put(out, "state", to_string(e.state));
  put(out, "created", std::to_string(e.created));
  put(out, "completed", std::to_string(e.completed));
  put(out, "reason", e.reason);
  out += "/>";
}

Result<HistoryEntry> entry_from_xml(const xmlNode* n) {
  HistoryEntry e;
  e.id = xml::attr_or(n, "id");
  e.target = xml::attr_or(n, "target");
  e.action = xml::attr_or(n, "action");
  e.origin = xml::attr_or(n, "origin");
  e.client = xml::attr_or(n, "client");
  e.delegate = xml::attr_or(n, "delegate");
  e.reason = xml::attr_or(n, "reason");
  if (e.id.empty() || e.target.empty() || e.action.empty() || e.origin.empty()) {
    return bad("<entry> needs id, target, action and origin");
  }
  const std::string state = xml::attr_or(n, "state");
  bool known = false;
  for (const auto& [s, name] : kStates) {
    if (state == name) {
      e.state = s;
      known = true;
    }
  }
  if (!known) return bad("<entry> has unknown state '" + state + "'");
  if (!parse_i64(xml::attr(n, "created"), &e.created) ||
      !parse_i64(xml::attr(n, "completed"), &e.completed)) {
    return bad("<entry> has a bad time");
  }
  return e;
}

// What each type must carry.
Status check_fields(const PeerMessage& m) {
  if (m.type == MsgType::kHistory) return ok_status();
  if (m.op.empty() || m.origin.empty()) return bad("op and origin are required");
  switch (m.type) {
    case MsgType::kQuery:
    case MsgType::kQueryReply:
      if (m.target.empty() || m.action.empty()) return bad("target and action are required");
      break;
    case MsgType::kFence:
      if (m.target.empty() || m.action.empty() || m.device.empty()) {
        return bad("fence needs target, action and device");
      }
      break;
    case MsgType::kFenceResult:
      if (m.device.empty()) return bad("fence-result needs a device");
      break;
    case MsgType::kDone:
      if (m.history.size() != 1) return bad("done carries exactly one <entry>");
      break;
    case MsgType::kHistory:
      break;
  }
  return ok_status();
}

}  // namespace

const char* to_string(MsgType type) {
  for (const auto& [t, name] : kNames) {
    if (t == type) return name;
  }
  return "?";
}

std::string encode(const PeerMessage& m) {
  std::string out = "<fencing";
  put(out, "t", to_string(m.type));
  put(out, "op", m.op);
  put(out, "origin", m.origin);
  put(out, "target", m.target);
  put(out, "action", m.action);
  put(out, "device", m.device);
  if (m.delay.count() > 0) put(out, "delay-ms", std::to_string(m.delay.count()));
  if (m.type == MsgType::kFenceResult) put(out, "ok", m.ok ? "true" : "false");
  put(out, "reason", m.reason);
  out += '>';
  for (const auto& d : m.devices) {
    out += "<device";
    put(out, "id", d);
    out += "/>";
  }
  for (const auto& e : m.history) put_entry(out, e);
  out += "</fencing>";
  return out;
}

Result<PeerMessage> decode(std::string_view payload) {
  auto doc = xml::parse_string(payload, "fencing message");
  if (!doc) return doc.error();
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (!root || !xml::is(root, "fencing")) return bad("root is not <fencing>");
  PeerMessage m;
  const std::string t = xml::attr_or(root, "t");
  bool known = false;
  for (const auto& [type, name] : kNames) {
    if (t == name) {
      m.type = type;
      known = true;
    }
  }
  if (!known) return bad("unknown type '" + t + "'");
  m.op = xml::attr_or(root, "op");
  m.origin = xml::attr_or(root, "origin");
  m.target = xml::attr_or(root, "target");
  m.action = xml::attr_or(root, "action");
  m.device = xml::attr_or(root, "device");
  m.reason = xml::attr_or(root, "reason");
  std::int64_t delay = 0;
  if (!parse_i64(xml::attr(root, "delay-ms"), &delay)) return bad("bad delay-ms");
  m.delay = Duration(delay);
  const std::string ok = xml::attr_or(root, "ok", "false");
  if (ok != "true" && ok != "false") return bad("ok is neither true nor false");
  m.ok = ok == "true";
  for (const xmlNode* d : xml::children(root, "device")) {
    auto id = xml::attr(d, "id");
    if (!id || id->empty()) return bad("<device> without an id");
    m.devices.push_back(*id);
  }
  for (const xmlNode* n : xml::children(root, "entry")) {
    auto e = entry_from_xml(n);
    if (!e) return e.error();
    m.history.push_back(std::move(*e));
  }
  if (auto s = check_fields(m); !s) return s.error();
  return m;
}

}  // namespace vigil::fencing
