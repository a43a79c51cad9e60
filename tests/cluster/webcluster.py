# SPDX-License-Identifier: GPL-2.0-or-later
"""The textbook two-node web cluster (VIP + apache in group myweb, Web
preferring node1 10 over node2 5) on a harness.Cluster, for our stack
(configured with `vigil` commands, pcs syntax) and for Pacemaker 2.1.5
(crm_attribute + cibadmin), so the end-to-end tests and bench/failover
configure both the same way. Apache's configuration file is the same path
on every node (harness.WEB_CONFIGFILE, a symlink on the node's private /run
to its own configuration), so no per-node rules are needed.
"""
import re

import harness
from harness import HarnessError, WEB_CONFIGFILE


def preferences(preferred):
    """Web's location scores: 10 for the preferred node, 5 for the other."""
    other = 2 if preferred == 1 else 1
    return [("node%d" % preferred, 10), ("node%d" % other, 5)]


def vigil_commands(vip, no_quorum_policy="ignore", web_meta=(), vip_params=(), preferred=1):
    """The configuration as `vigil` (pcs syntax) command lines; web_meta
    (["k=v", ...]) adds meta attributes to Web, vip_params instance
    attributes to VIP; Web prefers node `preferred` (10) over the other (5)."""
    return [
        ["vigil", "property", "set", "stonith-enabled=false"],
        ["vigil", "property", "set", "no-quorum-policy=%s" % no_quorum_policy],
        ["vigil", "resource", "create", "VIP", "ocf:heartbeat:IPaddr2", "ip=%s" % vip,
         "cidr_netmask=24"] + list(vip_params) + ["op", "monitor", "interval=30s"],
        ["vigil", "resource", "create", "Web", "ocf:heartbeat:apache",
         "configfile=%s" % WEB_CONFIGFILE, "statusurl=http://127.0.0.1/server-status",
         "op", "monitor", "interval=30s"] + (["meta"] + list(web_meta) if web_meta else []),
        ["vigil", "resource", "group", "add", "myweb", "VIP", "Web"],
    ] + [["vigil", "constraint", "location", "Web", "prefers", "%s=%d" % p]
         for p in preferences(preferred)]


def wait_vigil_cib(c, i, timeout=90):
    """Until `vigil property config` answers inside node i (vigil-cib is up
    and reachable through $VIGIL_RUN_DIR/cib.sock)."""
    last = [""]

    def ready():
        p = c.exec(i, ["vigil", "property", "config"], timeout=15)
        last[0] = (p.stderr + p.stdout).strip()
        return p.returncode == 0
    try:
        harness.wait_until("vigil-cib on node%d" % i, ready, timeout, 1.0)
    except HarnessError as e:
        raise HarnessError("%s; last answer of `vigil property config`: %s" % (e, last[0]))


def configure_vigil(c, i=1, no_quorum_policy="ignore", web_meta=(), vip_params=(), timeout=90,
                    preferred=1):
    wait_vigil_cib(c, i, timeout)
    for argv in vigil_commands(c.vip, no_quorum_policy, web_meta, vip_params, preferred):
        c.check_exec(i, argv, timeout=30)


def vigil_status(c, i):
    p = c.exec(i, ["vigil", "status"], timeout=15)
    return p.stdout + p.stderr


PCMK_RESOURCES = """<resources>
  <group id="myweb">
    <primitive id="VIP" class="ocf" provider="heartbeat" type="IPaddr2">
      <instance_attributes id="VIP-instance_attributes">
        <nvpair id="VIP-instance_attributes-ip" name="ip" value="{vip}"/>
        <nvpair id="VIP-instance_attributes-cidr_netmask" name="cidr_netmask" value="24"/>
{vip_params}      </instance_attributes>
      <operations>
        <op id="VIP-monitor-interval-30s" name="monitor" interval="30s"/>
      </operations>
    </primitive>
    <primitive id="Web" class="ocf" provider="heartbeat" type="apache">
      <instance_attributes id="Web-instance_attributes">
        <nvpair id="Web-instance_attributes-configfile" name="configfile" value="{conf}"/>
        <nvpair id="Web-instance_attributes-statusurl" name="statusurl"
                value="http://127.0.0.1/server-status"/>
      </instance_attributes>
{web_meta}      <operations>
        <op id="Web-monitor-interval-30s" name="monitor" interval="30s"/>
      </operations>
    </primitive>
  </group>
</resources>
"""

def pcmk_constraints(preferred=1):
    """The constraints section pcs writes for Web's preferences."""
    return ("<constraints>\n" + "".join(
        '  <rsc_location id="location-Web-%s-%d" rsc="Web" node="%s" score="%d"/>\n'
        % (n, sc, n, sc) for n, sc in preferences(preferred)) + "</constraints>\n")


def pcmk_wait_dc(c, i, timeout=120):
    """Until node i's own crm_mon names a DC (pitfall 10: ask that node)."""
    def ready():
        p = c.exec(i, ["crm_mon", "-1"], timeout=15)
        return p.returncode == 0 and "Current DC: node" in p.stdout
    harness.wait_until("a DC in node%d's crm_mon" % i, ready, timeout, 0.5)


def pcmk_meta(web_meta):
    """pcs's meta_attributes block for Web from ["k=v", ...]."""
    if not web_meta:
        return ""
    pairs = [kv.split("=", 1) for kv in web_meta]
    return ('      <meta_attributes id="Web-meta_attributes">\n' +
            "".join('        <nvpair id="Web-meta_attributes-%s" name="%s" value="%s"/>\n'
                    % (k, k, v) for k, v in pairs) +
            "      </meta_attributes>\n")


def pcmk_params(rid, params):
    """nvpairs of instance attributes from ["k=v", ...], with pcs's ids."""
    return "".join('        <nvpair id="%s-instance_attributes-%s" name="%s" value="%s"/>\n'
                   % (rid, k, k, v) for k, v in (kv.split("=", 1) for kv in params))


def configure_pacemaker(c, i=1, no_quorum_policy="ignore", web_meta=(), vip_params=(),
                        preferred=1):
    pcmk_wait_dc(c, i)
    c.check_exec(i, ["crm_attribute", "-t", "crm_config", "-n", "stonith-enabled", "-v", "false"])
    c.check_exec(i, ["crm_attribute", "-t", "crm_config", "-n", "no-quorum-policy", "-v",
                     no_quorum_policy])
    c.check_exec(i, ["cibadmin", "-C", "-o", "resources", "-X",
                     PCMK_RESOURCES.format(vip=c.vip, conf=WEB_CONFIGFILE,
                                           web_meta=pcmk_meta(web_meta),
                                           vip_params=pcmk_params("VIP", vip_params))])
    c.check_exec(i, ["cibadmin", "-C", "-o", "constraints", "-X", pcmk_constraints(preferred)])


def pcmk_settle(c, i, timeout=120):
    """Until the cluster has no pending actions (bounded)."""
    c.exec(i, ["crm_resource", "--wait", "--timeout=%ds" % timeout], timeout=timeout + 10)


def pcmk_status(c, i):
    p = c.exec(i, ["crm_mon", "-1"], timeout=15)
    return p.stdout + p.stderr


def configure(c, i=1, no_quorum_policy="ignore", web_meta=(), vip_params=(), preferred=1):
    if c.stack == "pacemaker":
        configure_pacemaker(c, i, no_quorum_policy, web_meta, vip_params, preferred)
    elif c.stack == "vigild":
        configure_vigil(c, i, no_quorum_policy, web_meta, vip_params, preferred=preferred)
    else:
        raise HarnessError("stack %s runs no resources" % c.stack)


def status(c, i):
    if not c.running(i):
        return "(node%d is down)" % i
    try:
        return pcmk_status(c, i) if c.stack == "pacemaker" else vigil_status(c, i)
    except HarnessError as e:
        return str(e)


PENDING = re.compile(r"\b(Starting|Stopping|Migrating|Promoting|Demoting|FAILED)\b")


def vigil_settle(c, i, timeout=60, stable=3):
    """Until node i's `vigil status` shows no resource in transit and stays
    the same for `stable` polls one second apart (vigil has no
    `crm_resource --wait` yet). Returns the settled status text."""
    last = [None, 0]

    def settled():
        text = vigil_status(c, i)
        # the "Last updated" line changes on every call
        body = "\n".join(line for line in text.splitlines() if "Last updated" not in line)
        if PENDING.search(body) or body != last[0]:
            last[0], last[1] = body, 0
            return None
        last[1] += 1
        return text if last[1] >= stable - 1 else None
    return harness.wait_until("node%d's `vigil status` to settle" % i, settled, timeout, 1.0)


def settle(c, i, timeout=120):
    if c.stack == "pacemaker":
        pcmk_settle(c, i, timeout)
    else:
        vigil_settle(c, i, min(timeout, 60))


def standby(c, i, node, on):
    """Puts `node` in standby (on) or takes it out, from node i."""
    if c.stack == "pacemaker":
        c.check_exec(i, ["crm_attribute", "-t", "nodes", "-N", node, "-n", "standby", "-v",
                         "on" if on else "off"])
    else:
        c.check_exec(i, ["vigil", "node", "standby" if on else "unstandby", node])


# The daemons a supervisor respawns, per stack (process names).
SUPERVISED = {
    "vigild": ("vigil-cib", "vigil-stonithd", "vigil-lrmd", "vigil-pengine", "vigil-crmd"),
    "pacemaker": ("pacemaker-based", "pacemaker-execd", "pacemaker-schedulerd",
                  "pacemaker-controld"),
}


def status_argv(c):
    return ["crm_mon", "-1"] if c.stack == "pacemaker" else ["vigil", "status"]
