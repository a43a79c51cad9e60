#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vigil-lrmd as a process: real agents through its socket (start, recurring
monitor, stop, meta-data, history), bad input on the socket, a client outside
root/haclient, and SIGTERM leaving no agent behind.

Stonith resources without vigil-stonithd: probes answer "not running", start
fails with the reason, and so does stop (both go to the fencer), meta-data
runs the fence agent.

Usage: test_vigil_lrmd.py --lrmd BUILD/daemons/vigil-lrmd --agents AGENTS_DIR
                          --fence-agents DIR (holding fence_vigil_test)"""

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testing"))
import vigil_ipc  # noqa: E402

HEARTBEAT = "/usr/lib/ocf/resource.d/heartbeat"


def exec_req(rsc, action, agent=("ocf", "vigil", "dummy"), interval=0, timeout=20000,
             key="", params=None):
    root = ET.Element("lrmd-exec", {
        "rsc": rsc, "action": action, "class": agent[0], "provider": agent[1],
        "type": agent[2], "interval-ms": str(interval), "timeout-ms": str(timeout),
        "user-data": key})
    for k, v in (params or {}).items():
        ET.SubElement(root, "param", {"name": k, "value": v})
    return ET.tostring(root, encoding="unicode")


def event_of(text):
    e = ET.fromstring(text)
    return e.attrib


def is_event(rsc, action, interval=0, status=None):
    def pred(text):
        a = event_of(text)
        return (a["rsc"] == rsc and a["action"] == action and int(a["interval-ms"]) == interval
                and (status is None or a["op-status"] == str(status)))
    return pred


def make_ocf_root(base, agents_dir):
    root = os.path.join(base, "ocf")
    os.makedirs(os.path.join(root, "resource.d"))
    os.symlink(os.path.abspath(agents_dir), os.path.join(root, "resource.d", "vigil"))
    have_heartbeat = os.path.isdir(HEARTBEAT)
    if have_heartbeat:
        os.symlink(HEARTBEAT, os.path.join(root, "resource.d", "heartbeat"))
        os.symlink("/usr/lib/ocf/lib", os.path.join(root, "lib"))
    return root, have_heartbeat


def test_operations(d, base, have_heartbeat):
    c = d.connect()
    assert c.call("<lrmd-subscribe/>") == "<lrmd-ok/>"
    state = os.path.join(base, "dummy-state")
    os.makedirs(state)
    params = {"state_dir": state}

    reply = c.call(exec_req("rsc1", "start", key="1:1:0:test", params=params))
    call_id = int(ET.fromstring(reply).attrib["call-id"])
    ev = event_of(c.wait_event(is_event("rsc1", "start")))
    assert ev["call-id"] == str(call_id) and ev["rc"] == "0" and ev["op-status"] == "0", ev
    assert ev["user-data"] == "1:1:0:test", ev
    assert os.path.exists(os.path.join(state, "rsc1.state"))

    c.call(exec_req("rsc1", "monitor", interval=500, key="2:1:0:test", params=params))
    ev = event_of(c.wait_event(is_event("rsc1", "monitor", 500)))
    assert ev["rc"] == "0", ev
    # Only changes are reported: the state file goes, the monitor says 7.
    os.unlink(os.path.join(state, "rsc1.state"))
    ev = event_of(c.wait_event(is_event("rsc1", "monitor", 500)))
    assert ev["rc"] == "7", ev

    hist = ET.fromstring(c.call("<lrmd-history/>"))
    rscs = hist.findall("lrmd-rsc")
    assert [r.attrib["id"] for r in rscs] == ["rsc1"], ET.tostring(hist)
    assert rscs[0].attrib["type"] == "dummy"
    rec = rscs[0].findall("recurring")
    assert len(rec) == 1 and rec[0].attrib["interval-ms"] == "500", ET.tostring(hist)

    # A second client that goes away cancels nothing.
    other = d.connect()
    other.call("<lrmd-subscribe/>")
    other.close()
    time.sleep(0.3)
    hist = ET.fromstring(c.call("<lrmd-history rsc=\"rsc1\"/>"))
    assert len(hist.find("lrmd-rsc").findall("recurring")) == 1

    # Stop cancels the monitor (reported as cancelled) and runs.
    c.call(exec_req("rsc1", "stop", key="3:1:0:test", params=params))
    c.wait_event(is_event("rsc1", "monitor", 500, status=1))
    ev = event_of(c.wait_event(is_event("rsc1", "stop")))
    assert ev["rc"] == "0", ev
    hist = ET.fromstring(c.call("<lrmd-history rsc=\"rsc1\"/>"))
    assert hist.find("lrmd-rsc").findall("recurring") == []
    # The parameters of the start stay after the stop: what a controller
    # that restarts stops the resource with (stop_params).
    kept = hist.find("lrmd-rsc").find("stop-params")
    assert kept is not None, ET.tostring(hist)
    assert {p.get("name"): p.get("value") for p in kept.findall("param")} == params, \
        ET.tostring(hist)
    assert c.call("<lrmd-forget rsc=\"rsc1\"/>") == "<lrmd-ok/>"
    assert ET.fromstring(c.call("<lrmd-history/>")).findall("lrmd-rsc") == []

    md = ET.fromstring(c.call("<lrmd-metadata class=\"ocf\" provider=\"vigil\" type=\"dummy\"/>"))
    assert "<resource-agent" in md.text, md.text

    agents = ET.fromstring(c.call("<lrmd-list-agents class=\"ocf\" provider=\"vigil\"/>"))
    names = [a.attrib["name"] for a in agents.findall("agent")]
    assert "dummy" in names and "hang" in names, names

    # Errors keep their meaning over the socket.
    for bad, expect in [
            ("<lrmd-cancel rsc=\"nosuch\" action=\"monitor\" interval-ms=\"1000\"/>", "not-found"),
            ("<lrmd-forget rsc=\"nosuch\"/>", "not-found"),
            (exec_req("x", "start", agent=("ocf", "..", "passwd")), "invalid-input"),
            ("<lrmd-bogus/>", "")]:
        try:
            c.call(bad)
            raise AssertionError("accepted: " + bad)
        except RuntimeError as e:
            assert expect in str(e), (bad, str(e))

    # A missing agent is a result (not installed), not a refusal.
    c.call(exec_req("ghost", "start", agent=("ocf", "vigil", "no-such-agent")))
    ev = event_of(c.wait_event(is_event("ghost", "start")))
    assert ev["rc"] == "5", ev

    if have_heartbeat:
        # The stock agent, as resource-agents ships it.
        hb_state = os.path.join(base, "hb.state")
        c.call(exec_req("hb", "start", agent=("ocf", "heartbeat", "Dummy"),
                        params={"state": hb_state}))
        ev = event_of(c.wait_event(is_event("hb", "start")))
        assert ev["rc"] == "0", ev
        c.call(exec_req("hb", "monitor", agent=("ocf", "heartbeat", "Dummy"),
                        params={"state": hb_state}))
        assert event_of(c.wait_event(is_event("hb", "monitor")))["rc"] == "0"
        c.call(exec_req("hb", "stop", agent=("ocf", "heartbeat", "Dummy"),
                        params={"state": hb_state}))
        assert event_of(c.wait_event(is_event("hb", "stop")))["rc"] == "0"
        c.call(exec_req("hb", "monitor", agent=("ocf", "heartbeat", "Dummy"),
                        params={"state": hb_state}))
        assert event_of(c.wait_event(is_event("hb", "monitor")))["rc"] == "7"
    else:
        print("note: resource-agents not installed, ocf:heartbeat:Dummy not tried")
    c.close()


def test_stonith(d):
    c = d.connect()
    assert c.call("<lrmd-subscribe/>") == "<lrmd-ok/>"
    agent = ("stonith", "", "fence_vigil_test")
    c.call(exec_req("fence1", "monitor", agent=agent))
    ev = event_of(c.wait_event(is_event("fence1", "monitor")))
    assert ev["rc"] == "7" and ev["op-status"] == "0", ev
    c.call(exec_req("fence1", "start", agent=agent))
    ev = event_of(c.wait_event(is_event("fence1", "start")))
    assert ev["rc"] == "1", ev
    assert "vigil-stonithd" in ev.get("exit-reason", ""), ev
    # Stop unregisters the device: no fencer, a failure (as Pacemaker's
    # executor without a fencer connection).
    c.call(exec_req("fence1", "stop", agent=agent))
    ev = event_of(c.wait_event(is_event("fence1", "stop")))
    assert ev["rc"] == "1", ev
    assert "vigil-stonithd" in ev.get("exit-reason", ""), ev
    md = ET.fromstring(c.call("<lrmd-metadata class=\"stonith\" type=\"fence_vigil_test\"/>"))
    assert "fence_vigil_test" in md.text, md.text
    agents = ET.fromstring(c.call("<lrmd-list-agents class=\"stonith\"/>"))
    assert [a.attrib["name"] for a in agents.findall("agent")] == ["fence_vigil_test"]
    c.close()


def test_burst(d, base):
    """Many resources at once: every start is answered and reported once,
    and the history lists them all."""
    c = d.connect()
    c.call("<lrmd-subscribe/>")
    state = os.path.join(base, "burst-state")
    os.makedirs(state)
    n = 50
    ids = {}
    for i in range(n):
        ids[ET.fromstring(c.call(exec_req("b%02d" % i, "start", params={"state_dir": state})))
            .attrib["call-id"]] = i
    seen = set()
    while len(seen) < n:
        ev = event_of(c.wait_event(lambda t: event_of(t)["action"] == "start", timeout=60))
        assert ev["call-id"] in ids and ev["rc"] == "0", ev
        assert ev["call-id"] not in seen, "reported twice: %s" % ev
        seen.add(ev["call-id"])
    hist = ET.fromstring(c.call("<lrmd-history/>"))
    burst = [r for r in hist.findall("lrmd-rsc") if r.attrib["id"].startswith("b")]
    assert len(burst) == n, len(burst)
    c.close()


def test_sigterm(d, base):
    c = d.connect()
    c.call("<lrmd-subscribe/>")
    pid_file = os.path.join(base, "hang.pids")
    c.call(exec_req("stuck", "start", agent=("ocf", "vigil", "hang"), timeout=600000,
                    params={"ignore_term": "true", "child": "ignore_term",
                            "pid_file": pid_file}))
    end = time.monotonic() + 10
    while not os.path.exists(pid_file) and time.monotonic() < end:
        time.sleep(0.05)
    assert os.path.exists(pid_file), "the hang agent did not start"
    pids = [int(p) for p in open(pid_file).read().split() if p.isdigit()]
    assert len(pids) == 2 and all(os.path.exists("/proc/%d" % p) for p in pids), pids
    c.close()
    t0 = time.monotonic()
    rc = d.terminate(timeout=20)
    took = time.monotonic() - t0
    assert rc == 0, "vigil-lrmd exited with %s" % rc
    assert not os.path.exists(d.socket), "the socket was left behind"
    time.sleep(0.3)
    left = [p for p in pids if os.path.exists("/proc/%d" % p)
            and " Z " not in open("/proc/%d/stat" % p).read()]
    assert not left, "agent processes left behind: %s" % left
    print("SIGTERM: stopped in %.1f s, agent group (%s) killed" % (took, pids))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lrmd", required=True)
    ap.add_argument("--agents", required=True)
    ap.add_argument("--fence-agents", required=True)
    args = ap.parse_args()
    base = tempfile.mkdtemp(prefix="vigil-lrmd-test-")
    os.chmod(base, 0o755)  # the refused client (nobody) must reach the socket
    d = None
    try:
        ocf_root, have_heartbeat = make_ocf_root(base, args.agents)
        d = vigil_ipc.Daemon(args.lrmd, base, "lrmd.sock",
                             ["--ocf-root", ocf_root, "--fence-agent-dir", args.fence_agents,
                              "--shutdown-timeout", "2"])
        test_operations(d, base, have_heartbeat)
        print("operations: ok")
        test_stonith(d)
        print("stonith resources without vigil-stonithd: ok")
        test_burst(d, base)
        print("burst of 50 starts: each answered and reported once")
        tried = vigil_ipc.bad_input_survival(
            d, "<lrmd-history/>", lambda r: r.startswith("<lrmd-history-reply"))
        print("bad input survived: " + ", ".join(tried))
        refusal = vigil_ipc.refused_as_nobody(d.socket)
        if refusal is None:
            print("SKIP refused-client check: not root, cannot become uid 65534")
        else:
            assert ("65534" in refusal or "not allowed" in refusal or
                    "Permission denied" in refusal), refusal
            print("uid 65534 refused: " + refusal)
        assert d.alive()
        test_sigterm(d, base)
    except Exception:
        if d is not None:
            d.terminate()
            sys.stderr.write(open(os.path.join(base, "vigil-lrmd.log"), errors="replace").read())
        raise
    finally:
        if d is not None:
            d.terminate()
        shutil.rmtree(base, ignore_errors=True)
    print("PASS")


if __name__ == "__main__":
    main()
