#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A large CIB reaches a node that rejoins: vigil-cib alone (no vigild) on
real Corosync in two network namespaces.

  test_big_cib.py --build-dir DIR [--resources N] [--noise CHARS]
                  [--gen-cib PATH] [--work DIR] [--keep]

  - node1 starts with a CIB of N resources (gen-cib.py's flat shape, or a
    built-in generator when gen-cib.py is not found), each primitive with a
    description of CHARS random hex digits so that even a small CIB
    compresses to several CPG chunks (checked before the run);
  - node2 starts empty and gets it (the first sync);
  - node2's vigil-cib is stopped, node1's CIB changed, node2's vigil-cib
    started again: it answers queries only once synced, and then holds
    exactly node1's CIB (SHA-256 of `vigil cluster cib` on both nodes);
  - prints the figures: CIB size, compressed size, chunks, the time of both
    syncs, vigil-cib's peak RSS (VmHWM) on both nodes.
bench/big-cib-sync runs it with 50,000 resources. Exits 77 (skipped)
without root or namespaces, or while vigil-cib / vigil are not built yet.
"""
import argparse
import contextlib
import hashlib
import os
import random
import re
import signal
import subprocess
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import harness  # noqa: E402
from harness import log  # noqa: E402
from test_cib_replication import Failure, check, cib_cluster  # noqa: E402

# lib/cluster/chunking.hpp: ChunkLimits::chunk_payload.
CHUNK_BYTES = 512 * 1024
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
GEN_CIB_PLACES = (os.path.join(os.path.dirname(REPO), "shared", "bench", "gen-cib.py"),
                  "/work/shared/bench/gen-cib.py")


def builtin_cib(n):
    """A valid CIB of n Dummy primitives, when gen-cib.py is not at hand."""
    rsc = "".join('<primitive id="rsc%d" class="ocf" provider="heartbeat" type="Dummy">'
                  '<operations><op id="rsc%d-monitor-10s" name="monitor" interval="10s"/>'
                  '</operations></primitive>\n' % (i, i) for i in range(n))
    return ('<cib validate-with="pacemaker-3.0" epoch="1" num_updates="0" admin_epoch="0">'
            '<configuration><crm_config/><nodes><node id="1" uname="node1"/>'
            '<node id="2" uname="node2"/></nodes><resources>\n%s</resources><constraints/>'
            '</configuration><status/></cib>\n' % rsc)


def make_cib(args):
    gen = args.gen_cib or next((p for p in GEN_CIB_PLACES if os.path.exists(p)), None)
    if gen:
        text = subprocess.run([sys.executable, gen, "--shape", "flat", "--nodes", "2",
                               "--resources", str(args.resources), "--seed", "1"],
                              check=True, capture_output=True, text=True, timeout=600).stdout
        log("CIB from %s" % gen)
    else:
        text = builtin_cib(args.resources)
        log("CIB from the built-in generator (gen-cib.py not found)")
    if args.noise > 0:
        rnd = random.Random(7)
        text = re.sub(r'<primitive id="[^"]+"',
                      lambda m: '%s description="%0*x"' % (m.group(0), args.noise,
                                                           rnd.getrandbits(4 * args.noise)),
                      text)
    return text.encode()


def install_cib(c, i, data):
    """cib.xml and its signature on node i's disk, before it starts."""
    d = os.path.join(c.node_dir(i), "lib-vigil", "cib")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "cib.xml"), "wb") as f:
        f.write(data)
    with open(os.path.join(d, "cib.xml.sig"), "w") as f:
        f.write(hashlib.md5(data).hexdigest() + "\n")


def cib_digest(c, i):
    out = c.check_exec(i, ["vigil", "cluster", "cib"], timeout=300)
    if not out.lstrip().startswith("<cib"):
        raise Failure("node%d: `vigil cluster cib` is not a CIB: %s" % (i, out[:200]))
    return hashlib.sha256(out.encode()).hexdigest(), len(out)


def answers(c, i):
    return c.exec(i, ["vigil", "property", "config"], timeout=300).returncode == 0


def cib_pid(c, i):
    pids = [p for p, comm in c.processes(i).items() if comm == "vigil-cib"]
    return pids[0] if pids else None


def peak_rss_kb(c, i):
    rows = c.memory(i, ("vigil-cib",))
    return rows[0][2] if rows else None


LOG_TIME = re.compile(r"^(\w{3} \d{2} \d{2}:\d{2}:\d{2}) vigil-cib\[(\d+)\]")


def log_seconds(c, i, pid, since):
    """Seconds (whole, as logged) from `since` (epoch) to node i's vigil-cib
    `pid` logging event=started, and from there to its adoption of a CIB."""
    started = adopted = None
    year = time.localtime(since).tm_year
    lines = []
    # vigil.log when started by the node's stack, its output when by popen.
    for name in (os.path.join("log-vigil", "vigil.log"), "cib-restart.out"):
        with contextlib.suppress(OSError):
            with open(os.path.join(c.node_dir(i), name), errors="replace") as f:
                lines += f.readlines()
    for line in lines:
        m = LOG_TIME.match(line)
        if not m or int(m.group(2)) != pid:
            continue
        t = time.mktime(time.strptime("%d %s" % (year, m.group(1)), "%Y %b %d %H:%M:%S"))
        if started is None and "event=started" in line:
            started = t
        elif started is not None and adopted is None and "adopted the CIB" in line:
            adopted = t
    if started is None or adopted is None:
        return None, None
    return max(0.0, started - int(since)), adopted - started


def scenario(c, args, data, cib_bin, figures):
    t0 = time.time()
    for i in c.nodes():
        harness.wait_until("vigil-cib on node%d synced and answering" % i,
                           lambda i=i: answers(c, i), args.timeout, 0.5)
    figures["first_answering_s"] = time.time() - t0
    d1, size = cib_digest(c, 1)
    check(d1 == cib_digest(c, 2)[0], "node2 got node1's CIB of %d bytes at its first sync" % size)
    check(size > len(data) // 2, "the CIB node1 serves is the large one it started with")

    pid = cib_pid(c, 2)
    check(pid is not None, "node2's vigil-cib runs (pid %s)" % pid)
    figures["first_started_to_adopted_s"] = log_seconds(c, 2, pid, t0)[1]
    os.kill(pid, signal.SIGTERM)
    harness.wait_until("node2's vigil-cib to stop", lambda: cib_pid(c, 2) is None, 60, 0.2)
    log("ok: node2's vigil-cib stopped")

    c.check_exec(1, ["vigil", "property", "set", "big-cib-marker=while-node2-was-down",
                      "--force"],
                 timeout=300)
    check(c.exec(1, ["vigil", "property", "config"], timeout=300).stdout.find(
        "while-node2-was-down") >= 0, "node1 alone accepts a change while node2's CIB is down")

    out = open(os.path.join(c.node_dir(2), "cib-restart.out"), "a")
    t0 = time.time()
    c.popen(2, [cib_bin, "--foreground"], stdin=subprocess.DEVNULL, stdout=out, stderr=out)
    out.close()
    # Queries are held until the node's first sync is over (hold_queries_until_synced).
    harness.wait_until("node2's vigil-cib synced and answering", lambda: answers(c, 2),
                       args.timeout, 0.2)
    figures["rejoin_answering_s"] = time.time() - t0
    load, sync = log_seconds(c, 2, cib_pid(c, 2), t0)
    figures["rejoin_load_own_copy_s"] = load
    figures["rejoin_started_to_adopted_s"] = sync
    d1, size = cib_digest(c, 1)
    d2, _ = cib_digest(c, 2)
    check(d1 == d2, "after rejoining, node2's CIB digest equals node1's (%s)" % d1[:16])
    check(c.exec(2, ["vigil", "property", "config"], timeout=300).stdout.find(
        "while-node2-was-down") >= 0, "node2 holds the change made while it was down")
    figures["cib_bytes_served"] = size
    for i in c.nodes():
        figures["node%d_vigil_cib_VmHWM_kB" % i] = peak_rss_kb(c, i)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--resources", type=int, default=5000)
    ap.add_argument("--noise", type=int, default=400,
                    help="random hex digits in each primitive's description (0: none)")
    ap.add_argument("--gen-cib", help="path of gen-cib.py (default: ../shared/bench)")
    ap.add_argument("--timeout", type=float, default=300,
                    help="seconds a sync may take before the test fails")
    ap.add_argument("--work")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    data = make_cib(args)
    compressed = len(zlib.compress(data, 1))
    chunks = -(-compressed // CHUNK_BYTES)
    figures = {"resources": args.resources, "cib_bytes": len(data),
               "zlib_bytes": compressed, "chunks": chunks}
    log("CIB: %d resources, %d bytes, %d compressed, %d chunks of %d KiB"
        % (args.resources, len(data), compressed, chunks, CHUNK_BYTES // 1024))
    if chunks < 2:
        print("FAIL: the CIB compresses to %d bytes, one chunk: raise --noise or --resources "
              "so that the test exercises chunking" % compressed)
        return 1

    made = cib_cluster(args.build_dir, args.work, "vigil-bigcib-")
    if made is None:
        return harness.SKIP
    c, work = made
    cib_bin = os.path.join(os.path.abspath(args.build_dir), "daemons", "vigil-cib")
    install_cib(c, 1, data)
    rc = harness.run_test(c, lambda c: scenario(c, args, data, cib_bin, figures), work,
                          keep=args.keep or bool(args.work), failures=(Failure,))
    print("figures: " + " ".join("%s=%s" % (k, ("%.2f" % v) if isinstance(v, float) else v)
                                 for k, v in figures.items()))
    return rc


if __name__ == "__main__":
    sys.exit(main())
