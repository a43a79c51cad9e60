// SPDX-License-Identifier: GPL-2.0-or-later
// What `--wait` waits for, as crm_resource --wait decides it: the scheduler
// run on the current CIB has no action left to do (one that is required,
// runnable, not a pseudo action and not a notification), and the status
// section records no operation still in flight (rc-code 193, op-status -1,
// written by the controller while an operation runs). The poll itself
// belongs to the caller that talks to the cluster.
#include "resource_edit.hpp"
#include "status_view.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/pengine/working_set.hpp"

namespace vigil::admin {
namespace {

void find_pending_ops(const xmlNode* n, const std::string& node, std::vector<std::string>& out) {
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    const std::string here = xml::is(c, "node_state") ? xml::attr_or(c, "uname") : node;
    if (xml::is(c, "lrm_rsc_op") &&
        (xml::attr_or(c, "rc-code") == "193" || xml::attr_or(c, "op-status") == "-1")) {
      out.push_back("Pending operation: " + xml::attr_or(c, "operation_key") + "\ton " + here);
    }
    find_pending_ops(c, here, out);
  }
}

}  // namespace

Result<std::vector<std::string>> unsettled_work(xmlDoc* doc, EpochSeconds now) {
  std::vector<std::string> out;
  if (const xmlNode* root = xmlDocGetRootElement(doc)) {
    if (const xmlNode* status = xml::first_child(root, "status")) {
      find_pending_ops(status, "", out);
    }
  }
  auto scheduled = status_view::unpack_copy(doc, now, true);
  if (!scheduled) return scheduled.error();
  // Newest first, as crm_resource lists them (Pacemaker prepends each
  // action it creates).
  const auto& actions = scheduled->ws->actions;
  for (auto it = actions.rbegin(); it != actions.rend(); ++it) {
    const pengine::Action* a = *it;
    if ((a->flags & (pengine::kActOptional | pengine::kActPseudo)) != 0) continue;
    if ((a->flags & pengine::kActRunnable) == 0 || a->task == "notify") continue;
    std::string line = "Action " + std::to_string(a->id) + ": " + a->uuid;
    if (a->node != nullptr) line += "\ton " + a->node->uname;
    out.push_back(std::move(line));
  }
  return out;
}

Result<int> wait_timeout_seconds(const std::string& value) {
  if (value.empty()) return 60 * 60;  // crm_resource's default without --timeout
  auto digits = [](std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
  };
  const std::string_view v = value;
  if (digits(v)) return std::stoi(value);
  static const std::pair<const char*, int> kUnits[] = {{"s", 1},    {"sec", 1},  {"m", 60},
                                                       {"min", 60}, {"h", 3600}, {"hr", 3600}};
  for (const auto& [suffix, mult] : kUnits) {
    const std::string_view sfx = suffix;
    if (v.size() > sfx.size() && v.substr(v.size() - sfx.size()) == sfx &&
        digits(v.substr(0, v.size() - sfx.size()))) {
      return std::stoi(value.substr(0, v.size() - sfx.size())) * mult;
    }
  }
  return Error(ErrorCode::kInvalidInput, value + " is not a valid number of seconds to wait");
}

}  // namespace vigil::admin
