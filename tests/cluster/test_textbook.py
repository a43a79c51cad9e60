#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The textbook's chapter end to end (../../../shared/docs/textbook.md,
part 1), verbatim with `vigil` for `pcs` and `vigil-simulate` for
crm_simulate, from bare nodes running only sshd.

  test_textbook.py --build-dir DIR [--work DIR] [--keep]

Two network namespaces running only sshd (sshnodes.py: the textbook's
key-based root ssh between the nodes, done by the test). Every command runs
on node1, in the chapter's order:

  vigil cluster auth node1 node2            (pcs 0.9's form: a warning names
  vigil cluster setup --name mycluster ...   the 0.11 form, as for setup)
  vigil cluster start --all; vigil cluster enable --all; vigil status
  vigil resource create VIP ...; vigil resource create Web ...; vigil status
  vigil resource group add myweb VIP; ... Web
  vigil constraint colocation add Web with VIP INFINITY   (0.11's words)
  vigil constraint order start VIP then start Web   (refused, as pcs 0.11:
                                                      same group)
  vigil constraint location Web prefers node1=10; ... node2=5
  vigil-simulate -sL
  vigil property set stonith-enabled=false
  vigil cluster stop --all; vigil cluster start --all; vigil status
  ip address show; the page through the VIP: node1
  node1 rebooted: vigil status on node2 (node1 OFFLINE, myweb on node2),
  the page says node2; node1 back (its cluster enabled: the launcher starts
  it at boot), the page says node1 again.

The page is fetched through the VIP from the root namespace at each step:
no answer until stonith-enabled=false, node1's page then, none while the
cluster is stopped. Exits 77 (skipped) without root, namespaces, sshd,
apache2 or the resource agents, or while vigil, vigild or vigil-simulate are
not built.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import sshnodes  # noqa: E402
from harness import check, log  # noqa: E402
from sshnodes import run_on, wait  # noqa: E402



def vigil(c, *words, node=1, rc=0, timeout=120):
    return run_on(c, node, ["vigil"] + list(words), rc=rc, timeout=timeout)


def no_page(c):
    rc, _body = c.page()
    return rc != 0


def status(c, i):
    return c.exec(i, ["vigil", "status"], timeout=30).stdout


def resource_on(text, rsc, node):
    return re.search(r"\* %s\t\([^)]*\):\t Started %s\b" % (rsc, node), text) is not None


def scenario(c):
    check(no_page(c), "no page through the VIP on bare nodes")
    p = vigil(c, "cluster", "auth", "node1", "node2")
    check("node1: Authorized\n" in p.stderr and "node2: Authorized\n" in p.stderr and
          "'host auth NODE...'" in p.stderr, "cluster auth: both authorized, 0.11's form named")
    p = vigil(c, "cluster", "setup", "--name", "mycluster", "node1", "node2")
    check("'cluster setup NAME NODE...'" in p.stderr and
          "Cluster has been successfully set up." in p.stderr, "cluster setup --name")
    p = vigil(c, "cluster", "start", "--all")
    check("node2: Starting Cluster...\n" in p.stderr, "cluster start --all")
    p = vigil(c, "cluster", "enable", "--all")
    check(p.stderr == "node1: Cluster Enabled\nnode2: Cluster Enabled\n", "cluster enable --all")
    wait("vigil status: both nodes online",
         lambda: "Online: [ node1 node2 ]" in status(c, 1), 120)
    text = vigil(c, "status").stdout
    check(text.startswith("Cluster name: mycluster\n") and
          "No stonith devices and stonith-enabled is not false" in text,
          "vigil status: cluster name and the stonith warning")
    check(no_page(c), "no page yet")

    vigil(c, "resource", "create", "VIP", "ocf:heartbeat:IPaddr2", "ip=%s" % c.vip,
          "cidr_netmask=24", "op", "monitor", "interval=30s")
    vigil(c, "resource", "create", "Web", "ocf:heartbeat:apache",
          "configfile=%s" % c.web_configfile, "statusurl=http://127.0.0.1/server-status",
          "op", "monitor", "interval=30s")
    text = vigil(c, "status").stdout
    check("Stopped" in text and "VIP" in text and "Web" in text,
          "vigil status: both resources stopped (stonith not dealt with)")
    check(no_page(c), "no page while stonith is not dealt with")
    vigil(c, "resource", "group", "add", "myweb", "VIP")
    vigil(c, "resource", "group", "add", "myweb", "Web")
    vigil(c, "constraint", "colocation", "add", "Web", "with", "VIP", "INFINITY")
    p = vigil(c, "constraint", "order", "start", "VIP", "then", "start", "Web", rc=1)
    check("Cannot create an order constraint for resources in the same group" in p.stderr,
          "order inside the group refused, as pcs 0.11")
    vigil(c, "constraint", "location", "Web", "prefers", "node1=10")
    vigil(c, "constraint", "location", "Web", "prefers", "node2=5")
    p = run_on(c, 1, ["vigil-simulate", "-sL"])
    # crm_simulate 2.1.5's -s: the nodes and resources, then the scores.
    check("[ node1 node2 ]" in p.stdout and
          re.search(r"Web allocation score on node1: 10\n", p.stdout) is not None and
          re.search(r"Web allocation score on node2: 5\n", p.stdout) is not None,
          "vigil-simulate -sL: the live status, then the scores (Web: node1 10, node2 5)")
    check(no_page(c), "no page before stonith-enabled=false")

    vigil(c, "property", "set", "stonith-enabled=false")
    c.wait_page("node1", 120)
    log("ok: the page says node1")

    vigil(c, "cluster", "stop", "--all", timeout=600)
    check(no_page(c), "no page while the cluster is stopped")
    vigil(c, "cluster", "start", "--all")
    c.wait_page("node1", 120)
    log("ok: the page says node1 again after stop --all / start --all")
    wait("vigil status: myweb started on node1",
         lambda: resource_on(status(c, 1), "Web", "node1"), 60)
    p = run_on(c, 1, ["ip", "address", "show"])
    check(re.search(r"inet %s/24 " % re.escape(c.vip), p.stdout) is not None,
          "ip address show: the VIP on node1")

    c.kill(1)
    log("node1 killed (rebooting)")
    c.wait_page("node2", 120)
    log("ok: the page says node2")
    wait("vigil status on node2: node1 OFFLINE, myweb started on node2",
         lambda: ("OFFLINE: [ node1 ]" in status(c, 2) and
                  resource_on(status(c, 2), "Web", "node2")), 60)
    c.reboot_net(1)
    c.start(1)  # sshd, then the launcher starts the enabled cluster
    c.wait_page("node1", 180)
    log("ok: node1 back: the page says node1 (its location score is higher)")
    wait("vigil status: both nodes online again",
         lambda: "Online: [ node1 node2 ]" in status(c, 2), 60)


def main():
    return sshnodes.test_main(__doc__, scenario, "vigil-textbook-",
                              programs=("cli/vigil", "cli/vigil-simulate"), web=True)


if __name__ == "__main__":
    sys.exit(main())
