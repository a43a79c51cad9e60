// SPDX-License-Identifier: GPL-2.0-or-later
#include "messages.hpp"

#include "vigil/common/names.hpp"
#include "vigil/common/number.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::controller {

namespace {

constexpr std::pair<MsgType, const char*> kNames[] = {
    {MsgType::kHistory, "history"}, {MsgType::kResult, "result"},
    {MsgType::kExec, "exec"},       {MsgType::kCancel, "cancel"},
    {MsgType::kForget, "forget"},   {MsgType::kShutdown, "shutdown"},
    {MsgType::kAttr, "attr"},       {MsgType::kCleanup, "cleanup"},
    {MsgType::kRejoin, "rejoin"},   {MsgType::kJoined, "joined"},
};

using xml::append_attr;

Error bad(const std::string& what) {
  return Error(ErrorCode::kInvalidInput, "crmd message: " + what);
}

}  // namespace

const char* to_string(MsgType t) {
  return name_of(kNames, t);
}

std::string encode(const Message& m) {
  std::string out = "<crmd";
  append_attr(out, "t", to_string(m.type));
  if (m.target != cluster::kNoNode) append_attr(out, "to", std::to_string(m.target));
  if (!m.rsc.empty()) append_attr(out, "rsc", m.rsc);
  if (!m.node.empty()) append_attr(out, "node", m.node);
  if (!m.name.empty()) append_attr(out, "name", m.name);
  if (m.value) append_attr(out, "value", *m.value);
  if (m.fresh) append_attr(out, "fresh", "true");
  out += ">";
  for (const auto& op : m.ops) out += event_to_xml(op);
  if (m.type == MsgType::kExec || m.type == MsgType::kCancel) {
    const ExecSpec& e = m.exec;
    out += "<action";
    append_attr(out, "rsc", e.rsc);
    append_attr(out, "class", e.cls);
    if (!e.provider.empty()) append_attr(out, "provider", e.provider);
    append_attr(out, "type", e.type);
    append_attr(out, "task", e.task);
    append_attr(out, "interval", std::to_string(e.interval_ms));
    append_attr(out, "timeout", std::to_string(e.timeout_ms));
    append_attr(out, "start-delay", std::to_string(e.start_delay_ms));
    append_attr(out, "key", e.key);
    append_attr(out, "digest", e.digest);
    out += ">";
    xml::append_params(out, e.params);
    out += "</action>";
  }
  out += "</crmd>";
  return out;
}

Result<Message> decode(std::string_view payload) {
  auto doc = xml::parse_rooted(payload, "crmd message", "crmd");
  if (!doc) return doc.error();
  const xmlNode* root = doc->root;
  Message m;
  std::string t = xml::attr_or(root, "t");
  if (auto type = value_of(kNames, t)) {
    m.type = *type;
  } else {
    return bad("unknown type '" + t + "'");
  }
  if (auto to = xml::attr(root, "to")) {
    const auto v = parse_int64(*to);
    if (!v || *v <= 0 || *v > 0xffffffffLL) return bad("bad target '" + *to + "'");
    m.target = static_cast<cluster::NodeId>(*v);
  }
  m.rsc = xml::attr_or(root, "rsc");
  m.node = xml::attr_or(root, "node");
  m.name = xml::attr_or(root, "name");
  m.value = xml::attr(root, "value");
  m.fresh = xml::attr_or(root, "fresh") == "true";
  for (const xmlNode* op : xml::children(root, "op")) {
    auto e = event_from_xml(op);
    if (!e) return e.error().with_context("crmd message");
    m.ops.push_back(std::move(*e));
  }
  if (const xmlNode* a = xml::first_child(root, "action")) {
    ExecSpec& e = m.exec;
    e.rsc = xml::attr_or(a, "rsc");
    e.cls = xml::attr_or(a, "class");
    e.provider = xml::attr_or(a, "provider");
    e.type = xml::attr_or(a, "type");
    e.task = xml::attr_or(a, "task");
    e.key = xml::attr_or(a, "key");
    e.digest = xml::attr_or(a, "digest");
    if (!xml::read_int_attr(a, "interval", &e.interval_ms, 0) ||
        !xml::read_int_attr(a, "timeout", &e.timeout_ms, 0) ||
        !xml::read_int_attr(a, "start-delay", &e.start_delay_ms, 0)) {
      return bad("bad number in <action>");
    }
    for (const xmlNode* p : xml::children(a, "param")) {
      auto name = xml::attr(p, "name");
      if (!name || name->empty()) return bad("<param> without a name");
      e.params[*name] = xml::attr_or(p, "value");
    }
  }
  switch (m.type) {
    case MsgType::kResult:
      if (m.ops.size() != 1) return bad("a result carries exactly one <op>");
      break;
    case MsgType::kExec:
    case MsgType::kCancel:
      if (m.target == cluster::kNoNode || m.exec.rsc.empty() || m.exec.task.empty()) {
        return bad(std::string(to_string(m.type)) + " needs a target and an <action>");
      }
      break;
    case MsgType::kForget:
      if (m.target == cluster::kNoNode || m.rsc.empty()) return bad("forget needs to and rsc");
      break;
    case MsgType::kShutdown:
    case MsgType::kJoined:
      if (m.target == cluster::kNoNode)
        return bad(std::string(to_string(m.type)) + " needs a target");
      break;
    case MsgType::kAttr:
      if (m.target == cluster::kNoNode || m.name.empty()) return bad("attr needs to and name");
      break;
    case MsgType::kCleanup:
      if (m.rsc.empty()) return bad("cleanup needs rsc");
      break;
    case MsgType::kHistory:
    case MsgType::kRejoin:
      break;
  }
  return m;
}

}  // namespace vigil::controller
