#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vigil-lrmd runs Debian's stock resource agents as they expect: IPaddr2
puts an address on an interface and apache serves, both started, monitored
and stopped through the daemon's socket. With --agents (Vigil's
agents/ocf/vigil), ocf:vigil:haproxy also balances on the VIP, its real
server checked by an external check (curl, digest) run under vigil-lrmd.
Runs as root inside a private network namespace (unshare -n) on a dummy (or
veth) interface; exits 77 (skipped) when that is not possible.

Usage: test_real_agents.py --lrmd BUILD/daemons/vigil-lrmd [--agents DIR]"""

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testing"))
import vigil_ipc  # noqa: E402

SKIP = 77
VIP = "10.99.0.50"


def skip(why):
    print("SKIP: " + why)
    sys.exit(SKIP)


def req(rsc, action, agent, params, interval=0, provider="heartbeat"):
    root = ET.Element("lrmd-exec", {"rsc": rsc, "action": action, "class": "ocf",
                                    "provider": provider, "type": agent,
                                    "interval-ms": str(interval), "timeout-ms": "60000"})
    for k, v in params.items():
        ET.SubElement(root, "param", {"name": k, "value": v})
    return ET.tostring(root, encoding="unicode")


def run_op(c, rsc, action, agent, params, expect_rc, provider="heartbeat"):
    c.call(req(rsc, action, agent, params, provider=provider))
    text = c.wait_event(lambda t: ET.fromstring(t).attrib["rsc"] == rsc
                        and ET.fromstring(t).attrib["action"] == action, timeout=60)
    ev = ET.fromstring(text)
    rc = int(ev.attrib["rc"])
    if rc != expect_rc:
        out = (ev.findtext("output") or "") + (ev.findtext("error-output") or "")
        raise AssertionError("%s %s: rc %d, expected %d (%s)\n%s" % (
            rsc, action, rc, expect_rc, ev.attrib.get("exit-reason", ""), out))
    return ev


def apache_config(base):
    www = os.path.join(base, "www")
    os.makedirs(www)
    with open(os.path.join(www, "index.html"), "w") as f:
        f.write("<html><body>vigil</body></html>\n")
    mods = "/usr/lib/apache2/modules"
    conf = os.path.join(base, "httpd.conf")
    with open(conf, "w") as f:
        f.write("\n".join([
            "ServerRoot /etc/apache2",
            "DefaultRuntimeDir %s" % base,
            "PidFile %s/apache.pid" % base,
            "Mutex file:%s default" % base,
            "LoadModule mpm_event_module %s/mod_mpm_event.so" % mods,
            "LoadModule authz_core_module %s/mod_authz_core.so" % mods,
            "LoadModule status_module %s/mod_status.so" % mods,
            "User www-data", "Group www-data",
            "ServerName localhost",
            "Listen %s:80" % VIP, "Listen 127.0.0.1:80",
            "ErrorLog %s/error.log" % base,
            "DocumentRoot %s" % www,
            "<Directory %s>" % www, "  Require all granted", "</Directory>",
            "<Location /server-status>", "  SetHandler server-status",
            "  Require all granted", "</Location>", ""]))
    os.chmod(base, 0o755)
    return conf


def ocf_root_with_vigil(base, agents):
    """An OCF root: the system's providers and lib, and provider vigil =
    AGENTS (the checkout's agents/ocf/vigil, in place of an installed
    Vigil's)."""
    root = os.path.join(base, "ocf")
    os.makedirs(os.path.join(root, "resource.d"))
    os.symlink("/usr/lib/ocf/lib", os.path.join(root, "lib"))
    for provider in os.listdir("/usr/lib/ocf/resource.d"):
        if provider == "vigil":
            continue
        os.symlink(os.path.join("/usr/lib/ocf/resource.d", provider),
                   os.path.join(root, "resource.d", provider))
    os.symlink(os.path.abspath(agents), os.path.join(root, "resource.d", "vigil"))
    return root


def haproxy_on_vip(c, base):
    """ocf:vigil:haproxy on VIP:8080 in front of a Python HTTP server on
    127.0.0.1:8081, checked by curl for the page's MD5 (HAProxy's external
    check, forked by haproxy under vigil-lrmd)."""
    www = os.path.join(base, "real")
    os.makedirs(www)
    body = b"real server\n"
    with open(os.path.join(www, "index.html"), "wb") as f:
        f.write(body)
    server = subprocess.Popen([sys.executable, "-m", "http.server", "-b", "127.0.0.1", "-d", www,
                               "8081"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    state = os.path.join(base, "haproxy")
    lb = {"listen": "%s:8080" % VIP, "servers": "127.0.0.1:8081", "check": "http",
          "check_path": "/index.html", "check_digest": hashlib.md5(body).hexdigest(),
          "check_interval": "1", "state_dir": state}
    try:
        run_op(c, "lb", "monitor", "haproxy", lb, 7, provider="vigil")
        run_op(c, "lb", "start", "haproxy", lb, 0, provider="vigil")
        run_op(c, "lb", "monitor", "haproxy", lb, 0, provider="vigil")
        # The external check passed (PROCOK) at least once: bounded wait.
        stats = ""
        for _ in range(100):
            stats = subprocess.run(["curl", "-s", "--max-time", "5", "--unix-socket",
                                    os.path.join(state, "stats.sock"), "http://x/;csv"],
                                   capture_output=True, text=True).stdout
            if "PROCOK" in stats:
                break
            time.sleep(0.1)
        assert "PROCOK" in stats, stats
        page = subprocess.run(["curl", "-s", "--max-time", "5", "http://%s:8080/" % VIP],
                              capture_output=True, text=True).stdout
        assert page == body.decode(), page
        run_op(c, "lb", "stop", "haproxy", lb, 0, provider="vigil")
        run_op(c, "lb", "monitor", "haproxy", lb, 7, provider="vigil")
        print("haproxy: served on %s:8080 through its digest-checked real server, stopped" % VIP)
    finally:
        server.kill()
        server.wait(10)


def inside(args):
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    # A dummy interface, or a veth pair where the kernel has no dummy driver.
    if subprocess.run(["ip", "link", "add", "vigil0", "type", "dummy"],
                      stderr=subprocess.DEVNULL).returncode != 0:
        subprocess.run(["ip", "link", "add", "vigil0", "type", "veth", "peer", "name", "vigil1"],
                       check=True)
        subprocess.run(["ip", "link", "set", "vigil1", "up"], check=True)
    for cmd in (["ip", "link", "set", "vigil0", "up"],
                ["ip", "addr", "add", "10.99.0.1/24", "dev", "vigil0"]):
        subprocess.run(cmd, check=True)
    base = tempfile.mkdtemp(prefix="vigil-real-agents-")
    d = None
    try:
        extra = []
        if args.agents:
            extra = ["--ocf-root", ocf_root_with_vigil(base, args.agents)]
        d = vigil_ipc.Daemon(args.lrmd, base, "lrmd.sock", extra)
        c = d.connect()
        c.call("<lrmd-subscribe/>")
        ip = {"ip": VIP, "cidr_netmask": "24", "nic": "vigil0"}
        run_op(c, "vip", "monitor", "IPaddr2", ip, 7)  # probe: not there yet
        run_op(c, "vip", "start", "IPaddr2", ip, 0)
        addrs = subprocess.run(["ip", "-o", "addr", "show", "dev", "vigil0"],
                               capture_output=True, text=True, check=True).stdout
        assert VIP + "/24" in addrs, addrs
        run_op(c, "vip", "monitor", "IPaddr2", ip, 0)
        print("IPaddr2: %s up on vigil0" % VIP)

        if not os.path.exists("/usr/sbin/apache2"):
            print("note: apache2 not installed, apache not tried")
        else:
            web = {"configfile": apache_config(base), "httpd": "/usr/sbin/apache2",
                   "statusurl": "http://127.0.0.1/server-status"}
            run_op(c, "web", "monitor", "apache", web, 7)
            run_op(c, "web", "start", "apache", web, 0)
            run_op(c, "web", "monitor", "apache", web, 0)
            page = subprocess.run(["curl", "-s", "--max-time", "5", "http://%s/index.html" % VIP],
                                  capture_output=True, text=True).stdout
            assert "vigil" in page, page
            run_op(c, "web", "stop", "apache", web, 0)
            run_op(c, "web", "monitor", "apache", web, 7)
            print("apache: served on %s, stopped" % VIP)

        if args.agents:
            haproxy_on_vip(c, base)

        run_op(c, "vip", "stop", "IPaddr2", ip, 0)
        addrs = subprocess.run(["ip", "-o", "addr", "show", "dev", "vigil0"],
                               capture_output=True, text=True, check=True).stdout
        assert VIP not in addrs, addrs
        run_op(c, "vip", "monitor", "IPaddr2", ip, 7)
        c.close()
        assert d.terminate() == 0
        print("PASS")
    except Exception:
        if d is not None:
            d.terminate()
            sys.stderr.write(open(os.path.join(base, "vigil-lrmd.log"), errors="replace").read())
        raise
    finally:
        if d is not None:
            d.terminate()
        # apache, should a failure have left it running, dies with the
        # namespace's last process only if it is ours: stop it by its pid file.
        for pid_file in (os.path.join(base, "apache.pid"),
                         os.path.join(base, "haproxy", "haproxy.pid")):
            if os.path.exists(pid_file):
                try:
                    os.kill(int(open(pid_file).read().strip()), 15)
                except (OSError, ValueError):
                    pass
        shutil.rmtree(base, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lrmd", required=True)
    ap.add_argument("--agents", help="Vigil's agents/ocf/vigil: ocf:vigil:haproxy is run too")
    ap.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.inside:
        inside(args)
        return
    if os.geteuid() != 0:
        skip("needs root (network namespace, addresses)")
    if not os.path.exists("/usr/lib/ocf/resource.d/heartbeat/IPaddr2"):
        skip("resource-agents is not installed")
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        skip("unshare or ip missing")
    if subprocess.run(["unshare", "-n", "true"]).returncode != 0:
        skip("cannot create a network namespace here")
    cmd = ["unshare", "-n", sys.executable, os.path.abspath(__file__),
           "--lrmd", os.path.abspath(args.lrmd), "--inside"]
    if args.agents:
        cmd += ["--agents", os.path.abspath(args.agents)]
    r = subprocess.run(cmd)
    sys.exit(r.returncode)


if __name__ == "__main__":
    main()
