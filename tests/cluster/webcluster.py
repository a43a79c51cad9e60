# SPDX-License-Identifier: GPL-2.0-or-later
"""The textbook two-node web cluster (VIP + apache in group myweb, Web
preferring node1 10 over node2 5) on a harness.Cluster, for our stack
(configured with `vigil` commands, pcs syntax) and for Pacemaker 2.1.5
(crm_attribute + cibadmin), so the end-to-end tests and bench/failover
configure both the same way. Apache's configuration file is the same path
on every node (Cluster.web_configfile, a symlink on the node's private /run
to its own configuration), so no per-node rules are needed.
"""
import os
import pwd
import re

import harness
from harness import HarnessError


def preferences(preferred):
    """Web's location scores: 10 for the preferred node, 5 for the other."""
    other = 2 if preferred == 1 else 1
    return [("node%d" % preferred, 10), ("node%d" % other, 5)]


def vigil_commands(vip, configfile, no_quorum_policy="ignore", web_meta=(), vip_params=(),
                   preferred=1, stonith_enabled=False):
    """The configuration as `vigil` (pcs syntax) command lines; web_meta
    (["k=v", ...]) adds meta attributes to Web, vip_params instance
    attributes to VIP; Web prefers node `preferred` (10) over the other (5).
    With stonith_enabled the fencing configuration is left as it is
    (configure_fencing made it)."""
    return ([] if stonith_enabled else [["vigil", "property", "set", "stonith-enabled=false"]]) + [
        ["vigil", "property", "set", "no-quorum-policy=%s" % no_quorum_policy],
        ["vigil", "resource", "create", "VIP", "ocf:heartbeat:IPaddr2", "ip=%s" % vip,
         "cidr_netmask=24"] + list(vip_params) + ["op", "monitor", "interval=30s"],
        ["vigil", "resource", "create", "Web", "ocf:heartbeat:apache",
         "configfile=%s" % configfile, "statusurl=http://127.0.0.1/server-status",
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
                    preferred=1, stonith_enabled=False):
    wait_vigil_cib(c, i, timeout)
    for argv in vigil_commands(c.vip, c.web_configfile, no_quorum_policy, web_meta, vip_params,
                               preferred, stonith_enabled):
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
                        preferred=1, stonith_enabled=False):
    pcmk_wait_dc(c, i)
    if not stonith_enabled:
        c.check_exec(i, ["crm_attribute", "-t", "crm_config", "-n", "stonith-enabled", "-v",
                         "false"])
    c.check_exec(i, ["crm_attribute", "-t", "crm_config", "-n", "no-quorum-policy", "-v",
                     no_quorum_policy])
    c.check_exec(i, ["cibadmin", "-C", "-o", "resources", "-X",
                     PCMK_RESOURCES.format(vip=c.vip, conf=c.web_configfile,
                                           web_meta=pcmk_meta(web_meta),
                                           vip_params=pcmk_params("VIP", vip_params))])
    c.check_exec(i, ["cibadmin", "-C", "-o", "constraints", "-X", pcmk_constraints(preferred)])


def pcmk_settle(c, i, timeout=120):
    """Until the cluster has no pending actions (bounded)."""
    c.exec(i, ["crm_resource", "--wait", "--timeout=%ds" % timeout], timeout=timeout + 10)


def pcmk_status(c, i):
    p = c.exec(i, ["crm_mon", "-1"], timeout=15)
    return p.stdout + p.stderr


def configure(c, i=1, no_quorum_policy="ignore", web_meta=(), vip_params=(), preferred=1,
              stonith_enabled=False):
    """The web cluster; stonith-enabled=false unless stonith_enabled (then
    configure_fencing comes first, as an administrator creates the fence
    devices before the resources they protect)."""
    if c.stack == "pacemaker":
        configure_pacemaker(c, i, no_quorum_policy, web_meta, vip_params, preferred,
                            stonith_enabled)
    elif c.stack == "vigild":
        configure_vigil(c, i, no_quorum_policy, web_meta, vip_params, preferred=preferred,
                        stonith_enabled=stonith_enabled)
    else:
        raise HarnessError("stack %s runs no resources" % c.stack)


# --- fencing ---------------------------------------------------------------------

FENCE_AGENT = "fence_vigil_netns"
STUCK_SOCKET = "/run/vigil-netns/stuck.sock"  # the switch's outlet whose relay is stuck


def admin_tool(c):
    """The pcs-syntax administration command of the stack: pcs on Pacemaker
    (live, through cibadmin; no pcsd needed), vigil on ours."""
    return "pcs" if c.stack == "pacemaker" else "vigil"


def fencing_commands(nodes, priority_fencing_delay=None, delay_max=None, stuck_level_for=(),
                     stonith_action=None):
    """What an administrator types (pcs syntax, without the program name) to
    fence `nodes` (names) with the harness's power switch: one device per
    node (fence-nodeI, pcmk_host_list=nodeI) kept off the node it fences,
    optionally pcmk_delay_max on every device, priority-fencing-delay,
    stonith-action; for each node of stuck_level_for a two-level topology:
    level 1 a device on the switch's stuck outlet (fence-nodeI-stuck, passes
    its monitor, fails every off), level 2 the working device. Then
    stonith-enabled=true."""
    cmds = []
    for n in nodes:
        devices = [("fence-%s" % n, [])]
        if n in stuck_level_for:
            devices.insert(0, ("fence-%s-stuck" % n, ["switch_socket=%s" % STUCK_SOCKET]))
        for dev, extra in devices:
            cmds.append(["stonith", "create", dev, FENCE_AGENT, "pcmk_host_list=%s" % n] + extra +
                        (["pcmk_delay_max=%s" % delay_max] if delay_max else []))
            cmds.append(["constraint", "location", dev, "avoids", n])
        if n in stuck_level_for:
            for level, (dev, _extra) in enumerate(devices, 1):
                cmds.append(["stonith", "level", "add", str(level), n, dev])
    if priority_fencing_delay:
        cmds.append(["property", "set", "priority-fencing-delay=%s" % priority_fencing_delay])
    if stonith_action:
        cmds.append(["property", "set", "stonith-action=%s" % stonith_action])
    cmds.append(["property", "set", "stonith-enabled=true"])
    return cmds


def configure_fencing(c, i=1, **kw):
    """fencing_commands(every node of c, **kw), run inside node i with the
    stack's tool (pcs or vigil)."""
    if c.stack == "pacemaker":
        pcmk_wait_dc(c, i)
    elif c.stack == "vigild":
        wait_vigil_cib(c, i)
    else:
        raise HarnessError("stack %s has no fencing" % c.stack)
    tool = admin_tool(c)
    for argv in fencing_commands(["node%d" % n for n in c.nodes()], **kw):
        c.check_exec(i, [tool] + argv, timeout=60)


def fence_node(c, i, target, action="reboot"):
    """A manual fence of `target` from node i: `stonith_admin --reboot|--fence`
    on Pacemaker, `vigil stonith fence [--off]` on ours. The CompletedProcess."""
    if c.stack == "pacemaker":
        argv = ["stonith_admin", "--reboot" if action == "reboot" else "--fence", target,
                "--timeout", "120"]
    else:
        argv = ["vigil", "stonith", "fence", target] + (["--off"] if action == "off" else [])
    return c.exec(i, argv, timeout=150)


def fence_history(c, i):
    """Node i's fencing history, every target and every entry (the text the
    tool prints: `stonith_admin --history '*' --verbose`, which
    `pcs stonith history` prints too, and `vigil stonith history`)."""
    argv = (["stonith_admin", "--history", "*", "--verbose"] if c.stack == "pacemaker"
            else ["vigil", "stonith", "history"])
    p = c.exec(i, argv, timeout=30)
    return p.stdout + p.stderr


def fenced_count(c, i, target, action=None):
    """How many successful fencings of `target` (of `action`, default any)
    node i's history lists; None when the history cannot be read."""
    if not c.running(i):
        return None
    try:
        text = fence_history(c, i)
    except HarnessError:
        return None
    rx = re.compile(r"\b(%s) of %s successful\b" % (action or r"\w+", re.escape(target)))
    return sum(1 for line in text.splitlines() if rx.search(line))


ONLINE = re.compile(r"Online: \[ ([^\]]*) \]")


def online_nodes(c, i):
    """The nodes node i's status (crm_mon / vigil status) lists as online."""
    if not c.running(i):
        return set()
    try:
        m = ONLINE.search(status(c, i))
    except HarnessError:
        return set()
    return set(m.group(1).split()) if m else set()


def wait_online(c, i, nodes, timeout=120):
    """Until node i's status lists exactly `nodes` (names) online (bounded)."""
    want = set(nodes)
    harness.wait_until("node%d to see %s online" % (i, " ".join(sorted(want))),
                       lambda: online_nodes(c, i) == want, timeout, 1.0)


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


# Alerts: Debian's unmodified alert_file.sh sample (pacemaker-common) writing
# to a file under /var/log/vigil, which is each node's own.
ALERT_AGENT = "/usr/share/pacemaker/alerts/alert_file.sh.sample"
ALERT_RECIPIENT = "/var/log/vigil/alerts.log"
ALERT_STAMP = re.compile(r"^\d\d:\d\d:\d\d\.\d{6}: ")


def configure_file_alert(c, i=1):
    """The recipient file on every node, writable by hacluster (the agents'
    user on both stacks); then the alert, configured live from node i with
    the stack's pcs-syntax tool (`vigil alert ...`, `pcs alert ...`), until
    every running node's CIB holds it (its controller reads it on that
    change, well within the token timeout that any node loss takes)."""
    pw = pwd.getpwnam("hacluster")
    for n in c.nodes():
        path = os.path.join(c.node_dir(n), "log-vigil", "alerts.log")
        with open(path, "w"):
            pass
        os.chown(path, pw.pw_uid, pw.pw_gid)
        os.chmod(path, 0o644)
    tool = admin_tool(c)
    c.check_exec(i, [tool, "alert", "create", "path=" + ALERT_AGENT, "id=alert_file"])
    c.check_exec(i, [tool, "alert", "recipient", "add", "alert_file", "value=" + ALERT_RECIPIENT])
    harness.log("alert configured with %s:\n%s"
                % (tool, c.check_exec(i, [tool, "alert", "config"])))
    for n in c.nodes():
        if c.running(n):
            harness.wait_until("the alert in node%d's CIB" % n, lambda n=n: ALERT_AGENT in c.exec(
                n, [tool, "alert", "config"], timeout=15).stdout, 30, 0.25)


def alert_lines(c, i):
    """Node i's alert_file.sh lines as (seconds of the day, text after the
    timestamp)."""
    with open(os.path.join(c.node_dir(i), "log-vigil", "alerts.log")) as f:
        lines = f.read().splitlines()
    bad = [line for line in lines if not ALERT_STAMP.match(line)]
    if bad:
        raise HarnessError("node%d: lines without alert_file.sh's timestamp: %s" % (i, bad))
    out = []
    for line in lines:
        h, m, sec = line[:15].split(":")
        out.append((int(h) * 3600 + int(m) * 60 + float(sec), ALERT_STAMP.sub("", line)))
    return out


def alert_record(c, i):
    """Node i's alert_file.sh lines, their timestamps masked as "<time>: "."""
    return ["<time>: " + text for _, text in alert_lines(c, i)]
