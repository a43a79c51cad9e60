# SPDX-License-Identifier: GPL-2.0-or-later
"""Network-namespace cluster harness: N cluster nodes on this machine.

Each node is a network namespace plugged into a bridge of the root namespace
through a veth pair, and runs in its own mount and UTS namespaces (private
/run, /dev/shm, /etc/corosync, /var/lib/vigil, /var/log/vigil, hostname
nodeI). Per node the harness starts corosync and then a "stack": nothing
(corosync only), our supervisor vigild, or Pacemaker's pacemakerd. Plain
hosts (hosts=...) sit on the same bridge with only an apache each: the real
servers of a load balancer.

Everything the harness creates is named with a per-run tag (bridge vgb<tag>,
namespaces vg<tag>n<I>, host-side veths vg<tag>h<I>) in a /24 of 10.98.0.0/16
that no interface of the root namespace uses, so parallel runs and an existing
cluster are never touched. Whatever is created is recorded in WORK/created.list
before use, every process started in WORK/pids.list (pid and start time), and
teardown deletes and kills only what is recorded there plus the processes
living inside the recorded namespaces. Every wait is bounded in count and time.

Standard library only. Needs root, iproute2 (`ip netns`), util-linux
(nsenter, unshare, setsid) and corosync; apache2 and resource-agents for the
web tests. See tests/cluster/README.md.
"""

import atexit
import contextlib
import datetime
import fcntl
import json
import os
import re
import secrets
import shlex
import shutil
import tempfile
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

SKIP = 77  # ctest's SKIP_RETURN_CODE

DEFAULT_NET = "10.98"  # /16 the harness allocates its /24s from
BRIDGE_HOST = 254  # the bridge's address in the /24 (the root namespace's side)
VIP_HOST = 100  # the VIP's address in the /24
PLAIN_HOST_BASE = 200  # plain host K (1-based) is .200+K in the /24
CLIENT_ADDR_BASE = 150  # the client's extra source addresses: .150, .151, ...
MAX_CLIENT_ADDRS = 40
MAX_PLAIN_HOSTS = 16
LOCK_FILE = "/run/vigil-netns.lock"  # serialises subnet allocation between runs

# The harness's fence agent (a power switch for the nodes) and where fencers
# find it: Pacemaker looks for fence_* agents in /usr/sbin. The host gets one
# symlink /usr/sbin/fence_vigil_netns -> /run/vigil-netns/fence_vigil_netns,
# dangling on the host; each node's private /run makes it point to the agent
# of the checkout that made the cluster, and to that cluster's switch socket.
FENCE_AGENT = os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "..", "agents",
                           "fence", "fence_vigil_netns")
FENCE_AGENT_NAME = "fence_vigil_netns"
FENCE_BIN_DIR = "/usr/sbin"
NODE_TOOLS_DIR = "/run/vigil-netns"  # inside a node: the agent and power.sock
POWER_SWITCH = os.path.join(os.path.dirname(os.path.realpath(__file__)), "powerswitch.py")
# The test resource agents of tests/cluster/ocf (provider "vigil-netns"), found
# the same way: the host gets /usr/lib/ocf/resource.d/vigil-netns ->
# /run/vigil-netns/ocf, and each node's /run/vigil-netns/ocf is this
# checkout's directory.
OCF_AGENTS = os.path.join(os.path.dirname(os.path.realpath(__file__)), "ocf")
OCF_PROVIDER = "vigil-netns"
OCF_PROVIDER_DIR = "/usr/lib/ocf/resource.d"
# Vigil's production agents (agents/CMakeLists.txt installs these as provider
# "vigil"). A node sees this checkout's copies: the host gets the empty mount
# point /usr/lib/ocf/resource.d/vigil once (as /var/lib/vigil), and each
# node's inner shell binds WORK/ocf-vigil (links to this checkout's agents)
# there, in its own mount namespace.
VIGIL_OCF_DIR = os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "..", "agents",
                             "ocf", "vigil")
VIGIL_OCF_AGENTS = ("haproxy", "health-script")
# Corosync's knet traffic (block_corosync drops it inside a node)
COROSYNC_PORT = 5405
BLOCK_TABLE = "vigil_block_corosync"

PROXY_VARS = ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "no_proxy", "NO_PROXY",
              "all_proxy", "ALL_PROXY")



def ensure_cluster_account():
    """hacluster:haclient, as the package's sysusers.d file makes them: the
    nodes run vigil-cib, vigil-crmd and vigil-pengine as that user, the real
    setup (without it they would stay root)."""
    import grp
    import pwd
    try:
        grp.getgrnam("haclient")
    except KeyError:
        run(["groupadd", "--system", "haclient"])
    try:
        pwd.getpwnam("hacluster")
    except KeyError:
        run(["useradd", "--system", "--gid", "haclient", "--home-dir", "/var/lib/vigil",
             "--no-create-home", "--shell", "/usr/sbin/nologin", "hacluster"])

class HarnessError(Exception):
    """A step of the harness failed; the message says which and why."""


class CheckFailed(Exception):
    """A test's expectation was not met; the message says which."""


def check(cond, what):
    """Raises CheckFailed(what) unless cond, else logs "ok: what"."""
    if not cond:
        raise CheckFailed(what)
    log("ok: " + what)


def log(msg):
    now = datetime.datetime.now(datetime.timezone.utc)
    print("[%s] %s" % (now.strftime("%H:%M:%S.%f")[:-3], msg), flush=True)


def run(argv, check=True, timeout=30, **kw):
    """Runs a command (bounded by timeout); raises HarnessError when it fails and check."""
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kw)
    except subprocess.TimeoutExpired:
        raise HarnessError("%s: no answer within %s s" % (" ".join(argv), timeout))
    except FileNotFoundError:
        raise HarnessError("%s: command not found" % argv[0])
    if check and p.returncode != 0:
        raise HarnessError("%s: exit %d: %s" % (" ".join(argv), p.returncode,
                                                 (p.stderr or p.stdout).strip()[-2000:]))
    return p


def wait_until(what, predicate, timeout, interval=0.1):
    """Polls predicate() until it returns a true value or timeout seconds pass
    (at most timeout/interval + 1 calls). Returns the value or raises HarnessError."""
    deadline = time.monotonic() + timeout
    tries = int(timeout / interval) + 1
    for _ in range(tries):
        v = predicate()
        if v:
            return v
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    raise HarnessError("timed out after %.1f s waiting for %s" % (timeout, what))


def missing_prerequisites(need=("ip", "nsenter", "unshare", "setsid", "corosync",
                                "corosync-cfgtool")):
    """Why this machine cannot run the harness (None when it can)."""
    if os.geteuid() != 0:
        return "not root: network namespaces need root"
    for tool in need:
        if shutil.which(tool) is None and not os.path.exists("/usr/sbin/" + tool):
            return "%s is not installed" % tool
    name = "vgprobe%d" % os.getpid()
    p = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
    if p.returncode != 0:
        return "`ip netns add` does not work here: %s" % p.stderr.strip()
    subprocess.run(["ip", "netns", "del", name], capture_output=True)
    return None


def missing_web_prerequisites(need=None):
    """Why the web cluster cannot run here (missing_prerequisites(need), then
    apache2 and resource-agents), or None."""
    why = missing_prerequisites(need) if need else missing_prerequisites()
    if why:
        return why
    for path, pkg in (("/usr/sbin/apache2", "apache2"),
                      ("/usr/lib/ocf/resource.d/heartbeat/apache", "resource-agents")):
        if not os.path.exists(path):
            return "%s is not installed (scripts/install-deps)" % pkg
    return None


def read_int(path):
    """The integer a small file holds (a pid file), None when absent, empty or partial."""
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def proc_start_time(pid):
    """Start time (clock ticks since boot) of a process, None when gone: with the
    pid it identifies a process even after its pid has been reused."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except OSError:
        return None
    # the command name is in parentheses and may contain spaces
    fields = data[data.rfind(")") + 2:].split()
    if fields[0] in ("Z", "X"):  # a zombie is dead already
        return None
    return int(fields[19])


def parse_corosync_time(line, year):
    """Epoch seconds of a corosync/pacemaker log line with hires timestamps
    ("Nov 25 17:20:01.123 ..."), None when the line has none. Logs are UTC here."""
    m = re.match(r"^(\w{3}) +(\d+) (\d\d:\d\d:\d\d\.\d+)", line)
    if not m:
        return None
    try:
        dt = datetime.datetime.strptime("%d %s %s %s" % (year, m.group(1), m.group(2), m.group(3)),
                                        "%Y %b %d %H:%M:%S.%f")
    except ValueError:
        return None
    return dt.replace(tzinfo=datetime.timezone.utc).timestamp()


def first_log_time(paths, pattern, after):
    """Time of the first line matching pattern (a regex) logged at or after
    `after` (epoch seconds) in any of the files; None when there is none."""
    year = datetime.datetime.fromtimestamp(after, datetime.timezone.utc).year
    rx = re.compile(pattern)
    best = None
    for path in paths:
        try:
            with open(path, errors="replace") as f:
                for line in f:
                    if not rx.search(line):
                        continue
                    t = parse_corosync_time(line, year)
                    if t is None or t < after - 0.001:
                        continue
                    if best is None or t < best:
                        best = t
                    break
        except FileNotFoundError:
            continue
    return best


def read_powered_off(work):
    """Names of the nodes the power switch of WORK's cluster holds off."""
    try:
        with open(os.path.join(work, "power", "off.json")) as f:
            names = json.load(f)
    except (OSError, ValueError):
        return set()
    return set(names) if isinstance(names, list) else set()


def write_powered_off(work, names):
    path = os.path.join(work, "power", "off.json")
    with open(path + ".tmp", "w") as f:
        json.dump(sorted(names), f)
    os.replace(path + ".tmp", path)


def summary(values):
    """min / median / max of a list of numbers (None entries ignored)."""
    v = [x for x in values if x is not None]
    if not v:
        return None
    return {"n": len(v), "min": round(min(v), 3), "median": round(statistics.median(v), 3),
            "max": round(max(v), 3)}


# ---------------------------------------------------------------------------
# HTTP client

def http_get(addr, port=80, path="/", timeout=0.2, source=None):
    """One HTTP/1.0 GET with a total time budget, from the local address
    `source` when given. Returns (rc, body): rc 0 on a 200 answer, curl's
    codes otherwise (7 refused/unreachable, 28 timeout, 22 HTTP error, 56
    receive error)."""
    deadline = time.monotonic() + timeout
    try:
        with socket.create_connection((addr, port), timeout=timeout,
                                      source_address=(source, 0) if source else None) as s:
            s.settimeout(max(0.001, deadline - time.monotonic()))
            s.sendall(("GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" % (path, addr)).encode())
            data = b""
            while len(data) < 1 << 20:
                s.settimeout(max(0.001, deadline - time.monotonic()))
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
    except socket.timeout:
        return 28, ""
    except (ConnectionRefusedError, OSError) as e:
        if isinstance(e, (ConnectionResetError, BrokenPipeError)):
            return 56, ""
        return 7, ""
    head, _, body = data.partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0].split()
    if len(status) < 2 or status[1] != b"200":
        return 22, ""
    return 0, body.decode(errors="replace").strip()


class Client:
    """Fetches http://ADDR/ every `period` seconds from the root namespace,
    each request in its own thread with a `budget` so that a hanging request
    does not stretch the cadence (pitfall 9). Records (t_start, t_end, rc,
    body, source) per request, also appended to `log_path` as "t_start t_end
    rc body" (analyze.py's format). Bounded by max_requests and max_in_flight.

    With `sources` (local addresses, e.g. Cluster.client_addrs), request k
    leaves from sources[k % len(sources)], as that many clients taking
    turns: a balancer with source persistence then sees several clients.
    The record's source is "" without sources; with them, log lines get the
    source as a fifth field."""

    def __init__(self, addr, log_path=None, period=0.05, budget=0.2, max_requests=2400,
                 max_in_flight=8, port=80, sources=()):
        self.addr = addr
        self.port = port
        self.sources = list(sources)
        self._count = 0
        self.log_path = log_path
        self.period = period
        self.budget = budget
        self.max_requests = max_requests
        self.max_in_flight = max_in_flight
        self.records = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._slots = threading.BoundedSemaphore(max_in_flight)
        self._thread = None
        self._workers = []

    def start(self):
        self._thread = threading.Thread(target=self._loop, name="http-client", daemon=True)
        self._thread.start()
        return self

    def _one(self, source):
        try:
            t0 = time.time()
            rc, body = http_get(self.addr, self.port, timeout=self.budget, source=source)
            t1 = time.time()
            with self._lock:
                self.records.append((t0, t1, rc, body or "none", source or ""))
                if self.log_path:
                    with open(self.log_path, "a") as f:
                        f.write("%.6f %.6f %d %s%s\n" % (
                            t0, t1, rc, (body or "none").split()[0] if body else "none",
                            " " + source if source else ""))
        finally:
            self._slots.release()

    def _loop(self):
        next_t = time.monotonic()
        for _ in range(self.max_requests):
            if self._stop.is_set():
                break
            if self._slots.acquire(timeout=1.0):
                source = self.sources[self._count % len(self.sources)] if self.sources else None
                self._count += 1
                w = threading.Thread(target=self._one, args=(source,), daemon=True)
                w.start()
                self._workers.append(w)
                self._workers = [x for x in self._workers if x.is_alive()]
            next_t += self.period
            delay = next_t - time.monotonic()
            if delay > 0:
                self._stop.wait(delay)
            else:
                next_t = time.monotonic()

    def stop(self):
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        for w in list(self._workers):
            w.join(timeout=self.budget + 1)
        with self._lock:
            self.records.sort()
            return list(self.records)

    def snapshot(self):
        with self._lock:
            return sorted(self.records)


def analyze_switch(records, t_event, before, after):
    """From client records: the first answer from `after` that started at or
    after t_event, the last answer from `before` preceding it, the outage
    between them and the failed requests in between (as analyze.py does)."""
    ok_after = [r for r in records if r[0] >= t_event and r[3] == after]
    if not ok_after:
        return {"error": "no answer from %s after the event" % after}
    first = min(ok_after, key=lambda r: r[1])
    ok_before = [r for r in records if r[3] == before and r[1] <= first[1]]
    last = max(ok_before, key=lambda r: r[1]) if ok_before else None
    lo = last[0] if last else t_event
    failed = [r for r in records if lo < r[0] < first[0] and r[3] not in (before, after)]
    res = {"t_first_ok": round(first[1] - t_event, 3), "failed_requests": len(failed),
           "requests_total": len(records)}
    if last:
        res["outage"] = round(first[1] - last[1], 3)
        res["last_old_rel"] = round(last[1] - t_event, 3)
    return res


def work_dir(given, prefix):
    """The directory a test or benchmark writes to: `given` (created when
    missing), else a new one under /tmp named `prefix`...; readable by the
    nodes' services whatever the umask."""
    work = given or tempfile.mkdtemp(prefix=prefix)
    os.makedirs(work, exist_ok=True)
    os.chmod(work, 0o755)
    return work


def run_test(c, body, work, keep=False, failures=()):
    """Brings cluster c up, runs body(c) and prints PASS, or FAIL with every
    node's diagnostics when body raises HarnessError or one of `failures`.
    The cluster is always torn down; `work` is removed after a pass unless
    `keep`. Returns the exit code: 0 pass, 1 fail."""
    ok = False
    try:
        c.up()
        body(c)
        ok = True
        print("PASS")
        return 0
    except (HarnessError,) + tuple(failures) as e:
        diag = "\n".join(c.diagnostics(i) for i in c.nodes()) if c.subnet else ""
        print("FAIL: %s\n%s\n(work directory kept: %s)" % (e, diag, work))
        return 1
    finally:
        if c.subnet:
            c.down()
        if ok and not keep:
            shutil.rmtree(work, ignore_errors=True)


# daemons/testing (vigil_ipc.py), for scripts run inside the nodes.
DAEMONS_TESTING = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.realpath(__file__)))), "daemons", "testing")


def parse_test_args(doc):
    """The command line of a test of our daemons: --build-dir (required),
    --work DIR (kept), --keep."""
    import argparse  # only the tests' mains parse a command line
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--work")
    parser.add_argument("--keep", action="store_true")
    return parser.parse_args()


def vigild_test_main(doc, body, nodes, work_prefix, programs=(), **cluster_args):
    """main() of a test of our daemons under vigild: --build-dir (required),
    --work, --keep; SKIP without the prerequisites or when vigild or one of
    `programs` (paths in the build directory) is not built; then body(c) on
    `nodes` fresh nodes (run_test). Returns the exit code."""
    opts = parse_test_args(doc)
    vigild, bin_dirs = build_binaries(opts.build_dir)
    unbuilt = [p for p in ("daemons/vigild",) + tuple(programs)
               if not os.access(os.path.join(os.path.abspath(opts.build_dir), p), os.X_OK)]
    why = missing_prerequisites() or (unbuilt and "not built yet: " + ", ".join(unbuilt))
    if why:
        print("SKIP: %s" % why)
        return SKIP
    work = work_dir(opts.work, work_prefix)
    c = Cluster(os.path.join(work, "c"), nodes=nodes, stack="vigild", vigild=vigild,
                apache=False, bin_dirs=bin_dirs, **cluster_args)
    return run_test(c, body, work, keep=opts.keep or bool(opts.work))


def link_node_agent(name):
    """Gives the host, once and only when the name is free, the symlink
    /usr/sbin/NAME -> /run/vigil-netns/NAME: dangling on the host, it reaches
    in each node whatever that node's private /run holds under that name (so
    fencers, which look for agents in /usr/sbin, find a node's own agent). A
    file of that name that is not this link is left alone, and said so."""
    link = os.path.join(FENCE_BIN_DIR, name)
    want = os.path.join(NODE_TOOLS_DIR, name)
    if os.path.islink(link) and os.readlink(link) == want:
        return
    if os.path.lexists(link):
        log("note: %s is not the harness's link to %s; fencers in the nodes run it as it is"
            % (link, want))
        return
    with contextlib.suppress(FileExistsError):
        os.symlink(want, link)


def build_binaries(build_dir):
    """Where a build directory puts our programs: (vigild path or None, the
    directories to put first on the nodes' PATH). Daemons land in
    BUILD/daemons/ (daemons/CMakeLists.txt), the vigil CLI in BUILD/cli/."""
    build_dir = os.path.abspath(build_dir)
    dirs = [os.path.join(build_dir, sub) for sub in ("daemons", "cli")
            if os.path.isdir(os.path.join(build_dir, sub))]
    vigild = os.path.join(build_dir, "daemons", "vigild")
    return (vigild if os.path.isfile(vigild) and os.access(vigild, os.X_OK) else None), dirs


def agent_tools_dir(bin_dirs):
    """Vigil's attrd_updater, crm_attribute ... for the agents of a build
    whose programs are in `bin_dirs` (BUILD/libexec/vigil/agent-tools,
    cli/agent-tools/CMakeLists.txt), or None. vigil-lrmd finds it beside
    itself anyway; node.env names it so that no layout guess is involved.
    It is not put on the nodes' PATH: commands run there keep Pacemaker's
    crm_mon and friends."""
    for d in bin_dirs:
        cand = os.path.join(os.path.dirname(os.path.abspath(d)), "libexec", "vigil",
                            "agent-tools")
        if os.access(os.path.join(cand, "crm_attribute"), os.X_OK):
            return cand
    return None


# ---------------------------------------------------------------------------
# The cluster

INNER_SCRIPT = r"""#!/bin/sh
# Generated by tests/cluster/harness.py: runs as
#   setsid ip netns exec NS unshare -m -u THIS WORK I STACK
# i.e. inside node I's network namespace with fresh mount and UTS namespaces.
W=$1; I=$2; STACK=$3; D=$W/n$I
set -u
echo $$ > "$D/ns.pid"
mount --make-rprivate / || exit 1
mount -t tmpfs -o mode=0755 tmpfs /run || exit 1          # /var/run -> /run on Debian
mkdir -p /run/lock && chmod 1777 /run/lock
mount -t tmpfs -o mode=1777 tmpfs /dev/shm || exit 1      # libqb rings are per node
mount --bind "$D/etc-corosync" /etc/corosync || exit 1
for pair in "lib-vigil:/var/lib/vigil" "log-vigil:/var/log/vigil" \
            "lib-pacemaker:/var/lib/pacemaker" "log-pacemaker:/var/log/pacemaker"; do
    src=$D/${pair%%:*}; dst=${pair#*:}
    [ -d "$src" ] && [ -d "$dst" ] && { mount --bind "$src" "$dst" || exit 1; }
done
hostname "node$I"
for v in http_proxy https_proxy HTTP_PROXY HTTPS_PROXY no_proxy NO_PROXY all_proxy ALL_PROXY; do
    unset $v
done
[ -f "$W/node.env" ] && . "$W/node.env"
ln -s "$D/apache" "$WEB_DIR"          # one configfile path on every node of this cluster
mkdir -p /run/vigil-netns                          # the fence agent and its switch
ln -s "$W/power/switch.sock" /run/vigil-netns/power.sock
ln -s "$W/power/stuck.sock" /run/vigil-netns/stuck.sock   # the same switch, relay stuck
[ -n "${FENCE_AGENT:-}" ] && ln -s "$FENCE_AGENT" /run/vigil-netns/fence_vigil_netns
[ -n "${OCF_AGENTS:-}" ] && ln -s "$OCF_AGENTS" /run/vigil-netns/ocf
# Vigil's own agents (provider vigil) of this checkout, in this node only
if [ -n "${VIGIL_OCF:-}" ] && [ -d /usr/lib/ocf/resource.d/vigil ]; then
    mount --bind "$VIGIL_OCF" /usr/lib/ocf/resource.d/vigil || exit 1
fi
export VIGIL_RUN_DIR=/run/vigil VIGIL_STATE_DIR=/var/lib/vigil
export VIGIL_LOG_FILE=/var/log/vigil/vigil.log
if [ "$STACK" = sshd ]; then
    # A bare node: only sshd; the cluster is set up over ssh (sshnodes.py
    # writes sshd-node.sh: the node's /etc/ssh, /etc/hosts, sshd, launcher).
    . "$W/sshd-node.sh"
    echo up > "$D/inner.ready"
    wait
    exit 0
fi
# Corosync, then the stack, as children of this shell.
start_stack() {
    date +%s.%N > "$D/t_corosync_start"
    corosync -f -c /etc/corosync/corosync.conf > "$D/corosync.out" 2>&1 &
    echo $! > "$D/corosync.pid"
    k=0
    until corosync-cfgtool -s > /dev/null 2>&1; do
        k=$((k+1))
        [ $k -gt 400 ] && { echo "corosync did not answer within 20 s" >&2; return 1; }
        kill -0 "$(cat "$D/corosync.pid")" 2>/dev/null || { echo "corosync exited" >&2; return 1; }
        sleep 0.05
    done
    date +%s.%N > "$D/t_stack_start"
    case "$STACK" in
    corosync) ;;
    vigild)
        # shellcheck disable=SC2086
        "$VIGILD" --foreground $VIGILD_ARGS > "$D/vigild.out" 2>&1 &
        echo $! > "$D/stack.pid" ;;
    command)
        sh -c "$STACK_CMD" > "$D/stack.out" 2>&1 &
        echo $! > "$D/stack.pid" ;;
    pacemaker)
        PCMK_logfile=/var/log/pacemaker/pacemaker.log PCMK_debug=no \
            /usr/sbin/pacemakerd -f > "$D/pacemakerd.out" 2>&1 &
        echo $! > "$D/stack.pid" ;;
    *) echo "unknown stack $STACK" >&2; exit 2 ;;
    esac
    echo up > "$D/inner.ready"
}
start_stack || exit 1
wait
# Cluster.stop_stack made $D/stack.hold before stopping the stack and
# Corosync: the shell stays, and with it the node's namespaces, /run and
# /dev/shm, until Cluster.start_stack writes "start" into $D/stack.fifo
# (the stack runs again here) or Cluster.stop anything else (the shell exits).
n=0
while [ -e "$D/stack.hold" ] && [ $n -lt 10000 ]; do
    n=$((n+1))
    rm -f "$D/stack.hold"
    [ -p "$D/stack.fifo" ] || mkfifo "$D/stack.fifo" || exit 1
    echo held > "$D/stack.held"
    cmd=
    read -r cmd < "$D/stack.fifo"
    rm -f "$D/stack.held"
    [ "$cmd" = start ] || exit 0
    start_stack || exit 1
    wait
done
"""

APACHE_CONF = """# Generated by tests/cluster/harness.py for {name}
ServerRoot "{d}"
ServerName {name}
Listen 80
# A node's is on its private /run: a rebooted node starts without a stale
# pid file; a plain host's is in its directory under WORK
PidFile {pidfile}
DefaultRuntimeDir {d}/run
ErrorLog {d}/logs/error.log
LogLevel warn
User www-data
Group www-data
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule dir_module /usr/lib/apache2/modules/mod_dir.so
LoadModule status_module /usr/lib/apache2/modules/mod_status.so
StartServers 1
ServerLimit 2
ThreadsPerChild 25
MaxRequestWorkers 50
MinSpareThreads 5
MaxSpareThreads 40
KeepAlive Off
DocumentRoot "{d}/htdocs"
DirectoryIndex index.html
<Directory />
    Require all denied
</Directory>
<Directory "{d}/htdocs">
    Require all granted
</Directory>
<Location /server-status>
    SetHandler server-status
    Require all granted
</Location>
"""

# The path every node sees its own apache configuration under (a symlink on
# the node's private /run), so one resource definition serves all nodes. It
# names the cluster's tag: the apache agent's stop ends with
# `pkill -f "apache2.*CONFIGFILE"`, and all nodes of all clusters on this
# machine share one pid namespace, so with one path for every cluster a stop
# in one run SIGTERMs the apaches of another run (seen: a running apache of
# one test killed by a stop in a parallel run).
WEB_DIR = "/run/vigil-web-%s"


def web_configfile(tag):
    return WEB_DIR % tag + "/httpd.conf"


NODE_APACHE_PIDFILE = "/run/httpd-vigil.pid"


def apache_conf(name, d, pidfile):
    """An apache configuration serving d/htdocs on port 80 of every address
    of its network namespace, its logs under d/logs."""
    return APACHE_CONF.format(name=name, d=d, pidfile=pidfile)


PLAIN_HOST_NAME = re.compile(r"^[a-z][a-z0-9]{0,11}$")


def check_plain_hosts(names):
    """The plain hosts' names as given, or HarnessError: each a short
    lower-case name (its page and hostname), none named like a cluster node
    (nodeI), no two alike, at most MAX_PLAIN_HOSTS."""
    names = list(names)
    if len(names) > MAX_PLAIN_HOSTS:
        raise HarnessError("at most %d plain hosts, not %d" % (MAX_PLAIN_HOSTS, len(names)))
    for n in names:
        if not isinstance(n, str) or not PLAIN_HOST_NAME.match(n):
            raise HarnessError("plain host name %r: a lower-case letter, then at most 11 "
                               "letters or digits" % (n,))
        if re.match(r"^node\d+$", n):
            raise HarnessError("plain host name %r is a cluster node's name" % n)
    if len(set(names)) != len(names):
        raise HarnessError("plain host names repeat: %s" % ", ".join(names))
    return names

# sshd: bare nodes running only sshd (sshnodes.py), set up with `vigil cluster`
STACKS = ("corosync", "vigild", "pacemaker", "command", "sshd")
# Process names (comm, 15 characters at most) of each stack's daemons.
DAEMON_PREFIXES = {
    "vigild": ("vigild", "vigil-"),
    "pacemaker": ("pacemakerd", "pacemaker-"),
    "corosync": (),
    "command": ("vigil-",),
    "sshd": ("vigild", "vigil-"),
}


class Cluster:
    """N nodes in network namespaces. The state lives in WORK/state.json, so a
    Cluster can be re-opened by another process (the vigil-netns command)."""

    def __init__(self, work, nodes=2, stack="corosync", vigild=None, token_ms=None,
                 subnet=None, tag=None, apache=True, two_node=None, bin_dirs=(),
                 startup_timeout=30, vigild_args=(), stack_cmd=None, crypto=True, hosts=(),
                 client_addrs=0):
        if stack not in STACKS:
            raise HarnessError("unknown stack %r (one of %s)" % (stack, ", ".join(STACKS)))
        if not 1 <= nodes <= 16:
            raise HarnessError("nodes must be 1..16, not %d" % nodes)
        self.work = os.path.abspath(work)
        self.n = nodes
        self.stack = stack
        self.vigild = os.path.abspath(vigild) if vigild else None
        self.token_ms = token_ms
        self.subnet = subnet  # "10.98.X", allocated in up() when None
        self.tag = tag or secrets.token_hex(2)
        self.apache = apache
        self.two_node = (nodes == 2) if two_node is None else two_node
        self.bin_dirs = [os.path.abspath(b) for b in bin_dirs]
        self.startup_timeout = startup_timeout
        # extra arguments of vigild; the shell command of the "command" stack
        self.vigild_args = list(vigild_args)
        self.stack_cmd = stack_cmd
        # Corosync's knet traffic authenticated and encrypted (aes256, sha256)
        # with one authkey per cluster, as `vigil cluster setup` and pcs make
        # it; False only for a test of the unprotected configuration.
        self.crypto = bool(crypto)
        # Plain hosts beside the nodes (same bridge, no cluster stack), each
        # running its own apache: the real servers of a load balancer.
        self.hosts = check_plain_hosts(hosts)
        if not 0 <= int(client_addrs) <= MAX_CLIENT_ADDRS:
            raise HarnessError("client_addrs must be 0..%d, not %s" % (MAX_CLIENT_ADDRS,
                                                                       client_addrs))
        self.n_client_addrs = int(client_addrs)
        if stack == "command" and not stack_cmd:
            raise HarnessError("the command stack needs stack_cmd (a shell command per node)")
        self._cleanup_armed = False
        self._down_done = False

    # --- names ---------------------------------------------------------------
    @property
    def bridge(self):
        return "vgb" + self.tag

    def netns(self, i):
        return "vg%sn%d" % (self.tag, i)

    def veth(self, i):
        return "vg%sh%d" % (self.tag, i)

    def addr(self, i):
        return "%s.%d" % (self.subnet, i)

    @property
    def bridge_addr(self):
        return "%s.%d" % (self.subnet, BRIDGE_HOST)

    @property
    def web_configfile(self):
        """apache's configuration file, the same path on every node of this cluster."""
        return web_configfile(self.tag)

    @property
    def vip(self):
        return "%s.%d" % (self.subnet, VIP_HOST)

    def node_dir(self, i):
        return os.path.join(self.work, "n%d" % i)

    # plain hosts, by name (index K = position in self.hosts + 1)
    def _host_index(self, name):
        if name not in self.hosts:
            raise HarnessError("no plain host %r (this cluster has: %s)"
                               % (name, ", ".join(self.hosts) or "none"))
        return self.hosts.index(name) + 1

    def host_netns(self, name):
        return "vg%sp%d" % (self.tag, self._host_index(name))

    def host_veth(self, name):
        return "vg%sq%d" % (self.tag, self._host_index(name))

    def host_addr(self, name):
        return "%s.%d" % (self.subnet, PLAIN_HOST_BASE + self._host_index(name))

    def host_dir(self, name):
        return os.path.join(self.work, "host-" + name)

    @property
    def client_addrs(self):
        """The client's extra source addresses (on the bridge, root namespace)."""
        return ["%s.%d" % (self.subnet, CLIENT_ADDR_BASE + j) for j in range(self.n_client_addrs)]

    def corosync_log(self, i):
        return os.path.join(self.node_dir(i), "corosync.log")

    def nodes(self):
        return range(1, self.n + 1)

    # --- persistence ------------------------------------------------------------
    def _state_path(self):
        return os.path.join(self.work, "state.json")

    def save(self):
        state = {k: getattr(self, k) for k in ("n", "stack", "vigild", "token_ms", "subnet",
                                               "tag", "apache", "two_node", "bin_dirs", "vigild_args",
                                               "stack_cmd", "crypto", "hosts",
                                               "n_client_addrs")}
        tmp = self._state_path() + ".tmp"
        with open(tmp, "w") as f:
            json.dump(state, f, indent=1)
        os.replace(tmp, self._state_path())

    @classmethod
    def load(cls, work):
        path = os.path.join(os.path.abspath(work), "state.json")
        try:
            with open(path) as f:
                s = json.load(f)
        except FileNotFoundError:
            raise HarnessError("%s: no cluster here (run `up` first)" % work)
        except ValueError as e:
            raise HarnessError("%s: unreadable: %s" % (path, e))
        c = cls(work, nodes=s["n"], stack=s["stack"], vigild=s["vigild"], token_ms=s["token_ms"],
                subnet=s["subnet"], tag=s["tag"], apache=s["apache"], two_node=s["two_node"],
                bin_dirs=s.get("bin_dirs", ()), vigild_args=s.get("vigild_args", ()),
                stack_cmd=s.get("stack_cmd"), crypto=s.get("crypto", True),
                hosts=s.get("hosts", ()), client_addrs=s.get("n_client_addrs", 0))
        return c

    # --- records: what we created, which processes we started -----------------
    def _record(self, kind, name):
        with open(os.path.join(self.work, "created.list"), "a") as f:
            f.write("%s %s\n" % (kind, name))

    def _created(self):
        try:
            with open(os.path.join(self.work, "created.list")) as f:
                return {tuple(line.split()) for line in f if len(line.split()) == 2}
        except FileNotFoundError:
            return set()

    def _record_pid(self, label, pid):
        st = proc_start_time(pid)
        if st is None:
            return
        with open(os.path.join(self.work, "pids.list"), "a") as f:
            f.write("%s %d %d\n" % (label, pid, st))

    def _recorded_pids(self, prefix=""):
        out = []
        try:
            with open(os.path.join(self.work, "pids.list")) as f:
                for line in f:
                    p = line.split()
                    if len(p) == 3 and p[0].startswith(prefix):
                        out.append((p[0], int(p[1]), int(p[2])))
        except FileNotFoundError:
            pass
        return out

    # --- cleanup on any exit --------------------------------------------------
    def arm_cleanup(self):
        """Tear down at interpreter exit and on SIGINT/SIGTERM/SIGHUP."""
        if self._cleanup_armed:
            return
        self._cleanup_armed = True
        atexit.register(self._atexit)

        def on_signal(signum, frame):
            log("signal %d: tearing the cluster down" % signum)
            self._atexit()
            os._exit(128 + signum)
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(s, on_signal)

    def keep_running(self):
        """Leaves the cluster up at exit (the vigil-netns command after `up`)."""
        self._down_done = True

    def _atexit(self):
        if not self._down_done:
            try:
                self.down()
            except Exception as e:  # teardown must go on and report, never hide
                log("teardown: %s" % e)

    # --- network ----------------------------------------------------------------
    def _existing_links(self):
        p = run(["ip", "-o", "link", "show"])
        return {m.group(1) for m in re.finditer(r"^\d+: ([^:@]+)", p.stdout, re.M)}

    def _netns_list(self):
        p = run(["ip", "netns", "list"])
        return {line.split()[0] for line in p.stdout.splitlines() if line.strip()}

    def _allocate_subnet(self):
        """The first 10.98.X.0/24 (X from 0) no root-namespace address or route uses."""
        addrs = run(["ip", "-4", "-o", "addr", "show"]).stdout
        routes = run(["ip", "-4", "route", "show", "table", "all"]).stdout
        used = set()
        for m in re.finditer(r"\b%s\.(\d+)\.\d+" % re.escape(DEFAULT_NET), addrs + routes):
            used.add(int(m.group(1)))
        for x in range(0, 250):
            if x not in used:
                return "%s.%d" % (DEFAULT_NET, x)
        raise HarnessError("no free /24 left in %s.0.0/16" % DEFAULT_NET)

    def _bridge_up(self):
        if self.bridge in self._existing_links():
            if ("bridge", self.bridge) not in self._created():
                raise HarnessError("bridge %s exists and was not created by this run" % self.bridge)
            return
        self._record("bridge", self.bridge)
        run(["ip", "link", "add", self.bridge, "type", "bridge", "stp_state", "0",
             "forward_delay", "0"])
        run(["ip", "addr", "add", self.bridge_addr + "/24", "dev", self.bridge])
        for a in self.client_addrs:  # secondary: .254 stays the default source
            run(["ip", "addr", "add", a + "/24", "dev", self.bridge])
        run(["ip", "link", "set", self.bridge, "up"])

    def _netns_up(self, i):
        self._namespace_up(self.netns(i), self.veth(i), self.addr(i))

    def _namespace_up(self, ns, vh, addr):
        """A network namespace on the bridge through veth `vh`, `addr` on its eth0
        (a node's or a plain host's); one this run did not create is refused."""
        if ns in self._netns_list():
            if ("netns", ns) not in self._created():
                raise HarnessError("netns %s exists and was not created by this run" % ns)
            return
        if vh in self._existing_links():
            raise HarnessError("link %s exists already" % vh)
        self._record("netns", ns)
        run(["ip", "netns", "add", ns])
        run(["ip", "link", "add", vh, "type", "veth", "peer", "name", "eth0", "netns", ns])
        run(["ip", "link", "set", vh, "master", self.bridge])
        run(["ip", "link", "set", vh, "up"])
        run(["ip", "-n", ns, "link", "set", "lo", "up"])
        run(["ip", "-n", ns, "addr", "add", addr + "/24", "dev", "eth0"])
        run(["ip", "-n", ns, "link", "set", "eth0", "up"])

    def _netns_del(self, i):
        ns, vh = self.netns(i), self.veth(i)
        if ("netns", ns) not in self._created():
            return
        if ns in self._netns_list():
            self._kill_processes(i)
            # "ip netns del" returns before the kernel has torn the namespace
            # down; delete the veth first so an immediate re-create finds no
            # leftover vhI (pitfall 4).
            run(["ip", "link", "del", vh], check=False)
            run(["ip", "netns", "del", ns], check=False)
        with contextlib.suppress(HarnessError):
            wait_until("%s to disappear" % vh, lambda: vh not in self._existing_links(), 5, 0.05)

    def _ns_pids(self, i):
        p = run(["ip", "netns", "pids", self.netns(i)], check=False)
        if p.returncode != 0:
            return []
        return [int(x) for x in p.stdout.split() if x.isdigit()]

    def _kill_processes(self, i):
        """SIGKILL every process of node i: all processes in its netns, plus
        its recorded processes still alive (matched by pid and start time)."""
        self._kill_all(lambda: self._ns_pids(i), "node%d-" % i, "node%d" % i)

    def _kill_all(self, listed, prefix, what):
        """SIGKILL what `listed()` names and the processes recorded under
        `prefix` still alive (pid and start time), until none is left."""
        me = os.getpid()
        for _ in range(50):
            victims = set(listed())
            for _label, pid, st in self._recorded_pids(prefix):
                if proc_start_time(pid) == st:
                    victims.add(pid)
            victims.discard(me)
            if not victims:
                return
            for pid in victims:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.05)
            self._reap()
        raise HarnessError("%s: processes still alive after 50 SIGKILL rounds: %s"
                           % (what, sorted(listed())))

    def _reap(self):
        # Node shells and exec'd processes may be our children: collect their
        # zombies (only recorded pids, so other children keep their status).
        for _label, pid, _st in self._recorded_pids():
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(pid, os.WNOHANG)

    # --- configuration ----------------------------------------------------------
    def _write_corosync_conf(self, i):
        d = self.node_dir(i)
        lines = ["totem {", "  version: 2", "  cluster_name: vigil%s" % self.tag,
                 "  transport: knet"]
        if self.crypto:  # knet reads the key from /etc/corosync/authkey (the node's own)
            lines += ["  crypto_cipher: aes256", "  crypto_hash: sha256"]
        else:
            lines += ["  crypto_cipher: none", "  crypto_hash: none"]
        if self.token_ms:
            lines.append("  token: %d" % int(self.token_ms))
        lines += ["}", "nodelist {"]
        for n in self.nodes():
            # one key per line: corosync's parser refuses "node { a: b }" (pitfall 1)
            lines += ["  node {", "    ring0_addr: %s" % self.addr(n), "    name: node%d" % n,
                      "    nodeid: %d" % n, "  }"]
        lines += ["}", "quorum {", "  provider: corosync_votequorum"]
        if self.two_node:
            lines.append("  two_node: 1")  # implies wait_for_all
        lines += ["}", "logging {", "  to_logfile: yes", "  logfile: %s" % self.corosync_log(i),
                  "  to_syslog: no", "  to_stderr: no", "  timestamp: hires", "}",
                  "system {", "  state_dir: %s/corosync-state" % d,
                  "  allow_knet_handle_fallback: yes", "}"]
        with open(os.path.join(d, "etc-corosync", "corosync.conf"), "w") as f:
            f.write("\n".join(lines) + "\n")

    def _authkey(self):
        """The cluster's Corosync key: 256 random bytes, as corosync-keygen
        writes by default, made once per cluster and kept in WORK (0400, root)
        so that a node prepared later gets the same one."""
        path = os.path.join(self.work, "corosync-authkey")
        with contextlib.suppress(FileExistsError):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
            try:
                os.write(fd, secrets.token_bytes(256))
            finally:
                os.close(fd)
        with open(path, "rb") as f:
            key = f.read()
        if not 128 <= len(key) <= 4096:  # corosync's bounds
            raise HarnessError("%s: %d bytes, not a Corosync key (128..4096)" % (path, len(key)))
        return key

    def _write_authkey(self, i):
        # in the node's etc-corosync, which node-inner.sh binds over /etc/corosync
        path = os.path.join(self.node_dir(i), "etc-corosync", "authkey")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
        try:
            os.fchown(fd, 0, 0)
            os.fchmod(fd, 0o400)
            os.write(fd, self._authkey())
        finally:
            os.close(fd)

    def _write_apache_conf(self, i):
        self._write_apache_dir(os.path.join(self.node_dir(i), "apache"), "node%d" % i,
                               NODE_APACHE_PIDFILE)

    @staticmethod
    def _write_apache_dir(d, name, pidfile):
        """d/httpd.conf serving d/htdocs, whose page says `name`."""
        for sub in ("htdocs", "run", "logs"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        with open(os.path.join(d, "htdocs", "index.html"), "w") as f:
            f.write(name + "\n")
        with open(os.path.join(d, "httpd.conf"), "w") as f:
            f.write(apache_conf(name, d, pidfile))
        with contextlib.suppress(KeyError, OSError):
            import pwd
            pw = pwd.getpwnam("www-data")
            for sub in ("run", "logs"):
                os.chown(os.path.join(d, sub), pw.pw_uid, pw.pw_gid)

    def _prepare_node_dirs(self, i):
        d = self.node_dir(i)
        for sub in ("etc-corosync", "corosync-state", "lib-vigil", "log-vigil"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        if self.stack == "pacemaker":
            import grp
            import pwd
            for sub in ("lib-pacemaker/cib", "lib-pacemaker/pengine", "lib-pacemaker/blackbox",
                        "lib-pacemaker/cores", "log-pacemaker"):
                os.makedirs(os.path.join(d, sub), exist_ok=True)
            uid = pwd.getpwnam("hacluster").pw_uid
            gid = grp.getgrnam("haclient").gr_gid
            for root, dirs, _files in os.walk(os.path.join(d, "lib-pacemaker")):
                os.chown(root, uid, gid)
                os.chmod(root, 0o750)
            os.chown(os.path.join(d, "log-pacemaker"), uid, gid)
            os.chmod(os.path.join(d, "log-pacemaker"), 0o2770)
        if self.stack != "sshd":  # sshd nodes get theirs from `vigil cluster setup`
            self._write_corosync_conf(i)
            if self.crypto:
                self._write_authkey(i)
        if self.apache:
            self._write_apache_conf(i)

    def _write_env(self):
        path_dirs = self.bin_dirs + ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin",
                                     "/sbin", "/bin"]
        with open(os.path.join(self.work, "node.env"), "w") as f:
            f.write("# sourced by node-inner.sh\n")
            f.write("export PATH=%s\n" % shlex.quote(":".join(path_dirs)))
            tools = agent_tools_dir(self.bin_dirs)
            if tools:  # for vigil-lrmd: first in the agents' PATH, their HA_SBIN_DIR
                f.write("export VIGIL_AGENT_TOOLS_DIR=%s\n" % shlex.quote(tools))
            if self.vigild:
                f.write("VIGILD=%s\n" % shlex.quote(self.vigild))
            # split by the shell on spaces: arguments with blanks are refused in up()
            f.write("VIGILD_ARGS=%s\n" % shlex.quote(" ".join(self.vigild_args)))
            if self.stack_cmd:
                f.write("STACK_CMD=%s\n" % shlex.quote(self.stack_cmd))
            f.write("FENCE_AGENT=%s\n" % shlex.quote(os.path.realpath(FENCE_AGENT)))
            f.write("OCF_AGENTS=%s\n" % shlex.quote(os.path.realpath(OCF_AGENTS)))
            f.write("WEB_DIR=%s\n" % shlex.quote(WEB_DIR % self.tag))
            f.write("VIGIL_OCF=%s\n" % shlex.quote(os.path.join(self.work, "ocf-vigil")))

    def _prepare_vigil_agents(self):
        """WORK/ocf-vigil: links to this checkout's production agents, which
        every node binds on /usr/lib/ocf/resource.d/vigil (the inner shell);
        the host gets that directory, empty, once, as a mount point."""
        d = os.path.join(self.work, "ocf-vigil")
        os.makedirs(d, exist_ok=True)
        os.chmod(d, 0o755)
        for name in VIGIL_OCF_AGENTS:
            link = os.path.join(d, name)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(link)
            os.symlink(os.path.realpath(os.path.join(VIGIL_OCF_DIR, name)), link)
        mount_point = os.path.join(OCF_PROVIDER_DIR, "vigil")
        if os.path.isdir(OCF_PROVIDER_DIR) and not os.path.lexists(mount_point):
            os.makedirs(mount_point, exist_ok=True)
        if not os.path.isdir(mount_point):
            log("note: %s is not a directory: the nodes have no ocf:vigil agents" % mount_point)

    def _check_work_dir(self):
        # apache's workers (www-data) must reach DocumentRoot (pitfall 6)
        os.chmod(self.work, 0o755)
        p = self.work
        while p != "/":
            if not os.stat(p).st_mode & 0o001:
                log("warning: %s is not world-searchable: apache (www-data) cannot serve from %s"
                    % (p, self.work))
                break
            p = os.path.dirname(p)

    # --- lifecycle --------------------------------------------------------------
    def up(self, start=True):
        """Creates the bridge and every node's namespace and starts the nodes."""
        if self.stack == "vigild" and not (self.vigild and os.access(self.vigild, os.X_OK)):
            raise HarnessError("vigild not found at %r: build it (daemons/vigild) or pass "
                               "--vigild PATH" % self.vigild)
        if any(not a or any(ch.isspace() for ch in a) for a in self.vigild_args):
            raise HarnessError("vigild arguments must be non-empty and without blanks: %r"
                               % (self.vigild_args,))
        if self.stack == "pacemaker" and not os.access("/usr/sbin/pacemakerd", os.X_OK):
            raise HarnessError("pacemakerd is not installed (apt-get install pacemaker)")
        os.makedirs(self.work, exist_ok=True)
        if os.path.exists(self._state_path()):
            raise HarnessError("%s already holds a cluster (state.json): `down` it first or use "
                               "another WORK dir" % self.work)
        for name in ("/var/lib/vigil", "/var/log/vigil"):
            # mount points for the nodes' private state and logs
            os.makedirs(name, exist_ok=True)
        ensure_cluster_account()
        self.arm_cleanup()
        with open(LOCK_FILE, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if self.subnet is None:
                self.subnet = self._allocate_subnet()
            self.save()
            self._bridge_up()
        self._check_work_dir()
        with open(os.path.join(self.work, "node-inner.sh"), "w") as f:
            f.write(INNER_SCRIPT)
        os.chmod(os.path.join(self.work, "node-inner.sh"), 0o755)
        self._write_env()
        self._prepare_vigil_agents()
        for i in self.nodes():
            self._prepare_node_dirs(i)
            self._netns_up(i)
        for name in self.hosts:
            self._host_netns_up(name)
            self._write_apache_dir(os.path.join(self.host_dir(name), "apache"), name,
                                   self._host_pidfile(name))
        link_node_agent(FENCE_AGENT_NAME)
        self._link_ocf_agents()
        self.start_power_switch()
        log("cluster %s: %d nodes on %s, %s.0/24, VIP %s, work %s"
            % (self.tag, self.n, self.bridge, self.subnet, self.vip, self.work))
        for name in self.hosts:  # the real servers first: they stand before the cluster
            self.host_start(name)
        if start:
            for i in self.nodes():
                self.start(i)
            # Until knet's links are up each corosync is a partition of its
            # own, and a fast stack happily starts resources there (and a
            # test's first kill then hits a cluster that never met).
            if self.stack != "sshd":
                self.wait_membership(timeout=60)

    def corosync_members(self, i):
        """Node ids in node i's current corosync membership (runtime.members)."""
        p = self.exec(i, ["corosync-cmapctl", "-b", "runtime.members"], timeout=10)
        if p.returncode != 0:
            return set()
        return {int(m.group(1)) for m in
                re.finditer(r"^runtime\.members\.(\d+)\.status \(str\) = joined$", p.stdout,
                            re.M)}

    def wait_membership(self, nodes=None, timeout=60):
        """Waits (bounded) until every node of `nodes` (default: all) sees
        exactly `nodes` as its corosync membership."""
        want = set(nodes or self.nodes())
        try:
            wait_until("corosync membership %s on every node" % sorted(want),
                       lambda: all(self.corosync_members(i) == want for i in want), timeout, 0.2)
        except HarnessError as e:
            seen = {"node%d" % i: sorted(self.corosync_members(i)) for i in want}
            raise HarnessError("%s; members seen: %s" % (e, seen))
        log("corosync membership %s formed" % sorted(want))

    def shell_pid(self, i):
        """Pid of node i's inner shell (its namespaces' anchor), None when down."""
        pid = read_int(os.path.join(self.node_dir(i), "ns.pid"))
        if pid is None:
            return None
        for label, p, st in self._recorded_pids("node%d-shell" % i):
            if p == pid and proc_start_time(pid) == st:
                return pid
        return None

    def running(self, i):
        return self.shell_pid(i) is not None

    def start(self, i):
        """Boots node i: its inner shell, corosync, then the stack."""
        self._check_node(i)
        if self.running(i):
            raise HarnessError("node%d is already running" % i)
        if "node%d" % i in self.powered_off():
            raise HarnessError("node%d is powered off by the power switch: power it on "
                               "(power_on, or the fence agent's 'on')" % i)
        self._netns_up(i)
        d = self.node_dir(i)
        for name in ("ns.pid", "corosync.pid", "stack.pid", "inner.ready", "t_corosync_start",
                     "t_stack_start", "stack.hold", "stack.held"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(d, name))
        out = open(os.path.join(d, "inner.out"), "a")
        p = subprocess.Popen(["setsid", "ip", "netns", "exec", self.netns(i), "unshare", "-m",
                              "-u", os.path.join(self.work, "node-inner.sh"), self.work, str(i),
                              self.stack], stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        out.close()
        self._record_pid("node%d-launcher" % i, p.pid)
        try:
            wait_until("node%d's inner shell" % i,
                       lambda: read_int(os.path.join(d, "ns.pid")) or p.poll() is not None,
                       10, 0.02)
            shell = read_int(os.path.join(d, "ns.pid"))
            if shell:
                self._record_pid("node%d-shell" % i, shell)
            wait_until("node%d's corosync and stack" % i,
                       lambda: os.path.exists(os.path.join(d, "inner.ready")) or
                       p.poll() is not None, self.startup_timeout, 0.05)
        except HarnessError:
            raise HarnessError("node%d did not start: %s" % (i, self._tail(os.path.join(d, "inner.out"))))
        if p.poll() is not None:
            raise HarnessError("node%d's shell exited (%s): %s"
                               % (i, p.returncode, self._tail(os.path.join(d, "inner.out"))))
        self._stack_started(i)
        log("node%d started (%s)" % (i, self.stack))

    def _stack_started(self, i):
        """Records the corosync and stack pids node i's shell has just
        written, and fails when the stack exited right away."""
        d = self.node_dir(i)
        for name, label in (("corosync.pid", "corosync"), ("stack.pid", "stack")):
            pid = read_int(os.path.join(d, name))
            if pid:
                self._record_pid("node%d-%s" % (i, label), pid)
        if self.stack != "corosync":
            # A stack that cannot start (bad configuration, missing daemon)
            # usually exits at once: say so here rather than in a later timeout.
            time.sleep(0.3)
            pid = read_int(os.path.join(d, "stack.pid"))
            if pid is None or proc_start_time(pid) is None:
                out = {"vigild": "vigild.out", "pacemaker": "pacemakerd.out",
                       "command": "stack.out", "sshd": "sshd.out"}[self.stack]
                raise HarnessError("node%d: the %s stack exited right after its start: %s"
                                   % (i, self.stack, self._tail(os.path.join(d, out))))

    def _live_pid(self, i, name, label):
        """The pid in node i's pid file `name` when it is the recorded process
        `label` still alive (pid and start time), else None."""
        pid = read_int(os.path.join(self.node_dir(i), name))
        for _label, p, st in self._recorded_pids("node%d-%s" % (i, label)):
            if p == pid and proc_start_time(pid) == st:
                return pid
        return None

    def stop(self, i, timeout=120):
        """Clean stop, as `systemctl stop pacemaker corosync`: SIGTERM to the
        stack (vigild stops its daemons in order, the controller hands its
        resources over first) and, once it is gone, to corosync; the node's
        shell then exits. Each wait is bounded; a stack still alive after
        `timeout` s raises HarnessError and is left running (the caller
        decides). The network namespace stays, as a machine stays on.
        Returns the epoch time taken just before."""
        self._check_node(i)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(self.node_dir(i), "stack.hold"))  # the shell exits after
        t = time.time()
        self._stop_daemons(i, timeout)
        if self.held(i):  # stopped by stop_stack: the shell waits for a word
            self._tell_shell(i, "exit")
        self._reap()
        wait_until("node%d's shell to exit" % i, lambda: (self._reap(), not self.running(i))[1],
                   15, 0.1)
        return t

    def _stop_daemons(self, i, timeout):
        """SIGTERM to node i's stack, and once it is gone to its Corosync
        (each wait bounded by `timeout`)."""
        for name, label in (("stack.pid", "stack"), ("corosync.pid", "corosync")):
            pid = self._live_pid(i, name, label)
            if pid is None:
                continue
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            wait_until("node%d's %s (pid %d) to stop" % (i, label, pid),
                       lambda: self._live_pid(i, name, label) is None, timeout, 0.1)

    def held(self, i):
        """Whether node i runs with its stack stopped by stop_stack: its shell
        (namespaces, /run, /dev/shm) alive, no Corosync, no stack."""
        return self.running(i) and os.path.exists(os.path.join(self.node_dir(i), "stack.held"))

    def stack_running(self, i):
        """Whether node i runs with its stack (not held by stop_stack)."""
        return self.running(i) and not self.held(i)

    def stop_stack(self, i, timeout=120):
        """Stops node i's cluster stack as stop() does (SIGTERM to the stack,
        then to Corosync), but the node stays on: its shell keeps its
        network, mount and UTS namespaces, so whatever the resources left on
        its private /run and /dev/shm and in its network namespace survives,
        as on a machine where `systemctl stop pacemaker corosync` ran.
        start_stack(i) starts them again in that same node. Returns the epoch
        time taken just before."""
        self._check_node(i)
        if self.stack == "sshd":
            raise HarnessError("node%d: the sshd stack has no stack of its own to stop" % i)
        if not self.running(i):
            raise HarnessError("node%d is not running" % i)
        if self.held(i):
            raise HarnessError("node%d's stack is stopped already" % i)
        d = self.node_dir(i)
        with open(os.path.join(d, "stack.hold"), "w") as f:
            f.write("hold\n")
        t = time.time()
        self._stop_daemons(i, timeout)
        try:
            wait_until("node%d's shell to hold after its stack stopped" % i,
                       lambda: self.held(i) or not self.running(i), 15, 0.05)
        except HarnessError:
            raise HarnessError("node%d: the stack stopped but the shell does not hold: %s"
                               % (i, self._tail(os.path.join(d, "inner.out"))))
        if not self.running(i):
            raise HarnessError("node%d's shell exited instead of holding: %s"
                               % (i, self._tail(os.path.join(d, "inner.out"))))
        log("node%d: stack stopped, node held" % i)
        return t

    def start_stack(self, i):
        """Starts Corosync and the stack again in node i after stop_stack (the
        same namespaces, /run and /dev/shm); returns once they run, as
        start() does. Returns the epoch time taken just before."""
        self._check_node(i)
        if not self.held(i):
            raise HarnessError("node%d is not held by stop_stack (running: %s)"
                               % (i, self.running(i)))
        d = self.node_dir(i)
        for name in ("corosync.pid", "stack.pid", "inner.ready", "t_corosync_start",
                     "t_stack_start"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(d, name))
        t = time.time()
        self._tell_shell(i, "start")
        try:
            wait_until("node%d's corosync and stack" % i,
                       lambda: os.path.exists(os.path.join(d, "inner.ready")) or
                       not self.running(i), self.startup_timeout, 0.05)
        except HarnessError:
            raise HarnessError("node%d's stack did not start: %s"
                               % (i, self._tail(os.path.join(d, "inner.out"))))
        if not self.running(i):
            raise HarnessError("node%d's shell exited while starting its stack: %s"
                               % (i, self._tail(os.path.join(d, "inner.out"))))
        self._stack_started(i)
        log("node%d: stack started again (%s)" % (i, self.stack))
        return t

    def _tell_shell(self, i, word):
        """Writes `word` to held node i's shell (its stack.fifo), bounded: the
        shell opens the fifo right after it says it holds."""
        path = os.path.join(self.node_dir(i), "stack.fifo")

        def opened():
            try:
                return os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # ENXIO: not opened for reading yet
                return None
        fd = wait_until("node%d's shell to read %s" % (i, path), opened, 10, 0.05)
        try:
            os.write(fd, (word + "\n").encode())
        finally:
            os.close(fd)

    def kill(self, i):
        """Hard kill: cable pulled (both veth ends down), then SIGKILL of every
        process of the node. Returns the epoch time taken just before."""
        self._check_node(i)
        t = time.time()
        run(["ip", "link", "set", self.veth(i), "down"], check=False)
        run(["ip", "-n", self.netns(i), "link", "set", "eth0", "down"], check=False)
        self._kill_processes(i)
        self._reap()
        return t

    def cut(self, i):
        """Link cut: node i keeps running but loses the network."""
        self._check_node(i)
        t = time.time()
        run(["ip", "link", "set", self.veth(i), "down"])
        run(["ip", "-n", self.netns(i), "link", "set", "eth0", "down"])
        return t

    def restore(self, i):
        self._check_node(i)
        t = time.time()
        run(["ip", "-n", self.netns(i), "link", "set", "eth0", "up"])
        run(["ip", "link", "set", self.veth(i), "up"])
        return t

    def block_corosync(self, i):
        """Drops Corosync's traffic (UDP port 5405, both ways) inside node i's
        network namespace with nftables; everything else (the service
        network, the VIP) keeps flowing. The rules live in the namespace, so
        a rebooted node (reboot_net, the power switch's on) has none.
        Returns the time taken just before."""
        self._check_node(i)
        if shutil.which("nft") is None and not os.path.exists("/usr/sbin/nft"):
            raise HarnessError("nft is not installed (nftables; scripts/install-deps)")
        rules = ("table inet %s {\n" % BLOCK_TABLE +
                 "".join("  chain %s { type filter hook %s priority -10; policy accept; "
                         "udp dport %d drop; udp sport %d drop; }\n"
                         % (hook, hook, COROSYNC_PORT, COROSYNC_PORT)
                         for hook in ("input", "output")) + "}\n")
        t = time.time()
        run(["ip", "netns", "exec", self.netns(i), "nft", "-f", "-"], input=rules)
        return t

    def unblock_corosync(self, i):
        """Removes block_corosync's rules from node i (nothing when there are none)."""
        self._check_node(i)
        t = time.time()
        if self.corosync_blocked(i):
            run(["ip", "netns", "exec", self.netns(i), "nft", "delete", "table", "inet",
                 BLOCK_TABLE])
        return t

    def corosync_blocked(self, i):
        if self.netns(i) not in self._netns_list():
            return False
        p = run(["ip", "netns", "exec", self.netns(i), "nft", "list", "tables"], check=False)
        return p.returncode == 0 and BLOCK_TABLE in p.stdout

    # --- plain hosts: a network namespace on the bridge, an apache, no stack ----
    def _host_pidfile(self, name):
        return os.path.join(self.host_dir(name), "apache", "run", "httpd.pid")

    def _host_netns_up(self, name):
        self._namespace_up(self.host_netns(name), self.host_veth(name), self.host_addr(name))

    def _host_pids(self, name):
        p = run(["ip", "netns", "pids", self.host_netns(name)], check=False)
        if p.returncode != 0:
            return []
        return [int(x) for x in p.stdout.split() if x.isdigit()]

    def host_apache_pid(self, name):
        """The plain host's apache (its parent process) while it runs, else None."""
        self._host_index(name)
        recs = self._recorded_pids("host-%s-apache" % name)
        if not recs:
            return None
        _label, pid, st = recs[-1]  # the latest start
        return pid if proc_start_time(pid) == st else None

    def host_running(self, name):
        return self.host_apache_pid(name) is not None

    def host_start(self, name, timeout=20):
        """Starts the plain host's apache (in its network namespace, its
        configuration, pid and logs under WORK/host-NAME/apache) and waits
        (bounded) until it answers on the host's address; returns the time."""
        if self.host_running(name):
            raise HarnessError("%s's apache is running already" % name)
        d = os.path.join(self.host_dir(name), "apache")
        with contextlib.suppress(FileNotFoundError):  # ours, and dead (checked above)
            os.unlink(self._host_pidfile(name))
        out = open(os.path.join(d, "logs", "apache.out"), "a")
        env = {k: v for k, v in os.environ.items() if k not in PROXY_VARS}
        p = subprocess.Popen(["setsid", "ip", "netns", "exec", self.host_netns(name),
                              "/usr/sbin/apache2", "-f", os.path.join(d, "httpd.conf"),
                              "-DFOREGROUND"], stdin=subprocess.DEVNULL, stdout=out,
                             stderr=out, env=env)
        out.close()
        self._record_pid("host-%s-apache" % name, p.pid)
        addr = self.host_addr(name)

        def answers():
            if p.poll() is not None:
                raise HarnessError("%s's apache exited (%s): %s" % (
                    name, p.returncode, self._tail(os.path.join(d, "logs", "error.log"))))
            rc, body = http_get(addr, timeout=0.5)
            return time.time() if rc == 0 and body == name else None
        t = wait_until("%s's apache to answer on %s" % (name, addr), answers, timeout, 0.05)
        log("%s: apache serving on %s" % (name, addr))
        return t

    def host_kill(self, name):
        """SIGKILL of the plain host's apache: its recorded process and every
        process in the host's network namespace (the host stays up: its
        address answers, port 80 refuses). Returns the time taken just before."""
        t = time.time()
        self._kill_host_processes(name)
        return t

    def _kill_host_processes(self, name):
        def listed():
            if self.host_netns(name) not in self._netns_list():
                return []
            return self._host_pids(name)
        self._kill_all(listed, "host-%s-" % name, name)

    def _host_netns_del(self, name):
        ns, vh = self.host_netns(name), self.host_veth(name)
        if ("netns", ns) not in self._created():
            return
        self._kill_host_processes(name)
        if ns in self._netns_list():
            run(["ip", "link", "del", vh], check=False)
            run(["ip", "netns", "del", ns], check=False)
        with contextlib.suppress(HarnessError):
            wait_until("%s to disappear" % vh, lambda: vh not in self._existing_links(), 5, 0.05)

    def reboot_net(self, i):
        """A fresh network namespace for node i, as a rebooted machine: the
        old one may still hold the VIP (pitfall 5). Kills the node first."""
        self._check_node(i)
        self._kill_processes(i)
        self._netns_del(i)
        self._netns_up(i)

    # --- the power switch: the fence device of this cluster (powerswitch.py) ----
    @property
    def power_socket(self):
        """The switch's Unix socket on the host (/run/vigil-netns/power.sock in a node)."""
        return os.path.join(self.work, "power", "switch.sock")

    def powered_off(self):
        return read_powered_off(self.work)

    def _link_ocf_agents(self):
        link = os.path.join(OCF_PROVIDER_DIR, OCF_PROVIDER)
        want = os.path.join(NODE_TOOLS_DIR, "ocf")
        if os.path.islink(link) and os.readlink(link) == want:
            return
        if os.path.lexists(link) or not os.path.isdir(OCF_PROVIDER_DIR):
            log("note: %s is not the harness's link to %s: the test agents (ocf:%s:*) are "
                "not available" % (link, want, OCF_PROVIDER))
            return
        with contextlib.suppress(FileExistsError):
            os.symlink(want, link)

    def install_init_script(self, i, script, names):
        """Makes `script` the LSB init script /etc/init.d/NAME, for each of
        `names`, inside node i only: WORK/nI/init.d (links NAME -> script)
        is bound on /etc/init.d in the node's mount namespace, so the node
        sees these scripts and none of the host's (a node runs no init; a
        link back to the host's /etc/init.d would point into the bind
        itself). The host's /etc/init.d is never touched; a rebooted node
        has the host's scripts again."""
        d = os.path.join(self.node_dir(i), "init.d")
        os.makedirs(d, exist_ok=True)
        for name in names:
            link = os.path.join(d, name)
            if os.path.lexists(link):
                os.unlink(link)
            os.symlink(os.path.abspath(script), link)
        if self.exec(i, ["mountpoint", "-q", "/etc/init.d"], timeout=10).returncode != 0:
            self.check_exec(i, ["mount", "--bind", d, "/etc/init.d"], timeout=10)

    @property
    def stuck_socket(self):
        """The switch's second socket, whose relay is stuck (off/on refused)."""
        return os.path.join(self.work, "power", "stuck.sock")

    @property
    def power_events_path(self):
        return os.path.join(self.work, "power", "events.jsonl")

    def power_events(self, since=0.0):
        """The switch's power requests (dicts: t, t_begin, t_done, action, node,
        from, socket, ok, error) that arrived at or after `since`, in order."""
        out = []
        try:
            with open(self.power_events_path) as f:
                for line in f:
                    with contextlib.suppress(ValueError):
                        e = json.loads(line)
                        if isinstance(e, dict) and e.get("t", 0) >= since:
                            out.append(e)
        except FileNotFoundError:
            pass
        return sorted(out, key=lambda e: e["t"])

    def power_switch_pid(self):
        for _label, pid, st in self._recorded_pids("power-switch"):
            if proc_start_time(pid) == st:
                return pid
        return None

    def _switch_listening(self):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(1)
            try:
                s.connect(self.power_socket)
            except OSError:
                return False
        return True

    def start_power_switch(self, timeout=15):
        """Starts the power-switch process (a new session, recorded) and waits
        (bounded) until its socket accepts connections."""
        if self.power_switch_pid():
            return
        d = os.path.dirname(self.power_socket)
        os.makedirs(d, exist_ok=True)
        out = open(os.path.join(d, "switch.log"), "a")
        p = subprocess.Popen([sys.executable, POWER_SWITCH, self.work], stdin=subprocess.DEVNULL,
                             stdout=out, stderr=out, start_new_session=True)
        out.close()
        self._record_pid("power-switch", p.pid)
        wait_until("the power switch's socket %s" % self.power_socket,
                   lambda: p.poll() is not None or self._switch_listening(), timeout, 0.05)
        if p.poll() is not None:
            raise HarnessError("the power switch exited (%s): %s"
                               % (p.returncode, self._tail(os.path.join(d, "switch.log"))))

    def stop_power_switch(self):
        pid = self.power_switch_pid()
        if pid is None:
            return
        st = proc_start_time(pid)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)

        def gone():
            self._reap()
            return proc_start_time(pid) != st
        try:
            wait_until("the power switch to stop", gone, 5, 0.05)
        except HarnessError:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            wait_until("the power switch to die", gone, 5, 0.05)

    def fence(self, node, action, timeout=120, extra=()):
        """Runs the fence agent from the root namespace: `action` on node (an
        index, a name, or None for list/monitor). Returns the CompletedProcess:
        exit 0 success, 1 failure, 2 for status "off"."""
        argv = [FENCE_AGENT, "--switch-socket", self.power_socket, "--action", action]
        if node is not None:
            argv += ["--plug", node if isinstance(node, str) else "node%d" % node]
        try:
            return subprocess.run(argv + list(extra), capture_output=True, text=True,
                                  timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise HarnessError("%s: no answer within %s s" % (" ".join(argv), timeout))

    def _power(self, i, action):
        p = self.fence(i, action)
        if p.returncode != 0:
            raise HarnessError("power %s node%d: exit %d: %s" % (action, i, p.returncode,
                                                                  p.stderr.strip()[-500:]))
        return time.time()

    def power_off(self, i):
        """Powers node i off through the switch (kept down until power_on); returns the time."""
        return self._power(i, "off")

    def power_on(self, i):
        """Powers node i on: it boots (fresh namespace, corosync, stack); returns the time."""
        return self._power(i, "on")

    def power_status(self, i):
        """'on' or 'off', as the fence agent's status action reports it."""
        p = self.fence(i, "status", timeout=30)
        if p.returncode not in (0, 2):
            raise HarnessError("power status node%d: exit %d: %s" % (i, p.returncode,
                                                                    p.stderr.strip()[-500:]))
        return "on" if p.returncode == 0 else "off"

    def down(self):
        """Kills every process of every node and deletes what this run created."""
        self._down_done = True
        created = self._created()
        errors = []
        try:
            self.stop_power_switch()  # first: no "on" may boot a node while we kill them
        except HarnessError as e:
            errors.append(str(e))
        for i in self.nodes():
            if ("netns", self.netns(i)) in created:
                try:
                    self._kill_processes(i)
                    self._netns_del(i)
                except HarnessError as e:
                    errors.append(str(e))
        for name in self.hosts:
            try:
                self._host_netns_del(name)
            except HarnessError as e:
                errors.append(str(e))
        if ("bridge", self.bridge) in created and self.bridge in self._existing_links():
            run(["ip", "link", "del", self.bridge], check=False)
        self._reap()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._state_path())
        open(os.path.join(self.work, "created.list"), "w").close()
        if errors:
            raise HarnessError("teardown: " + "; ".join(errors))
        log("cluster %s torn down" % self.tag)

    # --- inside a node ----------------------------------------------------------
    def _check_node(self, i):
        if not 1 <= i <= self.n:
            raise HarnessError("no node %d (the cluster has nodes 1..%d)" % (i, self.n))

    def _enter(self, i):
        self._check_node(i)
        pid = self.shell_pid(i)
        if pid is None:
            raise HarnessError("node%d is not running" % i)
        return ["nsenter", "-t", str(pid), "-m", "-n", "-u", "--"]

    @staticmethod
    def _argv(argv):
        # Inside the node the working directory is the node shell's, so a
        # relative program path given here would name another file.
        argv = list(argv)
        if argv and "/" in argv[0] and not os.path.isabs(argv[0]):
            argv[0] = os.path.abspath(argv[0])
        return argv

    def node_env(self):
        env = {k: v for k, v in os.environ.items() if k not in PROXY_VARS}
        env["PATH"] = ":".join(self.bin_dirs + [env.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")])
        env.update(VIGIL_RUN_DIR="/run/vigil", VIGIL_STATE_DIR="/var/lib/vigil")
        return env

    def exec(self, i, argv, timeout=60, check=False, input=None):
        """Runs argv inside node i (mount + net + uts namespaces, pitfall 3)."""
        try:
            return subprocess.run(self._enter(i) + self._argv(argv), capture_output=True, text=True,
                                  timeout=timeout, env=self.node_env(), input=input)
        except subprocess.TimeoutExpired as e:
            raise HarnessError("node%d: %s: no answer within %s s" % (i, " ".join(argv), e.timeout))

    def check_exec(self, i, argv, timeout=60):
        p = self.exec(i, argv, timeout=timeout)
        if p.returncode != 0:
            raise HarnessError("node%d: %s: exit %d: %s" % (i, " ".join(argv), p.returncode,
                                                             (p.stderr + p.stdout).strip()[-2000:]))
        return p.stdout

    def popen(self, i, argv, **kw):
        """Starts argv inside node i and returns the Popen (recorded for teardown)."""
        p = subprocess.Popen(self._enter(i) + self._argv(argv), env=self.node_env(), **kw)
        self._record_pid("node%d-exec" % i, p.pid)
        return p

    # --- observation ------------------------------------------------------------
    def processes(self, i):
        """{pid: comm} of every process in node i's network namespace."""
        out = {}
        for pid in self._ns_pids(i):
            with contextlib.suppress(OSError):
                with open("/proc/%d/comm" % pid) as f:
                    out[pid] = f.read().strip()
        return out

    def memory(self, i, prefixes=None):
        """[(comm, pid, VmHWM, VmRSS, Pss)] in kB for the cluster daemons of
        node i (process names starting with one of prefixes; default: the
        stack's daemons and corosync)."""
        prefixes = tuple(prefixes or DAEMON_PREFIXES[self.stack] + ("corosync",))
        rows = []
        for pid, comm in sorted(self.processes(i).items()):
            if not comm.startswith(prefixes):
                continue
            vals = {}
            with contextlib.suppress(OSError):
                with open("/proc/%d/status" % pid) as f:
                    for line in f:
                        k, _, v = line.partition(":")
                        if k in ("VmHWM", "VmRSS"):
                            vals[k] = int(v.split()[0])
                with open("/proc/%d/smaps_rollup" % pid) as f:
                    for line in f:
                        if line.startswith("Pss:"):
                            vals["Pss"] = int(line.split()[1])
            rows.append((comm, pid, vals.get("VmHWM"), vals.get("VmRSS"), vals.get("Pss")))
        return rows

    def page(self, timeout=0.5):
        """(rc, body) of one GET of http://VIP/ from the root namespace."""
        return http_get(self.vip, timeout=timeout)

    def wait_page(self, want, timeout):
        """Waits (bounded) until the VIP answers with body `want`; returns the time."""
        def ok():
            rc, body = self.page()
            return time.time() if rc == 0 and body == want else None
        return wait_until("the VIP to answer '%s'" % want, ok, timeout, 0.2)

    def client(self, log_path=None, **kw):
        return Client(self.vip, log_path=log_path, **kw)

    def status(self):
        rows = []
        links = self._existing_links()
        nss = self._netns_list()
        for i in self.nodes():
            ns = self.netns(i)
            link = "absent"
            if self.veth(i) in links:
                p = run(["ip", "-o", "link", "show", self.veth(i)], check=False)
                link = "up" if "state UP" in p.stdout or ",UP" in p.stdout else "down"
            procs = self.processes(i) if ns in nss else {}
            rows.append({"node": "node%d" % i, "netns": ns if ns in nss else None,
                         "address": self.addr(i), "link": link, "running": self.running(i),
                         "stack_held": self.held(i),
                         "processes": sorted(set(procs.values()))})
        hosts = [{"host": name, "netns": self.host_netns(name)
                  if self.host_netns(name) in nss else None, "address": self.host_addr(name),
                  "apache": self.host_running(name)} for name in self.hosts]
        return {"tag": self.tag, "stack": self.stack, "bridge": self.bridge,
                "subnet": self.subnet + ".0/24" if self.subnet else None, "vip": self.vip,
                "work": self.work, "nodes": rows, "hosts": hosts,
                "client_addrs": self.client_addrs}

    @staticmethod
    def _tail(path, n=20):
        try:
            with open(path, errors="replace") as f:
                return "".join(f.readlines()[-n:]).strip() or "(empty)"
        except OSError:
            return "(no %s)" % path

    def diagnostics(self, i, extra=()):
        """A text block for failure reports: processes, log tails, and extra commands."""
        out = ["---- node%d: processes %s" % (i, sorted(set(self.processes(i).values())))]
        d = self.node_dir(i)
        for name in ("inner.out", "corosync.log", "vigild.out", "stack.out", "log-vigil/vigil.log",
                     "log-pacemaker/pacemaker.log", "apache/logs/error.log"):
            path = os.path.join(d, name)
            if os.path.exists(path):
                out.append("---- node%d: %s (tail)\n%s" % (i, name, self._tail(path, 15)))
        if self.running(i):
            for argv in extra:
                try:
                    p = self.exec(i, argv, timeout=15)
                    out.append("---- node%d: %s (exit %d)\n%s%s" % (i, " ".join(argv),
                                                                    p.returncode, p.stdout,
                                                                    p.stderr))
                except HarnessError as e:
                    out.append("---- node%d: %s" % (i, e))
        return "\n".join(out)


class VipWatcher:
    """Samples every running node's addresses (from the root namespace,
    `ip -n`) every 0.25 s and records each moment the VIP is up on more than
    one of them: the invariant of an active/passive cluster is that it never
    is. (A killed node keeps its addresses until its reboot-net; it is not
    running, so it does not count.)"""

    def __init__(self, c):
        self.c = c
        self.violations = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def holders(self):
        out = []
        for i in self.c.nodes():
            if not self.c.running(i):
                continue  # a killed node keeps its addresses until its "reboot"
            p = subprocess.run(["ip", "-n", self.c.netns(i), "-4", "-o", "addr", "show"],
                               capture_output=True, text=True, timeout=5)
            if p.returncode == 0 and (" %s/" % self.c.vip) in p.stdout:
                out.append("node%d" % i)
        return out

    def _loop(self):
        for _ in range(100000):  # bounded: at most ~7 hours of samples
            if self._stop.wait(0.25):
                return
            try:
                h = self.holders()
            except (OSError, subprocess.SubprocessError):
                continue
            if len(h) > 1:
                self.violations.append((time.time(), h))

    def take(self):
        """The violations since the last call."""
        v, self.violations = self.violations, []
        return v

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=5)


class AddrMonitor:
    """Netlink address events of one node (`ip -n NS -o monitor address`, run
    in the node's network namespace, so it dies with the node): the precise
    moments an address appears on or leaves it, where VipWatcher's samples
    are 0.25 s apart. Each event is timed when read (microseconds after the
    kernel's notification)."""

    def __init__(self, c, i, addr):
        self.c, self.i, self.addr = c, i, addr
        self.events = []  # (time, "add" | "del")
        self._lock = threading.Lock()
        self._proc = None
        self._thread = None

    def start(self):
        self._proc = subprocess.Popen(["ip", "-n", self.c.netns(self.i), "-o", "monitor",
                                       "address"], stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL, text=True, bufsize=1)
        self.c._record_pid("node%d-addrmon" % self.i, self._proc.pid)
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def _loop(self):
        needle = " %s/" % self.addr
        for _ in range(1000000):  # bounded; ends anyway when the process does
            line = self._proc.stdout.readline()
            if not line:
                return
            if needle in line:
                with self._lock:
                    self.events.append((time.time(), "del" if line.startswith("Deleted")
                                        else "add"))

    def first(self, kind, after=0.0):
        """Time of the first `kind` ("add"/"del") event at or after `after`, or None."""
        with self._lock:
            return next((t for t, k in self.events if k == kind and t >= after), None)

    def stop(self):
        if self._proc and self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self._proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=5)
        if self._thread:
            self._thread.join(timeout=5)
        if self._proc and self._proc.stdout:
            self._proc.stdout.close()
