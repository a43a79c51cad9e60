// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/keepalived/mapping.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

namespace vigil::keepalived {

std::string shell_quote(const std::string& word) {
  if (!word.empty() && word.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                              "0123456789_-+.,/:=@%") == std::string::npos) {
    return word;
  }
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string command_line(const std::vector<std::string>& words) {
  std::string out = "vigil";
  for (const auto& w : words) out += " " + shell_quote(w);
  return out;
}

std::string xml_id(const std::string& name, const std::string& prefix) {
  auto ok = [](char c, bool first) {
    const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    return letter || (!first && ((c >= '0' && c <= '9') || c == '-' || c == '.'));
  };
  std::string out;
  for (char c : name) out += ok(c, false) ? c : '_';
  if (out.empty() || !ok(out[0], true)) out = prefix + out;
  return out;
}

namespace {

using Dir = Directive;

bool is_ipv4(const std::string& s) {
  in_addr a{};
  return inet_pton(AF_INET, s.c_str(), &a) == 1;
}
bool is_ipv6(const std::string& s) {
  in6_addr a{};
  return inet_pton(AF_INET6, s.c_str(), &a) == 1;
}
bool is_ip(const std::string& s) {
  return is_ipv4(s) || is_ipv6(s);
}

std::optional<long> to_long(const std::string& s) {
  if (s.empty() || s.size() > 12) return std::nullopt;
  std::size_t i = s[0] == '-' || s[0] == '+' ? 1 : 0;
  if (i == s.size()) return std::nullopt;
  for (std::size_t j = i; j < s.size(); ++j) {
    if (s[j] < '0' || s[j] > '9') return std::nullopt;
  }
  return std::strtol(s.c_str(), nullptr, 10);
}

// keepalived's <TIMER>: seconds, fractions allowed ("2.5").
bool is_timer(const std::string& s) {
  if (s.empty() || s.size() > 16) return false;
  bool dot = false, digit = false;
  for (char c : s) {
    if (c == '.' && !dot) {
      dot = true;
    } else if (c >= '0' && c <= '9') {
      digit = true;
    } else {
      return false;
    }
  }
  return digit;
}

bool same_tree(const Dir& a, const Dir& b) {
  if (a.words != b.words || a.has_block != b.has_block || a.children.size() != b.children.size())
    return false;
  for (std::size_t i = 0; i < a.children.size(); ++i) {
    if (!same_tree(a.children[i], b.children[i])) return false;
  }
  return true;
}

std::size_t count_tree(const Dir& d) {
  std::size_t n = 1;
  for (const auto& c : d.children) n += count_tree(c);
  return n;
}

std::string words_of(const Dir& d) {
  std::string out;
  for (const auto& w : d.words) out += (out.empty() ? "" : " ") + w;
  return out;
}

const Dir* child(const Dir& d, const std::string& keyword) {
  for (const auto& c : d.children) {
    if (!c.words.empty() && c.keyword() == keyword) return &c;
  }
  return nullptr;
}

// Why a keyword has no equivalent, for those the mapping never uses.
std::string reason_for(const std::string& context, const std::string& kw) {
  static const std::map<std::string, std::string> kReasons = {
      {"advert_int",
       "failure detection is Corosync's (totem token timeout in corosync.conf), not per resource"},
      {"authentication",
       "the directors authenticate each other through Corosync (crypto_cipher/crypto_hash in "
       "corosync.conf)"},
      {"virtual_router_id", "VRRP's router id: Corosync's membership replaces VRRP, none needed"},
      {"notify", "notification scripts: use Vigil's alerts section (vigil alert create)"},
      {"notify_master", "notification scripts: use Vigil's alerts section (vigil alert create)"},
      {"notify_backup", "notification scripts: use Vigil's alerts section (vigil alert create)"},
      {"notify_fault", "notification scripts: use Vigil's alerts section (vigil alert create)"},
      {"notify_stop", "notification scripts: use Vigil's alerts section (vigil alert create)"},
      {"notify_master_rx_lower_pri",
       "notification scripts: use Vigil's alerts section (vigil alert create)"},
      {"notify_up", "notification scripts: use Vigil's alerts section (vigil alert create)"},
      {"notify_down", "notification scripts: use Vigil's alerts section (vigil alert create)"},
      {"smtp_alert", "e-mail alerts: use Vigil's alerts section (alert_smtp.sh)"},
      {"track_interface",
       "interface tracking: an ocf:heartbeat:ethmonitor clone and a location rule on its "
       "attribute do this (not generated)"},
      {"track_file", "tracked files: no equivalent generated"},
      {"track_process", "tracked processes: no equivalent generated"},
      {"track_bfd", "BFD tracking: no equivalent"},
      {"preempt_delay", "the cluster moves the service back as soon as the scores say so"},
      {"virtual_routes",
       "routes following the address: ocf:heartbeat:Route can carry them (not generated)"},
      {"virtual_rules", "policy rules following the address: no equivalent generated"},
      {"unicast_peer", "VRRP transport: Corosync carries the membership"},
      {"unicast_src_ip", "VRRP transport: Corosync carries the membership"},
      {"mcast_src_ip", "VRRP transport: Corosync carries the membership"},
      {"mcast_dst_ip", "VRRP transport: Corosync carries the membership"},
      {"use_vmac", "VRRP virtual MAC: IPaddr2 announces the address with gratuitous ARP instead"},
      {"vmac_xmit_base", "VRRP virtual MAC: not used by IPaddr2"},
      {"version", "VRRP protocol version: Corosync replaces VRRP"},
      {"dont_track_primary", "VRRP interface tracking: no equivalent"},
      {"garp_master_delay", "gratuitous ARP timing: IPaddr2's arp_* parameters (not generated)"},
      {"garp_master_repeat", "gratuitous ARP timing: IPaddr2's arp_* parameters (not generated)"},
      {"garp_master_refresh", "gratuitous ARP timing: IPaddr2's arp_* parameters (not generated)"},
      {"lvs_sync_daemon_interface", "IPVS connection synchronisation: not mapped"},
      {"sorry_server", "a fallback server when all are down: not mapped"},
      {"sorry_server_inhibit", "a fallback server when all are down: not mapped"},
      {"alpha", "servers start as down until checked: HAProxy's own start-up behaviour applies"},
      {"omega", "quorum scripts: not mapped"},
      {"quorum", "quorum of real servers: not mapped"},
      {"quorum_up", "quorum scripts: not mapped"},
      {"quorum_down", "quorum scripts: not mapped"},
      {"hysteresis", "quorum hysteresis: not mapped"},
      {"ha_suspend", "IPVS service suspension: the balancer runs only where the address is"},
      {"inhibit_on_failure", "weight 0 instead of removal on failure: not mapped"},
      {"nat_mask", "NAT netmask: HAProxy is a full proxy, none needed"},
      {"retry",
       "HAProxy marks a server down after check_fall failed checks at check_interval; "
       "keepalived's retries are not mapped"},
      {"delay_before_retry",
       "HAProxy marks a server down after check_fall failed checks at check_interval; "
       "keepalived's retries are not mapped"},
      {"warmup", "random check start delay: not mapped"},
      {"connect_ip", "checking another address than the real server's: not mapped"},
      {"bindto", "checker source address: not mapped"},
      {"bind_port", "checker source port: not mapped"},
      {"bind_if", "checker interface: not mapped"},
      {"log_all_failures", "logging detail: not mapped"},
      {"http_protocol", "HTTP version of the check: HAProxy's default"},
      {"fast_recovery", "not mapped"},
      {"enable_sni", "SNI in SSL checks: not mapped"},
      {"uthreshold", "connection thresholds per real server: not mapped"},
      {"lthreshold", "connection thresholds per real server: not mapped"},
      {"misc_dynamic", "weights from the check's exit status: not mapped"},
      {"user", "scripts run as root under Vigil's agents"},
      {"init_fail",
       "the attribute is unset until the first check, which the rules treat as failed"},
      {"SMTP_CHECK", "SMTP checks: not mapped (the real servers get no check from it)"},
      {"DNS_CHECK", "DNS checks: not mapped (the real servers get no check from it)"},
      {"UDP_CHECK", "UDP checks: not mapped (the real servers get no check from it)"},
      {"PING_CHECK", "ICMP checks: not mapped (the real servers get no check from it)"},
      {"BFD_CHECK", "BFD checks: not mapped (the real servers get no check from it)"},
      {"FILE_CHECK", "file checks: not mapped (the real servers get no check from it)"},
  };
  if (context == "global_defs") {
    return "keepalived's daemon settings (router_id, e-mail, SMTP, VRRP and IPVS defaults): "
           "no equivalent; e-mail notification is Vigil's alerts section (alert_smtp.sh)";
  }
  if (auto it = kReasons.find(kw); it != kReasons.end()) return it->second;
  return "not understood by the import";
}

struct Address {
  std::string ip, mask, dev, brd, label;
  const Directive* at = nullptr;
};

class Mapper {
 public:
  Mapper(const std::vector<Director>& directors, const MapOptions& options)
      : dirs_(directors), opt_(options) {}

  Result<Plan> run() {
    std::set<std::string> nodes;
    for (const auto& d : dirs_) {
      if (d.node.empty()) return Error(ErrorCode::kInvalidInput, "a director without a node name");
      if (!nodes.insert(d.node).second) {
        return Error(ErrorCode::kInvalidInput,
                     "node '" + d.node + "' is given twice (one file per director)");
      }
    }
    collect();
    if (auto st = map_instances(); !st) return st.error();
    if (auto st = map_servers(); !st) return st.error();
    if (auto st = map_scripts(); !st) return st.error();
    if (auto st = map_sync_groups(); !st) return st.error();
    finish_ldirectord();
    for (auto* list : {&resources_, &clones_, &metas_, &constraints_}) {
      plan_.commands.insert(plan_.commands.end(), list->begin(), list->end());
    }
    for (const auto& d : dirs_) {
      for (const auto& top : d.config.directives) sweep(top, "");
    }
    keep_reached_lines();
    std::map<std::string, std::size_t> file_order;
    for (const auto& d : dirs_) {
      for (const auto& f : d.config.files) file_order.emplace(f, file_order.size());
    }
    std::stable_sort(plan_.not_mapped.begin(), plan_.not_mapped.end(),
                     [&](const NotMapped& a, const NotMapped& b) {
                       const auto fa = file_order[a.at.file], fb = file_order[b.at.file];
                       return fa != fb ? fa < fb : a.at.line < b.at.line;
                     });
    return std::move(plan_);
  }

 private:
  struct Instance {
    std::string name, group;
    std::vector<std::pair<const Director*, const Dir*>> per;  // in director order
    std::vector<Address> addresses;
    std::vector<std::string> ip_ids;
    std::string nic;
    bool synced = false;                   // member of a vrrp_sync_group: tracking weights are 0
    std::vector<const Dir*> extra_tracks;  // track_script blocks of its sync group
  };

  // --- bookkeeping of what happened to each directive ---
  void mapped(const Dir& d) { state_[&d] = kMapped; }
  void mapped_tree(const Dir& d) {
    mapped(d);
    for (const auto& c : d.children) mapped_tree(c);
  }
  void unmapped(const Dir& d, const std::string& why) {
    if (state_.count(&d) != 0) return;
    state_[&d] = kUnmapped;
    plan_.not_mapped.push_back({d.at, words_of(d), why, false, count_tree(d)});
    line_of_.push_back(&d);
  }
  void approx(const Dir& d, const std::string& why) {
    state_[&d] = kMapped;
    plan_.not_mapped.push_back({d.at, words_of(d), "mapped approximately: " + why, true, 0});
    line_of_.push_back(&d);
  }
  // Only the lines of what the sweep reached stay: a line inside a block
  // that is not mapped as a whole is that block's line.
  void keep_reached_lines() {
    std::vector<NotMapped> kept;
    for (std::size_t i = 0; i < plan_.not_mapped.size(); ++i) {
      if (reached_.count(line_of_[i]) != 0) kept.push_back(std::move(plan_.not_mapped[i]));
    }
    plan_.not_mapped = std::move(kept);
  }
  // Directives nobody looked at get a line too: nothing is dropped silently.
  void sweep(const Dir& d, const std::string& context) {
    reached_.insert(&d);
    auto it = state_.find(&d);
    if (it == state_.end()) {
      unmapped(d, reason_for(context, d.keyword()));
      it = state_.find(&d);
    }
    if (it->second == kUnmapped) {
      plan_.directives += count_tree(d);
      return;
    }
    ++plan_.directives;
    ++plan_.mapped;
    for (const auto& c : d.children) sweep(c, d.keyword());
  }
  static Error bad(const Dir& d, const std::string& what) {
    return Error(ErrorCode::kInvalidInput, d.at.str() + ": " + d.keyword() + ": " + what);
  }
  Status claim(const std::string& id, const Dir& d) {
    auto [it, fresh] = ids_.emplace(id, d.at);
    if (!fresh) {
      return bad(d, "its id '" + id + "' is already taken by what " + it->second.str() +
                        " creates; rename one of them");
    }
    return ok_status();
  }

  void collect() {
    for (const auto& d : dirs_) {
      for (const auto& top : d.config.directives) {
        const std::string& kw = top.keyword();
        if (kw == "vrrp_instance") {
          const std::string name = top.arg(1);
          auto [it, fresh] = instance_index_.emplace(name, instances_.size());
          if (fresh) instances_.push_back({name, xml_id(name, "vrrp-"), {}, {}, {}, {}, false, {}});
          auto& inst = instances_[it->second];
          if (std::any_of(inst.per.begin(), inst.per.end(),
                          [&](const auto& p) { return p.first == &d; })) {
            unmapped(top, "a second vrrp_instance " + name + " in one director's files");
            continue;
          }
          inst.per.emplace_back(&d, &top);
        } else if (kw == "vrrp_script") {
          scripts_[top.arg(1)].emplace_back(&d, &top);
          if (std::find(script_order_.begin(), script_order_.end(), top.arg(1)) ==
              script_order_.end())
            script_order_.push_back(top.arg(1));
        } else if (kw == "virtual_server") {
          const std::string key = words_of(top);
          if (servers_.count(key) == 0) server_order_.push_back(key);
          servers_[key].emplace_back(&d, &top);
        } else if (kw == "vrrp_sync_group") {
          syncs_[top.arg(1)].emplace_back(&d, &top);
          if (std::find(sync_order_.begin(), sync_order_.end(), top.arg(1)) == sync_order_.end())
            sync_order_.push_back(top.arg(1));
        } else if (kw == "global_defs") {
          unmapped(top, reason_for("global_defs", ""));
        } else if (kw == "virtual_server_group") {
          unmapped(top,
                   "IPVS service groups: not mapped (give each service its own "
                   "virtual_server)");
        } else if (kw == "static_ipaddress" || kw == "static_routes" || kw == "static_rules") {
          unmapped(top,
                   "addresses, routes and rules keepalived sets on every director at start: "
                   "they belong to the hosts' network configuration, not to the cluster");
        } else {
          unmapped(top, reason_for("", kw));
        }
      }
    }
    // Sync groups: members' tracking weights are 0 (keepalived's rule).
    for (const auto& name : sync_order_) {
      const Dir* g = child(*syncs_[name].front().second, "group");
      if (g == nullptr) continue;
      for (const auto& m : g->children) {
        if (auto it = instance_index_.find(m.keyword()); it != instance_index_.end()) {
          instances_[it->second].synced = true;
          if (const Dir* t = child(*syncs_[name].front().second, "track_script"))
            instances_[it->second].extra_tracks.push_back(t);
        }
      }
    }
  }

  // The other directors' copy of a shared block: the same, or a line saying
  // the first one's is used.
  void compare_copy(const Dir& first, const Dir* other) {
    if (other == nullptr || other == &first) return;
    if (same_tree(first, *other)) {
      mapped_tree(*other);
    } else {
      approx(*other, "differs from " + first.at.str() + ", whose " + first.keyword() +
                         " is used for every director");
      for (const auto& c : other->children) mapped_tree(c);
    }
  }

  Result<Address> read_address(const Dir& e) {
    Address a;
    const std::string& spec = e.keyword();
    const auto slash = spec.find('/');
    a.ip = spec.substr(0, slash);
    if (!is_ip(a.ip)) return bad(e, "'" + a.ip + "' is not an IP address");
    if (slash != std::string::npos) {
      a.mask = spec.substr(slash + 1);
      const auto m = to_long(a.mask);
      if (!m || *m < 0 || *m > (is_ipv4(a.ip) ? 32 : 128))
        return bad(e, "'" + a.mask + "' is not a prefix length");
    } else {
      a.mask = is_ipv4(a.ip) ? "32" : "128";  // keepalived's default: a host address
    }
    std::vector<std::string> ignored;
    for (std::size_t i = 1; i < e.words.size(); ++i) {
      const std::string& w = e.words[i];
      const bool has_value = i + 1 < e.words.size();
      if (w == "dev" && has_value) {
        a.dev = e.words[++i];
      } else if (w == "brd" && has_value) {
        a.brd = e.words[++i];
      } else if (w == "label" && has_value) {
        a.label = e.words[++i];
      } else if ((w == "scope" || w == "peer" || w == "preferred_lft") && has_value) {
        ignored.push_back(w + " " + e.words[++i]);
      } else {
        ignored.push_back(w);
      }
    }
    if (!ignored.empty()) {
      std::string list;
      for (const auto& w : ignored) list += (list.empty() ? "" : ", ") + w;
      approx(e, "address options without an IPaddr2 equivalent left out: " + list);
    } else {
      mapped(e);
    }
    return a;
  }

  Status map_instances() {
    for (auto& inst : instances_) {
      const Dir& first = *inst.per.front().second;
      if (auto st = claim(inst.group, first); !st) return st;
      // Addresses, from the first director that has the instance.
      for (const char* block : {"virtual_ipaddress", "virtual_ipaddress_excluded"}) {
        const Dir* b = child(first, block);
        if (b == nullptr) continue;
        mapped(*b);
        for (const auto& e : b->children) {
          const std::string ip = e.keyword().substr(0, e.keyword().find('/'));
          if (auto seen = seen_addresses_.find(ip); seen != seen_addresses_.end()) {
            unmapped(e, "the same address again (first at " + seen->second.str() + ")");
            continue;
          }
          auto a = read_address(e);
          if (!a) return a.error();
          a->at = &e;
          seen_addresses_.emplace(a->ip, e.at);
          inst.addresses.push_back(*a);
        }
        for (std::size_t i = 1; i < inst.per.size(); ++i)
          compare_copy(*b, child(*inst.per[i].second, block));
      }
      if (inst.addresses.empty()) {
        for (const auto& [dir, d] : inst.per)
          unmapped(*d, "no virtual_ipaddress: nothing for the cluster to place");
        inst.group.clear();
        continue;
      }
      // The interface: nic only when every director names the same one.
      std::set<std::string> nics;
      for (const auto& [dir, d] : inst.per) {
        const Dir* i = child(*d, "interface");
        nics.insert(i == nullptr ? "" : i->arg(1));
      }
      for (const auto& [dir, d] : inst.per) {
        const Dir* i = child(*d, "interface");
        if (i == nullptr) continue;
        if (nics.size() == 1) {
          mapped(*i);
        } else {
          approx(*i,
                 "the directors name different interfaces: nic is left out, IPaddr2 uses "
                 "the interface whose route covers the address");
        }
      }
      if (nics.size() == 1) inst.nic = *nics.begin();
      for (const auto& a : inst.addresses) {
        const std::string id = xml_id(inst.group + "-ip-" + a.ip, "ip-");
        if (auto st = claim(id, *a.at); !st) return st;
        inst.ip_ids.push_back(id);
        Command c;
        c.words = {"resource",   "create",
                   id,           "ocf:heartbeat:IPaddr2",
                   "ip=" + a.ip, "cidr_netmask=" + a.mask};
        const std::string nic = a.dev.empty() ? inst.nic : a.dev;
        if (!nic.empty()) c.words.push_back("nic=" + nic);
        if (!a.brd.empty()) c.words.push_back("broadcast=" + a.brd);
        if (!a.label.empty()) {
          const auto colon = a.label.find(':');
          c.words.push_back("iflabel=" +
                            (colon == std::string::npos ? a.label : a.label.substr(colon + 1)));
        }
        c.words.insert(c.words.end(), {"--group", inst.group});
        c.agent = "ocf:heartbeat:IPaddr2";
        c.ids = {id, inst.group};
        c.from = first.at;
        resources_.push_back(std::move(c));
        address_group_[a.ip] = &inst;
      }
      for (const auto& [dir, d] : inst.per) mapped(*d);
    }
    // Scores, stickiness and tracking, once every group exists.
    for (auto& inst : instances_) {
      if (inst.group.empty()) continue;
      if (auto st = map_priorities(inst); !st) return st;
    }
    return ok_status();
  }

  Status map_priorities(Instance& inst) {
    const Dir& first = *inst.per.front().second;
    std::vector<long> prio;
    std::vector<bool> master;
    for (const auto& [dir, d] : inst.per) {
      long p = 100;  // keepalived's default priority
      if (const Dir* pd = child(*d, "priority")) {
        auto v = to_long(pd->arg(1));
        if (!v || *v < 1 || *v > 255) return bad(*pd, "'" + pd->arg(1) + "' is not in 1..255");
        p = *v;
        mapped(*pd);
      }
      bool m = false;
      if (const Dir* s = child(*d, "state")) {
        if (s->arg(1) != "MASTER" && s->arg(1) != "BACKUP")
          return bad(*s, "'" + s->arg(1) + "' is neither MASTER nor BACKUP");
        m = s->arg(1) == "MASTER";
        mapped(*s);
      }
      prio.push_back(p);
      master.push_back(m);
    }
    Command loc;
    loc.words = {"constraint", "location", inst.group, "prefers"};
    long lo = 0, hi = 0;
    for (std::size_t i = 0; i < inst.per.size(); ++i) {
      long score = prio[i];
      const bool tie = std::count(prio.begin(), prio.end(), prio[i]) > 1;
      if (tie && master[i]) ++score;
      lo = i == 0 ? score : std::min(lo, score);
      hi = i == 0 ? score : std::max(hi, score);
      loc.words.push_back(inst.per[i].first->node + "=" + std::to_string(score));
    }
    loc.from = first.at;
    constraints_.push_back(std::move(loc));

    // Tracking scripts: the instance's own, then its sync group's.
    long weights = 0;
    std::vector<const Dir*> tracks;
    if (const Dir* t = child(first, "track_script")) tracks.push_back(t);
    for (std::size_t i = 1; i < inst.per.size(); ++i) {
      if (const Dir* t = child(*inst.per[i].second, "track_script"); t && !tracks.empty())
        compare_copy(*tracks.front(), t);
      else if (t)
        unmapped(*t,
                 "only this director tracks these scripts; the first director's file is "
                 "the one mapped");
    }
    tracks.insert(tracks.end(), inst.extra_tracks.begin(), inst.extra_tracks.end());
    for (const Dir* t : tracks) {
      mapped(*t);
      for (const auto& e : t->children) {
        auto w = track_rule(inst, e);
        if (!w) return w.error();
        weights += std::labs(*w);
      }
    }
    // nopreempt: stickiness above the largest gap the scores can have.
    bool any = false, all = true;
    for (const auto& [dir, d] : inst.per) {
      const bool has = child(*d, "nopreempt") != nullptr;
      any = any || has;
      all = all && has;
    }
    if (any) {
      const long stickiness = hi - lo + weights + 1;
      Command meta;
      meta.words = {"resource", "meta", inst.group,
                    "resource-stickiness=" + std::to_string(stickiness)};
      meta.from = first.at;
      metas_.push_back(std::move(meta));
      for (const auto& [dir, d] : inst.per) {
        if (const Dir* n = child(*d, "nopreempt")) {
          if (all) {
            mapped(*n);
          } else {
            approx(*n, "not every director has nopreempt: the stickiness applies on all");
          }
        }
      }
    }
    return ok_status();
  }

  // One track_script entry: its location rule; the weight used.
  Result<long> track_rule(Instance& inst, const Dir& e) {
    const std::string& name = e.keyword();
    auto it = scripts_.find(name);
    if (it == scripts_.end()) {
      unmapped(e, "no vrrp_script " + name + " is defined");
      return 0L;
    }
    const Dir& script = *it->second.front().second;
    long weight = 0;
    bool reverse = false;
    if (const Dir* w = child(script, "weight")) {
      auto v = to_long(w->arg(1));
      if (!v || *v < -254 || *v > 254) return bad(*w, "'" + w->arg(1) + "' is not a weight");
      weight = *v;
      reverse = w->arg(2) == "reverse";
    }
    for (std::size_t i = 1; i < e.words.size(); ++i) {
      if (e.words[i] == "weight" && i + 1 < e.words.size()) {
        auto v = to_long(e.words[++i]);
        if (!v || *v < -254 || *v > 254) return bad(e, "'" + e.words[i] + "' is not a weight");
        weight = *v;
      } else if (e.words[i] == "reverse") {
        reverse = true;
      } else if (e.words[i] == "no_reverse" || e.words[i] == "noreverse") {
        reverse = false;
      } else {
        return bad(e, "'" + e.words[i] + "' is not understood");
      }
    }
    if (inst.synced) weight = 0;  // keepalived zeroes them in sync groups
    tracked_.insert(name);
    const std::string attr = name;
    const std::vector<std::string> up = {attr, "eq", "1"};
    const std::vector<std::string> down = {"not_defined", attr, "or", attr, "ne", "1"};
    std::string score;
    std::vector<std::string> expr;
    if (weight == 0) {
      score = "-INFINITY";
      expr = reverse ? up : down;
    } else if (weight > 0) {
      score = std::to_string(weight);
      expr = reverse ? down : up;
    } else {
      score = std::to_string(weight);
      expr = reverse ? up : down;
    }
    const std::string id = xml_id("location-" + inst.group + "-" + attr, "location-");
    if (auto st = claim(id, e); !st) return st.error();
    Command c;
    c.words = {"constraint",          "location",      inst.group, "rule",
               "constraint-id=" + id, "score=" + score};
    c.words.insert(c.words.end(), expr.begin(), expr.end());
    c.ids = {id};
    c.from = e.at;
    constraints_.push_back(std::move(c));
    mapped(e);
    return weight;
  }

  Status map_scripts() {
    for (const auto& name : script_order_) {
      const auto& copies = scripts_[name];
      const Dir& s = *copies.front().second;
      for (std::size_t i = 1; i < copies.size(); ++i) compare_copy(s, copies[i].second);
      if (tracked_.count(name) == 0) {
        unmapped(s, "not tracked by any vrrp_instance or sync group");
        continue;
      }
      const Dir* script = child(s, "script");
      if (script == nullptr || script->words.size() < 2) {
        unmapped(s, "has no script for this director");
        continue;
      }
      const std::string id = xml_id(name, "script-");
      if (auto st = claim(id, s); !st) return st;
      if (auto st = claim(id + "-clone", s); !st) return st;
      Command c;
      c.words = {"resource",    "create", id, "ocf:vigil:health-script", "script=" + script->rest(),
                 "name=" + name};
      mapped(s);
      mapped(*script);
      for (const char* kw : {"rise", "fall"}) {
        if (const Dir* d = child(s, kw)) {
          auto v = to_long(d->arg(1));
          if (!v || *v < 1) return bad(*d, "'" + d->arg(1) + "' is not a positive count");
          c.words.push_back(std::string(kw) + "=" + d->arg(1));
          mapped(*d);
        }
      }
      std::string interval = "1";  // keepalived's default
      if (const Dir* d = child(s, "interval")) {
        if (!is_timer(d->arg(1))) return bad(*d, "'" + d->arg(1) + "' is not a time");
        interval = d->arg(1);
        mapped(*d);
      }
      c.words.insert(c.words.end(), {"op", "monitor", "interval=" + interval + "s"});
      if (const Dir* d = child(s, "timeout")) {
        if (!is_timer(d->arg(1))) return bad(*d, "'" + d->arg(1) + "' is not a time");
        c.words.push_back("timeout=" + d->arg(1) + "s");
        mapped(*d);
      }
      if (const Dir* d = child(s, "weight")) mapped(*d);  // in the rules
      c.words.push_back("clone");
      c.agent = "ocf:vigil:health-script";
      c.ids = {id, id + "-clone"};
      c.from = s.at;
      clones_.push_back(std::move(c));
    }
    return ok_status();
  }

  Status map_sync_groups() {
    for (const auto& name : sync_order_) {
      const auto& copies = syncs_[name];
      const Dir& s = *copies.front().second;
      for (std::size_t i = 1; i < copies.size(); ++i) compare_copy(s, copies[i].second);
      const Dir* g = child(s, "group");
      std::vector<std::string> groups;
      if (g != nullptr) {
        for (const auto& m : g->children) {
          auto it = instance_index_.find(m.keyword());
          if (it == instance_index_.end() || instances_[it->second].group.empty()) {
            unmapped(m, "no vrrp_instance " + m.keyword() + " with addresses");
            continue;
          }
          mapped(m);
          groups.push_back(instances_[it->second].group);
        }
      }
      if (groups.size() < 2) {
        unmapped(s, "fewer than two mapped instances: nothing to keep together");
        continue;
      }
      mapped(s);
      mapped(*g);
      for (std::size_t i = 1; i < groups.size(); ++i) {
        Command c;
        c.words = {"constraint", "colocation", "add", groups[i], "with", groups[0], "INFINITY"};
        c.from = s.at;
        constraints_.push_back(std::move(c));
      }
    }
    return ok_status();
  }

  // --- virtual servers ---
  struct Server {
    std::string ip, port, weight = "1", check_port, method;
  };
  struct Service {
    const Dir* at = nullptr;
    std::string ip, port, protocol = "TCP", algo, method, persistence, granularity, vhost;
    std::string interval, timeout, check, path, digest, status, check_host, command;
    std::vector<Server> servers;
  };

  Status read_checker(Service& svc, Server& srv, const Dir& c) {
    static const std::map<std::string, std::string> kKinds = {{"TCP_CHECK", "tcp"},
                                                              {"HTTP_GET", "http"},
                                                              {"SSL_GET", "https"},
                                                              {"MISC_CHECK", "external"}};
    auto kind = kKinds.find(c.keyword());
    if (kind == kKinds.end()) {
      unmapped(c, reason_for("", c.keyword()));
      return ok_status();
    }
    if (!svc.check.empty() && svc.check != kind->second) {
      unmapped(c, "the service already checks its servers with " + svc.check +
                      " (one check type per balancer)");
      return ok_status();
    }
    svc.check = kind->second;
    mapped(c);
    for (const auto& o : c.children) {
      const std::string& kw = o.keyword();
      if (kw == "connect_timeout" || kw == "misc_timeout") {
        if (!is_timer(o.arg(1))) return bad(o, "'" + o.arg(1) + "' is not a time");
        if (svc.timeout.empty() || svc.timeout == o.arg(1)) {
          svc.timeout = o.arg(1);
          mapped(o);
        } else {
          approx(o,
                 "another check of this service has timeout " + svc.timeout + " s, used for all");
        }
      } else if (kw == "connect_port") {
        auto p = to_long(o.arg(1));
        if (!p || *p < 1 || *p > 65535) return bad(o, "'" + o.arg(1) + "' is not a port");
        srv.check_port = o.arg(1);
        mapped(o);
      } else if (kw == "delay_loop") {
        if (!is_timer(o.arg(1))) return bad(o, "'" + o.arg(1) + "' is not a time");
        if (svc.interval.empty()) {
          svc.interval = o.arg(1);
          mapped(o);
        } else if (svc.interval == o.arg(1)) {
          mapped(o);
        } else {
          approx(o, "the service checks every " + svc.interval + " s (one interval per balancer)");
        }
      } else if (kw == "misc_path") {
        svc.command = o.rest();
        mapped(o);
        approx(o, "the command gets the real server's address and port appended");
      } else if (kw == "url") {
        if (!svc.path.empty()) {
          unmapped(o, "only the first url of a service is checked");
          continue;
        }
        mapped(o);
        for (const auto& u : o.children) {
          const std::string& k = u.keyword();
          if (k == "path") {
            svc.path = u.arg(1);
            mapped(u);
          } else if (k == "digest") {
            svc.digest = u.arg(1);
            mapped(u);
          } else if (k == "virtualhost") {
            svc.check_host = u.arg(1);
            mapped(u);
          } else if (k == "status_code") {
            if (u.words.size() == 2 && to_long(u.arg(1))) {
              svc.status = u.arg(1);
              mapped(u);
            } else {
              unmapped(u, "ranges and lists of status codes: one status is checked (200)");
            }
          } else {
            unmapped(u, reason_for("url", k));
          }
        }
      } else {
        unmapped(o, reason_for(c.keyword(), kw));
      }
    }
    return ok_status();
  }

  Result<std::optional<Service>> read_service(const Dir& vs) {
    Service svc;
    svc.at = &vs;
    const bool ldir = opt_.balancer == Balancer::kLdirectord;
    if (vs.arg(1) == "group" || (vs.arg(1) == "fwmark" && !ldir)) {
      unmapped(vs, vs.arg(1) == "group"
                       ? "services of a virtual_server_group: not mapped"
                       : "firewall-mark services are IPVS's: use --balancer ldirectord");
      return std::optional<Service>();
    }
    if (vs.arg(1) == "fwmark") {
      if (!to_long(vs.arg(2))) return bad(vs, "'" + vs.arg(2) + "' is not a firewall mark");
      svc.ip = "fwmark";
      svc.port = vs.arg(2);
    } else {
      svc.ip = vs.arg(1);
      svc.port = vs.arg(2);
      if (!is_ip(svc.ip)) return bad(vs, "'" + svc.ip + "' is not an IP address");
      if (svc.port.empty()) {
        unmapped(vs, "a service without a port (all ports) is IPVS's: not mapped");
        return std::optional<Service>();
      }
      auto p = to_long(svc.port);
      if (!p || *p < 0 || *p > 65535) return bad(vs, "'" + svc.port + "' is not a port");
    }
    if (const Dir* p = child(vs, "protocol")) {
      svc.protocol = p->arg(1);
      if (svc.protocol != "TCP" && !(ldir && svc.protocol == "UDP")) {
        unmapped(vs, "protocol " + svc.protocol + ": " +
                         (ldir ? "ldirectord balances TCP and UDP only"
                               : "HAProxy balances TCP only (use --balancer ldirectord for UDP)"));
        return std::optional<Service>();
      }
      mapped(*p);
    }
    for (const auto& c : vs.children) {
      const std::string& kw = c.keyword();
      if (kw == "protocol") continue;
      if (kw == "delay_loop") {
        if (!is_timer(c.arg(1))) return bad(c, "'" + c.arg(1) + "' is not a time");
        svc.interval = c.arg(1);
        mapped(c);
      } else if (kw == "lb_algo" || kw == "lvs_sched") {
        svc.algo = c.arg(1);
        if (ldir) {
          mapped(c);
        } else if (svc.algo == "rr" || svc.algo == "wrr" || svc.algo == "lc" || svc.algo == "wlc" ||
                   svc.algo == "sh" || svc.algo == "mh") {
          mapped(c);
        } else {
          unmapped(c, "scheduler " + svc.algo + " has no HAProxy equivalent: roundrobin is used");
        }
      } else if (kw == "lb_kind" || kw == "lvs_method") {
        svc.method = c.arg(1);
        if (ldir) {
          mapped(c);
        } else if (svc.method == "NAT") {
          approx(c,
                 "HAProxy is a full proxy: the real servers see the director's address as "
                 "the client's, and need no route back through the director");
        } else {
          unmapped(c, "forwarding " + svc.method +
                          " is IPVS's: HAProxy proxies the connections "
                          "(use --balancer ldirectord for " +
                          svc.method + ")");
        }
      } else if (kw == "persistence_timeout") {
        const std::string v = c.words.size() > 1 ? c.arg(1) : "360";  // keepalived's default
        if (!to_long(v)) return bad(c, "'" + v + "' is not a number of seconds");
        svc.persistence = v;
        mapped(c);
      } else if (kw == "persistence_granularity") {
        svc.granularity = c.arg(1);
        mapped(c);
      } else if (kw == "virtualhost") {
        svc.vhost = c.arg(1);
        mapped(c);
      } else if (kw == "connect_timeout") {
        if (!is_timer(c.arg(1))) return bad(c, "'" + c.arg(1) + "' is not a time");
        svc.timeout = c.arg(1);
        mapped(c);
      } else if (kw == "real_server") {
        Server srv;
        srv.ip = c.arg(1);
        if (!is_ip(srv.ip)) return bad(c, "'" + srv.ip + "' is not an IP address");
        // A firewall-mark service's real servers take any port (ldirectord's 0).
        srv.port = c.words.size() > 2 ? c.arg(2) : svc.ip == "fwmark" ? "0" : svc.port;
        if (auto p = to_long(srv.port); !p || *p < 0 || *p > 65535)
          return bad(c, "'" + srv.port + "' is not a port");
        mapped(c);
        for (const auto& r : c.children) {
          const std::string& k = r.keyword();
          if (k == "weight") {
            auto w = to_long(r.arg(1));
            if (!w || *w < 0) return bad(r, "'" + r.arg(1) + "' is not a weight");
            if (*w > 256 && !ldir) {
              approx(r, "HAProxy weights stop at 256");
              srv.weight = "256";
            } else {
              srv.weight = r.arg(1);
              mapped(r);
            }
          } else if (k == "lvs_method" || k == "lb_kind") {
            srv.method = r.arg(1);
            if (ldir) {
              mapped(r);
            } else {
              unmapped(r, "forwarding per real server is IPVS's");
            }
          } else if (r.has_block && k.size() > 6 && k.find('_') != std::string::npos &&
                     std::all_of(k.begin(), k.end(),
                                 [](char ch) { return (ch >= 'A' && ch <= 'Z') || ch == '_'; })) {
            if (auto st = read_checker(svc, srv, r); !st) return st.error();
          } else if (k == "delay_loop" && svc.interval.empty() && is_timer(r.arg(1))) {
            svc.interval = r.arg(1);
            mapped(r);
          } else {
            unmapped(r, reason_for("real_server", k));
          }
        }
        svc.servers.push_back(std::move(srv));
      } else {
        unmapped(c, reason_for("virtual_server", kw));
      }
    }
    if (svc.servers.empty()) {
      unmapped(vs, "no real_server: nothing to balance");
      return std::optional<Service>();
    }
    return std::optional<Service>(std::move(svc));
  }

  Status map_servers() {
    for (const auto& key : server_order_) {
      const auto& copies = servers_[key];
      const Dir& vs = *copies.front().second;
      for (std::size_t i = 1; i < copies.size(); ++i) compare_copy(vs, copies[i].second);
      auto svc = read_service(vs);
      if (!svc) return svc.error();
      if (!*svc) continue;
      mapped(vs);
      Instance* inst = nullptr;
      if (auto it = address_group_.find((*svc)->ip); it != address_group_.end()) inst = it->second;
      if (inst == nullptr && (*svc)->ip != "fwmark") {
        approx(vs, "no vrrp_instance carries " + (*svc)->ip +
                       ": the balancer is not grouped with an address (it needs the address "
                       "on the director, or the net.ipv4/net.ipv6 ip_nonlocal_bind sysctl)");
      }
      if (opt_.balancer == Balancer::kLdirectord) {
        ldirectord_[inst].push_back(ldirectord_text(**svc));
        continue;
      }
      if (auto st = haproxy(**svc, inst); !st) return st;
    }
    return ok_status();
  }

  Status haproxy(const Service& s, Instance* inst) {
    const std::string id = xml_id("lb-" + s.ip + "-" + s.port, "lb-");
    if (auto st = claim(id, *s.at); !st) return st;
    std::string servers;
    for (const auto& srv : s.servers) {
      std::string w = srv.weight;
      if (s.algo == "rr" && w != "0") w = "1";  // rr ignores weights (but 0 stops the server)
      servers += (servers.empty() ? "" : ",") + (is_ipv6(srv.ip) ? "[" + srv.ip + "]" : srv.ip) +
                 ":" + srv.port + " weight " + w;
      if (!srv.check_port.empty()) servers += " check-port " + srv.check_port;
    }
    Command c;
    c.words = {"resource",
               "create",
               id,
               "ocf:vigil:haproxy",
               "listen=" + (is_ipv6(s.ip) ? "[" + s.ip + "]" : s.ip) + ":" + s.port,
               "servers=" + servers};
    std::string balance = "roundrobin";
    if (s.algo == "lc" || s.algo == "wlc") balance = "leastconn";
    if (s.algo == "sh" || s.algo == "mh") balance = "source";
    c.words.push_back("balance=" + balance);
    if (s.algo == "mh") c.words.push_back("hash_type=consistent");
    if (!s.persistence.empty()) c.words.push_back("persistence_timeout=" + s.persistence);
    if (!s.granularity.empty()) c.words.push_back("persistence_mask=" + s.granularity);
    c.words.push_back("check=" + (s.check.empty() ? std::string("none") : s.check));
    if (!s.check.empty()) {
      c.words.push_back("check_interval=" + (s.interval.empty() ? std::string("60") : s.interval));
      c.words.push_back("check_timeout=" + (s.timeout.empty() ? std::string("5") : s.timeout));
    }
    if (!s.path.empty()) c.words.push_back("check_path=" + s.path);
    const std::string host = s.check_host.empty() ? s.vhost : s.check_host;
    if (!host.empty() && (s.check == "http" || s.check == "https"))
      c.words.push_back("check_host=" + host);
    if (!s.status.empty()) c.words.push_back("check_status=" + s.status);
    if (!s.digest.empty()) c.words.push_back("check_digest=" + s.digest);
    if (!s.command.empty()) c.words.push_back("check_command=" + s.command);
    // The agent's depth-0 monitor named explicitly, so that its depth-10
    // monitor ("no real server is up" is a failure) is not among the default
    // operations: keepalived keeps the VIP where it is when every real server
    // is down, and Vigil's resource create refuses depth-10 (OCF_CHECK_LEVEL)
    // operations anyway.
    c.words.insert(c.words.end(), {"op", "monitor", "interval=10s", "timeout=20s"});
    c.ids = {id};
    if (inst != nullptr) c.words.insert(c.words.end(), {"--group", inst->group});
    c.agent = "ocf:vigil:haproxy";
    c.from = s.at->at;
    resources_.push_back(std::move(c));
    return ok_status();
  }

  // One `virtual=` section of ldirectord.cf.
  std::string ldirectord_text(const Service& s) {
    auto method = [](const std::string& m) {
      if (m == "DR") return std::string("gate");
      if (m == "TUN") return std::string("ipip");
      return std::string("masq");
    };
    std::string t = "# " + s.at->at.str() + "\n";
    if (s.ip == "fwmark") {
      t += "virtual=" + s.port + "\n";
    } else {
      t += std::string(is_ipv6(s.ip) ? "virtual6=[" + s.ip + "]" : "virtual=" + s.ip) + ":" +
           s.port + "\n";
    }
    for (const auto& srv : s.servers) {
      const std::string addr = is_ipv6(srv.ip) ? "real6=[" + srv.ip + "]" : "real=" + srv.ip;
      t += "\t" + addr + ":" + srv.port + " " + method(srv.method.empty() ? s.method : srv.method) +
           " " + srv.weight + "\n";
    }
    t += "\tscheduler=" + (s.algo.empty() ? std::string("wlc") : s.algo) + "\n";
    t += "\tprotocol=" +
         std::string(s.ip == "fwmark"      ? "fwm"
                     : s.protocol == "UDP" ? "udp"
                                           : "tcp") +
         "\n";
    if (!s.persistence.empty()) t += "\tpersistent=" + s.persistence + "\n";
    if (!s.granularity.empty()) t += "\tnetmask=" + s.granularity + "\n";
    if (s.check == "tcp" || s.check.empty()) {
      t += std::string("\tchecktype=") + (s.check.empty() ? "on" : "connect") + "\n";
    } else if (s.check == "http" || s.check == "https") {
      t += "\tchecktype=negotiate\n\tservice=" + s.check + "\n";
      t += "\trequest=\"" + (s.path.empty() ? std::string("/") : s.path) + "\"\n";
      const std::string host = s.check_host.empty() ? s.vhost : s.check_host;
      if (!host.empty()) t += "\tvirtualhost=\"" + host + "\"\n";
    } else if (s.check == "external") {
      t += "\tchecktype=external\n\tcheckcommand=\"" + s.command + "\"\n";
    }
    if (!s.servers.empty() && !s.servers.front().check_port.empty())
      t += "\tcheckport=" + s.servers.front().check_port + "\n";
    t += "\tchecktimeout=" + (s.timeout.empty() ? std::string("5") : s.timeout) + "\n";
    if (!s.interval.empty()) {
      if (ld_interval_.empty()) ld_interval_ = s.interval;
      if (ld_interval_ != s.interval) {
        approx(*s.at, "ldirectord has one checkinterval for every service: " + ld_interval_ +
                          " s is used");
      }
    }
    if (!s.digest.empty()) {
      approx(*s.at,
             "ldirectord checks the page's content with a regular expression, not an "
             "MD5 digest: the digest is not checked");
    }
    return t;
  }

  void finish_ldirectord() {
    if (opt_.balancer != Balancer::kLdirectord || ldirectord_.empty()) return;
    const bool several = ldirectord_.size() > 1;
    std::vector<Instance*> order;  // the instances' order, services on no address last
    for (auto& i : instances_) {
      if (ldirectord_.count(&i) != 0) order.push_back(&i);
    }
    if (ldirectord_.count(nullptr) != 0) order.push_back(nullptr);
    for (Instance* inst : order) {
      const auto& sections = ldirectord_[inst];
      const std::string suffix = inst == nullptr ? "ungrouped" : inst->group;
      const std::string path =
          several ? opt_.ldirectord_config + "." + suffix : opt_.ldirectord_config;
      std::string text =
          "# ldirectord.cf generated by vigil import keepalived: copy it to every director.\n"
          "checkinterval=" +
          (ld_interval_.empty() ? std::string("60") : ld_interval_) +
          "\nautoreload=no\nquiescent=no\n";
      for (const auto& s : sections) text += "\n" + s;
      plan_.files.push_back({path, text});
      const std::string id = xml_id("ldirectord-" + suffix, "ldirectord-");
      Command c;
      c.words = {"resource", "create", id, "ocf:heartbeat:ldirectord", "configfile=" + path};
      if (inst != nullptr) c.words.insert(c.words.end(), {"--group", inst->group});
      c.agent = "ocf:heartbeat:ldirectord";
      c.ids = {id};
      c.from = inst != nullptr ? inst->per.front().second->at : Location{};
      resources_.push_back(std::move(c));
    }
  }

  enum State { kMapped, kUnmapped };
  const std::vector<Director>& dirs_;
  const MapOptions& opt_;
  Plan plan_;
  std::unordered_map<const Dir*, State> state_;
  std::vector<const Dir*> line_of_;  // the directive of each plan_.not_mapped line
  std::set<const Dir*> reached_;     // by the sweep
  std::map<std::string, Location> ids_;
  std::vector<Instance> instances_;
  std::map<std::string, std::size_t> instance_index_;
  std::map<std::string, std::vector<std::pair<const Director*, const Dir*>>> scripts_, servers_,
      syncs_;
  std::vector<std::string> script_order_, server_order_, sync_order_;
  std::set<std::string> tracked_;
  std::map<std::string, Instance*> address_group_;
  std::map<std::string, Location> seen_addresses_;
  std::map<Instance*, std::vector<std::string>> ldirectord_;
  std::string ld_interval_;
  std::vector<Command> resources_, clones_, metas_, constraints_;
};

}  // namespace

Result<Plan> map_directors(const std::vector<Director>& directors, const MapOptions& options) {
  Mapper m(directors, options);
  return m.run();
}

}  // namespace vigil::keepalived
