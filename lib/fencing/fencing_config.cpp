// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/fencing/fencing_config.hpp"

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

// Stonith primitives anywhere under <resources> (groups and clones too).
Status read_devices(const xmlNode* n, std::vector<DeviceSpec>& out) {
  for (const xmlNode* c : xml::children(n)) {
    if (!xml::is(c, "primitive")) {
      if (auto s = read_devices(c, out); !s) return s;
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
  try {
    std::size_t used = 0;
    l.index = std::stoi(index, &used);
    if (used != index.size()) throw std::invalid_argument(index);
  } catch (const std::exception&) {
    return bad(what + ": index '" + index + "' is not a number");
  }
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
    const auto& v = it->second;
    out.stonith_enabled = !(v == "false" || v == "no" || v == "0" || v == "off");
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
    if (auto s = read_devices(rscs, out.devices); !s) return s.error();
  }
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

Result<BuiltConfig> build_config(const CibFencing& cib,
                                 const std::map<std::string, Result<AgentMetadata>>& metadata) {
  BuiltConfig out;
  FencerConfig& c = out.config;
  c.stonith_timeout = cib.stonith_timeout;
  c.node_attributes = cib.node_attributes;
  c.nodes.insert(cib.nodes.begin(), cib.nodes.end());
  for (const auto& l : cib.levels) {
    if (auto s = c.topology.add(l); !s) return s.error();
  }
  for (const auto& spec : cib.devices) {
    auto m = metadata.find(spec.agent);
    if (m == metadata.end() || !m->second) {
      out.skipped.push_back(
          spec.id + ": " +
          (m == metadata.end() ? "no meta-data for " + spec.agent : m->second.error().message()));
      continue;
    }
    auto d = make_device(spec.id, spec.agent, spec.params, spec.meta, *m->second);
    if (!d) return d.error();
    c.devices.push_back(std::move(*d));
  }
  return out;
}

}  // namespace vigil::fencing
