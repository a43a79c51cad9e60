// SPDX-License-Identifier: GPL-2.0-or-later
// Encoding and decoding of the fencers' CPG messages. Each element's plain
// text attributes are listed once, in a table that both directions walk.
#include "vigil/fencing/messages.hpp"

#include <utility>

#include "vigil/common/names.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::fencing {

namespace {

// (attribute, member) of a struct's text fields, in the order they are written.
template <typename T>
using TextFields = std::pair<const char*, std::string T::*>;

constexpr TextFields<HistoryEntry> kEntryText[] = {
    {"id", &HistoryEntry::id},         {"target", &HistoryEntry::target},
    {"action", &HistoryEntry::action}, {"origin", &HistoryEntry::origin},
    {"client", &HistoryEntry::client}, {"delegate", &HistoryEntry::delegate},
};
constexpr std::pair<const char*, std::int64_t HistoryEntry::*> kEntryTimes[] = {
    {"created", &HistoryEntry::created},
    {"completed", &HistoryEntry::completed},
};
constexpr TextFields<PeerMessage> kMessageText[] = {
    {"op", &PeerMessage::op},         {"origin", &PeerMessage::origin},
    {"target", &PeerMessage::target}, {"action", &PeerMessage::action},
    {"device", &PeerMessage::device},
};

constexpr std::pair<MsgType, const char*> kNames[] = {
    {MsgType::kQuery, "query"},     {MsgType::kQueryReply, "query-reply"},
    {MsgType::kFence, "fence"},     {MsgType::kFenceResult, "fence-result"},
    {MsgType::kDone, "done"},       {MsgType::kHistory, "history"},
    {MsgType::kCleanup, "cleanup"},
};

Error bad(const std::string& why) {
  return Error(ErrorCode::kInvalidInput, "fencing message: " + why);
}

// An attribute, left out when empty; values keep their tabs and newlines.
void put(std::string& out, const char* name, std::string_view value) {
  if (!value.empty()) xml::append_attr(out, name, value, xml::kEscapeWhitespace);
}

template <typename T, std::size_t N>
void put_text(std::string& out, const T& from, const TextFields<T> (&fields)[N]) {
  for (const auto& [name, member] : fields) put(out, name, from.*member);
}

template <typename T, std::size_t N>
void get_text(const xmlNode* n, T& to, const TextFields<T> (&fields)[N]) {
  for (const auto& [name, member] : fields) to.*member = xml::attr_or(n, name);
}

}  // namespace

void append_entry(std::string& out, const HistoryEntry& e) {
  out += "<entry";
  put_text(out, e, kEntryText);
  put(out, "state", to_string(e.state));
  for (const auto& [name, member] : kEntryTimes) xml::append_attr(out, name, e.*member);
  put(out, "reason", e.reason);
  out += "/>";
}

Result<HistoryEntry> read_entry(const xmlNode* n) {
  HistoryEntry e;
  get_text(n, e, kEntryText);
  e.reason = xml::attr_or(n, "reason");
  if (e.id.empty() || e.target.empty() || e.action.empty() || e.origin.empty()) {
    return bad("<entry> needs id, target, action and origin");
  }
  const std::string state = xml::attr_or(n, "state");
  const auto parsed = parse_op_state(state);
  if (!parsed) return bad("<entry> has unknown state '" + state + "'");
  e.state = *parsed;
  for (const auto& [name, member] : kEntryTimes) {
    if (!xml::read_int_attr(n, name, &(e.*member), 0)) return bad("<entry> has a bad time");
  }
  return e;
}

namespace {

// What each type must carry.
Status check_fields(const PeerMessage& m) {
  if (m.type == MsgType::kHistory || m.type == MsgType::kCleanup) return ok_status();
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
    case MsgType::kCleanup:
      break;
  }
  return ok_status();
}

Result<PeerMessage> message_from_xml(const xmlNode* root) {
  const std::string t = xml::attr_or(root, "t");
  const auto type = value_of(kNames, t);
  if (!type) return bad("unknown type '" + t + "'");
  PeerMessage m{.type = *type};
  get_text(root, m, kMessageText);
  m.reason = xml::attr_or(root, "reason");
  std::int64_t delay = 0;
  if (!xml::read_int_attr(root, "delay-ms", &delay, 0)) return bad("bad delay-ms");
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
    auto e = read_entry(n);
    if (!e) return e.error();
    m.history.push_back(std::move(*e));
  }
  if (auto s = check_fields(m); !s) return s.error();
  return m;
}

}  // namespace

std::string encode(const PeerMessage& m) {
  std::string out = "<fencing";
  put(out, "t", to_string(m.type));
  put_text(out, m, kMessageText);
  if (m.delay.count() > 0) xml::append_attr(out, "delay-ms", m.delay.count());
  if (m.type == MsgType::kFenceResult) put(out, "ok", m.ok ? "true" : "false");
  put(out, "reason", m.reason);
  out += '>';
  for (const auto& d : m.devices) {
    out += "<device";
    put(out, "id", d);
    out += "/>";
  }
  for (const auto& e : m.history) append_entry(out, e);
  out += "</fencing>";
  return out;
}

Result<PeerMessage> decode(std::string_view payload) {
  auto doc = xml::parse_rooted(payload, "fencing message", "fencing");
  if (!doc) return doc.error();
  return message_from_xml(doc->root);
}

const char* to_string(MsgType type) {
  return name_of(kNames, type);
}

}  // namespace vigil::fencing
