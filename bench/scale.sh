#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# scale.sh: the scale benchmark. Generates CIBs of growing size with
# ../shared/bench/gen-cib.py (shapes groups, clones, mixed), times scheduling only
# (SIM -x CIB -Q -G GRAPH) with build/cli/vigil-simulate and, when it is
# installed, with Pacemaker's crm_simulate, and prints a side-by-side table of
# wall time, peak RSS and the speed-up. Reports numbers only: it never fails
# on timing, only when vigil-simulate crashes or exits non-zero.
#
#   bench/scale.sh [--sizes "4/100 8/400 16/1000 32/2000 64/4000"]
#                  [--shapes "groups clones mixed"] [--history]
#                  [--runs N] [--timeout SEC] [--skip-pacemaker]
#
#   --sizes           space-separated NODES/RESOURCES pairs
#   --shapes          space-separated gen-cib.py shapes (default: groups)
#   --history         a steady-state CIB: 90% of the resources running, every
#                     resource's probe recorded on every node
#                     (gen-cib.py --probes --running-fraction 0.9)
#   --runs N          runs of vigil-simulate per size (default 3); the median
#                     wall time is shown, with the highest peak RSS.
#                     crm_simulate runs once (it takes minutes at large sizes)
#   --timeout SEC     per run, for both tools (default 300); a run that takes
#                     longer is shown as "timeout", and that tool is not run
#                     on the larger sizes
#   --skip-pacemaker  do not run crm_simulate even when it is installed
#
# Needs GNU time (/usr/bin/time, package "time": scripts/install-deps) and a
# built simulator (cmake --build build --target vigil-simulate).
# crm_simulate comes with: scripts/install-deps --reference
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

sizes="4/100 8/400 16/1000 32/2000 64/4000"
shapes="groups"
history=0
limit=300
runs=3
skip_pacemaker=0

usage() { sed -n '4,22p' "$0" | sed 's/^# \{0,1\}//'; }
die() { printf 'scale.sh: %s\n' "$*" >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) [ $# -ge 2 ] || die "--sizes needs a value"; sizes=$2; shift 2 ;;
    --shapes) [ $# -ge 2 ] || die "--shapes needs a value"; shapes=$2; shift 2 ;;
    --history) history=1; shift ;;
    --timeout) [ $# -ge 2 ] || die "--timeout needs a value"; limit=$2; shift 2 ;;
    --runs) [ $# -ge 2 ] || die "--runs needs a value"; runs=$2; shift 2 ;;
    --skip-pacemaker) skip_pacemaker=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
if ! [[ "$limit" =~ ^[1-9][0-9]*$ ]]; then
  die "--timeout must be a positive number of seconds"
fi
if ! [[ "$runs" =~ ^[1-9][0-9]*$ ]]; then
  die "--runs must be a positive number"
fi
for size in $sizes; do
  [[ "$size" =~ ^[0-9]+/[0-9]+$ ]] || die "bad size '$size': expected NODES/RESOURCES, e.g. 16/1000"
done
for shape in $shapes; do
  case "$shape" in
    flat|groups|clones|mixed) ;;
    *) die "unknown shape '$shape': flat, groups, clones or mixed" ;;
  esac
done
gen_extra=()
[ "$history" -eq 1 ] && gen_extra=(--probes --running-fraction 0.9)

gen="$root/../shared/bench/gen-cib.py"
if [ ! -f "$gen" ]; then
  die "cannot generate CIBs: $gen not found.
The generator lives in the shared/ folder next to the repository (../shared/bench).
Check out or copy shared/ beside the repository and run again."
fi
[ -x /usr/bin/time ] || die "needs GNU time at /usr/bin/time: run scripts/install-deps"
command -v timeout >/dev/null 2>&1 || die "needs coreutils 'timeout'"

vigil="$root/build/cli/vigil-simulate"
if ! [ -f "$vigil" ] || ! [ -x "$vigil" ]; then
  die "$vigil not built: cmake -S . -B build && cmake --build build --target vigil-simulate"
fi

pcmk=""
if [ "$skip_pacemaker" -eq 0 ]; then
  pcmk=$(command -v crm_simulate 2>/dev/null || true)
  if [ -z "$pcmk" ] && [ -x /usr/sbin/crm_simulate ]; then pcmk=/usr/sbin/crm_simulate; fi
  if [ -z "$pcmk" ]; then
    echo "scale.sh: crm_simulate not installed (scripts/install-deps --reference); timing Vigil only"
  fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/vigil-scale.XXXXXX")
trap 'rm -rf "$work"' EXIT
# crm_simulate -x writes a shadow CIB; keep it (and ours) in the work folder.
export CIB_shadow_dir="$work"

# measure SIM CIB -> prints "STATUS WALL_S PEAK_MB" (STATUS: ok, timeout, exit-N)
measure() {
  local sim=$1 cib=$2 tf="$work/time.out" rc=0 wall kb
  rm -f "$tf" "$work/graph.xml"
  /usr/bin/time -f '%e %M' -o "$tf" \
    timeout -k 5 "$limit" "$sim" -x "$cib" -Q -G "$work/graph.xml" \
    >"$work/stdout" 2>"$work/stderr" || rc=$?
  read -r wall kb < <(tail -n 1 "$tf" 2>/dev/null || echo "- 0")
  [[ "$wall" =~ ^[0-9.]+$ ]] || wall="-"
  [[ "$kb" =~ ^[0-9]+$ ]] || kb=0
  local mb
  mb=$(awk -v k="$kb" 'BEGIN { printf "%.0f", k / 1024 }')
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "timeout $wall $mb"
  elif [ "$rc" -ne 0 ]; then
    echo "exit-$rc $wall $mb"
  else
    echo "ok $wall $mb"
  fi
}

# measure_median SIM CIB RUNS -> like measure: the median wall time of RUNS
# runs and their highest peak RSS; the first run that fails is reported.
measure_median() {
  local sim=$1 cib=$2 n=$3 i st w m walls="" peak=0
  for ((i = 0; i < n; i++)); do
    read -r st w m < <(measure "$sim" "$cib")
    if [ "$st" != ok ]; then
      echo "$st $w $m"
      return
    fi
    walls="$walls $w"
    [ "$m" -gt "$peak" ] && peak=$m
  done
  w=$(printf '%s\n' $walls | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
  echo "ok $w $peak"
}

# cell STATUS WALL MB -> "wall s / MB" or the status
cell() {
  case "$1" in
    ok) printf '%s s / %s MB' "$2" "$3" ;;
    timeout) printf 'timeout (>%s s)' "$limit" ;;
    *) printf '%s' "$1" ;;
  esac
}

# speedup PCMK_STATUS PCMK_WALL VIGIL_STATUS VIGIL_WALL
speedup() {
  local ps=$1 pw=$2 vs=$3 vw=$4
  [ "$vs" = ok ] || { echo "-"; return; }
  case "$ps" in
    ok)
      # /usr/bin/time has 10 ms resolution: floor Vigil's time there.
      awk -v p="$pw" -v v="$vw" 'BEGIN { if (v < 0.01) { v = 0.01; s = ">=" } else s = "";
                                         printf "%s%.1fx", s, p / v }' ;;
    timeout) awk -v p="$limit" -v v="$vw" 'BEGIN { if (v < 0.01) v = 0.01; printf ">%.0fx", p / v }' ;;
    *) echo "-" ;;
  esac
}

echo "Scale benchmark: shapes $shapes$([ "$history" -eq 1 ] && echo ", with history"), scheduling only (SIM -x CIB -Q -G GRAPH)"
echo "Machine: $(nproc) cores; vigil-simulate: median of $runs runs, crm_simulate: one run; timeout ${limit} s"
echo "Vigil:     $vigil"
if [ -n "$pcmk" ]; then
  echo "Pacemaker: $pcmk ($("$pcmk" --version 2>/dev/null | head -n 1))"
fi
echo

fmt='%-7s %-16s  %-22s  %-26s  %s\n'
# shellcheck disable=SC2059
printf "$fmt" "shape" "nodes/resources" "vigil-simulate" "crm_simulate" "speed-up"
# shellcheck disable=SC2059
printf "$fmt" "-----" "---------------" "--------------" "------------" "--------"

vigil_failed=0
for shape in $shapes; do
vigil_gave_up=0
pcmk_gave_up=0
for size in $sizes; do
  n=${size%/*}; m=${size#*/}
  cib="$work/$shape-$n-$m.xml"
  python3 "$gen" --shape "$shape" --nodes "$n" --resources "$m" "${gen_extra[@]}" >"$cib"

  if [ "$vigil_gave_up" -eq 1 ]; then
    read -r vs vw vm <<<"skipped - 0"
  else
    read -r vs vw vm < <(measure_median "$vigil" "$cib" "$runs")
    case "$vs" in
      ok) ;;
      timeout) vigil_gave_up=1 ;;
      *) vigil_failed=1; vigil_gave_up=1
         echo "scale.sh: vigil-simulate failed on $size ($vs):" >&2
         head -c 2000 "$work/stderr" >&2 ;;
    esac
  fi

  if [ -z "$pcmk" ]; then
    read -r ps pw pm <<<"not-run - 0"
  elif [ "$pcmk_gave_up" -eq 1 ]; then
    read -r ps pw pm <<<"skipped - 0"
  else
    read -r ps pw pm < <(measure "$pcmk" "$cib")
    [ "$ps" = ok ] || pcmk_gave_up=1
  fi

  # shellcheck disable=SC2059
  printf "$fmt" "$shape" "$n/$m" "$(cell "$vs" "$vw" "$vm")" "$(cell "$ps" "$pw" "$pm")" \
    "$(speedup "$ps" "$pw" "$vs" "$vw")"
  rm -f "$cib"
done
done

echo
echo "Wall time and peak RSS from /usr/bin/time (vigil-simulate: median of $runs runs)."
echo "\"skipped\": the tool timed out or failed on a smaller size."
if [ "$vigil_failed" -eq 1 ]; then
  echo "scale.sh: vigil-simulate failed (see above)" >&2
  exit 1
fi
