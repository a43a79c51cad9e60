#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The cluster's life cycle over ssh, from bare nodes running only sshd.

  test_cluster_lifecycle.py --build-dir DIR [--work DIR] [--keep]

Three network namespaces, each running only its own sshd (sshnodes.py: keys,
known hosts and /etc/hosts generated under WORK, nothing of the host's
/root/.ssh or /etc/ssh touched). Everything else is done from inside node1
with `vigil`, as an administrator would after the textbook's ssh-copy-id:
  - `host auth node1 node2` (and node9, which does not exist: refused, named);
  - `cluster setup` refused while a name does not resolve: nothing written;
  - `cluster setup mycluster node1 node2`: the same corosync.conf on both
    (pcs 0.11.5's file for these words plus a cluster_uuid), the same
    256-byte authkey, mode 0400;
  - `cluster setup` again: refused (the nodes are in a cluster), nothing changed;
    `cluster corosync [node2]` prints them; `cluster sync` undoes an edit on node2;
  - `cluster start --all`: corosync and vigild started through the launcher
    (netns-launcher, named by VIGIL_LAUNCHER in the ssh session); `vigil
    status` shows both nodes online; `cluster status` prints pcs's "Cluster
    Status:" (the summary and node list of the live `vigil status`'s crm_mon
    part, as pcs cuts crm_mon -1 -r) and "PCSD Status:" (each node over
    ssh); `cluster enable node2` and `cluster disable --all` as the launcher
    records them;
  - `cluster node add node3 --start` (node3: a third bare node): the same
    corosync.conf everywhere, without two_node, node3 with the cluster's
    key, three members; `cluster kill node3`: its daemons gone at once;
    `cluster node remove node3`: node3 destroyed, two_node back, node3's
    <node> and <node_state> gone from `vigil cluster cib`;
  - `cluster stop --all` (both nodes at once, two phases): pcs's lines, no
    corosync or vigil daemon left in any node, the launcher's pid files gone;
  - `cluster destroy --all`: corosync.conf and authkey gone on both nodes.
Exits 77 (skipped) without root or namespaces, or while vigil / vigild are
not built.
"""
import os
import re
import stat
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import harness  # noqa: E402
import sshnodes  # noqa: E402
from harness import check  # noqa: E402
from sshnodes import run_on, wait  # noqa: E402

PCS_TWO_NODES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.realpath(__file__)))), "lib", "admin", "testdata", "corosync_setup", "two_nodes.conf")



def vigil(c, *words, rc=0, timeout=120):
    """`vigil WORDS` on node1, its exit code checked."""
    return run_on(c, 1, ["vigil"] + list(words), rc=rc, timeout=timeout)


def conf_path(c, i, name):
    return os.path.join(c.node_dir(i), "etc-corosync", name)


def read(path, mode="r"):
    try:
        with open(path, mode) as f:
            return f.read()
    except FileNotFoundError:
        return None


def cluster_files(c, nodes=(1, 2)):
    return [(read(conf_path(c, i, "corosync.conf")), read(conf_path(c, i, "authkey"), "rb"))
            for i in nodes]


def daemons(c, i):
    """Cluster daemons (corosync, vigild, vigil-*) running in node i."""
    return sorted(comm for comm in c.processes(i).values()
                  if comm == "corosync" or comm.startswith("vigil"))



def enabled(c, i):
    """The units the launcher has enabled on node i."""
    return [u for u in ("corosync.service", "vigil.service")
            if c.exec(i, [sshnodes.LAUNCHER, "is-enabled", u]).returncode == 0]


def pcs_cluster_status(status_text, nodes):
    """What pcs's `cluster status` prints for this `crm_mon -1 -r` text:
    up to its second empty line, each line after a space; then each node's
    line under "PCSD Status:"."""
    lines = status_text.splitlines()
    lines = lines[lines.index("Cluster Summary:"):]
    out, seen_empty = ["Cluster Status:"], False
    for line in lines:
        if line == "":
            if seen_empty:
                break
            seen_empty = True
            continue
        out.append(" " + line)
    out += ["", "PCSD Status:"] + ["  %s: Online" % n for n in nodes]
    return "\n".join(out) + "\n"


def masked(text):
    return re.sub(r"Last updated: [^\n]*", "Last updated: <masked>", text)


def check_cluster_status(c, nodes):
    """`vigil cluster status` against the live `vigil status` read around it
    (retried while the CIB moves)."""
    for _attempt in range(5):
        before = vigil(c, "status").stdout
        got = vigil(c, "cluster", "status").stdout
        after = vigil(c, "status").stdout
        if masked(before) != masked(after):
            continue
        want = pcs_cluster_status(before, nodes)
        if masked(got) != masked(want):
            harness.log("--- cluster status\n%s--- want\n%s" % (got, want))
        check(masked(got) == masked(want), "cluster status: pcs's Cluster Status and PCSD Status")
        return
    check(False, "cluster status: the CIB kept changing")


def cib_nodes(c):
    """The unames of the live CIB's <node> and <node_state> entries."""
    cib = vigil(c, "cluster", "cib").stdout
    return (sorted(re.findall(r"<node [^>]*uname=\"([^\"]+)\"", cib)),
            sorted(re.findall(r"<node_state [^>]*uname=\"([^\"]+)\"", cib)))


def scenario(c):
    check(all(daemons(c, i) == [] for i in c.nodes()), "bare nodes: no cluster daemon runs")

    p = vigil(c, "host", "auth", "node1", "node2")
    check(p.stderr == "node1: Authorized\nnode2: Authorized\n", "host auth: both nodes authorized")
    p = vigil(c, "host", "auth", "node1", "node9", rc=1)
    check("Error: Unable to connect to node9 over ssh as root (" in p.stderr and
          "node1: Authorized" in p.stderr, "host auth: node9 (no such node) refused, by name")

    p = vigil(c, "cluster", "setup", "mycluster", "node1", "node9", rc=1)
    check("Error: Unable to resolve addresses: 'node9', use --force to override" in p.stderr,
          "setup with an unknown node refused")
    check(cluster_files(c, c.nodes()) == [(None, None)] * 3, "nothing written by the refused setup")

    p = vigil(c, "cluster", "setup", "mycluster", "node1", "node2")
    check(p.stderr.endswith("Cluster has been successfully set up.\n"), "cluster setup succeeded")
    (conf1, key1), (conf2, key2) = cluster_files(c)
    check(conf1 is not None and conf1 == conf2, "the same corosync.conf on both nodes")
    uuid = re.search(r"^    cluster_uuid: ([0-9a-f]{32})\n", conf1 or "", re.M)
    check(uuid is not None, "a cluster_uuid of 32 hex digits")
    pcs = re.sub(r"\A# SPDX-License-Identifier:[^\n]*\n", "", read(PCS_TWO_NODES))
    check(conf1.replace(uuid.group(0), "") == pcs,
          "corosync.conf is pcs 0.11.5's for these words (knet, aes256/sha256, two_node)")
    check(key1 is not None and len(key1) == 256 and key1 == key2, "the same 256-byte authkey")
    modes = [stat.S_IMODE(os.stat(conf_path(c, i, "authkey")).st_mode) for i in (1, 2)]
    check(modes == [0o400, 0o400], "authkey mode 0400 on both nodes")

    p = vigil(c, "cluster", "setup", "mycluster", "node1", "node2", rc=1)
    check("The host seems to be in a cluster already" in p.stderr, "setup again refused")
    check(cluster_files(c) == [(conf1, key1), (conf2, key2)], "the refused setup changed nothing")
    check(vigil(c, "cluster", "corosync", "node2").stdout == conf2 and
          vigil(c, "cluster", "corosync").stdout == conf1, "cluster corosync [node2]")
    with open(conf_path(c, 2, "corosync.conf"), "a") as f:
        f.write("# edited on node2 only\n")
    p = vigil(c, "cluster", "sync")
    check(p.stderr.startswith("Sending 'corosync.conf' to 'node1', 'node2'\n") and
          cluster_files(c)[1][0] == conf1, "cluster sync: node1's corosync.conf back on node2")

    p = vigil(c, "cluster", "start", "--all")
    check(p.stderr == "node1: Starting Cluster...\nnode2: Starting Cluster...\n",
          "cluster start --all: pcs's lines")
    c.wait_membership([1, 2], timeout=60)
    wait("vigil status: node1 and node2 online",
         lambda: "Online: [ node1 node2 ]" in c.exec(1, ["vigil", "status"], timeout=30).stdout,
         120)
    check_cluster_status(c, ["node1", "node2"])
    check(enabled(c, 1) == [] and enabled(c, 2) == [], "nothing enabled after setup")
    vigil(c, "cluster", "enable", "node2")
    check(enabled(c, 1) == [] and enabled(c, 2) == ["corosync.service", "vigil.service"],
          "cluster enable node2: node2 enabled")
    vigil(c, "cluster", "disable", "--all")
    check(enabled(c, 1) == [] and enabled(c, 2) == [], "cluster disable --all")
    for i in (1, 2):
        check(set(sshnodes.launcher_pids(c, i)) == {"corosync", "vigil"},
              "node%d: the launcher holds corosync's and vigild's pids" % i)

    # A third node joins the running cluster, is killed, and leaves.
    p = vigil(c, "cluster", "node", "add", "node3", "--start")
    check("node3: Cluster started\n" in p.stderr, "node add node3 --start")
    files = cluster_files(c, c.nodes())
    check(len({conf for conf, _key in files}) == 1 and "name: node3" in files[0][0] and
          "two_node" not in files[0][0], "the same corosync.conf with node3 (no two_node) on all")
    check(files[2][1] == key1, "node3 got the cluster's authkey")
    c.wait_membership([1, 2, 3], timeout=60)
    wait("vigil status: node1 node2 node3 online",
         lambda: "Online: [ node1 node2 node3 ]" in c.exec(1, ["vigil", "status"],
                                                           timeout=30).stdout, 120)
    vigil(c, "cluster", "kill", "node3")
    wait("node3: no cluster daemon left after cluster kill", lambda: daemons(c, 3) == [], 10)
    c.wait_membership([1, 2], timeout=60)
    check(cib_nodes(c) == (["node1", "node2", "node3"], ["node1", "node2", "node3"]),
          "node3 in the CIB's nodes and status before node remove")
    p = vigil(c, "cluster", "node", "remove", "node3")
    check("CIB" not in p.stderr, "node remove: no warning about the CIB")
    check(cib_nodes(c) == (["node1", "node2"], ["node1", "node2"]),
          "node remove: node3's <node> and <node_state> gone from the CIB")
    check(cluster_files(c, [3]) == [(None, None)], "node remove: node3 destroyed")
    (conf1, _), (conf2, _) = cluster_files(c)
    check(conf1 == conf2 and "node3" not in conf1 and "two_node: 1" in conf1,
          "node remove: node1 and node2 without node3, two_node back")

    started = time.monotonic()
    p = vigil(c, "cluster", "stop", "--all", timeout=600)
    harness.log("cluster stop --all took %.1f s" % (time.monotonic() - started))
    check(p.stderr == "node1: Stopping Cluster (pacemaker)...\nnode2: Stopping Cluster "
          "(pacemaker)...\nnode1: Stopping Cluster (corosync)...\nnode2: Stopping Cluster "
          "(corosync)...\n", "cluster stop --all: pcs's lines, vigil everywhere then corosync")
    for i in c.nodes():
        check(daemons(c, i) == [], "node%d: no cluster daemon left after stop --all" % i)
        check(sshnodes.launcher_pids(c, i) == {}, "node%d: the launcher's pid files gone" % i)

    p = vigil(c, "cluster", "destroy", "--all")
    check(cluster_files(c, c.nodes()) == [(None, None)] * 3,
          "destroy --all removed corosync.conf and authkey")


def main():
    return sshnodes.test_main(__doc__, scenario, "vigil-lifecycle-", nodes=3)


if __name__ == "__main__":
    sys.exit(main())
