// SPDX-License-Identifier: GPL-2.0-or-later
// --wait on live resource commands: after the write, poll the cluster's CIB
// until crm_resource --wait would call it settled (cluster_wait.cpp), then
// report where the resources run, in the words of the pcs code path the
// command takes (its library: create, enable, disable, group add; its older command
// line code: update, meta). The other commands' --wait: resource_wait_more.cpp.
#include "resource_wait.hpp"

#include <algorithm>
#include <cctype>

#include "vigil/admin/live_cib.hpp"
#include "vigil/admin/status_xml.hpp"

namespace vigil::admin {
namespace {

void collect(const xmlNode* n, std::vector<const xmlNode*>& out, const char* tag) {
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (xml::is(c, tag)) out.push_back(c);
    collect(c, out, tag);
  }
}

std::vector<const xmlNode*> element_children(const xmlNode* n, const char* tag) {
  std::vector<const xmlNode*> out;
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE && xml::is(c, tag)) out.push_back(c);
  }
  return out;
}

// pcs matches an id and its clone instances ("id:N") alike.
bool id_or_instance(const std::string& eid, const std::string& id) {
  return eid == id || eid.rfind(id + ":", 0) == 0;
}

void add_roles(const xmlNode* res, RoleNodes& roles) {
  if (xml::attr_or(res, "failed") == "true") return;
  const std::string role = xml::attr_or(res, "role");
  if (role != "Started" && role != "Promoted" && role != "Master" && role != "Unpromoted" &&
      role != "Slave") {
    return;
  }
  auto& nodes = roles[role];
  for (const xmlNode* n : element_children(res, "node")) nodes.insert(xml::attr_or(n, "name"));
}

// A group's member that stands for it: its last when it is expected to
// run (all have started), its first otherwise (all have stopped).
void add_group_roles(const xmlNode* group, bool expect_running, RoleNodes& roles) {
  auto members = element_children(group, "resource");
  if (!members.empty()) add_roles(expect_running ? members.back() : members.front(), roles);
}

std::string quoted_list(const std::set<std::string>& nodes) {
  std::string out;
  for (const auto& n : nodes) out += (out.empty() ? "'" : ", '") + n + "'";
  return out;
}

}  // namespace

Result<xml::DocPtr> cluster_state(xmlDoc* doc, EpochSeconds now) {
  auto text = cluster_status_xml(doc, now, nullptr);
  if (!text) return text.error();
  return xml::parse_string(*text, "crm_mon's XML");
}

RoleNodes library_state(const xmlNode* root, const std::string& id, bool expect_running) {
  RoleNodes roles;
  std::vector<const xmlNode*> all;
  for (const char* tag : {"resource", "group", "clone", "bundle"}) collect(root, all, tag);
  for (const xmlNode* e : all) {
    const std::string eid = xml::attr_or(e, "id");
    if (xml::is(e, "resource") && id_or_instance(eid, id)) add_roles(e, roles);
    if (xml::is(e, "group") && id_or_instance(eid, id)) add_group_roles(e, expect_running, roles);
    if (xml::is(e, "clone") && eid == id) {
      for (const xmlNode* r : element_children(e, "resource")) add_roles(r, roles);
      for (const xmlNode* g : element_children(e, "group")) {
        add_group_roles(g, expect_running, roles);
      }
    }
    if (xml::is(e, "bundle") && eid == id) {
      for (const xmlNode* replica : element_children(e, "replica")) {
        for (const xmlNode* r : element_children(replica, "resource")) add_roles(r, roles);
      }
    }
  }
  return roles;
}

std::string library_line(const std::string& id, const RoleNodes& roles) {
  if (roles.empty()) return "resource '" + id + "' is not running on any node";
  std::map<std::string, std::set<std::string>> labelled;
  for (const auto& [role, nodes] : roles) {
    std::string label = role == "Started" ? "running" : role;
    for (char& c : label) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    labelled[label].insert(nodes.begin(), nodes.end());
  }
  std::string out;
  for (const auto& [label, nodes] : labelled) {
    if (!out.empty()) out += "; ";
    out += label + " on node" + (nodes.size() > 1 ? "s " : " ") + quoted_list(nodes);
  }
  return "resource '" + id + "' is " + out;
}

std::set<std::string> active_nodes(const RoleNodes& roles) {
  std::set<std::string> out;
  for (const auto& [role, nodes] : roles) {
    if (role == "Started" || role == "Promoted" || role == "Master") {
      out.insert(nodes.begin(), nodes.end());
    }
  }
  return out;
}

// pcs's command line code (utils.resource_running_on).
std::string cli_line(const xmlNode* root, const std::string& id) {
  std::string target = id;
  std::vector<const xmlNode*> clones, groups, resources;
  collect(root, clones, "clone");
  collect(root, groups, "group");
  collect(root, resources, "resource");
  for (const xmlNode* c : clones) {
    if (xml::attr_or(c, "id") != id) continue;
    for (const xmlNode* k = c->children; k != nullptr; k = k->next) {
      if (k->type != XML_ELEMENT_NODE || !(xml::is(k, "resource") || xml::is(k, "group"))) {
        continue;
      }
      target = xml::attr_or(k, "id");
      if (auto colon = target.rfind(':');
          colon != std::string::npos && colon + 1 < target.size() &&
          target.find_first_not_of("0123456789", colon + 1) == std::string::npos) {
        target.resize(colon);
      }
      break;
    }
  }
  for (const xmlNode* g : groups) {
    const std::string gid = xml::attr_or(g, "id");
    if (gid != target && gid.rfind(target + ":", 0) != 0) continue;
    std::vector<const xmlNode*> members;
    collect(g, members, "resource");
    if (!members.empty()) target = xml::attr_or(members.back(), "id");
  }
  std::vector<std::string> started, promoted, unpromoted;
  for (const xmlNode* r : resources) {
    const std::string rid = xml::attr_or(r, "id");
    if ((rid != target && rid.rfind(target + ":", 0) != 0) || xml::attr_or(r, "failed") == "true") {
      continue;
    }
    const std::string role = xml::attr_or(r, "role");
    for (const xmlNode* n : element_children(r, "node")) {
      const std::string name = xml::attr_or(n, "name");
      if (role == "Started") started.push_back(name);
      if (role == "Promoted" || role == "Master") promoted.push_back(name);
      if (role == "Unpromoted" || role == "Slave") unpromoted.push_back(name);
    }
  }
  if (started.empty() && promoted.empty() && unpromoted.empty()) {
    return "Resource '" + id + "' is not running on any node";
  }
  std::string out;
  for (auto [list, label] : {std::pair{&started, "running"}, std::pair{&promoted, "promoted"},
                             std::pair{&unpromoted, "unpromoted"}}) {
    if (list->empty()) continue;
    std::sort(list->begin(), list->end());
    std::string names;
    for (const auto& n : *list) names += (names.empty() ? "" : ", ") + n;
    if (!out.empty()) out += "; ";
    out += std::string(label) + " on node" + (list->size() > 1 ? "s " : " ") + names;
  }
  return "Resource '" + id + "' is " + out + ".";
}

namespace {

// The ids the library reports on: the created or enabled/disabled ones.
std::vector<std::string> reported_ids(const std::vector<std::string>& args) {
  std::vector<std::string> ids;
  if (args.size() < 3) return ids;
  if (args[1] == "create") return {args[2]};
  if (args[1] == "group") return ids;  // group add: no state reported
  for (size_t i = 2; i < args.size(); ++i) ids.push_back(args[i]);
  return ids;
}

}  // namespace

bool resource_wait_supported(const std::string& sub, const std::string& sub2) {
  return (sub == "group" && sub2 == "add") || sub == "create" || sub == "enable" ||
         sub == "disable" || sub == "update" || sub == "meta" ||
         waits_more({"resource", sub, sub2});
}

WaitOutcome settle(LiveCib& cib, int timeout_s) {
  WaitOutcome out;
  const EpochSeconds expire = cib.now() + timeout_s;
  for (bool first = true;; first = false) {
    if (cib.now() >= expire) {
      out.timed_out = true;
      return out;
    }
    if (!first) cib.sleep_seconds(2);
    auto doc = cib.read();
    if (!doc) return {false, {}, doc.error().message(), nullptr};
    auto work = unsettled_work(doc->get(), cib.now());
    if (!work) return {false, {}, work.error().message(), nullptr};
    out.pending = *work;
    if (work->empty()) {
      out.doc = std::move(*doc);
      return out;
    }
  }
}

std::string waiting_line(const std::string& value, int timeout_s) {
  std::string line = "Waiting for the cluster to apply configuration changes";
  if (!value.empty() && timeout_s > 0) {
    line +=
        " (timeout: " + std::to_string(timeout_s) + " second" + (timeout_s == 1 ? "" : "s") + ")";
  }
  return line + "...";
}

std::string pending_text(const WaitOutcome& waited) {
  if (!waited.timed_out) return "";
  // crm_resource's closing error (stderr) comes first: pcs joins stderr
  // and stdout in that order, and its own stdio buffers stdout in the pipe.
  // Its list names the scheduler's actions only, not operations in flight.
  std::string text = "crm_resource: Error performing operation: Timeout occurred\nPending actions:";
  for (const auto& p : waited.pending) {
    if (p.rfind("Action ", 0) == 0) text += "\n\t" + p;
  }
  return text;
}

WaitOutcome settle_for(Context& ctx, int timeout_s) {
  return settle(*ctx.live_cib, timeout_s > 0 ? timeout_s : 60 * 60);
}

Result<xml::DocPtr> state_after(Context& ctx, WaitOutcome& waited) {
  xml::DocPtr doc = std::move(waited.doc);
  if (!doc) {
    auto now = ctx.live_cib->read();
    if (!now) return now.error();
    doc = std::move(*now);
  }
  return cluster_state(doc.get(), ctx.live_cib->now());
}

Status wait_after_write(Context& ctx, const std::vector<std::string>& args) {
  if (!ctx.flags.wait || ctx.live_cib == nullptr || args.size() < 2) return ok_status();
  if (args[1] == "restart") return ok_status();  // it waits itself (resource_restart.cpp)
  auto timeout = wait_timeout_seconds(*ctx.flags.wait);
  if (!timeout) return timeout.error();
  if (waits_more(args)) return wait_after_write_more(ctx, args, *timeout);
  const std::string& sub = args[1];
  const bool library = sub == "create" || sub == "enable" || sub == "disable" || sub == "group";
  if (library) ctx.notes.push_back(waiting_line(*ctx.flags.wait, *timeout));
  WaitOutcome waited = settle_for(ctx, *timeout);
  if (!waited.error.empty()) return Error(ErrorCode::kInternal, waited.error);
  const std::string pending = pending_text(waited);
  if (library && waited.timed_out) {
    return Error(ErrorCode::kInvalidInput, "waiting timeout\n\n" + pending);
  }
  auto state = state_after(ctx, waited);
  if (!state) return state.error();
  const xmlNode* root = xmlDocGetRootElement(state->get());
  if (!library) {
    const std::string line = cli_line(root, args.size() > 2 ? args[2] : "");
    if (!waited.timed_out) {
      ctx.notes.push_back(line);
      return ok_status();
    }
    std::string msg = "waiting timeout\n" + line;
    if (!pending.empty()) msg += "\n\n" + pending;
    return Error(ErrorCode::kInvalidInput, msg);
  }
  // create expects a stop when it disabled the resource (--disabled, or
  // meta target-role=Stopped in any case).
  auto stopped_meta = [&]() {
    return std::any_of(args.begin(), args.end(), [](std::string a) {
      for (char& c : a) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return a == "target-role=stopped";
    });
  };
  const bool expect_running =
      sub == "enable" || (sub == "create" && !ctx.flags.disabled && !stopped_meta());
  std::vector<std::string> errors;
  for (const std::string& id : reported_ids(args)) {
    const RoleNodes roles = library_state(root, id, expect_running);
    const std::string line = library_line(id, roles);
    if (roles.empty() == expect_running) {
      errors.push_back(line);
    } else {
      ctx.notes.push_back(line);
    }
  }
  if (errors.empty()) return ok_status();
  // pcs reports each, then ends on its summary.
  for (const auto& e : errors) ctx.notes.push_back("Error: " + e);
  return Error(ErrorCode::kInvalidInput,
               "Errors have occurred, therefore vigil is unable to continue");
}

}  // namespace vigil::admin
