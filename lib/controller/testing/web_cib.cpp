// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/controller/testing/web_cib.hpp"

namespace vigil::controller::testing {

std::string web_cluster_cib(const WebCibOptions& o) {
  std::string x =
      "<cib crm_feature_set=\"3.16.2\" validate-with=\"pacemaker-3.7\" epoch=\"1\" "
      "num_updates=\"0\" admin_epoch=\"0\"><configuration><crm_config>"
      "<cluster_property_set id=\"cib-bootstrap-options\">"
      "<nvpair id=\"cib-bootstrap-options-stonith-enabled\" name=\"stonith-enabled\" "
      "value=\"" +
      std::string(o.stonith_enabled ? "true" : "false") + "\"/>";
  if (!o.no_quorum_policy.empty()) {
    x +=
        "<nvpair id=\"cib-bootstrap-options-no-quorum-policy\" name=\"no-quorum-policy\" value=\"" +
        o.no_quorum_policy + "\"/>";
  }
  x += "</cluster_property_set></crm_config><nodes>";
  for (int i = 1; i <= o.nodes; ++i) {
    x += "<node id=\"" + std::to_string(i) + "\" uname=\"node" + std::to_string(i) + "\"/>";
  }
  x += "</nodes><resources><group id=\"myweb\">";
  if (!o.migration_threshold.empty()) {
    x += "<meta_attributes id=\"myweb-meta_attributes\"><nvpair "
         "id=\"myweb-meta_attributes-migration-threshold\" name=\"migration-threshold\" value=\"" +
         o.migration_threshold + "\"/></meta_attributes>";
  }
  const std::string mon = o.monitor_interval;
  x += "<primitive id=\"VIP\" class=\"ocf\" type=\"IPaddr2\" provider=\"heartbeat\">"
       "<instance_attributes id=\"VIP-instance_attributes\">"
       "<nvpair id=\"VIP-instance_attributes-cidr_netmask\" name=\"cidr_netmask\" value=\"24\"/>"
       "<nvpair id=\"VIP-instance_attributes-ip\" name=\"ip\" value=\"192.168.122.120\"/>"
       "</instance_attributes><operations>"
       "<op name=\"monitor\" interval=\"" +
       mon + "\" id=\"VIP-monitor-interval-" + mon +
       "\"/>"
       "<op name=\"start\" interval=\"0s\" timeout=\"20s\" id=\"VIP-start-interval-0s\"/>"
       "<op name=\"stop\" interval=\"0s\" timeout=\"20s\" id=\"VIP-stop-interval-0s\"/>"
       "</operations></primitive>"
       "<primitive id=\"Web\" class=\"ocf\" type=\"apache\" provider=\"heartbeat\">"
       "<instance_attributes id=\"Web-instance_attributes\">"
       "<nvpair id=\"Web-instance_attributes-configfile\" name=\"configfile\" "
       "value=\"/etc/apache2/apache2.conf\"/>"
       "</instance_attributes><operations>"
       "<op name=\"monitor\" interval=\"" +
       mon + "\" id=\"Web-monitor-interval-" + mon +
       "\"/>"
       "<op name=\"start\" interval=\"0s\" timeout=\"40s\" id=\"Web-start-interval-0s\"/>"
       "<op name=\"stop\" interval=\"0s\" timeout=\"60s\" id=\"Web-stop-interval-0s\"/>"
       "</operations></primitive></group></resources><constraints>"
       "<rsc_location id=\"location-Web-node1-10\" rsc=\"Web\" node=\"node1\" score=\"10\"/>"
       "<rsc_location id=\"location-Web-node2-5\" rsc=\"Web\" node=\"node2\" score=\"5\"/>"
       "</constraints></configuration><status/></cib>";
  return x;
}

}  // namespace vigil::controller::testing
