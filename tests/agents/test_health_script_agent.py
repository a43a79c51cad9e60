#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""ocf:vigil:health-script run directly (OCF environment variables) with a
stub attrd_updater first in PATH that records its arguments: rise and fall,
the attribute values written, a script that hangs, attrd_updater failing,
validate-all's refusals, and ocf-tester (as root: in a private mount
namespace that gives it OCF 1.1's DTD; skipped otherwise).

    test_health_script_agent.py [--agents DIR] [--dtd FILE]
"""
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

from agent_checks import Checks, arg_parser


class Env(Checks):
    def __init__(self, agent, work):
        super().__init__()
        self.agent = agent
        self.work = work
        self.bin = os.path.join(work, "bin")
        self.calls = os.path.join(work, "attrd.calls")
        self.fail_flag = os.path.join(work, "attrd.fail")
        self.healthy = os.path.join(work, "healthy")
        os.makedirs(self.bin)
        stub = os.path.join(self.bin, "attrd_updater")
        with open(stub, "w") as f:
            f.write(f"""#!/bin/sh
# Stub attrd_updater: records its arguments; fails while {self.fail_flag} exists.
[ -e {self.fail_flag} ] && {{ echo "Could not contact the attribute manager" >&2; exit 102; }}
echo "$*" >> {self.calls}
exit 0
""")
        os.chmod(stub, 0o755)

    def env(self, params, instance="hs:0", timeout_ms=20000):
        env = {k: v for k, v in os.environ.items() if not k.startswith("OCF_")}
        env.update({"OCF_ROOT": "/usr/lib/ocf", "OCF_RESOURCE_INSTANCE": instance,
                    "OCF_RESKEY_CRM_meta_timeout": str(timeout_ms),
                    "HA_RSCTMP": os.path.join(self.work, "rsctmp"),
                    "PATH": self.bin + ":" + os.environ.get("PATH", "/usr/bin:/bin")})
        for k, v in params.items():
            env["OCF_RESKEY_" + k] = v
        return env

    def run(self, action, params, **kw):
        p = subprocess.run([self.agent, action], env=self.env(params, **kw), capture_output=True,
                           text=True, timeout=60)
        return p.returncode, p.stderr

    def take_calls(self):
        try:
            with open(self.calls) as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            lines = []
        if os.path.exists(self.calls):
            os.unlink(self.calls)
        return lines

    def set_healthy(self, yes):
        if yes:
            open(self.healthy, "w").close()
        elif os.path.exists(self.healthy):
            os.unlink(self.healthy)


def case_meta_data(e):
    p = subprocess.run([e.agent, "meta-data"], capture_output=True, text=True, timeout=30)
    e.check("meta-data exits 0", p.returncode == 0)
    root = ET.fromstring(p.stdout)
    params = {x.get("name"): x for x in root.iter("parameter")}
    e.check("meta-data: OCF 1.1", root.findtext("version") == "1.1")
    e.check("meta-data parameters", sorted(params) == ["dampen", "fall", "name", "rise", "script"],
            str(sorted(params)))
    e.check("meta-data: script required", params["script"].get("required") == "1")
    e.check("meta-data: reloadable script rise fall dampen, not name",
            sorted(n for n, x in params.items() if x.get("reloadable") == "1")
            == ["dampen", "fall", "rise", "script"])
    actions = {a.get("name") for a in root.iter("action")}
    e.check("meta-data actions", actions == {"start", "stop", "monitor", "reload-agent",
                                             "validate-all", "meta-data"}, str(actions))


def case_validate(e):
    ok = {"script": f"test -e {e.healthy}"}
    for what, params, rc, msg in [
        ("a missing script", {}, 6, "script is required"),
        ("rise=0", dict(ok, rise="0"), 6, "rise must be an integer of at least 1"),
        ("fall=x", dict(ok, fall="x"), 6, "fall must be an integer of at least 1"),
        ("dampen=soon", dict(ok, dampen="soon"), 6, "dampen must be a delay"),
        ("a bad name", dict(ok, name="a b"), 6, "may hold only"),
        ("a program that is not installed", {"script": "/nonexistent/check --x"}, 5,
         "'/nonexistent/check' is not installed"),
    ]:
        got, err = e.run("validate-all", params)
        e.expect(f"validate-all refuses {what}", got, rc, err, msg)
        e.check("  ... with an ocf-exit-reason line", "ocf-exit-reason:" in err)
    got, err = e.run("validate-all", dict(ok, dampen="5s", rise="3"))
    e.expect("validate-all accepts a good configuration", got, 0, err)


def case_lifecycle(e):
    p = {"script": f"test -e {e.healthy}", "rise": "2", "fall": "2", "dampen": "5s"}
    e.take_calls()
    got, err = e.run("monitor", p)
    e.expect("monitor when stopped", got, 7, err)
    got, err = e.run("stop", p)
    e.expect("stop when stopped", got, 0, err)
    e.take_calls()

    e.set_healthy(False)
    got, err = e.run("start", p)
    e.expect("start (script failing)", got, 0, err)
    e.check("start sets the first result at once, -B, name without the clone suffix",
            e.take_calls() == ["-n hs -B 0 -d 5s"])
    got, err = e.run("start", p)
    e.expect("start when started", got, 0, err)
    e.check("... writes nothing", e.take_calls() == [])

    e.set_healthy(True)
    got, err = e.run("monitor", p)
    e.expect("monitor, 1 success of rise=2", got, 0, err)
    e.check("... the attribute stays 0 (not written)", e.take_calls() == [])
    e.set_healthy(False)
    got, err = e.run("monitor", p)
    e.expect("monitor, a failure breaks the run", got, 0, err)
    e.set_healthy(True)
    got, err = e.run("monitor", p)
    e.check("... 1 success again: nothing written", got == 0 and e.take_calls() == [])
    got, err = e.run("monitor", p)
    e.expect("monitor, 2nd success in a row", got, 0, err)
    e.check("... the attribute rises to 1", e.take_calls() == ["-n hs -v 1 -d 5s"])
    got, err = e.run("monitor", p)
    e.check("... and is not written again while it stays 1", got == 0 and e.take_calls() == [])

    e.set_healthy(False)
    got, err = e.run("monitor", p)
    e.expect("monitor, 1 failure of fall=2 (the resource does not fail)", got, 0, err)
    e.check("... the attribute stays 1", e.take_calls() == [])
    got, err = e.run("monitor", p)
    e.expect("monitor, 2nd failure", got, 0, err)
    e.check("... the attribute falls to 0", e.take_calls() == ["-n hs -v 0 -d 5s"])

    # attrd_updater failing: monitor reports it and writes again next time.
    e.set_healthy(True)
    open(e.fail_flag, "w").close()
    got, err = e.run("monitor", p)
    got, err = e.run("monitor", p)
    e.expect("monitor when attrd_updater fails to write the change", got, 1, err,
             "attrd_updater could not set hs=1")
    os.unlink(e.fail_flag)
    got, err = e.run("monitor", p)
    e.expect("monitor once attrd_updater works again", got, 0, err)
    e.check("... the value is written then", e.take_calls() == ["-n hs -v 1 -d 5s"])

    # A reload keeps the state: a new fall takes effect at once.
    p2 = dict(p, fall="1")
    got, err = e.run("reload-agent", p2)
    e.expect("reload-agent with fall=1", got, 0, err)
    e.set_healthy(False)
    got, err = e.run("monitor", p2)
    e.check("... one failure now sets 0", got == 0 and e.take_calls() == ["-n hs -v 0 -d 5s"])

    got, err = e.run("stop", p2)
    e.expect("stop", got, 0, err)
    e.check("stop deletes the attribute", e.take_calls() == ["-D -n hs -d 5s"])
    got, err = e.run("monitor", p2)
    e.expect("monitor after stop", got, 7, err)
    got, err = e.run("reload-agent", p2)
    e.expect("reload-agent when stopped", got, 7, err)


def case_name_and_hang(e):
    pidfile = os.path.join(e.work, "hang.pid")
    # A script that never ends: killed at its deadline (the op timeout less
    # 2 s), counted as a failure; nothing of it is left.
    p = {"script": f"echo $$ > {pidfile}; sleep 600; true", "name": "web_ok"}
    e.set_healthy(True)
    got, err = e.run("start", p, instance="hang", timeout_ms=4000)
    e.expect("start with a script that hangs", got, 0, err)
    e.check("... counts as a failure: web_ok=0", e.take_calls() == ["-n web_ok -B 0 -d 0"])
    try:
        with open(pidfile) as f:
            pid = int(f.read())
        e.check("... and its process is gone", not os.path.exists(f"/proc/{pid}"), str(pid))
    except (OSError, ValueError) as ex:
        e.check("... the script wrote its pid", False, str(ex))
    got, err = e.run("stop", p, instance="hang")
    e.expect("stop", got, 0, err)
    e.take_calls()


def case_ocf_tester(e, dtd):
    tester = shutil.which("ocf-tester")
    if not tester:
        print("skip ocf-tester: not installed")
        return
    if os.geteuid() != 0 or not shutil.which("unshare"):
        print("skip ocf-tester: needs root (a mount namespace for OCF 1.1's DTD)")
        return
    e.set_healthy(True)
    target = "/usr/share/resource-agents/ra-api-1.dtd"
    env = e.env({})
    env.pop("OCF_RESOURCE_INSTANCE")
    script = (f"mount --make-rprivate / && mount --bind {dtd} {target} && "
              f"exec {tester} -n hs -o 'script=test -e {e.healthy}' {e.agent}")
    p = subprocess.run(["unshare", "--mount", "sh", "-c", script], env=env, capture_output=True,
                       text=True, timeout=300)
    e.check("ocf-tester passes on ocf:vigil:health-script", p.returncode == 0,
            (p.stdout + p.stderr).strip())
    e.take_calls()


def main():
    args = arg_parser().parse_args()
    agent = os.path.join(os.path.abspath(args.agents), "health-script")
    work = tempfile.mkdtemp(prefix="vigil-health-script-test-")
    os.chmod(work, 0o755)
    e = Env(agent, work)
    try:
        for c in (case_meta_data, case_validate, case_lifecycle, case_name_and_hang):
            print(f"== {c.__name__}", flush=True)
            c(e)
        print("== case_ocf_tester", flush=True)
        case_ocf_tester(e, os.path.abspath(args.dtd))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return e.report()


if __name__ == "__main__":
    sys.exit(main())
