#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Runs inside one node (test_stonithd.py starts it there): sends each
request to vigil-stonithd's socket and prints one JSON line per answer,
{"request", "ok", "text"}. With --subscribe, a second connection subscribes
first, and after the requests the first <fence-event> it got is printed as
{"event": text}.

  fencer_calls.py RUN_DIR DAEMONS_TESTING_DIR [--subscribe] REQUEST..."""
import json
import os
import sys

run_dir, testing_dir = sys.argv[1], sys.argv[2]
sys.path.insert(0, testing_dir)
import vigil_ipc  # noqa: E402


def main():
    args = sys.argv[3:]
    path = os.path.join(run_dir, "stonithd.sock")
    events = None
    if args and args[0] == "--subscribe":
        args = args[1:]
        events = vigil_ipc.Conn(path)
        events.call("<fence-subscribe/>")
    calls = vigil_ipc.Conn(path, timeout=120.0)
    for request in args:
        try:
            print(json.dumps({"request": request, "ok": True, "text": calls.call(request)}))
        except RuntimeError as e:
            print(json.dumps({"request": request, "ok": False, "text": str(e)}))
    if events is not None:
        print(json.dumps({"event": events.wait_event(lambda e: "<fence-event>" in e, 30.0)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
