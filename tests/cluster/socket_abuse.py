#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Runs inside one node of a running cluster (test_daemon_sockets.py starts
it there): every daemon's socket gets garbage, a truncated frame, an
oversized frame, a client that vanishes mid-request and a malformed payload,
then must still answer a good request; a client running as nobody (uid 65534)
must be refused. vigild's status file must be unchanged at the end: no
daemon died or was restarted.

  socket_abuse.py RUN_DIR DAEMONS_TESTING_DIR
Prints one line per daemon; exits 0 when every check held."""
import os
import sys
import time
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

run_dir, testing_dir = sys.argv[1], sys.argv[2]
sys.path.insert(0, testing_dir)
import vigil_ipc  # noqa: E402

STATUS = os.path.join(run_dir, "vigild.status")

# A request each daemon must answer, and how to recognise a good answer.
GOOD = {
    "cib.sock": ('<cib-request op="query" section="nodes"/>', lambda r: "<nodes" in r),
    "stonithd.sock": ("<fence-devices/>", lambda r: r.startswith("<devices")),
    "lrmd.sock": ("<lrmd-history/>", lambda r: r.startswith("<lrmd-history-reply")),
    "pengine.sock": (None, None),  # filled below: needs a CIB
    "crmd.sock": ("<status/>", lambda r: r.startswith("<status")),
}


# The sockets that carry whole CIBs take frames up to 2 GiB (lib/ipc's
# kMaxDocumentPayload); the others 16 MiB.
DOCUMENT_LIMIT = 1 << 31


class Socket:
    """What vigil_ipc.bad_input_survival needs: connect() and alive()."""

    def __init__(self, path):
        self.socket = path

    def connect(self):
        return vigil_ipc.Conn(self.socket)

    def alive(self):
        return os.path.exists(self.socket)


def main():
    with open(STATUS) as f:
        before = f.read()
    reply = vigil_ipc.Conn(os.path.join(run_dir, "cib.sock")).call('<cib-request op="query"/>')
    cib = ET.tostring(ET.fromstring(reply)[0], encoding="unicode")  # inside <cib-result>
    GOOD["pengine.sock"] = ("<pengine-compute>%s</pengine-compute>" % escape(cib),
                            lambda r: r.startswith("<pengine-graph"))
    failures = 0
    for name, (request, check) in GOOD.items():
        path = os.path.join(run_dir, name)
        try:
            limit = DOCUMENT_LIMIT if name in ("cib.sock", "pengine.sock") else 16 << 20
            tried = vigil_ipc.bad_input_survival(Socket(path), request, check, limit)
            refusal = vigil_ipc.refused_as_nobody(path)
            print("%s: survived %s; nobody refused: %s" % (name, ", ".join(tried), refusal))
        except Exception as e:  # noqa: BLE001 - report every daemon
            failures += 1
            print("%s: FAILED: %r" % (name, e))
    time.sleep(1)
    with open(STATUS) as f:
        after = f.read()
    if after != before:
        failures += 1
        print("vigild.status changed (a daemon restarted):\n--- before\n%s--- after\n%s"
              % (before, after))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
