#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A stand-in for one of vigild's children in test_vigild.py: listens on
RUN/<name>.sock like the real daemon, logs its start and stop to
RUN/order.log, and exits 0 on SIGTERM (removing its socket). With
RUN/<name>.exit78 present it exits 78 at once (a bad configuration).
Usage: fake_daemon.py NAME [daemon options...]"""

import os
import signal
import socket
import sys
import time

name = sys.argv[1]
args = sys.argv[2:]
run_dir = None
for i, a in enumerate(args):
    if a.startswith("--run-dir="):
        run_dir = a.split("=", 1)[1]
    elif a == "--run-dir":
        run_dir = args[i + 1]
assert run_dir, "no --run-dir"
sock_path = os.path.join(run_dir, name[len("vigil-"):] + ".sock")


def log(line):
    with open(os.path.join(run_dir, "order.log"), "a") as f:
        f.write(line + "\n")


def on_term(signo, frame):
    log("stop %s %d" % (name, os.getpid()))
    try:
        os.unlink(sock_path)
    except OSError:
        pass
    os._exit(0)


signal.signal(signal.SIGTERM, on_term)
log("start %s %d %s" % (name, os.getpid(), " ".join(args)))
if os.path.exists(os.path.join(run_dir, name + ".exit78")):
    log("exit78 %s %d" % (name, os.getpid()))
    sys.exit(78)  # bad configuration
time.sleep(0.2)  # not ready at once: vigild must wait for the socket
try:
    os.unlink(sock_path)
except OSError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sock_path)
s.listen(16)
while True:
    conn, _ = s.accept()
    conn.close()
