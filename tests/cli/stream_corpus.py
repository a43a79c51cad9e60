#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vigil-simulate reads a file as a stream or as a tree: the same decisions.

Without -S and without injections, vigil-simulate -x reads the file with the
streaming reader (cib::Cib::from_file_streaming); from stdin (-p) it reads a
whole tree. For every case of the conformance corpus both must give the same
stdout (status, score lines), the same transition graph and the same exit
code and stderr.

  stream_corpus.py --simulator SIM [--cases DIR] [--jobs N]

Exits 77 (ctest's "skipped") when the corpus is not there.
Python 3 standard library only.
"""

import argparse
import concurrent.futures
import os
import subprocess
import sys
import tempfile

SKIP = 77


def run(sim, args, stdin_path=None):
    with tempfile.TemporaryDirectory(prefix="vigil-stream-") as tmp:
        graph = os.path.join(tmp, "graph.xml")
        stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
        try:
            p = subprocess.run([sim, *args, "-s", "-G", graph], stdin=stdin,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        finally:
            if stdin_path:
                stdin.close()
        text = b""
        if os.path.exists(graph):
            with open(graph, "rb") as f:
                text = f.read()
        return p.returncode, p.stdout, p.stderr, text


def check(sim, path):
    streamed = run(sim, ["-x", path])
    tree = run(sim, ["-p"], stdin_path=path)
    # The tree reader names its input "stdin" in messages.
    streamed = (streamed[0], streamed[1], streamed[2].replace(path.encode(), b"stdin"), streamed[3])
    if streamed[0] < 0:
        return "%s: killed by signal %d" % (path, -streamed[0])
    names = ("exit code", "stdout", "stderr", "graph")
    for name, a, b in zip(names, streamed, tree):
        if a != b:
            return "%s: %s differs between -x (stream) and -p (tree)" % (os.path.basename(path),
                                                                        name)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--simulator", required=True)
    ap.add_argument("--cases", required=True)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    xml_dir = os.path.join(args.cases, "xml")
    if not os.path.isdir(xml_dir):
        print("stream_corpus.py: no corpus at %s, skipped" % args.cases)
        return SKIP
    files = sorted(os.path.join(xml_dir, f) for f in os.listdir(xml_dir) if f.endswith(".xml"))
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        problems = [p for p in ex.map(lambda f: check(args.simulator, f), files) if p]
    for p in problems:
        print(p)
    print("%d cases, %d differ" % (len(files), len(problems)))
    return 1 if problems or not files else 0


if __name__ == "__main__":
    sys.exit(main())
