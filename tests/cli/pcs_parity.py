#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The pcs parity suite: `vigil -f` against `pcs -f`, command by command.

  pcs_parity.py --vigil build/cli/vigil [--live] [--record] [--only REGEX]
                [--verbose] [CASEFILE...]
  pcs_parity.py --vigil build/cli/vigil --describe-agents [DIR]
                [--pcs-cache CACHE] [--verbose]

A case file (parity/*.txt) is a list of sequences. `base FILE` starts one on
a fresh copy of tests/cli/data/FILE (one copy for vigil, one for pcs); each
`$ ARGS` line is a command run as `vigil -f COPY ARGS` (shell words, no
shell). '#' starts a comment line. After every command the two sides must
agree on:
  - the exit code,
  - stdout and stderr, where pcs's own name is read as "vigil" and the
    copy's path as FILE,
  - the configuration section of the CIB (canonical: attribute order free,
    whitespace between elements ignored, element order kept).

What pcs does is recorded beside each case file (NAME.expected, JSON) by
`--record`, which runs pcs 0.11.5 itself, so the suite also runs where pcs is
not installed (CI). `--live` runs pcs next to vigil as well and reports
recordings that pcs no longer agrees with. Without arguments every
parity/*.txt is run. Exit 0 when every command agrees, 1 otherwise, 2 on
usage errors. Python 3 standard library only; copies live in a temporary
directory removed at the end.

`base -` starts a sequence run without a CIB file (no -f): commands that
read no CIB (agent listings and descriptions), which pcs refuses with -f.

--describe-agents runs `resource describe ocf:PROVIDER:TYPE` and the same
with --full for every agent in DIR (default the heartbeat agents,
/usr/lib/ocf/resource.d/heartbeat; PROVIDER is DIR's name) with pcs and with
vigil and counts the agents on which the two agree. pcs takes seconds per
agent: --pcs-cache keeps its results in CACHE (NAME.MODE.out, .err, .rc) and
reuses them.
"""

import argparse
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
CASES = os.path.join(HERE, "parity")
TIMEOUT = 60
NO_CIB = "-"  # `base -`: commands run without -f


class CaseError(Exception):
    pass


def parse_case_file(path):
    """[(base, [(line_no, argv), ...]), ...]"""
    sequences = []
    with open(path, encoding="utf-8") as f:
        for no, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("base "):
                base = line[5:].strip()
                if base != NO_CIB and not os.path.isfile(os.path.join(DATA, base)):
                    raise CaseError(f"{path}:{no}: no such base CIB {base} in {DATA}")
                sequences.append((base, []))
            elif line.startswith("$ "):
                if not sequences:
                    raise CaseError(f"{path}:{no}: a command before the first 'base' line")
                try:
                    argv = shlex.split(line[2:])
                except ValueError as e:
                    raise CaseError(f"{path}:{no}: {e}") from None
                sequences[-1][1].append((no, argv))
            else:
                raise CaseError(f"{path}:{no}: expected 'base FILE', '$ ARGS' or '# ...'")
    return sequences


def canonical(elem):
    attrs = " ".join(f'{k}="{v}"' for k, v in sorted(elem.attrib.items()))
    text = (elem.text or "").strip()
    inner = "".join(canonical(c) for c in elem if isinstance(c.tag, str))
    return f"<{elem.tag}{' ' + attrs if attrs else ''}>{text}{inner}</{elem.tag}>"


def configuration_of(path):
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as e:
        return f"(unreadable CIB: {e})"
    config = root.find("configuration")
    return canonical(config) if config is not None else "(no configuration section)"


def run(argv, cib, tmp):
    env = dict(os.environ, LC_ALL="C.UTF-8", TZ="UTC")
    file_args = ["-f", cib] if cib else []
    try:
        p = subprocess.run(argv[:1] + file_args + argv[1:], capture_output=True, text=True,
                           timeout=TIMEOUT, env=env, cwd=tmp, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return {"rc": "timeout", "stdout": "", "stderr": ""}
    clean = lambda s: s.replace(cib, "FILE") if cib else s
    return {"rc": p.returncode, "stdout": clean(p.stdout), "stderr": clean(p.stderr)}


def as_vigil(text):
    """pcs's words with vigil naming itself where pcs does (not in the ids
    pcs generates, as pcs-relocate-RSC, which vigil keeps)."""
    return re.sub(r"(?<!man )\bpcs\b(?!-\d|-relocate-)", "vigil", text)


def compare(expected, got, renamed=("stdout", "stderr")):
    """The differences, as lines (none when the two agree). pcs's name is
    read as vigil's in the `renamed` streams only (an agent's description
    may name pcs itself)."""
    out = []
    if expected["rc"] != got["rc"]:
        out.append(f"    exit code: pcs {expected['rc']}, vigil {got['rc']}")
    for stream in ("stdout", "stderr"):
        want = as_vigil(expected[stream]) if stream in renamed else expected[stream]
        have = got[stream]
        if want != have:
            out.append(f"    {stream}: pcs {want!r}")
            out.append(f"    {' ' * len(stream)}  vigil {have!r}")
    if expected["config"] != got["config"]:
        out.append(f"    configuration: pcs   {expected['config']}")
        out.append(f"                   vigil {got['config']}")
    return out


def report(label, diff, verbose):
    """Prints one comparison's result; True when the two agree."""
    if diff:
        print(f"DIFF  {label}")
        print("\n".join(diff))
        return False
    if verbose:
        print(f"ok    {label}")
    return True


def run_sequences(sequences, program, tmp):
    """Every command's result, configuration included, in file order."""
    results = []
    for index, (base, commands) in enumerate(sequences):
        cib = None
        if base != NO_CIB:
            cib = os.path.join(tmp, f"{os.path.basename(program)}-{index}.xml")
            shutil.copyfile(os.path.join(DATA, base), cib)
        for _, argv in commands:
            r = run([program] + argv, cib, tmp)
            r["config"] = configuration_of(cib) if cib else "(no CIB)"
            results.append(r)
    return results


def pcs_describe(pcs, argv, cache, key, tmp):
    """pcs's result for `argv` (no CIB), from CACHE/KEY.* when there."""
    paths = {k: os.path.join(cache, f"{key}.{k}") for k in ("out", "err", "rc")} if cache else {}
    if paths and all(os.path.isfile(p) for p in paths.values()):
        read = lambda k: open(paths[k], encoding="utf-8").read()
        rc = read("rc").strip()
        return {"rc": int(rc) if rc.lstrip("-").isdigit() else rc,
                "stdout": read("out"), "stderr": read("err")}
    r = run([pcs] + argv, None, tmp)
    if paths:
        os.makedirs(cache, exist_ok=True)
        for k, field in (("out", "stdout"), ("err", "stderr"), ("rc", "rc")):
            with open(paths[k], "w", encoding="utf-8") as f:
                f.write(f"{r[field]}\n" if k == "rc" else r[field])
    return r


def describe_agents(args):
    """--describe-agents: every agent of one provider, pcs against vigil."""
    directory = os.path.abspath(args.describe_agents)
    provider = os.path.basename(directory)
    agents = sorted(a for a in os.listdir(directory)
                    if os.path.isfile(os.path.join(directory, a))
                    and os.access(os.path.join(directory, a), os.X_OK))
    agree = 0
    with tempfile.TemporaryDirectory(prefix="vigil-describe-") as tmp:
        for agent in agents:
            diffs = []
            for mode, extra in (("normal", []), ("full", ["--full"])):
                argv = ["resource", "describe", f"ocf:{provider}:{agent}"] + extra
                want = pcs_describe(args.pcs, argv, args.pcs_cache, f"{agent}.{mode}", tmp)
                got = run([os.path.abspath(args.vigil)] + argv, None, tmp)
                want["config"] = got["config"] = ""
                diff = compare(want, got, renamed=("stderr",))
                if diff:
                    diffs.append(f"  {shlex.join(argv)}")
                    diffs.extend(diff)
            agree += report(agent, diffs, args.verbose)
    print(f"{len(agents)} agents of {provider}, {agree} described as pcs does (plain and --full), "
          f"{len(agents) - agree} differ")
    return 0 if agree == len(agents) else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vigil", help="the vigil program")
    ap.add_argument("--pcs", default=shutil.which("pcs") or "/usr/sbin/pcs")
    ap.add_argument("--live", action="store_true", help="run pcs as well, and check recordings")
    ap.add_argument("--record", action="store_true", help="(re)write NAME.expected with pcs")
    ap.add_argument("--only", help="case files whose name matches this regex")
    ap.add_argument("--verbose", action="store_true", help="print every command")
    ap.add_argument("--describe-agents", nargs="?", metavar="DIR",
                    const="/usr/lib/ocf/resource.d/heartbeat",
                    help="compare `resource describe` of every agent in DIR with pcs")
    ap.add_argument("--pcs-cache", help="keep and reuse pcs's results here (--describe-agents)")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    if args.describe_agents:
        if not args.vigil:
            print("pcs_parity: --vigil is required", file=sys.stderr)
            return 2
        if not os.access(args.pcs, os.X_OK) and not args.pcs_cache:
            print(f"pcs_parity: pcs not found at {args.pcs}", file=sys.stderr)
            return 2
        return describe_agents(args)
    files = args.files or sorted(glob.glob(os.path.join(CASES, "*.txt")))
    if args.only:
        files = [f for f in files if re.search(args.only, os.path.basename(f))]
    if not files:
        print("pcs_parity: no case files", file=sys.stderr)
        return 2
    if (args.record or args.live) and not os.access(args.pcs, os.X_OK):
        print(f"pcs_parity: pcs not found at {args.pcs} (scripts/install-deps --reference)",
              file=sys.stderr)
        return 2
    if not args.record and not args.vigil:
        print("pcs_parity: --vigil is required (unless --record)", file=sys.stderr)
        return 2

    total = agreed = stale = 0
    with tempfile.TemporaryDirectory(prefix="vigil-parity-") as tmp:
        for path in files:
            try:
                sequences = parse_case_file(path)
            except (CaseError, OSError) as e:
                print(f"pcs_parity: {e}", file=sys.stderr)
                return 2
            commands = [(no, argv) for _, cmds in sequences for no, argv in cmds]
            expected_path = os.path.splitext(path)[0] + ".expected"
            if args.record or args.live:
                pcs_results = run_sequences(sequences, args.pcs, tmp)
            if args.record:
                recorded = [dict(r, args=shlex.join(argv))
                            for r, (_, argv) in zip(pcs_results, commands)]
                with open(expected_path, "w", encoding="utf-8") as f:
                    json.dump(recorded, f, indent=1, ensure_ascii=False)
                    f.write("\n")
                print(f"{os.path.basename(path)}: recorded {len(recorded)} commands")
                if not args.vigil:
                    continue
            try:
                with open(expected_path, encoding="utf-8") as f:
                    recorded = json.load(f)
            except (OSError, ValueError) as e:
                print(f"pcs_parity: {expected_path}: {e} (run with --record)", file=sys.stderr)
                return 2
            if [r.get("args") for r in recorded] != [shlex.join(a) for _, a in commands]:
                print(f"pcs_parity: {expected_path} does not match {path}'s commands "
                      "(run with --record)", file=sys.stderr)
                return 2
            vigil_results = run_sequences(sequences, os.path.abspath(args.vigil), tmp)
            name = os.path.basename(path)
            for i, ((no, argv), want, got) in enumerate(zip(commands, recorded, vigil_results)):
                total += 1
                diff = compare(want, got)
                if args.live:
                    pcs_now = pcs_results[i]
                    if {k: pcs_now[k] for k in ("rc", "stdout", "stderr", "config")} != \
                            {k: want[k] for k in ("rc", "stdout", "stderr", "config")}:
                        stale += 1
                        print(f"STALE {name}:{no}: pcs no longer does what is recorded: "
                              f"{shlex.join(argv)}")
                agreed += report(f"{name}:{no}: {shlex.join(argv)}", diff, args.verbose)
    if total:
        print(f"{total} commands, {agreed} agree with pcs, {total - agreed} differ"
              + (f", {stale} recordings stale" if args.live else ""))
    return 0 if agreed == total and not stale else 1


if __name__ == "__main__":
    sys.exit(main())
