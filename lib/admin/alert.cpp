// SPDX-License-Identifier: GPL-2.0-or-later
// pcs alert: the <alerts> section (alert with recipient children, each with
// its first instance_attributes ("options") and meta_attributes ("meta")
// set), in pcs 0.11.5's syntax, XML, ids, output and errors.
#include <algorithm>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "pcs_ids.hpp"
#include "pcs_usage.hpp"
#include "resource_edit.hpp"
#include "vigil/admin/cib_edit.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {
namespace {

using Words = std::vector<std::string>;

Status alert_usage(Context& ctx, const Words& words) {
  return usage_error(ctx, "alert", words);
}

// The words of a command: NAME=VALUE pairs before any keyword, then the
// "options" and "meta" groups (pcs's group_by_keywords: a keyword given
// twice continues its group).
struct Sections {
  std::vector<KeyValue> main, options, meta;
};

Result<std::vector<KeyValue>> prepare_options(const Words& words) {
  std::vector<KeyValue> pairs;
  for (const auto& w : words) {
    auto kv = split_key_value(w);
    if (!kv) return kv.error();
    pairs.push_back(std::move(*kv));
  }
  return dedupe_options(pairs);
}

Result<Sections> parse_sections(const Words& words, const std::set<std::string>& allowed_main) {
  Words main, options, meta;
  Words* group = &main;
  for (const auto& w : words) {
    if (w == "options") {
      group = &options;
    } else if (w == "meta") {
      group = &meta;
    } else {
      group->push_back(w);
    }
  }
  Sections s;
  auto m = prepare_options(main);
  if (!m) return m.error();
  for (const auto& kv : *m) {
    if (allowed_main.count(kv.key) == 0) {
      return Error(ErrorCode::kInvalidInput,
                   "Unexpected parameter '" + kv.key + "=" + kv.value + "'");
    }
  }
  s.main = std::move(*m);
  auto o = prepare_options(options);
  if (!o) return o.error();
  s.options = std::move(*o);
  auto me = prepare_options(meta);
  if (!me) return me.error();
  s.meta = std::move(*me);
  return s;
}

const std::string* main_value(const Sections& s, std::string_view key) {
  for (const auto& kv : s.main) {
    if (kv.key == key) return &kv.value;
  }
  return nullptr;
}

// pcs's IdProvider: ids free in the CIB and not handed out before by this
// command (sets created but not kept still hold theirs).
struct IdProvider {
  xmlDoc* doc;
  std::set<std::string> booked;
  std::string allocate(const std::string& proposed) {
    std::string id = proposed;
    for (int i = 1; booked.count(id) > 0 || id_owner(doc, id) != nullptr; ++i) {
      id = proposed + "-" + std::to_string(i);
    }
    booked.insert(id);
    return id;
  }
};

xmlNode* first_element(xmlNode* parent, const char* tag) {
  for (xmlNode* c : xml::children(parent)) {
    if (xml::name(c) == tag) return c;
  }
  return nullptr;
}

// Inserts `child` as the first child of `parent` (pcs: insert(0, ...)).
void insert_first(xmlNode* parent, xmlNode* child) {
  for (xmlNode* c = parent->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE || c->type == XML_COMMENT_NODE) {
      xmlAddPrevSibling(c, child);
      return;
    }
  }
  xmlAddChild(parent, child);
}

// pcs's arrange_first_nvset: the pairs (sorted by name) into the element's
// first `tag` set, created (first child) when missing and only kept when it
// got a pair; an empty value removes its pair. A set that empties stays.
void arrange_first_nvset(xmlDoc* doc, IdProvider& ids, xmlNode* parent, const char* tag,
                         std::vector<KeyValue> pairs) {
  if (pairs.empty()) return;
  std::sort(pairs.begin(), pairs.end(),
            [](const KeyValue& a, const KeyValue& b) { return a.key < b.key; });
  xmlNode* set = first_element(parent, tag);
  const bool existing = set != nullptr;
  if (!existing) {
    set = xmlNewDocNode(doc, nullptr, BAD_CAST tag, nullptr);
    const std::string base = xml::attr_or(parent, "id", xml::name(parent));
    xmlNewProp(set, BAD_CAST "id", BAD_CAST ids.allocate(sanitize_id(base + "-" + tag)).c_str());
  }
  for (const auto& kv : pairs) {
    xmlNode* pair = nullptr;
    for (xmlNode* nv : xml::children(set, "nvpair")) {
      if (xml::attr_or(nv, "name") == kv.key) {
        pair = nv;
        break;
      }
    }
    if (pair == nullptr) {
      if (kv.value.empty()) continue;
      const std::string id = ids.allocate(sanitize_id(xml::attr_or(set, "id") + "-" + kv.key));
      append_element(set, "nvpair", {{"id", id}, {"name", kv.key}, {"value", kv.value}});
    } else if (!kv.value.empty()) {
      xmlSetProp(pair, BAD_CAST "value", BAD_CAST kv.value.c_str());
    } else {
      remove_node(pair);
    }
  }
  if (existing) return;
  if (xml::children(set).empty()) {
    xmlFreeNode(set);
    return;
  }
  insert_first(parent, set);
}

// description="" removes it, none keeps it.
void update_optional(xmlNode* n, const char* name, const std::string* value) {
  if (value == nullptr) return;
  if (!value->empty()) {
    xmlSetProp(n, BAD_CAST name, BAD_CAST value->c_str());
  } else if (xml::has_attr(n, name)) {
    xmlUnsetProp(n, BAD_CAST name);
  }
}

// description= ("" removes it) and the options and meta sections, on a new
// or an updated alert or recipient.
void set_common(Context& ctx, xmlNode* n, const Sections& s) {
  update_optional(n, "description", main_value(s, "description"));
  IdProvider ids{ctx.doc, {}};
  arrange_first_nvset(ctx.doc, ids, n, "instance_attributes", s.options);
  arrange_first_nvset(ctx.doc, ids, n, "meta_attributes", s.meta);
  ctx.changed = true;
}

Result<xmlNode*> alerts_section(xmlDoc* doc) {
  xmlNode* alerts = config_section(doc, "alerts", true);
  if (alerts == nullptr) {
    return Error(ErrorCode::kInvalidInput, "Unable to get configuration section of cib");
  }
  return alerts;
}

Status one_error(const std::vector<std::string>& problems) {
  return Error(ErrorCode::kInvalidInput, problems.front());
}

// A recipient value already used by another recipient of the alert:
// refused, or a warning with --force.
Status check_unique_value(Context& ctx, xmlNode* alert, const std::string& value,
                          const std::string& recipient_id) {
  for (const xmlNode* r : xml::children(alert, "recipient")) {
    if (xml::attr(r, "value") == value && xml::attr_or(r, "id") != recipient_id) {
      std::vector<std::string> problems;
      note_forceable(ctx,
                     {"Recipient '" + value + "' in alert '" + xml::attr_or(alert, "id") +
                      "' already exists, use --force to override"},
                     problems);
      if (!problems.empty()) return lib_error(problems.front());
      return ok_status();
    }
  }
  return ok_status();
}

// --- config -----------------------------------------------------------------

// "a=1 b="x y"": the set's pairs sorted by name, the last of a name winning.
std::string nvset_text(const xmlNode* set) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const xmlNode* nv : xml::children(set, "nvpair")) {
    const std::string name = xml::attr_or(nv, "name");
    const std::string value = xml::attr_or(nv, "value");
    auto it =
        std::find_if(pairs.begin(), pairs.end(), [&](const auto& p) { return p.first == name; });
    if (it == pairs.end()) {
      pairs.emplace_back(name, value);
    } else {
      it->second = value;
    }
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [name, value] : pairs) {
    out += (out.empty() ? "" : " ") + name + "=" +
           (value.find(' ') != std::string::npos ? "\"" + value + "\"" : value);
  }
  return out;
}

void description_and_sets(std::string& out, const xmlNode* n, const std::string& indent) {
  if (const std::string d = xml::attr_or(n, "description"); !d.empty()) {
    out += indent + "Description: " + d + "\n";
  }
  const xmlNode* instance = xml::first_child(n, "instance_attributes");
  if (instance != nullptr && !xml::children(instance, "nvpair").empty()) {
    out += indent + "Options: " + nvset_text(instance) + "\n";
  }
  const xmlNode* meta = xml::first_child(n, "meta_attributes");
  if (meta != nullptr && !xml::children(meta, "nvpair").empty()) {
    out += indent + "Meta options: " + nvset_text(meta) + "\n";
  }
}

Status alert_config(Context& ctx, const std::string& sub, const Words& w) {
  if (sub == "show") {
    ctx.notes.push_back(
        "Deprecation Warning: This command is deprecated and will be removed. Please use 'vigil "
        "alert config' instead.");
  }
  if (auto st = only_pcs_options(ctx, false, false); !st) return st;
  if (!w.empty()) return alert_usage(ctx, {sub});
  ctx.out += "Alerts:\n";
  const xmlNode* alerts = config_section(ctx.doc, "alerts");
  const auto list = alerts == nullptr ? std::vector<xmlNode*>{} : xml::children(alerts, "alert");
  if (list.empty()) {
    ctx.out += " No alerts defined\n";
    return ok_status();
  }
  for (const xmlNode* a : list) {
    ctx.out += " Alert: " + xml::attr_or(a, "id") + " (path=" + xml::attr_or(a, "path") + ")\n";
    description_and_sets(ctx.out, a, "  ");
    const auto recipients = xml::children(a, "recipient");
    if (recipients.empty()) continue;
    ctx.out += "  Recipients:\n";
    for (const xmlNode* r : recipients) {
      ctx.out +=
          "   Recipient: " + xml::attr_or(r, "id") + " (value=" + xml::attr_or(r, "value") + ")\n";
      description_and_sets(ctx.out, r, "    ");
    }
  }
  return ok_status();
}

// --- create, update, delete ---------------------------------------------------

Status alert_create(Context& ctx, const Words& w) {
  if (auto st = only_pcs_options(ctx, false, false); !st) return st;
  if (w.empty()) return alert_usage(ctx, {"create"});
  auto s = parse_sections(w, {"id", "description", "path"});
  if (!s) return s.error();
  const std::string* path = main_value(*s, "path");
  if (path == nullptr || path->empty()) {
    return Error(ErrorCode::kInvalidInput, "required option 'path' is missing");
  }
  const std::string* given_id = main_value(*s, "id");
  std::string id;
  if (given_id != nullptr && !given_id->empty()) {
    if (auto p = id_problem(*given_id, "alert-id"); !p.empty()) {
      return Error(ErrorCode::kInvalidInput, p);
    }
    if (id_owner(ctx.doc, *given_id) != nullptr) {
      return Error(ErrorCode::kInvalidInput, "'" + *given_id + "' already exists");
    }
    id = *given_id;
  } else {
    id = free_id(ctx.doc, "alert");
  }
  auto alerts = alerts_section(ctx.doc);
  if (!alerts) return alerts.error();
  xmlNode* alert = append_element(*alerts, "alert", {{"id", id}, {"path", *path}});
  set_common(ctx, alert, *s);
  return ok_status();
}

Status alert_update(Context& ctx, const Words& w) {
  if (auto st = only_pcs_options(ctx, false, false); !st) return st;
  if (w.empty()) return alert_usage(ctx, {"update"});
  auto s = parse_sections(Words(w.begin() + 1, w.end()), {"description", "path"});
  if (!s) return s.error();
  auto alerts = alerts_section(ctx.doc);
  if (!alerts) return alerts.error();
  std::vector<std::string> problems;
  xmlNode* alert = find_in_section(ctx.doc, *alerts, "alert", w[0], problems);
  if (alert == nullptr) return one_error(problems);
  if (const std::string* p = main_value(*s, "path"); p != nullptr && !p->empty()) {
    xmlSetProp(alert, BAD_CAST "path", BAD_CAST p->c_str());
  }
  set_common(ctx, alert, *s);
  return ok_status();
}

// delete/remove of alerts or recipients: each id looked up and removed in
// turn (the same id twice is not found the second time), every failure
// reported; on any, the document is thrown away.
Status delete_elements(Context& ctx, const Words& w, const char* tag, const Words& usage_words) {
  if (auto st = only_pcs_options(ctx, false, false); !st) return st;
  if (w.empty()) return alert_usage(ctx, usage_words);
  auto alerts = alerts_section(ctx.doc);
  if (!alerts) return alerts.error();
  std::vector<std::string> problems;
  for (const auto& id : w) {
    if (xmlNode* n = find_in_section(ctx.doc, *alerts, tag, id, problems)) remove_node(n);
  }
  if (!problems.empty()) {
    std::string msg;
    for (const auto& p : problems) msg += (msg.empty() ? "" : "\nError: ") + p;
    return lib_error(msg);
  }
  ctx.changed = true;
  return ok_status();
}

// --- recipients -----------------------------------------------------------------

Status recipient_add(Context& ctx, const Words& w) {
  if (auto st = only_pcs_options(ctx, false, true); !st) return st;
  if (w.size() < 2) return alert_usage(ctx, {"recipient", "add"});
  auto s = parse_sections(Words(w.begin() + 1, w.end()), {"description", "id", "value"});
  if (!s) return s.error();
  const std::string* value = main_value(*s, "value");
  if (value == nullptr || value->empty()) {
    return Error(ErrorCode::kInvalidInput, "required option 'value' is missing");
  }
  const std::string& alert_id = w[0];
  const std::string* given_id = main_value(*s, "id");
  std::string id;
  if (given_id == nullptr) {
    id = free_id(ctx.doc, alert_id + "-recipient");
  } else {
    // pcs checks only that the id is free (the schema checks the rest).
    if (id_owner(ctx.doc, *given_id) != nullptr) {
      return Error(ErrorCode::kInvalidInput, "'" + *given_id + "' already exists");
    }
    id = *given_id;
  }
  auto alerts = alerts_section(ctx.doc);
  if (!alerts) return alerts.error();
  std::vector<std::string> problems;
  xmlNode* alert = find_in_section(ctx.doc, *alerts, "alert", alert_id, problems);
  if (alert == nullptr) return one_error(problems);
  if (auto st = check_unique_value(ctx, alert, *value, ""); !st) return st;
  xmlNode* recipient = append_element(alert, "recipient", {{"id", id}, {"value", *value}});
  set_common(ctx, recipient, *s);
  return ok_status();
}

Status recipient_update(Context& ctx, const Words& w) {
  if (auto st = only_pcs_options(ctx, false, true); !st) return st;
  if (w.empty()) return alert_usage(ctx, {"recipient", "update"});
  auto s = parse_sections(Words(w.begin() + 1, w.end()), {"description", "value"});
  if (!s) return s.error();
  const std::string* value = main_value(*s, "value");
  if (value != nullptr && value->empty()) {
    return Error(ErrorCode::kInvalidInput, "Recipient value '' is not valid.");
  }
  auto alerts = alerts_section(ctx.doc);
  if (!alerts) return alerts.error();
  std::vector<std::string> problems;
  xmlNode* recipient = find_in_section(ctx.doc, *alerts, "recipient", w[0], problems);
  if (recipient == nullptr) return one_error(problems);
  if (value != nullptr) {
    if (auto st = check_unique_value(ctx, recipient->parent, *value, w[0]); !st) return st;
    xmlSetProp(recipient, BAD_CAST "value", BAD_CAST value->c_str());
  }
  set_common(ctx, recipient, *s);
  return ok_status();
}

}  // namespace

Status run_alert(Context& ctx, const std::vector<std::string>& args) {
  const std::string sub = args.empty() ? "config" : args[0];
  const Words rest = args.empty() ? Words{} : Words(args.begin() + 1, args.end());
  if (sub == "help") {
    ctx.out += pcs_sub_usage("alert", rest) + "\n";
    return ok_status();
  }
  if (sub == "config" || sub == "show") return alert_config(ctx, sub, rest);
  if (sub == "create") return alert_create(ctx, rest);
  if (sub == "update") return alert_update(ctx, rest);
  if (sub == "delete" || sub == "remove") return delete_elements(ctx, rest, "alert", {sub});
  if (sub != "recipient") return alert_usage(ctx, {""});
  if (rest.empty()) return alert_usage(ctx, {"recipient"});
  const std::string& verb = rest[0];
  const Words w(rest.begin() + 1, rest.end());
  if (verb == "add") return recipient_add(ctx, w);
  if (verb == "update") return recipient_update(ctx, w);
  if (verb == "delete" || verb == "remove") {
    return delete_elements(ctx, w, "recipient", {"recipient", verb});
  }
  return alert_usage(ctx, {"recipient", ""});
}

}  // namespace vigil::admin
