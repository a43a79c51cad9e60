// SPDX-License-Identifier: GPL-2.0-or-later
#include "messages.hpp"

#include <cstdlib>

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

void add(std::string& out, const char* name, const std::string& value) {
  out += ' ';
  out += name;
  out += "=\"";
  xml::append_escaped(out, value);
  out += '"';
}

bool parse_i64(const std::optional<std::string>& s, std::int64_t* out) {
  if (!s) return true;
  if (s->empty() || s->size() > 19 || s->find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  *out = std::atoll(s->c_str());
  return true;
}

Error bad(const std::string& what) {
  return Error(ErrorCode::kInvalidInput, "crmd message: " + what);
}

}  // namespace

const char* to_string(MsgType t) {
  for (const auto& [type, name] : kNames) {
    if (type == t) return name;
  }
  return "?";
}

std::string encode(const Message& m) {
  std::string out = "<crmd";
  add(out, "t", to_string(m.type));
  if (m.target != cluster::kNoNode) add(out, "to", std::to_string(m.target));
  if (!m.rsc.empty()) add(out, "rsc", m.rsc);
  if (!m.node.empty()) add(out, "node", m.node);
  if (!m.name.empty()) add(out, "name", m.name);
  if (m.value) add(out, "value", *m.value);
  if (m.fresh) add(out, "fresh", "true");
  out += ">";
  for (const auto& op : m.ops) out += event_to_xml(op);
  if (m.type == MsgType::kExec || m.type == MsgType::kCancel) {
    const ExecSpec& e = m.exec;
    out += "<action";
    add(out, "rsc", e.rsc);
    add(out, "class", e.cls);
    if (!e.provider.empty()) add(out, "provider", e.provider);
    add(out, "type", e.type);
    add(out, "task", e.task);
    add(out, "interval", std::to_string(e.interval_ms));
    add(out, "timeout", std::to_string(e.timeout_ms));
    add(out, "start-delay", std::to_string(e.start_delay_ms));
    add(out, "key", e.key);
    add(out, "digest", e.digest);
    out += ">";
    for (const auto& [k, v] : e.params) {
      out += "<param";
      add(out, "name", k);
      add(out, "value", v);
      out += "/>";
    }
    out += "</action>";
  }
  out += "</crmd>";
  return out;
}

Result<Message> decode(std::string_view payload) {
  auto doc = xml::parse_string(payload, "crmd message");
  if (!doc) return doc.error();
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (!root || !xml::is(root, "crmd")) return bad("root is not <crmd>");
  Message m;
  std::string t = xml::attr_or(root, "t");
  bool known = false;
  for (const auto& [type, name] : kNames) {
    if (t == name) {
      m.type = type;
      known = true;
    }
  }
  if (!known) return bad("unknown type '" + t + "'");
  if (auto to = xml::attr(root, "to")) {
    std::int64_t v = 0;
    if (!parse_i64(to, &v) || v <= 0 || v > 0xffffffffLL) return bad("bad target '" + *to + "'");
    m.target = static_cast<cluster::NodeId>(v);
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
    if (!parse_i64(xml::attr(a, "interval"), &e.interval_ms) ||
        !parse_i64(xml::attr(a, "timeout"), &e.timeout_ms) ||
        !parse_i64(xml::attr(a, "start-delay"), &e.start_delay_ms)) {
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
