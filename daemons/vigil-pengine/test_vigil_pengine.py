#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vigil-pengine as a process: a CIB through its socket gives the graph
vigil-simulate writes for it, the input is saved as pe-input-N.xml and
replays to the same graph, bad CIBs and bad input on the socket leave it
answering, and clients outside root/haclient are refused.

Usage: test_vigil_pengine.py --pengine BUILD/daemons/vigil-pengine
                             --simulator BUILD/cli/vigil-simulate --source SRC"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
import tempfile
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testing"))
import vigil_ipc  # noqa: E402

NOW = 1784116800  # 2026-07-15T12:00:00Z
DOCUMENT_LIMIT = 1 << 31  # pengine.sock carries whole CIBs


def compute_req(cib_text, tid=0, now=NOW):
    return '<pengine-compute transition-id="%d" now="%d">%s</pengine-compute>' % (
        tid, now, escape(cib_text))


def fresh(cib_text):
    """The CIB before anything ran: no operation history."""
    return re.sub(r"<lrm_resources>.*?</lrm_resources>", "<lrm_resources/>", cib_text,
                  flags=re.S)


def simulate_graph(simulator, cib_path, base):
    out = os.path.join(base, "sim-graph.xml")
    subprocess.run([simulator, "-x", cib_path, "-Q", "-G", out], check=True,
                   stdout=subprocess.DEVNULL)
    return open(out).read()


def check_graphs(d, args, base):
    c = d.connect()
    cases = []
    web = open(os.path.join(args.source, "examples", "web-cluster.xml")).read()
    cases.append(("web-cluster", web))
    cases.append(("fresh web-cluster", fresh(web)))
    cases.append(("date-rule",
                  open(os.path.join(args.source, "tests", "scenarios", "date-rule.xml")).read()))
    cases.append(("textbook-pcs (no nodes)",
                  open(os.path.join(args.source, "tests", "cli", "data",
                                    "textbook-pcs.xml")).read()))
    names = []
    replies = []
    for label, text in cases:
        reply = ET.fromstring(c.call(compute_req(text)))
        replies.append(reply)
        graph = reply.find("graph").text
        saved = reply.attrib["input-path"]
        names.append(reply.attrib["input"])
        assert os.path.dirname(saved) == os.path.join(d.state_dir, "pengine"), saved
        # The input is written just after the answer (the DC does not wait).
        deadline = time.time() + 10
        while not os.path.exists(saved) and time.time() < deadline:
            time.sleep(0.02)
        root = ET.parse(saved).getroot()
        assert root.attrib["execution-date"] == str(NOW), root.attrib
        # vigil-simulate on the saved input (its execution-date is "now")
        # writes the very graph the daemon answered.
        expected = simulate_graph(args.simulator, saved, base)
        assert graph == expected, "%s: graphs differ\n--- daemon\n%s\n--- simulate\n%s" % (
            label, graph, expected)
        print("%s: %s, %s actions, same graph as vigil-simulate" % (
            label, reply.attrib["input"], reply.attrib["actions"]))
    assert names == ["pe-input-%d" % i for i in range(len(cases))], names
    # The textbook file itself holds no time rule: vigil-simulate -x F -G on
    # it (with its own "now") gives the same graph too.
    direct = simulate_graph(args.simulator,
                            os.path.join(args.source, "examples", "web-cluster.xml"), base)
    assert replies[0].find("graph").text == direct
    # The textbook cluster runs as it should; before anything ran, both
    # resources start.
    assert replies[0].attrib["actions"] == "0", replies[0].attrib
    assert replies[1].attrib["start"] == "2", replies[1].attrib
    # date-rule: recheck-by is the second after the in_range end (2026-08-31).
    assert replies[2].attrib["recheck-by"] == str(1788134400 + 1), replies[2].attrib
    # The same input again is not saved again (Pacemaker's repoke rule).
    # No node: nothing can run, nothing to do.
    assert replies[3].attrib["actions"] == "0", replies[3].attrib
    again = ET.fromstring(c.call(compute_req(cases[3][1])))
    assert again.attrib["input"] == "pe-input-3", again.attrib
    c.close()


def check_bad_cibs(d):
    c = d.connect()
    for bad, expect in [("<cib", "invalid-input"), ("<html/>", "<cib>"),
                        ("<cib><configuration><bogus/></configuration></cib>", "")]:
        try:
            c.call(compute_req(bad))
            raise AssertionError("accepted: " + bad)
        except RuntimeError as e:
            assert expect in str(e), (bad, str(e))
    try:
        c.call("<pengine-other/>")
        raise AssertionError("unknown request accepted")
    except RuntimeError as e:
        assert "unsupported" in str(e), str(e)
    pe_dir = os.path.join(d.state_dir, "pengine")
    errors = [f for f in os.listdir(pe_dir) if f.startswith("pe-error-")]
    assert errors, "the refused CIB was not kept as pe-error-N: %s" % os.listdir(pe_dir)
    c.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pengine", required=True)
    ap.add_argument("--simulator", required=True)
    ap.add_argument("--source", required=True)
    args = ap.parse_args()
    base = tempfile.mkdtemp(prefix="vigil-pengine-test-")
    os.chmod(base, 0o755)
    d = None
    try:
        d = vigil_ipc.Daemon(args.pengine, base, "pengine.sock")
        check_graphs(d, args, base)
        check_bad_cibs(d)
        print("bad CIBs refused, pe-error kept")
        web = open(os.path.join(args.source, "examples", "web-cluster.xml")).read()
        tried = vigil_ipc.bad_input_survival(
            d, compute_req(web), lambda r: r.startswith("<pengine-graph"),
            max_payload=DOCUMENT_LIMIT)
        print("bad input survived: " + ", ".join(tried))
        refusal = vigil_ipc.refused_as_nobody(d.socket)
        if refusal is None:
            print("SKIP refused-client check: not root, cannot become uid 65534")
        else:
            assert "not allowed" in refusal or "Permission denied" in refusal, refusal
            print("uid 65534 refused: " + refusal.replace("\n", " "))
        # Restarted, it continues the series: 0-3 above, 4 for the web
        # cluster during the abuse checks (its repeats were not saved again).
        assert d.terminate() == 0
        assert not os.path.exists(d.socket)
        d = vigil_ipc.Daemon(args.pengine, base, "pengine.sock")
        c = d.connect()
        reply = ET.fromstring(c.call(compute_req(web.replace('epoch="', 'epoch="1'))))
        c.close()
        assert reply.attrib["input"] == "pe-input-5", reply.attrib
        print("after a restart: " + reply.attrib["input"])
    except Exception:
        if d is not None:
            d.terminate()
            sys.stderr.write(open(os.path.join(base, "vigil-pengine.log"), errors="replace").read())
        raise
    finally:
        if d is not None:
            d.terminate()
        shutil.rmtree(base, ignore_errors=True)
    print("PASS")


if __name__ == "__main__":
    main()
