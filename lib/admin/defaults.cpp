// SPDX-License-Identifier: GPL-2.0-or-later
// pcs resource defaults / resource op defaults: the listing of the meta
// attributes sets of <rsc_defaults> / <op_defaults>, the one-set `update`
// (and its deprecated `NAME=VALUE` form), and `set create|update|delete`.
#include <algorithm>
#include <map>

#include "defaults_rule.hpp"
#include "resource_edit.hpp"
#include "vigil/admin/cib_edit.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {
namespace {

constexpr const char* kOverridden =
    "Warning: Defaults do not apply to resources which override them with their own defined "
    "values";

const char* section_of(bool op) {
  return op ? "op_defaults" : "rsc_defaults";
}

std::vector<xmlNode*> meta_sets(xmlDoc* doc, bool op) {
  xmlNode* section = config_section(doc, section_of(op));
  return section == nullptr ? std::vector<xmlNode*>{} : xml::children(section, "meta_attributes");
}

// Ordered name=value pairs (a later name replaces an earlier one in place,
// as a Python dict keeps the first position).
Result<std::vector<KeyValue>> options_of(const std::vector<std::string>& words) {
  std::vector<KeyValue> out;
  for (const auto& w : words) {
    auto kv = split_key_value(w);
    if (!kv) return kv.error();
    auto it =
        std::find_if(out.begin(), out.end(), [&](const KeyValue& x) { return x.key == kv->key; });
    if (it != out.end()) {
      it->value = kv->value;
    } else {
      out.push_back(*kv);
    }
  }
  return out;
}

// The words after each keyword (`options` before the first one); a
// keyword given twice is pcs's error.
Result<std::map<std::string, std::vector<std::string>>> group_words(
    const std::vector<std::string>& words, const std::vector<std::string>& keywords) {
  std::map<std::string, std::vector<std::string>> out;
  std::string current = "options";
  out[current];
  for (const auto& w : words) {
    if (std::find(keywords.begin(), keywords.end(), w) != keywords.end()) {
      if (out.count(w) != 0) {
        return Error(ErrorCode::kInvalidInput, "'" + w + "' cannot be used more than once");
      }
      current = w;
      out[current];
      continue;
    }
    out[current].push_back(w);
  }
  return out;
}

void set_pair(xmlDoc* doc, xmlNode* set, const std::string& name, const std::string& value) {
  for (xmlNode* nv : xml::children(set, "nvpair")) {
    if (xml::attr_or(nv, "name") != name) continue;
    if (value.empty()) {
      remove_node(nv);
    } else {
      xmlSetProp(nv, BAD_CAST "value", BAD_CAST value.c_str());
    }
    return;
  }
  if (value.empty()) return;
  append_element(
      set, "nvpair",
      {{"id", unique_id(doc, sanitize_id(xml::attr_or(set, "id") + "-" + name.substr(0, 20)))},
       {"name", name},
       {"value", value}});
}

xmlNode* new_set(xmlDoc* doc, bool op, const std::string& id) {
  xmlNode* section = config_section(doc, section_of(op), true);
  const std::string set_id =
      id.empty() ? unique_id(doc, sanitize_id(std::string(section_of(op)) + "-meta_attributes"))
                 : id;
  return append_element(section, "meta_attributes", {{"id", set_id}});
}

Status defaults_config(Context& ctx, const std::vector<std::string>& args, bool op) {
  if (!args.empty()) {
    return Error(ErrorCode::kInvalidInput,
                 std::string("usage: vigil resource ") + (op ? "op " : "") + "defaults [config]");
  }
  const auto sets = meta_sets(ctx.doc, op);
  if (sets.empty()) {
    ctx.out += "No defaults set\n";
    return ok_status();
  }
  std::size_t shown = 0;
  for (const xmlNode* set : sets) {
    // pcs asks crm_rule whether a set's rule is expired or not yet in
    // effect: expired sets only with --all.
    const xmlNode* set_rule = xml::first_child(set, "rule");
    const std::string label = set_rule ? rule_in_effect_label(set_rule, ctx.now) : "";
    if (label == "expired" && !ctx.flags.all) continue;
    ++shown;
    std::string head =
        (label.empty() ? "Meta Attrs: " : "Meta Attrs (" + label + "): ") + xml::attr_or(set, "id");
    std::vector<std::pair<std::string, std::string>> options;
    for (const xmlAttr* a = set->properties; a != nullptr; a = a->next) {
      const std::string n = reinterpret_cast<const char*>(a->name);
      if (n != "id") options.emplace_back(n, xml::attr_or(set, n.c_str()));
    }
    std::sort(options.begin(), options.end());
    for (const auto& [k, v] : options) head += " " + name_value(k, v);
    ctx.out += head + "\n";
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const xmlNode* nv : xml::children(set, "nvpair"))
      pairs.emplace_back(xml::attr_or(nv, "name"), xml::attr_or(nv, "value"));
    std::sort(pairs.begin(), pairs.end());
    for (const auto& [k, v] : pairs) ctx.out += "  " + name_value(k, v) + "\n";
    if (const xmlNode* rule = xml::first_child(set, "rule")) {
      for (const auto& l : rule_lines(rule, ctx.flags.full, ctx.now)) ctx.out += "  " + l + "\n";
    }
  }
  if (shown == 0) ctx.out += "\n";  // sets there, all expired: pcs prints an empty line
  return ok_status();
}

// `defaults update k=v...` and the deprecated `defaults k=v...`: the one
// meta attributes set, created when there is none.
Status defaults_update(Context& ctx, const std::vector<std::string>& args, bool op) {
  auto pairs = options_of(args);
  if (!pairs) return pairs.error();
  if (pairs->empty()) return ok_status();
  const bool only_removing = std::all_of(pairs->begin(), pairs->end(),
                                         [](const KeyValue& kv) { return kv.value.empty(); });
  if (only_removing && config_section(ctx.doc, section_of(op)) == nullptr) {
    ctx.notes.push_back(kOverridden);
    return ok_status();
  }
  const auto sets = meta_sets(ctx.doc, op);
  if (sets.size() > 1) {
    return lib_error(std::string("Several options sets exist, please use the 'vigil resource ") +
                     (op ? "op " : "") +
                     "defaults set update' command and specify an option set ID");
  }
  ctx.notes.push_back(kOverridden);
  if (sets.empty() && only_removing) return ok_status();
  xmlNode* set = sets.empty() ? new_set(ctx.doc, op, "") : sets[0];
  for (const auto& kv : *pairs) set_pair(ctx.doc, set, kv.key, kv.value);
  ctx.changed = true;
  return ok_status();
}

Status set_create(Context& ctx, const std::vector<std::string>& args, bool op) {
  auto groups = group_words(args, {"meta", "rule"});
  if (!groups) return groups.error();
  auto meta = options_of((*groups)["meta"]);
  if (!meta) return meta.error();
  auto options = options_of((*groups)["options"]);
  if (!options) return options.error();
  std::string rule_text;
  for (const auto& w : (*groups)["rule"]) rule_text += (rule_text.empty() ? "" : " ") + w;

  std::vector<std::string> errors;
  std::vector<std::string> unknown;
  std::string id, score;
  for (const auto& kv : *options) {
    if (kv.key == "id") {
      id = kv.value;
    } else if (kv.key == "score") {
      score = kv.value;
    } else {
      unknown.push_back(kv.key);
    }
  }
  if (!unknown.empty()) {
    std::sort(unknown.begin(), unknown.end());
    const std::string msg = std::string("invalid option") + (unknown.size() > 1 ? "s" : "") + " " +
                            quoted_list(unknown) + ", allowed options are: 'id', 'score'";
    if (ctx.flags.force) {
      ctx.notes.push_back("Warning: " + msg);
    } else {
      errors.push_back(msg + ", use --force to override");
    }
  }
  if (!id.empty()) {
    if (auto p = id_problem(id, "id"); !p.empty()) {
      errors.push_back(p);
    } else if (find_by_id(ctx.doc, id) != nullptr) {
      errors.push_back("'" + id + "' already exists");
    }
  }
  if (!score.empty() && !is_score(score)) {
    errors.push_back("'" + score +
                     "' is not a valid score value, use integer or INFINITY or -INFINITY");
  }
  std::optional<RuleNode> rule;
  if (!rule_text.empty()) {
    auto parsed = parse_defaults_rule(rule_text);
    if (!parsed) {
      errors.push_back(parsed.error().message());
    } else {
      for (auto& e : disallowed_rule_parts(*parsed, true, op, op)) errors.push_back(e);
      rule = std::move(*parsed);
    }
  }
  if (!errors.empty()) {
    std::string msg;
    for (const auto& e : errors) msg += (msg.empty() ? "" : "\nError: ") + e;
    return lib_error(msg);
  }
  xmlNode* set = new_set(ctx.doc, op, id);
  for (const auto& kv : *options) {
    if (kv.key != "id" && !kv.value.empty())
      xmlSetProp(set, BAD_CAST kv.key.c_str(), BAD_CAST kv.value.c_str());
  }
  if (rule) rule_to_cib(ctx.doc, set, *rule);
  for (const auto& kv : *meta) set_pair(ctx.doc, set, kv.key, kv.value);
  ctx.notes.push_back(kOverridden);
  ctx.changed = true;
  return ok_status();
}

// The named sets of this section, or pcs's error for each missing one.
Result<std::vector<xmlNode*>> sets_by_id(Context& ctx, const std::vector<std::string>& ids,
                                         bool op) {
  const auto sets = meta_sets(ctx.doc, op);
  std::vector<xmlNode*> found;
  std::string errors;
  for (const auto& id : ids) {
    auto it = std::find_if(sets.begin(), sets.end(),
                           [&](xmlNode* s) { return xml::attr_or(s, "id") == id; });
    if (it != sets.end()) {
      found.push_back(*it);
    } else if (find_by_id(ctx.doc, id) != nullptr) {
      errors +=
          (errors.empty() ? "" : "\nError: ") + std::string("'") + id + "' is not an options set";
    } else {
      errors += (errors.empty() ? "" : "\nError: ") + std::string("options set '") + id +
                "' does not exist";
    }
  }
  if (!errors.empty()) return Error(ErrorCode::kNotFound, errors + kErrorsOccurred);
  return found;
}

Status set_remove(Context& ctx, const std::vector<std::string>& ids, bool op) {
  if (ids.empty()) return ok_status();
  auto sets = sets_by_id(ctx, ids, op);
  if (!sets) return sets.error();
  for (xmlNode* s : *sets) remove_node(s);
  ctx.changed = true;
  return ok_status();
}

Status set_update(Context& ctx, const std::vector<std::string>& args, bool op) {
  if (args.empty()) {
    return Error(ErrorCode::kInvalidInput,
                 std::string("usage: vigil resource ") + (op ? "op " : "") +
                     "defaults set update <set id> [meta <name>=<value>...]");
  }
  auto groups = group_words({args.begin() + 1, args.end()}, {"meta"});
  if (!groups) return groups.error();
  if (!(*groups)["options"].empty()) {
    return Error(ErrorCode::kInvalidInput,
                 std::string("usage: vigil resource ") + (op ? "op " : "") +
                     "defaults set update <set id> [meta <name>=<value>...]");
  }
  auto meta = options_of((*groups)["meta"]);
  if (!meta) return meta.error();
  auto sets = sets_by_id(ctx, {args[0]}, op);
  if (!sets) return sets.error();
  for (const auto& kv : *meta) set_pair(ctx.doc, (*sets)[0], kv.key, kv.value);
  ctx.notes.push_back(kOverridden);
  ctx.changed = true;
  return ok_status();
}

}  // namespace

Status run_defaults(Context& ctx, const std::vector<std::string>& args, bool op) {
  const std::string prefix = std::string("resource ") + (op ? "op " : "") + "defaults";
  if (!args.empty() && args[0].find('=') != std::string::npos) {
    ctx.notes.push_back(
        "Deprecation Warning: This command is deprecated and will be removed. "
        "Please use 'vigil " +
        prefix + " update' instead.");
    return defaults_update(ctx, args, op);
  }
  const std::vector<std::string> rest =
      args.empty() ? args : std::vector<std::string>(args.begin() + 1, args.end());
  if (args.empty() || args[0] == "config") return defaults_config(ctx, rest, op);
  if (args[0] == "update") return defaults_update(ctx, rest, op);
  if (args[0] == "set" && !rest.empty()) {
    const std::vector<std::string> more(rest.begin() + 1, rest.end());
    if (rest[0] == "create") return set_create(ctx, more, op);
    if (rest[0] == "delete" || rest[0] == "remove") return set_remove(ctx, more, op);
    if (rest[0] == "update") return set_update(ctx, more, op);
  }
  return Error(ErrorCode::kInvalidInput,
               "usage: vigil " + prefix + " [config | update ... | set create|delete|update ...]");
}

}  // namespace vigil::admin
