// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/fencing/fencing_config.hpp"

#include <algorithm>
#include <regex>

#include "vigil/common/number.hpp"
#include "vigil/common/time.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::fencing {

namespace {

Error bad(const std::string& why) {
  return Error(ErrorCode::kInvalidInput, why);
}

// The nvpairs of every `set_name` child of `n`; rules are refused.
Status read_nvpairs(const xmlNode* n, const char* set_name, const std::string& owner,
                    std::map<std::string, std::string>& out) {
  for (const xmlNode* set : xml::children(n, set_name)) {
    if (xml::first_child(set, "rule")) {
      return Error(ErrorCode::kUnsupported,
                   owner + ": rules in " + set_name + " are not supported by the fencer");
    }
    for (const xmlNode* p : xml::children(set, "nvpair")) {
      auto name = xml::attr(p, "name");
      if (!name || name->empty()) return bad(owner + ": nvpair without a name");
      out[*name] = xml::attr_or(p, "value");
    }
  }
  return ok_status();
}

bool is_false(std::string_view v) {
  return v == "false" || v == "no" || v == "0" || v == "off";
}

bool role_is_stopped(std::string v) {
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  return v == "stopped";
}

// What a group or clone passes to its members.
struct Parent {
  std::vector<std::string> ids;
  std::map<std::string, std::string> meta;
};

// Stonith primitives anywhere under <resources> (groups and clones too),
// with the meta attributes they inherit.
Status read_devices(const xmlNode* n, const Parent& parent, std::vector<DeviceSpec>& out) {
  for (const xmlNode* c : xml::children(n)) {
    if (xml::is(c, "group") || xml::is(c, "clone") || xml::is(c, "master")) {
      Parent p = parent;
      p.ids.push_back(xml::attr_or(c, "id"));
      std::map<std::string, std::string> own;
      if (auto s = read_nvpairs(c, "meta_attributes", p.ids.back(), own); !s) return s;
      for (auto& [k, v] : own) p.meta[k] = std::move(v);
      if (auto s = read_devices(c, p, out); !s) return s;
      continue;
    }
    if (!xml::is(c, "primitive")) {
      if (auto s = read_devices(c, parent, out); !s) return s;
      continue;
    }
    if (xml::attr_or(c, "class") != "stonith") continue;
    DeviceSpec d;
    d.id = xml::attr_or(c, "id");
    d.agent = xml::attr_or(c, "type");
    if (d.id.empty()) return bad("stonith primitive without an id");
    if (d.agent.empty()) return bad("device " + d.id + ": no type (fence agent)");
    if (auto s = read_nvpairs(c, "instance_attributes", "device " + d.id, d.params); !s) return s;
    if (auto s = read_nvpairs(c, "meta_attributes", "device " + d.id, d.meta); !s) return s;
    for (const auto& [k, v] : parent.meta) d.meta.emplace(k, v);  // its own value wins
    d.parents = parent.ids;
    if (auto role = d.meta.find("target-role"); role != d.meta.end()) {
      d.disabled = role_is_stopped(role->second);
    }
    out.push_back(std::move(d));
  }
  return ok_status();
}

Result<FencingLevel> read_level(const xmlNode* n) {
  FencingLevel l;
  l.id = xml::attr_or(n, "id");
  const std::string what = "fencing-level " + l.id;
  if (auto t = xml::attr(n, "target")) {
    l.kind = FencingLevel::Kind::kNode;
    l.target = *t;
  } else if (auto p = xml::attr(n, "target-pattern")) {
    l.kind = FencingLevel::Kind::kPattern;
    l.target = *p;
  } else if (auto a = xml::attr(n, "target-attribute")) {
    l.kind = FencingLevel::Kind::kAttribute;
    l.target = *a;
    auto v = xml::attr(n, "target-value");
    if (!v) return bad(what + ": target-attribute without target-value");
    l.value = *v;
  } else {
    return bad(what + ": no target, target-pattern or target-attribute");
  }
  const std::string index = xml::attr_or(n, "index");
  const auto parsed = parse_int_field(index, "index", INT32_MIN, INT32_MAX);
  if (!parsed) return bad(what + ": " + parsed.error().message());
  l.index = static_cast<int>(*parsed);
  for (auto& d : parse_host_list(xml::attr_or(n, "devices"))) l.devices.push_back(std::move(d));
  return l;
}

Status read_options(const xmlNode* config, CibFencing& out) {
  std::map<std::string, std::string> opts;
  if (const xmlNode* crm = xml::first_child(config, "crm_config")) {
    if (auto s = read_nvpairs(crm, "cluster_property_set", "crm_config", opts); !s) return s;
  }
  if (auto it = opts.find("stonith-timeout"); it != opts.end()) {
    auto ms = parse_interval_ms(it->second);
    if (!ms || *ms <= 0) return bad("stonith-timeout='" + it->second + "' is not an interval");
    out.stonith_timeout = Duration(*ms);
  }
  if (auto it = opts.find("stonith-enabled"); it != opts.end()) {
    out.stonith_enabled = !is_false(it->second);
  }
  if (auto it = opts.find("symmetric-cluster"); it != opts.end()) {
    out.symmetric_cluster = !is_false(it->second);
  }
  return ok_status();
}

// The devices a location constraint names (by id, pattern or resource
// set), through the device itself or one of its parents.
Result<std::set<std::size_t>> located_devices(
    const xmlNode* loc, const std::map<std::string, std::vector<std::size_t>>& by_id) {
  std::set<std::size_t> hits;
  auto add = [&](const std::string& id) {
    if (auto it = by_id.find(id); it != by_id.end())
      hits.insert(it->second.begin(), it->second.end());
  };
  if (auto rsc = xml::attr(loc, "rsc")) add(*rsc);
  if (auto pattern = xml::attr(loc, "rsc-pattern")) {
    try {
      const std::regex re(*pattern, std::regex::extended | std::regex::nosubs);
      for (const auto& [id, devices] : by_id) {
        if (std::regex_search(id, re)) hits.insert(devices.begin(), devices.end());
      }
    } catch (const std::regex_error&) {
      return bad("rsc_location " + xml::attr_or(loc, "id") + ": bad rsc-pattern '" + *pattern +
                 "'");
    }
  }
  for (const xmlNode* set : xml::children(loc, "resource_set")) {
    for (const xmlNode* ref : xml::children(set, "resource_ref")) add(xml::attr_or(ref, "id"));
  }
  return hits;
}

// Location constraints of devices: each named node's summed score.
Status read_locations(const xmlNode* config, CibFencing& out) {
  const xmlNode* constraints = xml::first_child(config, "constraints");
  if (!constraints || out.devices.empty()) return ok_status();
  std::map<std::string, std::vector<std::size_t>> by_id;
  for (std::size_t i = 0; i < out.devices.size(); ++i) {
    by_id[out.devices[i].id].push_back(i);
    for (const auto& p : out.devices[i].parents) by_id[p].push_back(i);
  }
  for (const xmlNode* loc : xml::children(constraints, "rsc_location")) {
    const std::string what = "rsc_location " + xml::attr_or(loc, "id");
    // Only promoted/unpromoted roles, which a fence device never has.
    const std::string role = xml::attr_or(loc, "role", "Started");
    if (role != "Started" && role != "started") continue;
    auto hits = located_devices(loc, by_id);
    if (!hits) return hits.error();
    if (hits->empty()) continue;
    const std::string device = out.devices[*hits->begin()].id;
    if (xml::first_child(loc, "rule")) {
      return Error(ErrorCode::kUnsupported, what + " (device " + device +
                                                "): location rules of fence devices are not "
                                                "supported by the fencer");
    }
    const std::string node = xml::attr_or(loc, "node");
    const auto score = parse_score(xml::attr_or(loc, "score"));
    if (node.empty() || !score) {
      return bad(what + " (device " + device + "): needs a node and a score");
    }
    for (std::size_t i : *hits) out.devices[i].node_scores[node] += *score;
  }
  return ok_status();
}

}  // namespace

Result<CibFencing> read_cib_fencing(const xmlNode* cib) {
  const xmlNode* config = xml::is(cib, "cib") ? xml::first_child(cib, "configuration") : cib;
  if (!config || !xml::is(config, "configuration")) return bad("no <configuration> in the CIB");
  CibFencing out;
  if (auto s = read_options(config, out); !s) return s.error();
  if (const xmlNode* nodes = xml::first_child(config, "nodes")) {
    for (const xmlNode* n : xml::children(nodes, "node")) {
      const std::string uname = xml::attr_or(n, "uname");
      if (uname.empty()) continue;
      out.nodes.push_back(uname);
      auto& attrs = out.node_attributes[uname];
      if (auto s = read_nvpairs(n, "instance_attributes", "node " + uname, attrs); !s) {
        return s.error();
      }
    }
  }
  if (const xmlNode* rscs = xml::first_child(config, "resources")) {
    if (auto s = read_devices(rscs, Parent{}, out.devices); !s) return s.error();
  }
  if (auto s = read_locations(config, out); !s) return s.error();
  if (const xmlNode* topo = xml::first_child(config, "fencing-topology")) {
    for (const xmlNode* l : xml::children(topo, "fencing-level")) {
      auto level = read_level(l);
      if (!level) return level.error();
      out.levels.push_back(std::move(*level));
    }
  }
  return out;
}

Result<CibFencing> read_cib_fencing(std::string_view cib_xml) {
  auto doc = xml::parse_string(cib_xml, "CIB");
  if (!doc) return doc.error();
  return read_cib_fencing(xmlDocGetRootElement(doc->get()));
}

std::string why_not_registered(const CibFencing& cib, const DeviceSpec& d,
                               const std::string& self) {
  if (d.disabled) return "disabled (target-role=Stopped)";
  auto it = d.node_scores.find(self);
  if (it == d.node_scores.end()) {
    return cib.symmetric_cluster ? std::string()
                                 : "not allowed on " + self +
                                       " (symmetric-cluster=false and no location constraint "
                                       "names it)";
  }
  if (it->second < Score(0)) return "banned from " + self + " (score " + it->second.str() + ")";
  return {};
}

Result<BuiltConfig> build_config(const CibFencing& cib,
                                 const std::map<std::string, Result<AgentMetadata>>& metadata,
                                 const std::string& self) {
  BuiltConfig out;
  FencerConfig& c = out.config;
  c.stonith_timeout = cib.stonith_timeout;
  c.node_attributes = cib.node_attributes;
  c.nodes.insert(cib.nodes.begin(), cib.nodes.end());
  for (const auto& l : cib.levels) {
    if (auto s = c.topology.add(l); !s) return s.error();
  }
  for (const auto& spec : cib.devices) {
    if (auto why = why_not_registered(cib, spec, self); !why.empty()) {
      c.left_out.insert_or_assign(spec.id, why);
      continue;
    }
    auto m = metadata.find(spec.agent);
    if (m == metadata.end() || !m->second) {
      c.left_out.insert_or_assign(spec.id, m == metadata.end() ? "no meta-data for " + spec.agent
                                                               : m->second.error().message());
      continue;
    }
    auto d = make_device(spec.id, spec.agent, spec.params, spec.meta, *m->second);
    if (!d) return d.error();
    c.devices.push_back(std::move(*d));
  }
  return out;
}

}  // namespace vigil::fencing
