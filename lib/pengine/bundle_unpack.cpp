// SPDX-License-Identifier: GPL-2.0-or-later
// Bundles from the configuration (Pacemaker's pe__unpack_bundle): the
// settings of <docker>/<podman>/<rkt>, <network> and <storage>, and per
// replica the implicit resources with the parameters the container agents
// get (their digests must match the ones Pacemaker recorded), the guest
// node of each replica and the clone of the bundled primitive.
#include <strings.h>

#include <algorithm>
#include <cstdio>
#include <string_view>
#include <unordered_set>

#include "bundle.hpp"
#include "internal.hpp"

namespace vigil::pengine {

Resource* parent_bundle(Resource* rsc) {
  for (Resource* r = rsc; r; r = r->parent) {
    if (is_bundle(r)) return r;
  }
  return nullptr;
}

const Resource* parent_bundle(const Resource* rsc) {
  for (const Resource* r = rsc; r; r = r->parent) {
    if (is_bundle(r)) return r;
  }
  return nullptr;
}

bool is_bundle_node(const Node* node) {
  return node && node->bundle_guest;
}

namespace {

constexpr int kDefaultRemotePort = 3121;
constexpr const char* kRemoteKeyLocation = "/etc/pacemaker/authkey";
constexpr const char* kBundleLogDir = "/var/log/pacemaker/bundles";
constexpr const char* kRemotedPath = "/usr/sbin/pacemaker-remoted";

const std::string* attr(const AttrMap& m, const char* k) {
  auto it = m.find(k);
  return it == m.end() ? nullptr : &it->second;
}

std::string attr_or(const AttrMap& m, const char* k) {
  const std::string* v = attr(m, k);
  return v ? *v : std::string();
}

// Pacemaker's pcmk__scan_min_int: `fallback` when absent, at least `min`.
int scan_min_int(const std::string* v, int fallback, int min) {
  if (!v) return fallback;
  char* end = nullptr;
  long n = std::strtol(v->c_str(), &end, 10);
  if (end == v->c_str()) return min;
  return static_cast<int>(std::clamp(n, static_cast<long>(min), static_cast<long>(kInfinity)));
}

struct Mount {
  std::string source, target, options;
  bool subdir = false;
};

struct Port {
  std::string source, target;
};

// What the bundle's elements say, as Pacemaker reads them.
struct Settings {
  std::string prefix, agent, image, run_command, container_network;
  const std::string* launcher_options = nullptr;
  int promoted_max = 0, nreplicas = 1, per_host = 1;
  std::string ip_range_start, host_netmask, host_network, control_port;
  bool add_host = true;
  std::vector<Port> ports;
  std::vector<Mount> mounts;
  bool need_log_mount = true;
  const cib::ResourceConfig* primitive = nullptr;
  std::vector<std::string> problems;  // logged configuration errors

  bool valid_network() const { return !ip_range_start.empty() || !control_port.empty(); }
};

Settings read_settings(const cib::ResourceConfig& rc) {
  Settings s;
  s.prefix = rc.id;
  const cib::BundleConfig& b = *rc.bundle;
  s.agent = b.agent;
  const AttrMap& c = b.container;
  const std::string* pm = attr(c, "promoted-max");
  if (!pm) pm = attr(c, "masters");
  s.promoted_max = scan_min_int(pm, 0, 0);
  const std::string* replicas = attr(c, "replicas");
  s.nreplicas = (!replicas && s.promoted_max > 0) ? s.promoted_max : scan_min_int(replicas, 1, 1);
  s.per_host = scan_min_int(attr(c, "replicas-per-host"), 1, 1);
  s.run_command = attr_or(c, "run-command");
  s.launcher_options = attr(c, "options");
  s.image = attr_or(c, "image");
  s.container_network = attr_or(c, "network");
  if (b.has_network) {
    s.ip_range_start = attr_or(b.network, "ip-range-start");
    s.host_netmask = attr_or(b.network, "host-netmask");
    s.host_network = attr_or(b.network, "host-interface");
    s.control_port = attr_or(b.network, "control-port");
    if (const std::string* v = attr(b.network, "add-host")) {
      s.add_host = !(strcasecmp(v->c_str(), "false") == 0 || strcasecmp(v->c_str(), "no") == 0 ||
                     strcasecmp(v->c_str(), "off") == 0 || *v == "0");
    }
    for (const AttrMap& p : b.ports) {
      Port port;
      if (const std::string* v = attr(p, "port")) {
        port.source = *v;
        port.target = attr_or(p, "internal-port");
      } else {
        port.source = attr_or(p, "range");
      }
      if (port.source.empty()) {
        s.problems.push_back("Invalid port directive " + attr_or(p, "id"));
        continue;
      }
      if (port.target.empty()) port.target = port.source;
      s.ports.push_back(std::move(port));
    }
  }
  for (const AttrMap& m : b.storage) {
    Mount mount;
    mount.target = attr_or(m, "target-dir");
    mount.options = attr_or(m, "options");
    if (const std::string* v = attr(m, "source-dir")) {
      mount.source = *v;
    } else {
      mount.source = attr_or(m, "source-dir-root");
      mount.subdir = true;
    }
    if (mount.source.empty() || mount.target.empty()) {
      s.problems.push_back("Invalid mount directive " + attr_or(m, "id"));
      continue;
    }
    if (mount.target == "/var/log") s.need_log_mount = false;
    s.mounts.push_back(std::move(mount));
  }
  for (const auto& ch : rc.children) {
    if (ch->kind == cib::RscKind::kPrimitive) {
      s.primitive = ch.get();
      break;
    }
  }
  if (s.valid_network() && s.per_host > 1 && s.ip_range_start.empty()) {
    s.problems.push_back("Specifying the 'control-port' for " + s.prefix +
                         " requires 'replicas-per-host=1'");
    s.per_host = 1;
  }
  if (s.primitive) {
    s.mounts.push_back({kRemoteKeyLocation, kRemoteKeyLocation, "", false});
    if (s.need_log_mount) s.mounts.push_back({kBundleLogDir, "/var/log", "", true});
    std::string port = s.control_port.empty() ? std::to_string(kDefaultRemotePort) : s.control_port;
    s.ports.push_back({port, port});
  }
  return s;
}

// The next address of an IPv4 range ("" past its end or for other forms).
std::string next_ip(const std::string& last) {
  unsigned o1 = 0, o2 = 0, o3 = 0, o4 = 0;
  if (std::sscanf(last.c_str(), "%u.%u.%u.%u", &o1, &o2, &o3, &o4) != 4) return {};
  if (o3 > 253) return {};
  if (o4 > 253) {
    ++o3;
    o4 = 1;
  } else {
    ++o4;
  }
  return std::to_string(o1) + "." + std::to_string(o2) + "." + std::to_string(o3) + "." +
         std::to_string(o4);
}

// Characters an XML id may not hold become '_' (Pacemaker's crm_xml_sanitize_id).
std::string sanitize_id(std::string id) {
  for (char& ch : id) {
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.')) {
      ch = '_';
    }
  }
  return id;
}

std::unique_ptr<cib::ResourceConfig> primitive_config(const std::string& id, const char* provider,
                                                      const std::string& type) {
  auto c = std::make_unique<cib::ResourceConfig>();
  c->id = id;
  c->kind = cib::RscKind::kPrimitive;
  c->cls = "ocf";
  c->provider = provider;
  c->type = type;
  c->attrs = {{"id", id}, {"class", "ocf"}, {"provider", provider}, {"type", type}};
  return c;
}

rules::NvSet nvset(std::string id) {
  rules::NvSet set;
  set.id = std::move(id);
  return set;
}

std::string container_run_opts(const Settings& s, int offset, const std::string& ipaddr,
                               const std::string& host_options, std::string* mount_points) {
  bool rkt = s.agent == "rkt";
  const char* hostname_opt = rkt ? "--hostname=" : "-h ";
  const char* env_opt = rkt ? "--environment=" : "-e ";
  std::string replica_name = s.prefix + "-" + std::to_string(offset);
  std::string out;
  if (s.agent == "docker") out += " --restart=no";
  if (!s.ip_range_start.empty()) out += std::string(" ") + hostname_opt + replica_name;
  out += std::string(" ") + env_opt + "PCMK_stderr=1";
  if (!s.container_network.empty()) out += " --net=" + s.container_network;
  out += std::string(" ") + env_opt + "PCMK_remote_port=" +
         (s.control_port.empty() ? std::to_string(kDefaultRemotePort) : s.control_port);
  int volume = 0;
  for (const Mount& m : s.mounts) {
    std::string source = m.source;
    if (m.subdir) {
      source = m.source + "/" + replica_name;
      if (!mount_points->empty()) *mount_points += ",";
      *mount_points += source;
    }
    if (rkt) {
      std::string vol = "vol" + std::to_string(volume++);
      out += " --volume " + vol + ",kind=host,source=" + source +
             (m.options.empty() ? "" : "," + m.options) + " --mount volume=" + vol +
             ",target=" + m.target;
    } else {
      out += " -v " + source + ":" + m.target;
      if (!m.options.empty()) out += ":" + m.options;
    }
  }
  for (const Port& p : s.ports) {
    if (rkt) {
      out += " --port=" + p.target + ":" + (ipaddr.empty() ? "" : ipaddr + ":") + p.source;
    } else if (!ipaddr.empty()) {
      out += " -p " + ipaddr + ":" + p.source + ":" + p.target;
    } else if (s.container_network != "host") {
      out += " -p " + p.source + ":" + p.target;
    }
  }
  if (s.launcher_options) out += " " + *s.launcher_options;
  out += " " + host_options;
  return out;
}

std::unique_ptr<cib::ResourceConfig> container_config(const Settings& s, int offset,
                                                      const std::string& ipaddr,
                                                      const std::string& host_options) {
  auto c = primitive_config(sanitize_id(s.prefix + "-" + s.agent + "-" + std::to_string(offset)),
                            "heartbeat", s.agent);
  auto set = nvset(s.prefix + "-attributes-" + std::to_string(offset));
  std::string mount_points;
  std::string run_opts = container_run_opts(s, offset, ipaddr, host_options, &mount_points);
  set.pairs = {{"image", s.image}, {"allow_pull", "true"}, {"force_kill", "false"},
               {"reuse", "false"}, {"run_opts", run_opts}, {"mount_points", mount_points}};
  if (s.primitive) {
    set.pairs.emplace_back("run_cmd", s.run_command.empty() ? kRemotedPath : s.run_command);
  } else if (!s.run_command.empty()) {
    set.pairs.emplace_back("run_cmd", s.run_command);
  }
  set.pairs.emplace_back("monitor_cmd", "/bin/true");
  c->instance_sets.push_back(std::move(set));
  c->ops.push_back(connection_op(c->id, "monitor", "60s", 60000, ""));
  // Utilization belongs to the container: the primitive's is moved here.
  if (s.primitive) c->utilization_sets = s.primitive->utilization_sets;
  return c;
}

std::unique_ptr<cib::ResourceConfig> ip_config(const Settings& s, int offset,
                                               const std::string& ipaddr) {
  auto c = primitive_config(sanitize_id(s.prefix + "-ip-" + ipaddr), "heartbeat", "IPaddr2");
  auto set = nvset(s.prefix + "-attributes-" + std::to_string(offset));
  set.pairs.emplace_back("ip", ipaddr);
  if (!s.host_network.empty()) set.pairs.emplace_back("nic", s.host_network);
  set.pairs.emplace_back("cidr_netmask", s.host_netmask.empty() ? "32" : s.host_netmask);
  c->instance_sets.push_back(std::move(set));
  c->ops.push_back(connection_op(c->id, "monitor", "60s", 60000, ""));
  return c;
}

std::unique_ptr<cib::ResourceConfig> remote_config(const Settings& s, const std::string& id,
                                                   const std::string& container,
                                                   const std::string& ipaddr) {
  auto c = primitive_config(id, "pacemaker", "remote");
  auto meta = nvset(id + "-meta_attributes");
  meta.pairs = {{"internal-rsc", "true"}, {"container", container}};
  c->meta_sets.push_back(std::move(meta));
  auto inst = nvset(id + "-instance_attributes");
  // "#uname": the connection goes to the host running the container.
  inst.pairs = {
      {"addr", ipaddr.empty() ? "#uname" : ipaddr},
      {"port", s.control_port.empty() ? std::to_string(kDefaultRemotePort) : s.control_port}};
  c->instance_sets.push_back(std::move(inst));
  c->ops.push_back(connection_op(id, "monitor", "30s", 30000, "30s"));
  return c;
}

// The clone of the bundled primitive, with a copy of the primitive (its
// utilization moved to the containers).
std::unique_ptr<cib::ResourceConfig> clone_config(const Settings& s) {
  auto c = std::make_unique<cib::ResourceConfig>();
  c->kind = cib::RscKind::kClone;
  c->id = s.prefix + (s.promoted_max ? "-master" : "-clone");
  c->attrs = {{"id", c->id}};
  auto meta = nvset(s.prefix + "-clone-meta");
  meta.pairs = {{"ordered", "true"},
                {"clone-max", std::to_string(s.nreplicas)},
                {"clone-node-max", std::to_string(s.per_host)},
                {"globally-unique", s.per_host > 1 ? "true" : "false"}};
  if (s.promoted_max) {
    meta.pairs.emplace_back("promotable", "true");
    meta.pairs.emplace_back("promoted-max", std::to_string(s.promoted_max));
  }
  c->meta_sets.push_back(std::move(meta));
  const cib::ResourceConfig& p = *s.primitive;
  auto child = std::make_unique<cib::ResourceConfig>();
  child->id = p.id;
  child->kind = p.kind;
  child->attrs = p.attrs;
  child->cls = p.cls;
  child->provider = p.provider;
  child->type = p.type;
  child->template_id = p.template_id;
  child->meta_sets = p.meta_sets;
  child->instance_sets = p.instance_sets;
  child->ops = p.ops;
  child->parent = c.get();
  c->children.push_back(std::move(child));
  return c;
}

bool has_container(const cib::ResourceConfig& rc) {
  return rc.bundle && !rc.bundle->agent.empty();
}

}  // namespace

std::vector<std::string> bundle_node_names(const cib::ResourceConfig& rc) {
  std::vector<std::string> out;
  if (!has_container(rc)) return out;
  Settings s = read_settings(rc);
  if (!s.primitive || !s.valid_network()) return out;
  for (int i = 0; i < s.nreplicas; ++i) out.push_back(s.prefix + "-" + std::to_string(i));
  return out;
}

namespace {

void make_bundle_node(Node* node) {
  node->bundle_guest = true;
  node->weight = -kInfinity;
}

// Pacemaker's disallow_node: what has the node already may not run there.
void disallow_node(WorkingSet& ws, Resource* rsc, const Node* node) {
  auto i = static_cast<std::size_t>(node->index);
  if (rsc->allowed[i].present) {
    ws.scores.set(*rsc, *node, -kInfinity,
                  {ScoreSource::kBundle, -1, static_cast<std::int32_t>(BundleWhy::kGuestNode)});
    rsc->allowed.set_discover(i, Discover::kNever);
  }
  for (Resource* c : rsc->children) disallow_node(ws, c, node);
}

}  // namespace

void mark_bundle_nodes(WorkingSet& ws) {
  // A guest node the nodes section names exists (for every resource) until
  // its replica is unpacked; the others only from then on.
  std::unordered_set<std::string_view> configured;
  for (const auto& nc : ws.cib.nodes) configured.insert(nc.uname);
  for (const std::string& name : ws.bundle_node_names) {
    Node* node = ws.find_node(name);
    if (node && !configured.count(name)) make_bundle_node(node);
  }
}

int nodes_known_to_clones(const WorkingSet& ws) {
  int n = 0;
  for (const auto& node : ws.nodes) {
    if (!node->bundle_guest || node->remote_rsc) ++n;
  }
  return n;
}

Status check_bundle_config(WorkingSet& ws, const cib::ResourceConfig& rc, bool* ignore) {
  *ignore = false;
  if (rc.kind != cib::RscKind::kBundle) return ok_status();
  auto invalid = [&](const std::string& why) {
    ws.warnings.push_back("Ignoring <bundle> resource '" + rc.id +
                          "' because configuration is invalid: " + why);
    *ignore = true;
    return ok_status();
  };
  if (!has_container(rc)) return invalid("it has no docker, podman or rkt container");
  Settings s = read_settings(rc);
  if (s.primitive && !s.valid_network()) {
    return invalid("cannot control " + s.primitive->id +
                   " inside it without either ip-range-start or control-port");
  }
  if (s.promoted_max > 0 && s.primitive) {
    // A promotable bundle's clone is a promotable clone: it is refused as
    // long as (and for the same reasons as) such a clone is.
    auto clone = clone_config(s);
    if (auto st = check_clone_config(ws, *clone); !st) {
      return Error(st.error().code(), "resource " + rc.id +
                                          ": a bundle with promoted-max makes a promotable "
                                          "clone, and " +
                                          st.error().message());
    }
  }
  for (auto& p : s.problems) ws.warnings.push_back(p);
  return ok_status();
}

void unpack_bundle_replicas(WorkingSet& ws, Resource* bundle) {
  Settings s = read_settings(*bundle->config);
  auto data = std::make_shared<BundleData>();
  bundle->bundle = data;
  data->agent = s.agent;
  data->image = s.image;
  data->promoted_max = s.promoted_max;
  data->nreplicas = s.nreplicas;
  data->replicas_per_host = s.per_host;
  if (s.per_host == 1) bundle->clear(kRscUnique);
  // The containers are placed as a clone's instances are (clone_assign.cpp).
  bundle->clone = std::make_shared<CloneData>();
  bundle->clone->clone_max = s.nreplicas;
  bundle->clone->clone_node_max = s.per_host;
  // The clone first (as Pacemaker unpacks it), a child of the bundle last.
  Resource* clone = nullptr;
  if (s.primitive) {
    ws.bundle_configs.push_back(clone_config(s));
    clone = unpack_tree(ws, ws.bundle_configs.back().get(), bundle, {});
    data->child = clone;
  }
  int count = clone ? static_cast<int>(clone->children.size()) : s.nreplicas;
  std::string host_options, last_ip;
  for (int i = 0; i < count; ++i) {
    BundleReplica r;
    r.offset = i;
    if (clone) {
      r.child = clone->children[static_cast<std::size_t>(i)];
      // The primitive's notify=true makes the clone notify.
      if (is_true(lookup(r.child->meta, "notify"))) {
        clone->clone->notify = true;
        clone->clone->notify_text = "true";
        clone->meta["notify"] = "true";
      }
    }
    if (!s.ip_range_start.empty()) {
      r.ipaddr = last_ip.empty() ? s.ip_range_start : next_ip(last_ip);
      last_ip = r.ipaddr;
      std::string name = s.prefix + "-" + std::to_string(i);
      if (s.agent != "rkt" && s.add_host) {
        host_options += " --add-host=" + name + ":" + r.ipaddr;
      } else {
        host_options += " --hosts-entry=" + r.ipaddr + "=" + name;
      }
    }
    data->replicas.push_back(std::move(r));
  }
  for (BundleReplica& r : data->replicas) {
    ws.bundle_configs.push_back(container_config(s, r.offset, r.ipaddr, host_options));
    r.container = unpack_tree(ws, ws.bundle_configs.back().get(), bundle, {});
    bundle->children.push_back(r.container);
    if (!s.ip_range_start.empty()) {
      ws.bundle_configs.push_back(ip_config(s, r.offset, r.ipaddr));
      r.ip = unpack_tree(ws, ws.bundle_configs.back().get(), bundle, {});
      bundle->children.push_back(r.ip);
    }
    if (!r.child) continue;
    std::string id = s.prefix + "-" + std::to_string(r.offset);
    r.node = ws.find_node(id);
    if (r.node && !r.node->bundle_guest) {
      make_bundle_node(r.node);
      for (Resource* top : ws.resources) disallow_node(ws, top, r.node);
    }
    ws.bundle_configs.push_back(remote_config(s, id, r.container->id, r.ipaddr));
    r.remote = unpack_tree(ws, ws.bundle_configs.back().get(), bundle, {});
    r.remote->set(kRscAllowRemoteRemotes);
    // A connection never runs on a remote or guest node.
    for (auto& n : ws.nodes) {
      if (n->is_pcmk_remote() && r.remote->allowed[n->index].present) {
        ws.scores.set(*r.remote, *n, -kInfinity, {ScoreSource::kRemoteConnection, -1, 1});
      }
    }
    bundle->children.push_back(r.remote);
    if (!r.ipaddr.empty() && !lookup(r.child->meta, "external-ip")) {
      r.child->meta["external-ip"] = r.ipaddr;
    }
    if (!r.node) continue;
    // Only the replica's instance may run on its guest node, and nothing
    // else of the clone.
    r.node->remote_rsc = r.remote;
    r.remote->container = r.container;
    r.node->attrs["#kind"] = "container";
    ws.scores.set(*r.child, *r.node, 500,
                  {ScoreSource::kBundle, -1, static_cast<std::int32_t>(BundleWhy::kReplicaNode)});
    r.child->allowed.set_discover(static_cast<std::size_t>(r.node->index), Discover::kExclusive);
    ws.scores.set(*clone, *r.node, -kInfinity,
                  {ScoreSource::kBundle, -1, static_cast<std::int32_t>(BundleWhy::kNotTheClone)});
  }
  if (clone) {
    bundle->children.push_back(clone);
    if (const std::string* target =
            lookup(clone->children.empty() ? clone->meta : clone->children.back()->meta,
                   "container-attribute-target")) {
      bundle->meta["container-attribute-target"] = *target;
      clone->meta["container-attribute-target"] = *target;
    }
  }
}

void bundle_stop_needed(Resource* container) {
  if (Resource* bundle = parent_bundle(container)) bundle->bundle->stop_needed.push_back(container);
}

void schedule_bundle_stops_needed(WorkingSet& ws) {
  for (Resource* top : ws.resources) {
    if (!is_bundle(top)) continue;
    auto& needed = top->bundle->stop_needed;
    // Newest first, as Pacemaker's prepended list.
    for (auto it = needed.rbegin(); it != needed.rend(); ++it) {
      if (Node* node = (*it)->current_node()) stop_action(ws, *it, node, false);
    }
    needed.clear();
  }
}

Resource* bundle_history_instance(Resource* clone, const Node* node) {
  const Resource* bundle = clone->parent;
  for (const BundleReplica& r : bundle->bundle->replicas) {
    if (r.node == node) return r.child;
  }
  return nullptr;
}

}  // namespace vigil::pengine
