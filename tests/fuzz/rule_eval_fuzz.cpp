// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target for the rule evaluator the scheduler uses for location
// rules and for rule-guarded instance, meta and utilization attributes and
// cluster properties (lib/common/rules.hpp: parse_rule, evaluate,
// parse_nvsets, apply_nvsets).
//
// Input: one XML document that carries the rules and what they are
// evaluated against:
//   <fuzz-rules now="EPOCH" class= provider= type= op= interval-ms=>
//     <attrs><nvpair name= value=/>...</attrs>   node attributes
//     <params>...</params> <meta>...</meta>      value-source="param"/"meta"
//     <rule .../>...                             each parsed and evaluated
//     <meta_attributes ...>...                   parsed and applied as sets
//   </fuzz-rules>
// id-refs resolve against every id in the document, as the CIB's do.
//
// Invariants: evaluation is a function of its input (same answer twice);
// the next change it reports for date expressions lies after "now".
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "fuzz_support.hpp"
#include "vigil/common/number.hpp"
#include "vigil/common/rules.hpp"
#include "vigil/common/xml.hpp"

using namespace vigil;

namespace {

rules::AttrMap pairs_of(const xmlNode* parent) {
  rules::AttrMap out;
  if (parent == nullptr) return out;
  for (const xmlNode* p : xml::children(parent, "nvpair")) {
    out[xml::attr_or(p, "name")] = xml::attr_or(p, "value");
  }
  return out;
}

void index_ids(const xmlNode* n, std::unordered_map<std::string, const xmlNode*>& ids) {
  for (const xmlNode* c : xml::children(n)) {
    if (auto id = xml::attr(c, "id")) ids.emplace(*id, c);
    index_ids(c, ids);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  xml::init();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 32 * 1024) return -1;
  auto doc = xml::parse_rooted(fuzz::as_text(data, size), "fuzz", "fuzz-rules");
  if (!doc) return 0;
  const xmlNode* root = doc->root;

  std::unordered_map<std::string, const xmlNode*> ids;
  index_ids(root, ids);
  const rules::IdResolver resolve = [&ids](const std::string& id) -> const xmlNode* {
    auto it = ids.find(id);
    return it == ids.end() ? nullptr : it->second;
  };

  const rules::AttrMap node_attrs = pairs_of(xml::first_child(root, "attrs"));
  const rules::AttrMap params = pairs_of(xml::first_child(root, "params"));
  const rules::AttrMap meta = pairs_of(xml::first_child(root, "meta"));
  const std::string cls = xml::attr_or(root, "class");
  const std::string provider = xml::attr_or(root, "provider");
  const std::string type = xml::attr_or(root, "type");
  const std::string op = xml::attr_or(root, "op");

  rules::RuleInput in;
  in.node_attrs = &node_attrs;
  in.rsc_params = &params;
  in.rsc_meta = &meta;
  if (auto now = xml::attr(root, "now")) {
    if (auto v = parse_int64(*now)) in.now = *v;
  }
  if (xml::attr(root, "class") || xml::attr(root, "type")) {
    in.rsc_class = &cls;
    in.rsc_provider = &provider;
    in.rsc_type = &type;
  }
  if (xml::attr(root, "op")) {
    in.op_name = &op;
    if (auto iv = xml::attr(root, "interval-ms")) {
      if (auto v = parse_int64(*iv)) in.op_interval_ms = *v;
    }
  }

  for (const xmlNode* r : xml::children(root, "rule")) {
    auto rule = rules::parse_rule(r, resolve);
    if (!rule) continue;
    EpochSeconds next = 0;
    rules::RuleInput with_next = in;
    with_next.next_change = &next;
    const bool first = rules::evaluate(*rule, with_next);
    VIGIL_FUZZ_CHECK(rules::evaluate(*rule, in) == first);
    if (next != 0 && in.now) VIGIL_FUZZ_CHECK(next > *in.now);
  }

  auto sets = rules::parse_nvsets(root, "meta_attributes", resolve);
  if (sets) {
    rules::AttrMap out, again;
    std::size_t changes = 0;
    rules::apply_nvsets(*sets, in, out, false, {},
                        [&changes](const std::string&, const std::string*) { ++changes; });
    rules::apply_nvsets(*sets, in, again);
    VIGIL_FUZZ_CHECK(out == again);
    VIGIL_FUZZ_CHECK(out.size() <= changes);
  }
  return 0;
}
