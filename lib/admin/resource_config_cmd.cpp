// SPDX-License-Identifier: GPL-2.0-or-later
// `resource config --output-format=cmd`: the pcs commands that recreate the
// resources (pcs 0.11's resources_to_cmd): every primitive created with
// --no-default-ops --force and its operations spelled out, then its
// utilization, the groups and their meta attributes, then the clones.
#include <string_view>

#include "resource_edit.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {
namespace {

// pcs names itself in the commands it prints; vigil does the same.
constexpr const char* kProgram = "vigil";

// Python's shlex.quote.
std::string shell_quote(const std::string& s) {
  if (s.empty()) return "''";
  const bool safe =
      s.find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./-_") ==
      std::string::npos;
  if (safe) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\"'\"'") : std::string(1, c);
  return out + "'";
}

std::string words(const std::vector<std::string>& w) {
  std::string out;
  for (const auto& x : w) out += (out.empty() ? "" : " ") + shell_quote(x);
  return out;
}

// The first set's pairs in document order, "k=v" each quoted; empty when
// there is no set or it is empty.
std::string first_set_pairs(const xmlNode* r, const char* element) {
  const xmlNode* set = xml::first_child(r, element);
  if (set == nullptr) return "";
  std::vector<std::string> pairs;
  for (const xmlNode* nv : xml::children(set, "nvpair"))
    pairs.push_back(xml::attr_or(nv, "name") + "=" + xml::attr_or(nv, "value"));
  return words(pairs);
}

std::string bool_word(const std::string& v) {
  return is_true(v) ? "1" : "0";
}

std::string op_words(const xmlNode* op) {
  std::vector<std::string> pairs{"interval=" + xml::attr_or(op, "interval", "0s")};
  auto add = [&](const char* name) {
    if (const auto v = xml::attr_or(op, name); !v.empty()) pairs.push_back(name + ("=" + v));
  };
  add("id");
  if (!xml::attr_or(op, "start-delay").empty()) {
    add("start-delay");
  } else {
    add("interval-origin");
  }
  add("timeout");
  if (xml::has_attr(op, "enabled"))
    pairs.push_back("enabled=" + bool_word(xml::attr_or(op, "enabled")));
  if (xml::has_attr(op, "record-pending"))
    pairs.push_back("record-pending=" + bool_word(xml::attr_or(op, "record-pending")));
  add("role");
  add("on-fail");
  for (const xmlNode* set : xml::children(op, "instance_attributes")) {
    for (const xmlNode* nv : xml::children(set, "nvpair")) {
      if (xml::attr_or(nv, "name") == "OCF_CHECK_LEVEL" && !xml::attr_or(nv, "value").empty())
        pairs.push_back("OCF_CHECK_LEVEL=" + xml::attr_or(nv, "value"));
    }
  }
  return xml::attr_or(op, "name") + " " + words(pairs);
}

using Command = std::vector<std::string>;

void primitive_commands(const xmlNode* p, std::vector<Command>& out) {
  const bool stonith = xml::attr_or(p, "class") == "stonith";
  std::string agent = xml::attr_or(p, "type");
  if (!stonith) {
    agent = xml::attr_or(p, "class") +
            (xml::has_attr(p, "provider") ? ":" + xml::attr_or(p, "provider") : "") + ":" + agent;
  }
  Command cmd{words({kProgram, stonith ? "stonith" : "resource", "create", "--no-default-ops",
                     "--force", "--", xml::attr_or(p, "id"), agent})};
  if (auto attrs = first_set_pairs(p, "instance_attributes"); !attrs.empty())
    cmd.push_back("  " + attrs);
  if (const xmlNode* ops = xml::first_child(p, "operations")) {
    const auto list = xml::children(ops, "op");
    if (!list.empty()) {
      cmd.push_back("  op");
      for (const xmlNode* op : list) cmd.push_back("    " + op_words(op));
    }
  }
  if (auto meta = first_set_pairs(p, "meta_attributes"); !meta.empty())
    cmd.push_back("  meta " + meta);
  out.push_back(cmd);
  if (auto util = first_set_pairs(p, "utilization"); !util.empty()) {
    out.push_back(
        {words({kProgram, "resource", "utilization", xml::attr_or(p, "id")}), "  " + util});
  }
}

}  // namespace

std::string resources_as_commands(const std::vector<xmlNode*>& primitives,
                                  const std::vector<xmlNode*>& groups,
                                  const std::vector<xmlNode*>& clones) {
  std::vector<Command> cmds;
  for (const xmlNode* p : primitives) primitive_commands(p, cmds);
  for (const xmlNode* g : groups) {
    std::vector<std::string> members;
    for (const xmlNode* p : xml::children(g, "primitive")) members.push_back(xml::attr_or(p, "id"));
    cmds.push_back({words({kProgram, "resource", "group", "add", xml::attr_or(g, "id")}),
                    "  " + words(members)});
    if (auto meta = first_set_pairs(g, "meta_attributes"); !meta.empty())
      cmds.push_back({words({kProgram, "resource", "meta", xml::attr_or(g, "id")}), "  " + meta});
  }
  for (const xmlNode* c : clones) {
    const xmlNode* member = xml::first_child(c, "primitive");
    if (member == nullptr) member = xml::first_child(c, "group");
    Command cmd{words({kProgram, "resource", "clone",
                       member != nullptr ? xml::attr_or(member, "id") : std::string(),
                       xml::attr_or(c, "id")})};
    if (auto meta = first_set_pairs(c, "meta_attributes"); !meta.empty())
      cmd.push_back("  meta " + meta);
    cmds.push_back(cmd);
  }
  std::string out;
  for (std::size_t i = 0; i < cmds.size(); ++i) {
    if (i > 0) out += ";\n";
    for (std::size_t j = 0; j < cmds[i].size(); ++j) out += (j > 0 ? " \\\n" : "") + cmds[i][j];
  }
  return out.empty() ? out : out + "\n";
}

}  // namespace vigil::admin
