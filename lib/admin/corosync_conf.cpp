// SPDX-License-Identifier: GPL-2.0-or-later
// corosync.conf: the section tree, pcs's export layout and pcs 0.11's
// `cluster setup` (its words, its validation messages, the file it writes).
#include "vigil/admin/corosync_conf.hpp"

#include <algorithm>
#include <array>
#include <set>

namespace vigil::admin::corosync {

namespace {

std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

Status parse_into(std::vector<std::string_view>& lines, std::size_t& at, Section& section,
                  bool root) {
  while (at < lines.size()) {
    const std::string_view line = trim(lines[at++]);
    if (line.empty() || line.front() == '#') continue;
    if (const auto brace = line.rfind('{'); brace != std::string_view::npos) {
      if (!trim(line.substr(brace + 1)).empty()) {
        return Error(ErrorCode::kInvalidInput, "Extra characters after opening brace");
      }
      const std::string_view name = trim(line.substr(0, brace));
      if (name.empty())
        return Error(ErrorCode::kInvalidInput, "Missing section name before opening brace");
      section.sections.push_back(Section{std::string(name), {}, {}});
      if (auto st = parse_into(lines, at, section.sections.back(), false); !st) return st;
    } else if (line.find('}') != std::string_view::npos) {
      if (line != "}") {
        return Error(ErrorCode::kInvalidInput, "Extra characters before or after closing brace");
      }
      if (root) return Error(ErrorCode::kInvalidInput, "Unexpected closing brace");
      return ok_status();
    } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
      section.attrs.emplace_back(std::string(trim(line.substr(0, colon))),
                                 std::string(trim(line.substr(colon + 1))));
    } else {
      return Error(ErrorCode::kInvalidInput,
                   "Line is not opening or closing a section or key: value");
    }
  }
  if (!root) return Error(ErrorCode::kInvalidInput, "Missing closing brace");
  return ok_status();
}

void export_into(const Section& s, bool root, std::vector<std::string>& out) {
  std::vector<std::string> lines;
  for (const auto& [k, v] : s.attrs) lines.push_back(k + ": " + v);
  if (!s.attrs.empty() && !s.sections.empty()) lines.emplace_back();
  for (std::size_t i = 0; i < s.sections.size(); ++i) {
    export_into(s.sections[i], false, lines);
    if (i + 1 < s.sections.size()) lines.emplace_back();
  }
  if (root) {
    out.insert(out.end(), lines.begin(), lines.end());
    return;
  }
  out.push_back(s.name + " {");
  for (auto& l : lines) out.push_back(l.empty() ? l : "    " + l);
  out.emplace_back("}");
}

// quorum.two_node: on with exactly two nodes, unless auto_tie_breaker or a
// quorum device decides ties.
void update_two_node(Section& root) {
  bool atb = false, device = false;
  for (const Section* q : std::as_const(root).children("quorum")) {
    if (q->get("auto_tie_breaker") == "1") atb = true;
    if (!q->children("device").empty()) device = true;
  }
  if (nodes(root).size() == 2 && !atb && !device) {
    root.ensure("quorum").set("two_node", "1");
  } else {
    for (Section* q : root.children("quorum")) q->erase("two_node");
  }
}

// Every option set the pcs way: names sorted, an empty value removes.
void set_options(Section& s, const Options& options, const std::string& prefix = "") {
  for (const auto& [k, v] : options) {
    if (v.empty()) {
      s.erase(prefix + k);
    } else {
      s.set(prefix + k, v);
    }
  }
}

bool is_nonnegative_integer(const std::string& v) {
  return !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string quoted_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "'" : ", '") + i + "'";
  return out;
}

// pcs's InvalidOptions for one group.
void check_names(const Options& opts, const std::vector<std::string>& allowed,
                 const std::string& type, std::vector<std::string>& errors) {
  std::vector<std::string> bad;
  for (const auto& [k, v] : opts) {
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) bad.push_back(k);
  }
  if (bad.empty()) return;
  errors.push_back("invalid " + type + " option" + (bad.size() == 1 ? " " : "s: ") +
                   format_list(bad) + ", allowed option" +
                   (allowed.size() == 1 ? " is " : "s are: ") + format_list(allowed));
}

void check_values(const Options& opts, const std::string& name,
                  const std::vector<std::string>& values, std::vector<std::string>& errors) {
  const auto it = opts.find(name);
  if (it == opts.end() || std::find(values.begin(), values.end(), it->second) != values.end())
    return;
  errors.push_back("'" + it->second + "' is not a valid " + name + " value, use " +
                   format_list(values));
}

void check_integer(const Options& opts, const std::string& name, std::vector<std::string>& errors) {
  const auto it = opts.find(name);
  if (it == opts.end() || is_nonnegative_integer(it->second)) return;
  errors.push_back("'" + it->second + "' is not a valid " + name +
                   " value, use a non-negative integer");
}

void check_prerequisite(bool violated, const std::string& option, const std::string& needed,
                        const std::string& type, std::vector<std::string>& errors) {
  if (!violated) return;
  errors.push_back("If " + type + " option '" + option + "' is specified, " + type + " option '" +
                   needed + "' must be specified as well");
}

const std::vector<std::string> kTotemOptions = {"block_unlisted_ips",
                                                "consensus",
                                                "downcheck",
                                                "fail_recv_const",
                                                "heartbeat_failures_allowed",
                                                "hold",
                                                "join",
                                                "max_messages",
                                                "max_network_delay",
                                                "merge",
                                                "miss_count_const",
                                                "send_join",
                                                "seqno_unchanged_const",
                                                "token",
                                                "token_coefficient",
                                                "token_retransmit",
                                                "token_retransmits_before_loss_const",
                                                "window_size"};
const std::vector<std::string> kQuorumOptions = {"auto_tie_breaker", "last_man_standing",
                                                 "last_man_standing_window", "wait_for_all"};
const std::vector<std::string> kKnetLinkOptions = {
    "link_priority",  "linknumber",   "mcastport",  "ping_interval",
    "ping_precision", "ping_timeout", "pong_count", "transport"};
const std::vector<std::string> kUdpLinkOptions = {"bindnetaddr", "broadcast", "mcastaddr",
                                                  "mcastport", "ttl"};
// Link option names as users write them -> as corosync.conf spells them.
std::string corosync_link_name(const std::string& name) {
  static const std::array<std::pair<const char*, const char*>, 6> kPrefixed = {{
      {"link_priority", "knet_link_priority"},
      {"ping_interval", "knet_ping_interval"},
      {"ping_precision", "knet_ping_precision"},
      {"ping_timeout", "knet_ping_timeout"},
      {"pong_count", "knet_pong_count"},
      {"transport", "knet_transport"},
  }};
  for (const auto& [user, conf] : kPrefixed) {
    if (name == user) return conf;
  }
  return name;
}

void validate_links(const SetupSpec& spec, std::vector<std::string>& errors) {
  const bool knet = spec.transport == "knet";
  for (const auto& link : spec.links) {
    check_names(link, knet ? kKnetLinkOptions : kUdpLinkOptions, "link", errors);
    if (knet) {
      check_values(link, "transport", {"sctp", "udp"}, errors);
      if (auto it = link.find("linknumber"); it != link.end()) {
        if (it->second.size() != 1 || it->second[0] < '0' || it->second[0] > '7') {
          errors.push_back("'" + it->second + "' is not a valid linknumber value, use 0..7");
        }
      }
      for (const char* n : {"link_priority", "mcastport", "ping_interval", "ping_precision",
                            "ping_timeout", "pong_count"}) {
        check_integer(link, n, errors);
      }
      check_prerequisite(link.count("ping_interval") && !link.count("ping_timeout"),
                         "ping_interval", "ping_timeout", "link", errors);
      check_prerequisite(link.count("ping_timeout") && !link.count("ping_interval"), "ping_timeout",
                         "ping_interval", "link", errors);
    } else {
      check_values(link, "broadcast", {"0", "1"}, errors);
      check_integer(link, "mcastport", errors);
      check_integer(link, "ttl", errors);
    }
  }
}

}  // namespace

std::optional<std::string> Section::get(std::string_view key) const {
  std::optional<std::string> found;
  for (const auto& [k, v] : attrs) {
    if (k == key) found = v;
  }
  return found;
}

void Section::set(const std::string& key, const std::string& value) {
  bool done = false;
  std::erase_if(attrs, [&](auto& kv) {
    if (kv.first != key) return false;
    if (done) return true;
    kv.second = value;
    done = true;
    return false;
  });
  if (!done) attrs.emplace_back(key, value);
}

void Section::erase(std::string_view key) {
  std::erase_if(attrs, [&](const auto& kv) { return kv.first == key; });
}

std::vector<Section*> Section::children(std::string_view section_name) {
  std::vector<Section*> out;
  for (auto& s : sections) {
    if (s.name == section_name) out.push_back(&s);
  }
  return out;
}

std::vector<const Section*> Section::children(std::string_view section_name) const {
  std::vector<const Section*> out;
  for (const auto& s : sections) {
    if (s.name == section_name) out.push_back(&s);
  }
  return out;
}

Section& Section::ensure(const std::string& section_name) {
  for (auto it = sections.rbegin(); it != sections.rend(); ++it) {
    if (it->name == section_name) return *it;
  }
  sections.push_back(Section{section_name, {}, {}});
  return sections.back();
}

Result<Section> parse(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto nl = text.find('\n', start);
    lines.push_back(
        text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  Section root;
  std::size_t at = 0;
  if (auto st = parse_into(lines, at, root, true); !st) {
    return Error(ErrorCode::kInvalidInput,
                 "Unable to parse corosync config: " + st.error().message());
  }
  return root;
}

std::string export_conf(const Section& root) {
  std::vector<std::string> lines;
  export_into(root, true, lines);
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::vector<Node> nodes(const Section& root) {
  std::vector<Node> out;
  for (const Section* list : root.children("nodelist")) {
    for (const Section* n : list->children("node")) {
      Node node;
      node.name = n->get("name").value_or("");
      node.nodeid = n->get("nodeid").value_or("");
      for (int i = 0; i < 8; ++i) {
        if (auto a = n->get("ring" + std::to_string(i) + "_addr"); a && !a->empty())
          node.addrs.push_back(*a);
      }
      if (!node.name.empty() || !node.addrs.empty() || !node.nodeid.empty())
        out.push_back(std::move(node));
    }
  }
  return out;
}

std::string cluster_name(const Section& root) {
  std::string name;
  for (const Section* t : root.children("totem")) name = t->get("cluster_name").value_or(name);
  return name;
}

void add_node(Section& root, const std::string& name, const std::vector<std::string>& addrs) {
  std::set<std::string> used;
  std::vector<int> links;
  bool first = true;
  for (const auto& n : nodes(root)) used.insert(n.nodeid);
  for (const Section* list : std::as_const(root).children("nodelist")) {
    for (const Section* n : list->children("node")) {
      if (!first) break;
      for (int i = 0; i < 8; ++i) {
        if (n->get("ring" + std::to_string(i) + "_addr")) links.push_back(i);
      }
      first = false;
    }
  }
  int id = 1;
  while (used.count(std::to_string(id))) ++id;
  Section node{"node", {}, {}};
  for (std::size_t i = 0; i < addrs.size() && i < links.size(); ++i) {
    node.attrs.emplace_back("ring" + std::to_string(links[i]) + "_addr", addrs[i]);
  }
  node.attrs.emplace_back("name", name);
  node.attrs.emplace_back("nodeid", std::to_string(id));
  root.ensure("nodelist").sections.push_back(std::move(node));
  update_two_node(root);
}

bool remove_node(Section& root, const std::string& name) {
  bool removed = false;
  for (Section* list : root.children("nodelist")) {
    removed |= std::erase_if(list->sections, [&](const Section& s) {
                 return s.name == "node" && s.get("name") == name;
               }) > 0;
  }
  std::erase_if(root.sections, [](const Section& s) {
    return s.name == "nodelist" && s.attrs.empty() && s.sections.empty();
  });
  update_two_node(root);
  return removed;
}

std::string format_list(std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  return quoted_list(items);
}

Result<SetupSpec> parse_setup(const std::vector<std::string>& words) {
  auto usage = [] {
    return Error(ErrorCode::kInvalidInput,
                 "usage: cluster setup <cluster name> (<node name> [addr=<node address>]...)... "
                 "[transport knet|udp|udpu [<transport options>] [link <link options>]... "
                 "[compression <compression options>] [crypto <crypto options>]] [totem "
                 "<totem options>] [quorum <quorum options>]");
  };
  if (words.size() < 2) return usage();
  SetupSpec spec;
  spec.cluster_name = words[0];
  std::size_t i = 1;
  std::set<std::string> names;
  static const std::set<std::string> kKeywords = {"transport", "totem", "quorum"};
  std::map<std::string, std::vector<std::string>> unknown;  // node -> unknown option names
  for (; i < words.size() && !kKeywords.count(words[i]); ++i) {
    const std::string& w = words[i];
    const auto eq = w.find('=');
    if (eq != std::string::npos && !spec.nodes.empty()) {
      if (w.compare(0, eq, "addr") == 0) {
        spec.nodes.back().addrs.push_back(w.substr(eq + 1));
      } else {
        unknown[spec.nodes.back().name].push_back(w.substr(0, eq));
      }
      continue;
    }
    if (eq != std::string::npos) {
      return Error(ErrorCode::kInvalidInput, "Invalid character '=' in node name '" + w + "'");
    }
    if (!names.insert(w).second) {
      return Error(ErrorCode::kInvalidInput, "Node name '" + w + "' defined multiple times");
    }
    spec.nodes.push_back(SetupNode{w, {}});
  }
  if (!unknown.empty()) {
    const auto& [node, keys] = *unknown.begin();
    return Error(ErrorCode::kInvalidInput,
                 "Unknown options " + format_list(keys) + " for node '" + node + "'");
  }
  if (spec.nodes.empty()) return usage();
  std::set<std::string> seen;
  // The option group the key=value words go to, switched by keywords.
  Options* target = nullptr;
  bool in_transport = false;
  for (; i < words.size(); ++i) {
    const std::string& w = words[i];
    const bool transport_sub = w == "link" || w == "compression" || w == "crypto";
    if (kKeywords.count(w) || (in_transport && transport_sub)) {
      if (w != "link" && !seen.insert(w).second) {
        return Error(ErrorCode::kInvalidInput, "'" + w + "' cannot be used more than once");
      }
      if (w == "transport") {
        if (i + 1 >= words.size() || words[i + 1].find('=') != std::string::npos) {
          return Error(ErrorCode::kInvalidInput, "Transport type not defined");
        }
        spec.transport = words[++i];
        in_transport = true;
        target = &spec.transport_options;
      } else if (w == "totem" || w == "quorum") {
        in_transport = false;
        target = w == "totem" ? &spec.totem : &spec.quorum;
      } else if (w == "link") {
        spec.links.emplace_back();
        target = &spec.links.back();
      } else {
        target = w == "crypto" ? &spec.crypto : &spec.compression;
      }
      continue;
    }
    const auto eq = w.find('=');
    if (target == nullptr) return usage();
    if (eq == std::string::npos) {
      return Error(ErrorCode::kInvalidInput, "missing value of '" + w + "' option");
    }
    if (eq == 0) return Error(ErrorCode::kInvalidInput, "missing key in '" + w + "' option");
    (*target)[w.substr(0, eq)] = w.substr(eq + 1);
  }
  return spec;
}

std::vector<std::string> validate_setup(SetupSpec& spec) {
  std::vector<std::string> errors;
  if (spec.transport != "knet" && spec.transport != "udp" && spec.transport != "udpu") {
    errors.push_back("'" + spec.transport +
                     "' is not a valid transport value, use 'knet', 'udp', 'udpu'");
    return errors;
  }
  const bool knet = spec.transport == "knet";
  if (knet && spec.crypto.empty()) spec.crypto = {{"cipher", "aes256"}, {"hash", "sha256"}};
  // Node addresses: one per node with udp, the same count everywhere with knet.
  std::map<std::string, std::size_t> counts;
  std::map<std::string, int> addr_uses;
  for (const auto& n : spec.nodes) {
    const std::size_t c = n.addrs.empty() ? 1 : n.addrs.size();
    counts[n.name] = c;
    if (!knet && c > 1) {
      errors.push_back("1 address must be specified for a node, " + std::to_string(c) +
                       " addresses specified for node '" + n.name + "'");
    } else if (knet && c > 8) {
      errors.push_back("At least 1 and at most 8 addresses must be specified for a node, " +
                       std::to_string(c) + " addresses specified for node '" + n.name + "'");
    }
    for (const auto& a : n.addrs.empty() ? std::vector<std::string>{n.name} : n.addrs) {
      ++addr_uses[a];
    }
  }
  // Groups of nodes by address count, in the order the counts first appear.
  std::vector<std::pair<std::size_t, std::vector<std::string>>> groups;
  for (const auto& n : spec.nodes) {
    const std::size_t c = counts[n.name];
    auto it =
        std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == c; });
    if (it == groups.end()) {
      groups.emplace_back(c, std::vector<std::string>{n.name});
    } else {
      it->second.push_back(n.name);
    }
  }
  if (knet && groups.size() > 1) {
    std::stable_sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) {
      return a.second.size() > b.second.size();
    });
    std::string msg = "All nodes must have the same number of addresses";
    for (const auto& [c, names] : groups) {
      msg += std::string("; node") + (names.size() == 1 ? " " : "s ") + format_list(names) +
             (names.size() == 1 ? " has " : " have ") + std::to_string(c) +
             (c == 1 ? " address" : " addresses");
    }
    errors.push_back(msg);
  }
  std::vector<std::string> dup;
  for (const auto& [a, uses] : addr_uses) {
    if (uses > 1) dup.push_back(a);
  }
  if (!dup.empty())
    errors.push_back("Node addresses must be unique, duplicate addresses: " + format_list(dup));

  if (knet) {
    check_names(spec.transport_options, {"ip_version", "knet_pmtud_interval", "link_mode"},
                "knet transport", errors);
    check_values(spec.transport_options, "ip_version", {"ipv4", "ipv6", "ipv4-6", "ipv6-4"},
                 errors);
    check_integer(spec.transport_options, "knet_pmtud_interval", errors);
    check_values(spec.transport_options, "link_mode", {"active", "passive", "rr"}, errors);
    check_names(spec.compression, {"level", "model", "threshold"}, "compression", errors);
    check_integer(spec.compression, "level", errors);
    check_integer(spec.compression, "threshold", errors);
    check_names(spec.crypto, {"cipher", "hash", "model"}, "crypto", errors);
    check_values(spec.crypto, "cipher", {"none", "aes256", "aes192", "aes128"}, errors);
    check_values(spec.crypto, "hash", {"none", "md5", "sha1", "sha256", "sha384", "sha512"},
                 errors);
    check_values(spec.crypto, "model", {"nss", "openssl"}, errors);
    const auto cipher = spec.crypto.count("cipher") ? spec.crypto.at("cipher") : "none";
    const auto hash = spec.crypto.count("hash") ? spec.crypto.at("hash") : "none";
    if (cipher != "none" && hash == "none") {
      errors.push_back(
          "If crypto option 'cipher' is enabled, crypto option 'hash' must be enabled as well");
    }
  } else {
    check_names(spec.transport_options, {"ip_version", "netmtu"}, "udp/udpu transport", errors);
    check_values(spec.transport_options, "ip_version", {"ipv4", "ipv6"}, errors);
    check_integer(spec.transport_options, "netmtu", errors);
    if (!spec.compression.empty()) {
      errors.push_back(
          "The udp/udpu transport does not support 'compression' options, use 'knet' transport");
    }
    if (!spec.crypto.empty()) {
      errors.push_back(
          "The udp/udpu transport does not support 'crypto' options, use 'knet' transport");
    }
  }
  if (const std::size_t per_node = spec.nodes.empty() ? 1 : counts[spec.nodes.front().name];
      spec.links.size() > per_node) {
    errors.push_back("Cannot specify options for more links (" + std::to_string(spec.links.size()) +
                     ") than how many is defined by number of addresses per node (" +
                     std::to_string(per_node) + ")");
  }
  validate_links(spec, errors);
  check_names(spec.totem, kTotemOptions, "totem", errors);
  check_values(spec.totem, "block_unlisted_ips", {"yes", "no"}, errors);
  for (const auto& name : kTotemOptions) {
    if (name != "block_unlisted_ips") check_integer(spec.totem, name, errors);
  }
  check_names(spec.quorum, kQuorumOptions, "quorum", errors);
  for (const char* n : {"auto_tie_breaker", "last_man_standing", "wait_for_all"}) {
    check_values(spec.quorum, n, {"0", "1"}, errors);
  }
  check_integer(spec.quorum, "last_man_standing_window", errors);
  const auto lmsw = spec.quorum.count("last_man_standing_window")
                        ? spec.quorum.at("last_man_standing_window")
                        : "0";
  const auto lms =
      spec.quorum.count("last_man_standing") ? spec.quorum.at("last_man_standing") : "0";
  if (lmsw != "0" && lms == "0") {
    errors.push_back(
        "If quorum option 'last_man_standing_window' is enabled, quorum option "
        "'last_man_standing' must be enabled as well");
  }
  return errors;
}

Section create_conf(const SetupSpec& spec, const std::string& cluster_uuid) {
  Section root;
  Section& totem = root.ensure("totem");
  totem.attrs = {
      {"version", "2"}, {"cluster_name", spec.cluster_name}, {"transport", spec.transport}};
  Section& nodelist = root.ensure("nodelist");
  int id = 1;
  for (const auto& n : spec.nodes) {
    Section node{"node", {}, {}};
    const auto addrs = n.addrs.empty() ? std::vector<std::string>{n.name} : n.addrs;
    for (std::size_t i = 0; i < addrs.size(); ++i) {
      node.attrs.emplace_back("ring" + std::to_string(i) + "_addr", addrs[i]);
    }
    node.attrs.emplace_back("name", n.name);
    node.attrs.emplace_back("nodeid", std::to_string(id++));
    nodelist.sections.push_back(std::move(node));
  }
  root.ensure("quorum").attrs = {{"provider", "corosync_votequorum"}};
  root.ensure("logging").attrs = {{"to_logfile", "yes"},
                                  {"logfile", "/var/log/corosync/corosync.log"},
                                  {"to_syslog", "yes"},
                                  {"timestamp", "on"}};
  update_two_node(root);
  set_options(root.ensure("totem"), spec.totem);
  set_options(root.ensure("quorum"), spec.quorum);
  update_two_node(root);
  // Links: explicit link numbers first, the others take the free numbers
  // in order; interface sections sorted by the number (as text, like pcs).
  std::vector<Options> links;
  std::vector<int> free_numbers = {0, 1, 2, 3, 4, 5, 6, 7};
  for (const auto& l : spec.links) {
    if (auto it = l.find("linknumber"); it != l.end()) {
      std::erase(free_numbers, std::atoi(it->second.c_str()));
      links.push_back(l);
    }
  }
  for (const auto& l : spec.links) {
    if (l.count("linknumber") || free_numbers.empty()) continue;
    links.push_back(l);
    links.back()["linknumber"] = std::to_string(free_numbers.front());
    free_numbers.erase(free_numbers.begin());
  }
  std::stable_sort(links.begin(), links.end(), [](const Options& a, const Options& b) {
    return a.at("linknumber") < b.at("linknumber");
  });
  for (const auto& l : links) {
    if (l.size() == 1) continue;  // only a linknumber: nothing to say
    Options translated;
    for (const auto& [k, v] : l) {
      std::string value = v;
      if (k == "broadcast") {
        if (v == "1") {
          value = "yes";
        } else {
          continue;
        }
      }
      translated[corosync_link_name(k)] = value;
    }
    Section iface{"interface", {}, {}};
    set_options(iface, translated);
    if (iface.attrs.size() > 1 || (iface.attrs.size() == 1 && iface.attrs[0].first != "linknumber"))
      root.ensure("totem").sections.push_back(std::move(iface));
  }
  Section& t = root.ensure("totem");
  set_options(t, spec.transport_options);
  if (spec.transport == "knet") {
    set_options(t, spec.compression, "knet_compression_");
    set_options(t, spec.crypto, "crypto_");
  }
  if (!cluster_uuid.empty()) t.set("cluster_uuid", cluster_uuid);
  return root;
}

}  // namespace vigil::admin::corosync
