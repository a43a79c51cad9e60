// SPDX-License-Identifier: GPL-2.0-or-later
// CIB text for the engine's unit tests: two online nodes, Dummy primitives,
// locations and operation history written as the controller records them.
#pragma once

#include <string>

namespace vigil::pengine::testing {

// Two online nodes, stonith off; `extra_props` go into the cluster options.
inline std::string make_cib(const std::string& resources, const std::string& constraints,
                            const std::string& lrm1 = "", const std::string& lrm2 = "",
                            const std::string& extra_props = "",
                            const std::string& transient1 = "") {
  auto node_state = [](const std::string& id, const std::string& lrm, const std::string& attrs) {
    return R"(<node_state id=")" + id + R"(" uname="node)" + id +
           R"(" in_ccm="true" crmd="online" join="member" expected="member">)" + attrs +
           R"(<lrm id=")" + id + R"("><lrm_resources>)" + lrm +
           "</lrm_resources></lrm></node_state>\n";
  };
  // crm_feature_set matters: below 3.0.13 (or absent) Pacemaker reads only
  // legacy per-resource fail counts, not the per-operation ones used here.
  return R"(<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.7" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="opt-stonith-enabled" name="stonith-enabled" value="false"/>
)" + extra_props +
         R"(      </cluster_property_set>
    </crm_config>
    <nodes>
      <node id="1" uname="node1"/>
      <node id="2" uname="node2"/>
    </nodes>
    <resources>
)" + resources +
         "    </resources>\n    <constraints>\n" + constraints +
         "    </constraints>\n  </configuration>\n  <status>\n" +
         node_state("1", lrm1, transient1) + node_state("2", lrm2, "") + "  </status>\n</cib>\n";
}

inline std::string dummy(const std::string& id, const std::string& meta = "") {
  std::string s = R"(<primitive id=")" + id + R"(" class="ocf" provider="pacemaker" type="Dummy">)";
  if (!meta.empty())
    s += R"(<meta_attributes id=")" + id + R"(-meta">)" + meta + "</meta_attributes>";
  s += R"(<operations><op id=")" + id +
       R"(-monitor-interval-10s" name="monitor" interval="10s" timeout="20s"/></operations>)";
  return s + "</primitive>\n";
}

inline std::string nvpair(const std::string& id, const std::string& name,
                          const std::string& value) {
  return R"(<nvpair id=")" + id + R"(" name=")" + name + R"(" value=")" + value + R"("/>)";
}

inline std::string location(const std::string& rsc, const std::string& node,
                            const std::string& score) {
  return R"(<rsc_location id="loc-)" + rsc + "-" + node + R"(" rsc=")" + rsc + R"(" node=")" +
         node + R"(" score=")" + score +
         R"("/>)"
         "\n";
}

// One lrm_rsc_op as the controller records it (digests: a Dummy without parameters).
inline std::string op(const std::string& rsc, const std::string& id, const std::string& task,
                      int interval_ms, int call_id, int rc) {
  const std::string digest =
      interval_ms == 0 ? "f2317cad3d54cec5d7d7aa7d0bf35cf8" : "4811cef7f7f94e3a35a70be7916cb2fd";
  const std::string key = rsc + "_" + task + "_" + std::to_string(interval_ms);
  const std::string tkey = std::to_string(call_id) + ":-1:0:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
  return R"(<lrm_rsc_op id=")" + id + R"(" operation_key=")" + key + R"(" operation=")" + task +
         R"(" transition-key=")" + tkey + R"(" transition-magic="0:)" + std::to_string(rc) + ";" +
         tkey + R"(" call-id=")" + std::to_string(call_id) + R"(" rc-code=")" + std::to_string(rc) +
         R"(" op-status="0" interval=")" + std::to_string(interval_ms) +
         R"(" last-rc-change="1795600000" exec-time="0" queue-time="0" op-digest=")" + digest +
         R"("/>)";
}

// History of a Dummy started (and monitored) on a node.
inline std::string started(const std::string& rsc) {
  return R"(<lrm_resource id=")" + rsc + R"(" class="ocf" provider="pacemaker" type="Dummy">)" +
         op(rsc, rsc + "_last_0", "start", 0, 2, 0) +
         op(rsc, rsc + "_monitor_10000", "monitor", 10000, 3, 0) + "</lrm_resource>";
}

// History of a probe that found a Dummy stopped.
inline std::string probed(const std::string& rsc) {
  return R"(<lrm_resource id=")" + rsc + R"(" class="ocf" provider="pacemaker" type="Dummy">)" +
         op(rsc, rsc + "_last_0", "monitor", 0, 1, 7) + "</lrm_resource>";
}

// History of a Dummy started on a node whose 10 s monitor then failed (rc 7).
inline std::string failed_monitor(const std::string& rsc) {
  return R"(<lrm_resource id=")" + rsc + R"(" class="ocf" provider="pacemaker" type="Dummy">)" +
         op(rsc, rsc + "_last_0", "start", 0, 2, 0) +
         op(rsc, rsc + "_monitor_10000", "monitor", 10000, 3, 0) +
         op(rsc, rsc + "_last_failure_0", "monitor", 10000, 4, 7) + "</lrm_resource>";
}

// Node 1's transient attributes: one failure of rsc's 10 s monitor at `when`.
inline std::string one_monitor_failure(const std::string& rsc, const std::string& when) {
  return R"(<transient_attributes id="1"><instance_attributes id="status-1">)" +
         nvpair("status-1-fc", "fail-count-" + rsc + "#monitor_10000", "1") +
         nvpair("status-1-lf", "last-failure-" + rsc + "#monitor_10000", when) +
         "</instance_attributes></transient_attributes>";
}

}  // namespace vigil::pengine::testing
