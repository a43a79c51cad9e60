// SPDX-License-Identifier: GPL-2.0-or-later
// Alerts, as Pacemaker 2.1.5's controller sends them (controld_alerts.c):
// every controller reads the alerts section and, for the events it learns,
// has its driver run the alerts that select them. Node events for every
// membership change, fencing events for every fencing operation the fencer
// tells of, resource events for the operations this node ran, attribute
// events from the DC once it wrote the attribute (Pacemaker's attribute
// writer does it there).
#include <cerrno>

#include "machine.hpp"
#include "records.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::controller {

void Machine::on_cib_changed(const cibd::CibChange& change) {
  if (options_.alerts && change.config_changed) refresh_alerts();
  dc_cib_changed(change);
}

void Machine::refresh_alerts() {
  if (alerts_reading_) {
    alerts_stale_ = true;
    return;
  }
  alerts_reading_ = true;
  alerts_stale_ = false;
  Token t = ask<CibAnswer>(false, [this](const CibAnswer& in) { on_alerts_answer(in); });
  emit(CibQueryEffect{t, "alerts"});
}

void Machine::on_alerts_answer(const CibAnswer& in) {
  alerts_reading_ = false;
  if (!in.reply) {
    if (in.reply.error().code() == ErrorCode::kNotFound) {
      if (!alerts_.empty()) log(LogLevel::kInfo, "event=alerts-loaded count=0");
      alerts_.clear();
    } else {
      // Keep what was read before; the next configuration change reads again.
      log(LogLevel::kWarning,
          "event=alerts-read-failed error=\"" + in.reply.error().message() + "\"");
    }
  } else {
    auto doc = xml::parse_string(in.reply->xml, "the alerts section");
    if (!doc) {
      log(LogLevel::kWarning, "event=alerts-read-failed error=\"" + doc.error().message() + "\"");
    } else {
      const xmlNode* root = xmlDocGetRootElement(doc->get());
      const xmlNode* section = xml::is(root, "alerts") ? root : nullptr;
      if (section == nullptr && root != nullptr) {
        section = xml::first_child(xml::first_child(root, "configuration"), "alerts");
      }
      auto unpacked = alerts::unpack(section, now_.wall);
      for (const auto& w : unpacked.warnings) {
        log(LogLevel::kWarning, "event=alert-config-invalid reason=\"" + w + "\"");
      }
      if (unpacked.alerts != alerts_) {
        alerts_ = std::move(unpacked.alerts);
        log(LogLevel::kInfo, "event=alerts-loaded count=" + std::to_string(alerts_.size()));
      }
    }
  }
  if (alerts_stale_) refresh_alerts();
}

void Machine::send_alert(const alerts::Event& event) {
  if (!options_.alerts || alerts_.empty()) return;
  AlertEffect effect;
  for (const auto& a : alerts_) {
    if (alerts::selected(a, event)) effect.alerts.push_back(a);
  }
  if (effect.alerts.empty()) return;
  effect.event = event;
  emit(std::move(effect));
}

void Machine::alert_resource_op(const exec::OperationResult& r, int target_rc) {
  if (!options_.alerts || alerts_.empty() || r.action == "meta-data") return;
  alerts::ResourceOp op;
  op.rsc = r.rsc_id;
  op.task = r.action;
  op.interval_ms = static_cast<std::uint32_t>(r.interval.count());
  op.target_rc = target_rc < 0 ? 0 : target_rc;
  op.status = static_cast<int>(r.status);
  op.rc = static_cast<int>(r.rc);
  op.exec_time_ms =
      static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(r.exec_time).count());
  op.timeout_ms =
      static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(r.timeout).count());
  if (auto event = alerts::resource_event(node_name(self_), op)) send_alert(*event);
}

// The fencer's description of a fencing operation that ended, and its
// result as Pacemaker's legacy code (stonith__event_description,
// stonith__result2rc).
std::string fence_alert_description(const FenceEvent& e) {
  std::string status = e.succeeded ? "OK" : "Error occurred";
  if (!e.succeeded && !e.reason.empty()) status += " (" + e.reason + ")";
  return "Operation " + (e.action.empty() ? std::string("(unknown)") : e.action) + " of " +
         (e.target.empty() ? std::string("no node") : e.target) + " by " +
         (e.delegate.empty() ? std::string("the cluster") : e.delegate) + " for " +
         (e.client.empty() ? std::string("a client") : e.client) + "@" +
         (e.origin.empty() ? std::string("a node") : e.origin) + ": " + status +
         " (ref=" + (e.id.empty() ? std::string("(none)") : e.id) + ")";
}

// Pacemaker's controller gets the code from the result's execution status
// only (stonith__result2rc; the fencer's notification carries no stderr to
// read): a timeout -ETIME, no device -ENODEV, any other failure -ENODATA.
// Vigil's fencer folds the status into its reason, in the forms lib/fencing
// writes: "timed out ..." (the whole operation), "DEVICE (AGENT ACTION N):
// timed out after T" (a device), "no device can fence N"; a timeout in an
// agent's own stderr ("...: exit code 1 (timed out)") is no timeout.
int fence_alert_rc(const FenceEvent& e) {
  if (e.succeeded) return 0;
  const std::string& r = e.reason;
  if (r.starts_with("timed out") || r.find("): timed out after ") != std::string::npos) {
    return -ETIME;
  }
  if (r.starts_with("no device can fence ")) return -ENODEV;
  return -ENODATA;
}

}  // namespace vigil::controller
