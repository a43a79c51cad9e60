// SPDX-License-Identifier: GPL-2.0-or-later
// corosync.conf as pcs 0.11 reads, writes and edits it: a tree of sections
// with ordered "key: value" attributes, exported with pcs's layout (four
// spaces, a blank line between sections), and `pcs cluster setup`'s words,
// checks and generated file.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vigil/common/result.hpp"

namespace vigil::admin::corosync {

struct Section {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attrs;
  std::vector<Section> sections;

  // The last value of `key` (corosync: the last one wins).
  std::optional<std::string> get(std::string_view key) const;
  // Replaces the first `key` in place (dropping later duplicates) or appends it.
  void set(const std::string& key, const std::string& value);
  void erase(std::string_view key);
  std::vector<Section*> children(std::string_view section_name);
  std::vector<const Section*> children(std::string_view section_name) const;
  // The last child of that name, created (appended) when there is none.
  Section& ensure(const std::string& section_name);
};

// corosync's own grammar: "name {", "}", "key: value", '#' comments.
Result<Section> parse(std::string_view text);
// pcs's layout; the root has no braces.
std::string export_conf(const Section& root);

struct Node {
  std::string name;
  std::vector<std::string> addrs;  // ring0_addr, ring1_addr ...
  std::string nodeid;
};
std::vector<Node> nodes(const Section& root);
std::string cluster_name(const Section& root);

// `pcs cluster node add`: the next free node id, the links the other nodes
// use, quorum's two_node kept right.
void add_node(Section& root, const std::string& name, const std::vector<std::string>& addrs);
// False when no node of that name exists.
bool remove_node(Section& root, const std::string& name);

using Options = std::map<std::string, std::string>;

struct SetupNode {
  std::string name;
  std::vector<std::string> addrs;  // empty: the name is the address
};

// `cluster setup NAME NODE [addr=A]... [transport knet|udp|udpu [OPTS] [link
// OPTS]... [compression OPTS] [crypto OPTS]] [totem OPTS] [quorum OPTS]`,
// the words after "setup" without the --options.
struct SetupSpec {
  std::string cluster_name;
  std::vector<SetupNode> nodes;
  std::string transport = "knet";
  Options transport_options;
  std::vector<Options> links;
  Options compression;
  Options crypto;  // knet without crypto words: aes256/sha256 (see validate)
  Options totem;
  Options quorum;
};

// Parse errors are pcs's command-line errors (no "Errors have occurred" line).
Result<SetupSpec> parse_setup(const std::vector<std::string>& words);
// Fills pcs's defaults (knet crypto) and returns pcs's validation errors, in
// pcs's order; empty when the spec is good.
std::vector<std::string> validate_setup(SetupSpec& spec);
// The file `pcs cluster setup` writes; an empty uuid: --no-cluster-uuid.
Section create_conf(const SetupSpec& spec, const std::string& cluster_uuid);

// pcs's list formatting: sorted, quoted, comma separated.
std::string format_list(std::vector<std::string> items);

}  // namespace vigil::admin::corosync
