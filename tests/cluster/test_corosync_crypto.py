#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Corosync's crypto in the harness and vigild's warning when it is off.

  test_corosync_crypto.py --build-dir DIR [--work DIR] [--keep]

Two nodes under vigild, twice:
  - the harness's default: corosync runs with totem.crypto_cipher aes256 and
    totem.crypto_hash sha256 (corosync-cmapctl inside each node), each node's
    /etc/corosync/authkey is the cluster's key (0400, root, the same bytes on
    both), the nodes meet, and vigild logs the crypto it found and no warning;
  - Cluster(crypto=False): the nodes meet without crypto and vigild on each
    logs one warning naming totem.crypto_cipher and totem.crypto_hash and
    saying the traffic is neither authenticated nor encrypted.
Exits 77 (skipped) without root, `ip netns`, corosync or a built vigild.
"""
import os
import shutil
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import harness  # noqa: E402
from harness import HarnessError, check, log  # noqa: E402

CHECKED = "event=corosync-crypto "  # vigild's line when crypto is on
WARNED = "event=corosync-crypto-off "  # and when it is off


def vigild_lines(c, i, marker):
    path = os.path.join(c.node_dir(i), "log-vigil", "vigil.log")
    try:
        with open(path, errors="replace") as f:
            return [line.rstrip("\n") for line in f if " vigild[" in line and marker in line]
    except FileNotFoundError:
        return []


def cmap_value(c, i, key):
    p = c.exec(i, ["corosync-cmapctl", "-g", key], timeout=15)
    # "totem.crypto_cipher (str) = aes256"
    return p.stdout.rsplit("=", 1)[-1].strip() if p.returncode == 0 else None


def wait_vigild_checked(c):
    for i in c.nodes():
        harness.wait_until("vigild's crypto check on node%d" % i,
                           lambda i=i: vigild_lines(c, i, CHECKED) or vigild_lines(c, i, WARNED),
                           60, 0.5)


def crypto_on(c):
    keys = []
    for i in c.nodes():
        check(cmap_value(c, i, "totem.crypto_cipher") == "aes256" and
              cmap_value(c, i, "totem.crypto_hash") == "sha256",
              "node%d: corosync runs with aes256/sha256" % i)
        p = c.exec(i, ["stat", "-c", "%a %u %g %s", "/etc/corosync/authkey"], timeout=15)
        check(p.stdout.split()[:3] == ["400", "0", "0"] and 128 <= int(p.stdout.split()[3]) <= 4096,
              "node%d: /etc/corosync/authkey is 0400 root:root, 128..4096 bytes (%s)"
              % (i, p.stdout.strip()))
        with open(os.path.join(c.node_dir(i), "etc-corosync", "authkey"), "rb") as f:
            keys.append(f.read())
    check(len(set(keys)) == 1, "one key for the whole cluster")
    check(sorted(c.corosync_members(1)) == sorted(c.nodes()), "the nodes met with crypto on")
    wait_vigild_checked(c)
    for i in c.nodes():
        check(vigild_lines(c, i, "cipher=aes256 hash=sha256") and not vigild_lines(c, i, WARNED),
              "node%d: vigild found aes256/sha256 and warned of nothing" % i)


def crypto_off(c):
    for i in c.nodes():
        check(cmap_value(c, i, "totem.crypto_cipher") == "none",
              "node%d: corosync runs without crypto" % i)
        check(not os.path.exists(os.path.join(c.node_dir(i), "etc-corosync", "authkey")),
              "node%d: no authkey written" % i)
    check(sorted(c.corosync_members(1)) == sorted(c.nodes()), "the nodes met without crypto")
    wait_vigild_checked(c)
    for i in c.nodes():
        lines = vigild_lines(c, i, WARNED)
        check(len(lines) == 1 and "totem.crypto_cipher=none totem.crypto_hash=none" in lines[0]
              and "neither authenticated nor encrypted" in lines[0] and " warning: " in lines[0],
              "node%d: vigild warns once, naming the settings: %s"
              % (i, lines[0] if lines else "(nothing)"))


def main():
    args = harness.parse_test_args(__doc__)
    vigild, bin_dirs = harness.build_binaries(args.build_dir)
    why = harness.missing_prerequisites() or (
        not vigild and "vigild not built yet")
    if why:
        print("SKIP: %s" % why)
        return harness.SKIP
    work = harness.work_dir(args.work, "vigil-crypto-")
    keep = args.keep or bool(args.work)
    for name, crypto, body in (("on", True, crypto_on), ("off", False, crypto_off)):
        log("--- crypto %s" % name)
        c = harness.Cluster(os.path.join(work, name), nodes=2, stack="vigild", vigild=vigild,
                            apache=False, bin_dirs=bin_dirs, crypto=crypto)
        # run_test removes `work` after a pass: keep it until both ran
        rc = harness.run_test(c, body, work, keep=True, failures=(harness.CheckFailed,))
        if rc != 0:
            return rc
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
