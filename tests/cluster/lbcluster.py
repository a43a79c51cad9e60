# SPDX-License-Identifier: GPL-2.0-or-later
"""The textbook's load balancer (../../../shared/docs/textbook.md, part 2) on
a harness.Cluster: two directors running Vigil, two plain hosts as real
servers (each its own apache), the textbook's keepalived.conf for each
director (lib/keepalived/testdata: the MASTER file and the BACKUP one with a
lower priority) with only its addresses and interface replaced by the
cluster's, imported with `vigil import keepalived` on the running cluster.

The pure parts (the files' rewriting, HAProxy's CSV, the client-record
analysis) are tested in test_harness_unit.py.
"""
import os
import re

import harness
from harness import HarnessError

DATA = os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "..", "lib", "keepalived",
                    "testdata")
TEXTBOOK_MASTER = os.path.join(DATA, "textbook-master.conf")
TEXTBOOK_BACKUP = os.path.join(DATA, "textbook-backup.conf")
REAL_SERVERS = ("rs1", "rs2")
# The client's source addresses: the first CLIENTS take turns in the
# continuous client (so many clients for the balancer's source persistence),
# the others are fresh clients, each used once.
CLIENTS = 4
CLIENT_ADDRS = 16


def _strip_comments(text):
    return re.sub(r"[!#].*", "", text)


def textbook_addresses(text):
    """(vip, [real server addresses], interface) of a keepalived.conf with
    one vrrp_instance and one virtual_server, as the textbook's."""
    t = _strip_comments(text)
    vip = re.search(r"virtual_ipaddress\s*{\s*([0-9.]+)", t)
    nic = re.search(r"^\s*interface\s+(\S+)", t, re.M)
    reals = re.findall(r"^\s*real_server\s+([0-9.]+)\s+\d+", t, re.M)
    if not vip or not nic or not reals:
        raise HarnessError("not a textbook-like keepalived.conf: no virtual_ipaddress, "
                           "interface or real_server")
    return vip.group(1), reals, nic.group(1)


def rewrite_addresses(text, vip, reals, nic):
    """The keepalived.conf `text` with its VIP, real servers' addresses (in
    their order) and interface replaced by the given ones; nothing else
    changes. Addresses are replaced as whole addresses (192.168.3.1 does not
    touch 192.168.3.118)."""
    old_vip, old_reals, old_nic = textbook_addresses(text)
    if len(old_reals) != len(reals):
        raise HarnessError("the file has %d real servers, %d addresses given"
                           % (len(old_reals), len(reals)))
    table = {old_vip: vip}
    table.update(zip(old_reals, reals))

    def addr(m):
        return table.get(m.group(0), m.group(0))
    out = re.sub(r"(?<![0-9.])\d+\.\d+\.\d+\.\d+(?![0-9.])", addr, text)
    return re.sub(r"(?m)^(\s*interface\s+)%s\b" % re.escape(old_nic),
                  lambda m: m.group(1) + nic, out)


def delay_loop(text):
    """The virtual server's delay_loop (keepalived's default: 60)."""
    m = re.search(r"^\s*delay_loop\s+(\d+)", _strip_comments(text), re.M)
    return int(m.group(1)) if m else 60


def write_directors(c, out_dir):
    """The two directors' files for cluster c (VIP c.vip, real servers
    c.host_addr(rs1/rs2), eth0): {"node1": master path, "node2": backup path}."""
    os.makedirs(out_dir, exist_ok=True)
    paths = {}
    for node, src in (("node1", TEXTBOOK_MASTER), ("node2", TEXTBOOK_BACKUP)):
        with open(src) as f:
            text = f.read()
        path = os.path.join(out_dir, "keepalived-%s.conf" % node)
        with open(path, "w") as f:
            f.write(rewrite_addresses(text, c.vip, [c.host_addr(h) for h in REAL_SERVERS],
                                      "eth0"))
        paths[node] = path
    return paths


def import_directors(c, i, paths):
    """`vigil import keepalived node1=... node2=...` inside node i; its output."""
    argv = ["vigil", "import", "keepalived"] + ["%s=%s" % kv for kv in sorted(paths.items())]
    p = c.exec(i, argv, timeout=120)
    if p.returncode != 0:
        raise HarnessError("node%d: %s: exit %d:\n%s%s" % (i, " ".join(argv), p.returncode,
                                                            p.stdout, p.stderr))
    return p.stdout + p.stderr


def parse_haproxy_csv(text):
    """{server name: status} from HAProxy's stats CSV (`show stat`, the
    stats page's ;csv), the FRONTEND and BACKEND lines left out."""
    lines = text.splitlines()
    if not lines or not lines[0].startswith("# "):
        return {}
    head = lines[0][2:].split(",")
    try:
        sv, st = head.index("svname"), head.index("status")
    except ValueError:
        return {}
    out = {}
    for line in lines[1:]:
        f = line.split(",")
        if len(f) > max(sv, st) and f[sv] not in ("FRONTEND", "BACKEND"):
            out[f[sv]] = f[st]
    return out


STATS_CMD = ("for s in /run/resource-agents/haproxy-*/stats.sock; do [ -S \"$s\" ] && "
             "exec curl -s --max-time 2 --unix-socket \"$s\" 'http://stats/;csv'; done; exit 1")


def server_states(c, i):
    """HAProxy's view of the real servers on director i ({"ADDR:PORT":
    "UP"|"DOWN"|...}), read from the agent's stats socket; {} when none."""
    if not c.running(i):
        return {}
    p = c.exec(i, ["sh", "-c", STATS_CMD], timeout=15)
    return parse_haproxy_csv(p.stdout) if p.returncode == 0 else {}


def wait_server_state(c, i, server, state, timeout):
    """Until director i's HAProxy reports `server` (ADDR:PORT) in `state`; the time."""
    import time
    return harness.wait_until("%s %s on node%d's balancer" % (server, state, i),
                              lambda: server_states(c, i).get(server) == state and time.time(),
                              timeout, 0.1)


def random_phase(period):
    """Sleeps a random time in [0, period) and returns it: a fault then lands
    at any point of a periodic check's cycle, not at the same one in every
    run (the one deliberate sleep of the load-balancer tests; never a wait
    for something to happen)."""
    import random
    import time
    t = random.uniform(0, period)
    time.sleep(t)
    return t


def vip_holder(c):
    """The one running director holding the VIP (its number), else None."""
    h = harness.VipWatcher(c).holders()
    return int(h[0][len("node"):]) if len(h) == 1 else None


def wait_answers(client, t_from, n, timeout, what):
    """Until the client has n successful answers to requests started after
    t_from (bounded); the time."""
    import time
    return harness.wait_until(
        "%d answers %s" % (n, what),
        lambda: len(ok_bodies(client.snapshot(), t_from)) >= n and time.time(), timeout, 0.1)


# --- client records: (t_start, t_end, rc, body, source) ------------------------

def ok_bodies(records, t_from=0.0, t_to=float("inf")):
    """Bodies of the successful requests started in [t_from, t_to), in order."""
    return [r[3] for r in sorted(records) if t_from <= r[0] < t_to and r[2] == 0]


def failed(records, t_from=0.0, t_to=float("inf")):
    """The failed requests started in [t_from, t_to)."""
    return [r for r in records if t_from <= r[0] < t_to and r[2] != 0]


def alternation(bodies):
    """The share of consecutive answers that come from different servers (1.0:
    strict alternation); None for fewer than two answers."""
    if len(bodies) < 2:
        return None
    return sum(1 for a, b in zip(bodies, bodies[1:]) if a != b) / (len(bodies) - 1)


def servers_per_source(records, t_from=0.0, t_to=float("inf")):
    """{source: set of the servers that answered it} over successful requests."""
    out = {}
    for r in records:
        if t_from <= r[0] < t_to and r[2] == 0:
            out.setdefault(r[4], set()).add(r[3])
    return out


def loss_figures(records, t_kill, t_to=float("inf")):
    """After a real server's loss at t_kill: the failed requests started
    after it, and the end of the last one relative to t_kill (None: none)."""
    bad = failed(records, t_kill, t_to)
    last = max((r[1] for r in bad), default=None)
    return {"failed_requests": len(bad),
            "last_failure": round(last - t_kill, 3) if last is not None else None}


def first_answer(records, t):
    """End of the first successful request started at or after t, or None."""
    return min((r[1] for r in records if r[0] >= t and r[2] == 0), default=None)
