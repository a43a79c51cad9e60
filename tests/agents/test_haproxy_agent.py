#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""ocf:vigil:haproxy run directly (OCF environment variables, no cluster) in
a private network and mount namespace that this test makes: the virtual IP
and the real servers' addresses on that namespace's loopback, real servers
being small Python HTTP servers that answer with their name. Needs root and
unshare(1); exits 77 (skipped) otherwise.

    test_haproxy_agent.py --agents DIR [--dtd FILE] [-k NAME]

Every wait is bounded in count and time; everything started is stopped by
its pid.
"""
import argparse
import hashlib
import http.client
import http.server
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse

from agent_checks import Checks, arg_parser

VIP = "10.77.0.1"
PORT = 80
S1, S2, S3 = "10.77.0.11", "10.77.0.12", "10.77.0.13"
SPORT = 8080
CLIENT1, CLIENT2 = "10.77.0.21", "10.77.0.22"
ADDRS = [VIP, S1, S2, S3, CLIENT1, CLIENT2]


# ---------------------------------------------------------------- real server
def serve(addr, port, name, health_status, tls):
    """A real server: GET / answers NAME, GET /health answers NAME-health
    with status HEALTH_STATUS."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self):
            path = urllib.parse.urlsplit(self.path).path
            if path == "/health":
                status, body = health_status, f"{name}-health\n"
            else:
                status, body = 200, f"{name}\n"
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer((addr, port), Handler)
    # haproxy's checks hang up without reading the whole answer.
    srv.handle_error = lambda *a: None
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(tls[0], tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    srv.serve_forever()


class Env(Checks):
    def __init__(self, agents, dtd, work):
        super().__init__()
        self.agent = os.path.join(agents, "haproxy")
        self.dtd = dtd
        self.work = work
        self.state_dir = os.path.join(work, "state")
        self.servers = {}  # name -> Popen

    # --------------------------------------------------------------- servers
    def start_server(self, name, addr, health=200, tls=None):
        args = [sys.executable, os.path.abspath(__file__), "--serve", addr, str(SPORT), name,
                str(health)]
        if tls:
            args += ["--tls", tls[0], tls[1]]
        p = subprocess.Popen(args)
        self.servers[name] = p
        # Bounded wait for its port.
        for _ in range(100):
            if p.poll() is not None:
                raise RuntimeError(f"server {name} exited with {p.returncode}")
            try:
                with socket.create_connection((addr, SPORT), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"server {name} does not listen on {addr}:{SPORT}")

    def stop_server(self, name):
        p = self.servers.pop(name, None)
        if p is None:
            return
        p.kill()
        p.wait(timeout=10)

    def stop_servers(self):
        for name in list(self.servers):
            self.stop_server(name)

    # ----------------------------------------------------------------- agent
    def run(self, action, params, level=None, timeout_ms=20000, instance="lb", state_dir=None):
        env = {k: v for k, v in os.environ.items() if not k.startswith("OCF_")}
        env.update({"OCF_ROOT": "/usr/lib/ocf", "OCF_RESOURCE_INSTANCE": instance,
                    "OCF_RA_VERSION_MAJOR": "1", "OCF_RA_VERSION_MINOR": "1",
                    "OCF_RESKEY_CRM_meta_timeout": str(timeout_ms),
                    "OCF_RESKEY_state_dir": state_dir or self.state_dir})
        if level is not None:
            env["OCF_CHECK_LEVEL"] = str(level)
        for k, v in params.items():
            env["OCF_RESKEY_" + k] = v
        p = subprocess.run([self.agent, action], env=env, capture_output=True, text=True,
                           timeout=timeout_ms / 1000 + 10)
        return p.returncode, p.stdout, p.stderr

    def reload(self, what, params):
        """reload-agent to PARAMS, which must succeed."""
        return self.run_expect("reload-agent " + what, "reload-agent", params, 0)

    def run_expect(self, what, action, params, rc, contains=None, **kw):
        """ACTION on PARAMS (run's keywords KW), which must exit RC (and say
        CONTAINS)."""
        got, _, err = self.run(action, params, **kw)
        return self.expect(what, got, rc, err, contains)

    # ---------------------------------------------------------------- traffic
    def request(self, source=None, timeout=5):
        """One request through the VIP (a new connection): the server's name
        or None when it failed."""
        try:
            c = http.client.HTTPConnection(VIP, PORT, timeout=timeout,
                                           source_address=(source, 0) if source else None)
            c.request("GET", "/", headers={"Connection": "close"})
            r = c.getresponse()
            body = r.read().decode().strip()
            c.close()
            return body if r.status == 200 else None
        except OSError:
            return None

    def requests(self, n, source=None):
        return [self.request(source) for _ in range(n)]

    def stats(self):
        """{server name: status} from the agent's stats socket."""
        sock = os.path.join(self.state_dir, "stats.sock")

        class UnixConnection(http.client.HTTPConnection):
            def connect(self):
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.settimeout(5)
                self.sock.connect(sock)

        c = UnixConnection("localhost", timeout=5)
        try:
            c.request("GET", "/;csv;norefresh")
            text = c.getresponse().read().decode()
        finally:
            c.close()
        lines = text.splitlines()
        head = lines[0].lstrip("# ").split(",")
        col, chk = head.index("status"), head.index("check_status")
        out = {}
        for line in lines[1:]:
            f = line.split(",")
            if len(f) > chk and f[0] == "vigil-service" and f[1] not in ("FRONTEND", "BACKEND"):
                # A server is UP from the start until its checks fail: UP
                # counts only once a check has passed.
                state = f[col].split(" ")[0]
                if state == "UP" and not f[chk].lstrip("* ").endswith("OK"):
                    state = "UP-unchecked"
                out[f[1]] = state
        return out

    def wait_status(self, want, limit_s=30):
        """Waits (bounded) until the stats show WANT ({server: UP|DOWN}); the
        last stats seen."""
        seen = {}
        deadline = time.monotonic() + limit_s
        for _ in range(int(limit_s * 10)):
            try:
                seen = self.stats()
            except OSError:
                seen = {}
            if all(seen.get(k) == v for k, v in want.items()):
                return True, seen
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        return False, seen

    def check_status(self, what, want):
        """A check that the stats come to WANT (wait_status)."""
        ok, seen = self.wait_status(want)
        return self.check(what, ok, str(seen))

    def listen_inodes(self):
        """Inodes of the sockets listening on VIP:PORT (/proc/net/tcp)."""
        local = "%08X:%04X" % (int.from_bytes(socket.inet_aton(VIP), "little"), PORT)
        with open("/proc/net/tcp") as f:
            rows = [line.split() for line in f.readlines()[1:]]
        return sorted(r[9] for r in rows if r[1] == local and r[3] == "0A")

    def haproxy_pids(self, under=None):
        """Pids of haproxy processes whose command line names our state dir
        (or any path under UNDER)."""
        mark = (under or self.state_dir).encode()
        pids = []
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open(f"/proc/{d}/cmdline", "rb") as f:
                    cmd = f.read().split(b"\0")
            except OSError:
                continue
            if any(mark in a for a in cmd) and b"haproxy" in cmd[0]:
                pids.append(int(d))
        return pids


def base(**kw):
    p = {"listen": f"{VIP}:{PORT}", "servers": f"{S1}:{SPORT}, {S2}:{SPORT}",
         "check_interval": "1", "check_timeout": "1"}
    p.update(kw)
    return p


def srv(addr):
    return f"{addr}:{SPORT}"


# ---------------------------------------------------------------------- cases
def case_validate(e):
    cases = [
        ("missing listen", {"servers": srv(S1)}, 6, "listen is required"),
        ("missing servers", {"listen": f"{VIP}:80"}, 6, "servers is required"),
        ("bad servers syntax", base(servers=f"{S1}:{SPORT} weihgt 2"), 6, "unknown word 'weihgt'"),
        ("servers without port", base(servers=S1), 6, "is not ADDR:PORT"),
        ("servers weight too big", base(servers=f"{S1}:{SPORT} weight 300"), 6,
         "weight of 10.77.0.11:8080 must be an integer from 0 to 256"),
        ("server twice", base(servers=f"{S1}:{SPORT},{S1}:{SPORT}"), 6, "listed twice"),
        ("IPv6 without brackets", base(listen="::1:80"), 6, "goes in brackets"),
        ("bad balance", base(balance="random-ish"), 6, "balance must be roundrobin"),
        ("bad mode", base(mode="udp"), 6, "mode must be tcp or http"),
        ("bad check", base(check="ping"), 6, "check must be none, tcp"),
        ("digest with tcp check", base(check_digest="0" * 32), 6, "check_digest needs check=http"),
        ("bad digest", base(check="http", check_digest="xyz"), 6, "MD5 in hex"),
        ("external without command", base(check="external"), 6, "check=external needs check_command"),
        ("command without external", base(check_command="/bin/true"), 6,
         "check_command is run only with check=external"),
        ("bad persistence_mask", base(persistence_mask="33"), 6, "persistence_mask must be"),
        ("bad retries", base(retries="-1"), 6, "retries must be an integer"),
        ("shell in check_path", base(check="http", check_path="/$(id)"), 6,
         "check_path and check_host must not contain"),
        ("timeout_connect=0", base(mode="http", check="external",
                                                 check_command="/bin/true",
                                                 timeout_connect="0"), 6,
         "timeout_connect must be an integer from 1"),
        ("config with generated params", {"config": "/etc/haproxy/haproxy.cfg",
                                          "listen": f"{VIP}:80", "balance": "source"}, 6,
         "unset the generated-configuration parameters too (set: listen balance)"),
        ("config file missing", {"config": os.path.join(e.work, "absent.cfg")}, 2,
         "does not exist"),
        ("binary missing", base(binary="/nonexistent/haproxy"), 5, "not installed"),
    ]
    for what, params, rc, msg in cases:
        got, _, err = e.run("validate-all", params)
        e.expect(f"validate-all refuses {what}", got, rc, err, msg)
        if got == rc and rc != 0:
            e.check(f"  ... with an ocf-exit-reason line", "ocf-exit-reason:" in err, err.strip())
    got, _, err = e.run("validate-all", base(check="http", check_host="www.example.com",
                                             persistence_timeout="50", persistence_mask="255.255.255.0",
                                             servers=f"{S1}:{SPORT} weight 3 check-port 8081,"
                                                     f" [::1]:{SPORT} backup"))
    e.expect("validate-all accepts a full configuration", got, 0, err)
    # The generated configuration is given to haproxy -c.
    e.run_expect("validate-all accepts balance=source hash_type=consistent",
                 "validate-all", base(hash_type="consistent", balance="source"), 0)


def case_basics(e):
    e.run_expect("monitor when stopped", "monitor", base(), 7)
    e.run_expect("stop when already stopped", "stop", base(), 0)
    got, _, err = e.run("start", base(listen="10.77.9.9:80"))
    e.expect("start with a listen address that is not local", got, 2, err,
             "listen address 10.77.9.9 is not configured on this host")
    e.run_expect("monitor after the refused start", "monitor", base(), 7)


def case_roundrobin_and_failover(e):
    e.start_server("s1", S1)
    e.start_server("s2", S2)
    p = base()
    got, _, err = e.run("start", p)
    if not e.expect("start", got, 0, err):
        return
    e.run_expect("start when started", "start", p, 0)
    e.run_expect("monitor when started", "monitor", p, 0)
    e.check_status("both real servers UP", {srv(S1): "UP", srv(S2): "UP"})
    e.run_expect("monitor depth 10 with servers up", "monitor", p, 0, level=10)
    r = e.requests(8)
    e.check("requests alternate between both servers (roundrobin)",
            all(r[i] in ("s1", "s2") and r[i] != r[i + 1] for i in range(7)), str(r))

    # A real server killed: after check_interval + 1 s no request fails.
    e.stop_server("s2")
    time.sleep(1 + 1)
    r = e.requests(20)
    e.check("after the check interval + 1 s, no request fails, all go to s1",
            r == ["s1"] * 20, str(r))
    e.check_status("the killed server is DOWN", {srv(S2): "DOWN"})
    # It returns: it gets traffic again.
    e.start_server("s2", S2)
    e.check_status("the returned server is UP again", {srv(S2): "UP"})
    r = e.requests(6)
    e.check("the returned server gets traffic again", r.count("s2") == 3 and r.count("s1") == 3,
            str(r))

    # Depth 10 fails when no real server is up; depth 0 does not.
    e.stop_server("s1")
    e.stop_server("s2")
    e.check_status("both servers DOWN", {srv(S1): "DOWN", srv(S2): "DOWN"})
    e.run_expect("monitor depth 10 with no server up",
                 "monitor", p, 1, "no real server is up", level=10)
    e.run_expect("monitor depth 0 with no server up", "monitor", p, 0, level=0)
    e.start_server("s1", S1)
    e.start_server("s2", S2)
    e.check_status("both real servers UP again", {srv(S1): "UP", srv(S2): "UP"})


def case_check_port(e):
    # s2 serves but its check port is closed: DOWN, no traffic.
    p = base(servers=f"{srv(S1)}, {srv(S2)} check-port 9999")
    e.reload("to check-port 9999 on s2", p)
    e.check_status("check-port: s2 DOWN (nothing on 9999), s1 UP", {srv(S1): "UP", srv(S2): "DOWN"})
    r = e.requests(4)
    e.check("check-port: every request to s1", r == ["s1"] * 4, str(r))


def case_persistence(e):
    # Without persistence the same client alternates (case_roundrobin); with
    # it, each client stays on one server.
    p = base(persistence_timeout="50")
    e.reload("to persistence_timeout=50", p)
    e.check_status("both UP after the reload", {srv(S1): "UP", srv(S2): "UP"})
    r1 = e.requests(6, CLIENT1)
    r2 = e.requests(6, CLIENT2)
    e.check("persistence: client 1 always on one server", len(set(r1)) == 1 and None not in r1,
            str(r1))
    e.check("persistence: client 2 always on one server", len(set(r2)) == 1 and None not in r2,
            str(r2))
    e.check("persistence: the two clients (mask 32) on different servers", r1[0] != r2[0],
            f"{r1[0]} {r2[0]}")
    p = base(persistence_timeout="50", persistence_mask="255.255.255.0")
    e.reload("to persistence_mask=255.255.255.0", p)
    ok, seen = e.wait_status({srv(S1): "UP", srv(S2): "UP"})
    r1 = e.requests(4, CLIENT1)
    r2 = e.requests(4, CLIENT2)
    e.check("persistence_mask /24: both clients on one server",
            len(set(r1 + r2)) == 1 and None not in r1, str(r1 + r2))


def case_http_checks(e):
    e.stop_servers()
    e.start_server("s1", S1, health=200)
    e.start_server("s2", S2, health=503)
    p = base(check="http", check_path="/health")
    e.reload("to check=http path=/health", p)
    e.check_status("http check: s2 answering 503 is DOWN, s1 UP", {srv(S1): "UP", srv(S2): "DOWN"})
    r = e.requests(4)
    e.check("http check: every request to s1", r == ["s1"] * 4, str(r))

    p = base(check="http", check_path="/health", check_status="503")
    e.reload("to check_status=503", p)
    e.check_status("http check: with check_status=503, s1 (200) DOWN and s2 UP",
                   {srv(S1): "DOWN", srv(S2): "UP"})

    # Digest: both answer 200; only s1's body has the digest.
    e.stop_servers()
    e.start_server("s1", S1)
    e.start_server("s2", S2)
    digest = hashlib.md5(b"s1-health\n").hexdigest()
    p = base(check="http", check_path="/health", check_digest=digest.upper())
    e.reload("to check_digest", p)
    e.check_status("digest check: s2 (other body) DOWN, s1 UP", {srv(S1): "UP", srv(S2): "DOWN"})
    r = e.requests(4)
    e.check("digest check: every request to s1", r == ["s1"] * 4, str(r))
    p = base(check="http", check_path="/health", check_digest=digest, check_status="201")
    e.reload("to check_digest with check_status=201", p)
    e.check_status("digest check: a wrong status fails it even with the right body",
                   {srv(S1): "DOWN", srv(S2): "DOWN"})


def case_https_check(e):
    cert, key = os.path.join(e.work, "cert.pem"), os.path.join(e.work, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=s1",
                    "-days", "2", "-keyout", key, "-out", cert], check=True, capture_output=True)
    e.stop_servers()
    e.start_server("s1", S1, tls=(cert, key))
    e.start_server("s2", S2)
    p = base(check="https", check_path="/health")
    e.reload("to check=https", p)
    e.check_status("https check (self-signed, not verified): TLS s1 UP, plain s2 DOWN",
                   {srv(S1): "UP", srv(S2): "DOWN"})
    e.stop_servers()
    e.start_server("s1", S1)
    e.start_server("s2", S2)


def case_check_command(e):
    log = os.path.join(e.work, "check-args.log")
    down = os.path.join(e.work, "down")
    script = os.path.join(e.work, "mycheck")
    with open(script, "w") as f:
        f.write(f"#!/bin/sh\necho \"$@\" >> {log}\n[ ! -e {down}-$2 ]\n")
    os.chmod(script, 0o755)
    p = base(check="external", check_command=f"{script} --flag")
    e.reload("to check=external", p)
    e.check_status("check_command: both UP", {srv(S1): "UP", srv(S2): "UP"})
    # Two held connections (a request not finished yet), one on each server.
    held = []
    for _ in range(2):
        c = socket.create_connection((VIP, PORT), timeout=5)
        c.sendall(b"GET / HTTP/1.0\r\n")
        held.append(c)
    open(f"{down}-{S2}", "w").close()
    e.check_status("check_command failing for s2: s2 DOWN", {srv(S1): "UP", srv(S2): "DOWN"})
    # on-marked-down shutdown-sessions: the connection on s2 is cut, the
    # other one goes on.
    closed = []
    for c in held:
        c.settimeout(2)
        try:
            closed.append(c.recv(100) == b"")
        except socket.timeout:
            closed.append(False)
        except OSError:
            closed.append(True)
    e.check("the session on the server marked down is cut, the other kept", sorted(closed) == [False, True],
            str(closed))
    for c, cut in zip(held, closed):
        if not cut:
            c.settimeout(5)
            c.sendall(b"\r\n")
            answer = b""
            for _ in range(100):
                chunk = c.recv(4096)
                if not chunk:
                    break
                answer += chunk
            e.check("the kept session is answered by s1", answer.endswith(b"s1\n"), repr(answer[-20:]))
        c.close()
    r = e.requests(4)
    e.check("check_command: every request to s1", r == ["s1"] * 4, str(r))
    os.unlink(f"{down}-{S2}")
    e.check_status("check_command passing again: s2 UP", {srv(S2): "UP"})
    with open(log) as f:
        lines = set(f.read().splitlines())
    e.check("check_command gets its own words, then the address and port",
            f"--flag {S1} {SPORT}" in lines and f"--flag {S2} {SPORT}" in lines, str(lines))
    # With check-port, the command gets the check port.
    p = base(check="external", check_command=f"{script} --flag",
             servers=f"{srv(S1)}, {srv(S2)} check-port 9999")
    e.reload("to check=external with check-port 9999 on s2", p)
    open(f"{down}-{S1}", "w").close()
    e.check_status("check_command with check-port: s1 DOWN, s2 UP",
                   {srv(S1): "DOWN", srv(S2): "UP"})
    os.unlink(f"{down}-{S1}")
    with open(log) as f:
        lines = set(f.read().splitlines())
    e.check("check_command with check-port gets the check port",
            f"--flag {S2} 9999" in lines, str(lines))


def case_reload_keeps_listener(e):
    p = base()
    e.reload("back to tcp checks", p)
    e.start_server("s3", S3)
    ok, seen = e.wait_status({srv(S1): "UP", srv(S2): "UP"})
    before = e.haproxy_pids()
    sockets_before = e.listen_inodes()
    results = []
    stop = threading.Event()

    def load():
        for _ in range(2000):  # bounded
            if stop.is_set():
                return
            results.append(e.request())

    t = threading.Thread(target=load)
    t.start()
    try:
        for _ in range(100):
            if len(results) >= 20:
                break
            time.sleep(0.05)
        p = base(servers=f"{srv(S1)}, {srv(S3)}")
        e.reload("to servers s1, s3 under load", p)
        n = len(results)
        for _ in range(200):
            if len(results) >= n + 20:
                break
            time.sleep(0.05)
    finally:
        stop.set()
        t.join(timeout=60)
    e.check("no request failed across the reload (the listener never closed)",
            len(results) >= 40 and None not in results,
            f"{len(results)} requests, {results.count(None)} failed")
    ok, seen = e.wait_status({srv(S1): "UP", srv(S3): "UP"})
    e.check("after the reload the servers are s1 and s3", ok and srv(S2) not in seen, str(seen))
    r = e.requests(6)
    e.check("traffic goes to s1 and s3 only", sorted(set(r)) == ["s1", "s3"], str(r))
    after = e.haproxy_pids()
    sockets_after = e.listen_inodes()
    e.check("the listening socket is the same one, handed over (not closed and bound anew)",
            len(sockets_before) == 1 and sockets_after == sockets_before,
            f"{sockets_before} -> {sockets_after}")
    e.check("a new haproxy process replaced the old one", set(after) != set(before),
            f"{before} -> {after}")
    e.run_expect("monitor after the reload", "monitor", p, 0)


def case_stop(e):
    p = base(servers=f"{srv(S1)}, {srv(S3)}")
    e.run_expect("stop", "stop", p, 0)
    # The old generation (if still finishing) is gone too.
    e.check("no haproxy of this resource is left", e.haproxy_pids() == [], str(e.haproxy_pids()))
    e.run_expect("monitor after stop", "monitor", p, 7)
    e.run_expect("stop again", "stop", p, 0)
    # A process killed behind the agent's back: monitor 7, stop 0.
    e.run_expect("start again", "start", p, 0)
    for pid in e.haproxy_pids():
        os.kill(pid, signal.SIGKILL)
    for _ in range(100):
        if not e.haproxy_pids():
            break
        time.sleep(0.05)
    e.run_expect("monitor after haproxy was killed", "monitor", p, 7)
    e.run_expect("stop after haproxy was killed", "stop", p, 0)
    # A process that does not answer (SIGSTOP): monitor 1; start replaces
    # it (never a second one beside it); stop gets through USR1 and TERM
    # (held while stopped) to KILL within its timeout.
    e.run_expect("start once more", "start", p, 0)
    frozen = e.haproxy_pids()
    for pid in frozen:
        os.kill(pid, signal.SIGSTOP)
    e.run_expect("monitor of a frozen haproxy", "monitor", p, 1, "does not answer", timeout_ms=4000)
    e.run_expect("start over a frozen haproxy", "start", p, 0, timeout_ms=8000)
    now = e.haproxy_pids()
    e.check("start replaced the frozen process", now and not set(now) & set(frozen),
            f"{frozen} -> {now}")
    for pid in now:
        os.kill(pid, signal.SIGSTOP)
    e.run_expect("stop of a frozen haproxy (KILL at the end)", "stop", p, 0, timeout_ms=6000)
    e.check("the frozen haproxy is gone", e.haproxy_pids() == [], str(e.haproxy_pids()))


def case_config_mode(e):
    cfg = os.path.join(e.work, "own.cfg")
    with open(cfg, "w") as f:
        f.write(f"""global
    maxconn 100
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend web
    bind {VIP}:{PORT}
    default_backend pool
backend pool
    balance roundrobin
    server a {srv(S1)} check inter 1s
""")
    p = {"config": cfg}
    e.run_expect("config mode: validate-all", "validate-all", p, 0)
    got, _, err = e.run("start", p)
    if not e.expect("config mode: start", got, 0, err):
        return
    r = e.requests(3)
    e.check("config mode: the own configuration serves", r == ["s1"] * 3, str(r))
    e.run_expect("config mode: monitor depth 10", "monitor", p, 0, level=10)
    with open(cfg, "a") as f:
        f.write("    server b " + srv(S2) + " check inter 1s\n")
    e.run_expect("config mode: reload after an edit", "reload", p, 0)
    found = set()
    for _ in range(20):
        found.add(e.request())
        if found >= {"s1", "s2"}:
            break
    e.check("config mode: the edit took effect", found >= {"s1", "s2"}, str(found))
    with open(cfg, "a") as f:
        f.write("    bogus-keyword here\n")
    got, _, err = e.run("reload", p)
    e.expect("config mode: a broken edit is refused", got, 6, err,
             "unknown keyword 'bogus-keyword' in 'backend' section")
    e.run_expect("config mode: still running after the refused reload", "monitor", p, 0)
    e.run_expect("config mode: stop", "stop", p, 0)


def case_ocf_tester(e):
    tester = shutil.which("ocf-tester")
    if not tester:
        print("skip ocf-tester: not installed")
        return
    # Debian's ocf-tester lints the meta-data against the OCF 1.0 DTD; give
    # it OCF 1.1's (private mount namespace of this test).
    target = "/usr/share/resource-agents/ra-api-1.dtd"
    if os.path.exists(target):
        subprocess.run(["mount", "--bind", e.dtd, target], check=True)
    try:
        args = [tester, "-n", "lb"]
        for k, v in base(state_dir=os.path.join(e.work, "tester")).items():
            args += ["-o", f"{k}={v}"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("OCF_")}
        p = subprocess.run(args + [e.agent], capture_output=True, text=True, timeout=300, env=env)
        e.check("ocf-tester passes on ocf:vigil:haproxy", p.returncode == 0,
                (p.stdout + p.stderr).strip())
    finally:
        if os.path.exists(target):
            subprocess.run(["umount", target])


def case_ipv6_listen(e):
    # A second instance beside the first, on IPv6: its own state directory.
    sd = os.path.join(e.work, "v6")
    p = {"listen": "[::1]:8081", "servers": srv(S1), "check_interval": "1"}
    got, _, err = e.run("start", p, instance="lb6", state_dir=sd)
    if not e.expect("IPv6 listen: start", got, 0, err):
        return
    try:
        c = http.client.HTTPConnection("::1", 8081, timeout=5)
        c.request("GET", "/", headers={"Connection": "close"})
        body = c.getresponse().read().decode().strip()
        c.close()
    except OSError as ex:
        body = str(ex)
    e.check("IPv6 listen: served by s1", body == "s1", body)
    got, _, err = e.run("start", dict(p, listen="[2001:db8::7]:80"), instance="lb7",
                        state_dir=os.path.join(e.work, "v7"))
    e.expect("IPv6 listen not local", got, 2, err, "2001:db8::7 is not configured on this host")
    e.run_expect("IPv6 listen: stop", "stop", p, 0, instance="lb6", state_dir=sd)


CASES = [case_validate, case_basics, case_roundrobin_and_failover, case_check_port,
         case_persistence, case_http_checks, case_https_check, case_check_command,
         case_reload_keeps_listener, case_stop, case_config_mode, case_ipv6_listen,
         case_ocf_tester]


def inside(args):
    subprocess.run(["mount", "--make-rprivate", "/"], check=True)
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    for a in ADDRS:
        subprocess.run(["ip", "addr", "add", f"{a}/32", "dev", "lo"], check=True)
    work = tempfile.mkdtemp(prefix="vigil-haproxy-test-")
    os.chmod(work, 0o755)
    e = Env(args.agents, args.dtd, work)
    try:
        for c in CASES:
            if args.k and args.k not in c.__name__:
                continue
            print(f"== {c.__name__}", flush=True)
            try:
                c(e)
            except Exception:
                traceback.print_exc()
                e.failures.append(c.__name__ + " raised")
            sys.stdout.flush()
    finally:
        for params in ({"listen": f"{VIP}:{PORT}", "servers": srv(S1)},):
            e.run("stop", params)
        # Whatever an interrupted case left: every haproxy of this test's
        # directory, by pid.
        for pid in e.haproxy_pids(under=work):
            os.kill(pid, signal.SIGKILL)
        e.stop_servers()
        shutil.rmtree(work, ignore_errors=True)
    return e.report()


def main():
    ap = arg_parser()
    ap.add_argument("-k", default="", help="run only the cases whose name contains this")
    ap.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--serve", nargs=4, help=argparse.SUPPRESS)
    ap.add_argument("--tls", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        addr, port, name, health = args.serve
        serve(addr, int(port), name, int(health), args.tls)
        return 0
    args.agents = os.path.abspath(args.agents)
    args.dtd = os.path.abspath(args.dtd)
    if args.inside:
        return inside(args)
    if os.geteuid() != 0:
        print("skipped: needs root (network and mount namespaces)")
        return 77
    for prog in ("unshare", "ip", "curl"):
        if not shutil.which(prog):
            print(f"skipped: {prog} is not installed")
            return 77
    if not os.access("/usr/sbin/haproxy", os.X_OK):
        print("skipped: haproxy is not installed")
        return 77
    probe = subprocess.run(["unshare", "--net", "--mount", "true"], capture_output=True)
    if probe.returncode != 0:
        print("skipped: cannot make namespaces: " + probe.stderr.decode().strip())
        return 77
    cmd = ["unshare", "--net", "--mount", sys.executable, os.path.abspath(__file__), "--inside",
           "--agents", args.agents, "--dtd", args.dtd]
    if args.k:
        cmd += ["-k", args.k]
    return subprocess.run(cmd, timeout=900).returncode


if __name__ == "__main__":
    sys.exit(main())
