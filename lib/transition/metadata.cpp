// SPDX-License-Identifier: GPL-2.0-or-later
// Agent meta-data: what the restart and secure digests need from it.
#include <libxml/tree.h>

#include <cctype>
#include <charconv>

#include "vigil/common/xml.hpp"
#include "vigil/transition/history.hpp"

namespace vigil::transition {

namespace {

bool is_true(const xmlNode* n, const char* name) {
  auto v = xml::attr(n, name);
  if (!v) return false;
  std::string s;
  for (char c : *v) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s == "true" || s == "on" || s == "yes" || s == "y" || s == "1";
}

// Dotted version comparison ("1.1" >= "1.0.9"); non-numeric parts count as 0.
int compare_version(std::string_view a, std::string_view b) {
  while (!a.empty() || !b.empty()) {
    auto next = [](std::string_view& s) {
      auto dot = s.find('.');
      std::string_view part = s.substr(0, dot);
      s = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
      long v = 0;
      std::from_chars(part.data(), part.data() + part.size(), v);
      return v;
    };
    long x = next(a), y = next(b);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

std::string trimmed_content(const xmlNode* n) {
  xml::XmlCharPtr c(xmlNodeGetContent(n));
  std::string s = c ? reinterpret_cast<const char*>(c.get()) : "";
  auto b = s.find_first_not_of(" \t\r\n");
  auto e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

}  // namespace

Result<AgentMetadata> parse_agent_metadata(std::string_view xml_text, std::string_view cls) {
  auto doc = xml::parse_agent_metadata(xml_text, "agent meta-data");
  if (!doc) return doc.error();
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (!root || !xml::is(root, "resource-agent")) {
    return Error(ErrorCode::kInvalidInput, "agent meta-data: root element is not <resource-agent>");
  }
  AgentMetadata md;
  bool ocf_1_1 = false;
  if (cls == "ocf") {
    if (const xmlNode* v = xml::first_child(root, "version")) {
      std::string version = trimmed_content(v);
      ocf_1_1 = !version.empty() && compare_version(version, "1.1") >= 0;
    }
  }
  if (const xmlNode* actions = xml::first_child(root, "actions")) {
    for (const xmlNode* a : xml::children(actions, "action")) {
      std::string name = xml::attr_or(a, "name");
      if (name == "reload-agent") {
        if (ocf_1_1) md.reload_agent = true;
      } else if (!ocf_1_1) {
        std::string lower;
        for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower == "reload") md.legacy_reload = true;
      }
    }
  }
  if (const xmlNode* params = xml::first_child(root, "parameters")) {
    for (const xmlNode* p : xml::children(params, "parameter")) {
      auto name = xml::attr(p, "name");
      if (!name || name->empty()) {
        return Error(ErrorCode::kInvalidInput, "agent meta-data: <parameter> without a name");
      }
      md.params.push_back(
          {*name, is_true(p, "reloadable"), is_true(p, "unique"), is_true(p, "private")});
    }
  }
  return md;
}

}  // namespace vigil::transition
