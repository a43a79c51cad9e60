// SPDX-License-Identifier: GPL-2.0-or-later
// keepalived.conf's meaning in Vigil's terms: a pure function from the
// directors' parsed files to the pcs-syntax commands that build the same
// service, and the list of what has no equivalent (or only an approximate
// one), one entry per directive with file:line and why. Nothing here reads
// or writes a CIB: lib/admin's `import keepalived` runs the commands.
//
// The mapping (docs: lib/keepalived/README.md):
// - vrrp_instance NAME -> group NAME: one ocf:heartbeat:IPaddr2 per
//   virtual_ipaddress (and virtual_ipaddress_excluded) entry, then the
//   balancer of each virtual_server on one of those addresses; priority ->
//   `constraint location NAME prefers NODE=PRIORITY` for each director
//   (state MASTER breaks a tie with +1); nopreempt -> resource-stickiness
//   above the largest score gap.
// - vrrp_script NAME tracked by an instance (or its sync group) -> clone of
//   ocf:vigil:health-script setting node attribute NAME to 1/0; each
//   track_script entry -> a location rule on the instance's group (weight
//   0: -INFINITY where NAME is not 1; W > 0: W where it is 1; W < 0: W where
//   it is not 1; `reverse` swaps the two conditions).
// - vrrp_sync_group -> colocation of each member's group with the first's.
// - virtual_server ADDR PORT -> ocf:vigil:haproxy (or, with the ldirectord
//   balancer, one ocf:heartbeat:ldirectord per instance and its
//   ldirectord.cf text).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "vigil/common/result.hpp"
#include "vigil/keepalived/config.hpp"

namespace vigil::keepalived {

enum class Balancer { kHaproxy, kLdirectord };

// One director's configuration: its node name (the location preferences'
// node, and the config id its file was read with).
struct Director {
  std::string node;
  Config config;
};

struct MapOptions {
  Balancer balancer = Balancer::kHaproxy;
  // ldirectord: the configuration file's path on every director.
  std::string ldirectord_config = "/etc/ha.d/ldirectord.cf";
};

// One pcs-syntax command (the words after "vigil"), e.g. {"resource",
// "create", "VI_1-ip-10.0.0.1", "ocf:heartbeat:IPaddr2", "ip=10.0.0.1",
// "--group", "VI_1"}.
struct Command {
  std::vector<std::string> words;
  std::string agent;             // `resource create`'s agent, else ""
  std::vector<std::string> ids;  // the ids it creates (checked against the CIB first)
  Location from;                 // the directive it comes from
};

struct NotMapped {
  Location at;
  std::string directive;     // its words
  std::string why;           // "mapped approximately: ..." for approximations
  bool approximate = false;  // it was mapped, but not exactly
  std::size_t covered = 1;   // directives this line stands for (a block: with its own)
};

struct GeneratedFile {
  std::string path;  // where it must be on every director
  std::string text;
};

struct Plan {
  std::vector<Command> commands;
  std::vector<NotMapped> not_mapped;  // in file and line order
  std::vector<GeneratedFile> files;   // ldirectord.cf
  std::size_t directives = 0;         // read, in every file
  std::size_t mapped = 0;             // of those, mapped (approximations included)
};

// Fails (with file:line) on values that cannot be read: a priority that is
// not a number, an address that is not one, ids that collide.
Result<Plan> map_directors(const std::vector<Director>& directors, const MapOptions& options);

// A word as a POSIX shell reads it back ('...' when needed).
std::string shell_quote(const std::string& word);
// "vigil WORD..." with each word quoted for a shell.
std::string command_line(const std::vector<std::string>& words);
// A valid XML id (NCName) from a keepalived name: other characters become
// '_', and a name that cannot start an id gets `prefix` before it.
std::string xml_id(const std::string& name, const std::string& prefix);

}  // namespace vigil::keepalived
