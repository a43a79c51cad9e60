#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# fuzz.sh: run Vigil's libFuzzer targets (tests/fuzz/*_fuzz.cpp) for a fixed
# time each, one after the other, unattended. Builds them first in a
# sanitizer build directory (tests/fuzz/build: clang, ASan+UBSan, every
# library instrumented), fuzzes each on a scratch copy of its seed corpus
# (the committed corpus is never modified) at nice 10, and prints per
# target: executions, exec/s, corpus size, coverage (cov/ft), findings.
# A target that finds something stops (libFuzzer stops at its first
# finding); the next target still runs. Exits 1 if anything was found.
#
#   bench/fuzz.sh [--target NAME]... [--seconds N] [--seed N] [--timeout SEC]
#                 [--build-dir DIR] [--findings DIR] [--keep-corpus DIR]
#                 [--extra-corpus DIR] [--rev REV] [--no-build] [--list]
#
#   --target NAME      a target (cib_reader, ipc_frame, ...; repeatable;
#                      default: all of them); --list prints the names
#   --seconds N        fuzzing time per target (default 60; 3600 for the
#                      hour-long runs)
#   --cpu-seconds N    stop each target once it has had N seconds of CPU
#                      instead of N seconds of clock (for long runs on a
#                      shared machine; the run's clock is bounded at 8x N)
#   --nice N           the fuzzers' CPU priority (default 10)
#   --seed N           libFuzzer's -seed (default 0: from the clock)
#   --timeout SEC      one input taking longer is a finding (default 20)
#   --build-dir DIR    default build-asan (shared with scripts/sanitize),
#                      build-fuzz-rev with --rev
#   --findings DIR     where each target's findings and log go, in DIR/NAME/
#                      (default BUILD_DIR/fuzz-findings); replay one with
#                      BUILD_DIR/tests/fuzz/NAME_fuzz FILE
#   --keep-corpus DIR  copy each grown corpus to DIR/NAME at the end
#   --extra-corpus DIR also seed from DIR/NAME (a corpus kept earlier)
#   --rev REV          build the sources of git revision REV (git archive into
#                      BUILD_DIR/src) instead of the work tree
#   --no-build         run the targets as built in BUILD_DIR (e.g. while
#                      another build runs there)
#
# Needs clang and libFuzzer's runtime (Debian 12: clang, libclang-rt-dev,
# which brings libclang-rt-14-dev); scripts/install-deps installs them.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

seconds=60
cpu_seconds=0
niceness=10
seed=0
timeout=20
build_dir=
findings=
keep_corpus=
extra_corpus=
rev=
only=()
list=0
build=1

usage() { sed -n '4,39p' "$0" | sed 's/^# \{0,1\}//'; }
die() { printf 'fuzz.sh: %s\n' "$*" >&2; exit 2; }
is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }

while [ $# -gt 0 ]; do
  case "$1" in
    --target) [ $# -ge 2 ] || die "--target needs a value"; only+=("$2"); shift 2 ;;
    --seconds) [ $# -ge 2 ] || die "--seconds needs a value"; seconds=$2; shift 2 ;;
    --cpu-seconds) [ $# -ge 2 ] || die "--cpu-seconds needs a value"; cpu_seconds=$2; shift 2 ;;
    --nice) [ $# -ge 2 ] || die "--nice needs a value"; niceness=$2; shift 2 ;;
    --seed) [ $# -ge 2 ] || die "--seed needs a value"; seed=$2; shift 2 ;;
    --timeout) [ $# -ge 2 ] || die "--timeout needs a value"; timeout=$2; shift 2 ;;
    --build-dir) [ $# -ge 2 ] || die "--build-dir needs a value"; build_dir=$2; shift 2 ;;
    --findings|--artifacts) [ $# -ge 2 ] || die "$1 needs a value"; findings=$2; shift 2 ;;
    --keep-corpus) [ $# -ge 2 ] || die "--keep-corpus needs a value"; keep_corpus=$2; shift 2 ;;
    --extra-corpus) [ $# -ge 2 ] || die "--extra-corpus needs a value"
                    [ -d "$2" ] || die "--extra-corpus: $2 is not a directory"
                    extra_corpus=$(cd "$2" && pwd); shift 2 ;;
    --rev) [ $# -ge 2 ] || die "--rev needs a value"; rev=$2; shift 2 ;;
    --list) list=1; shift ;;
    --no-build) build=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
if ! is_uint "$seconds" || [ "$seconds" -eq 0 ]; then die "--seconds must be a positive integer"; fi
if ! is_uint "$timeout" || [ "$timeout" -eq 0 ]; then die "--timeout must be a positive integer"; fi
is_uint "$seed" || die "--seed must be a non-negative integer"
is_uint "$cpu_seconds" || die "--cpu-seconds must be a non-negative integer"
[[ "$niceness" =~ ^-?[0-9]+$ ]] || die "--nice must be an integer"
if [ "$cpu_seconds" -gt 0 ]; then seconds=$((cpu_seconds * 8)); fi

# --- sources: the work tree, or a clean export of --rev
src=$root
if [ -z "$build_dir" ]; then
  if [ -n "$rev" ]; then build_dir=$root/build-fuzz-rev; else build_dir=$root/build-asan; fi
fi
build_dir=$(mkdir -p "$build_dir" && cd "$build_dir" && pwd)
if [ -n "$rev" ]; then
  commit=$(git -C "$root" rev-parse --verify -q "$rev^{commit}") || die "--rev: unknown revision '$rev'"
  src=$build_dir/src
  if [ "$(cat "$src/.vigil-rev" 2>/dev/null)" != "$commit" ]; then
    rm -rf "$src"
    mkdir -p "$src"
    git -C "$root" archive "$commit" | tar -x -C "$src"
    echo "$commit" >"$src/.vigil-rev"
  fi
  echo "fuzz.sh: sources of $rev ($commit) in $src"
fi

all=()
for f in "$src"/tests/fuzz/*_fuzz.cpp; do all+=("$(basename "$f" _fuzz.cpp)"); done
[ "${#all[@]}" -gt 0 ] || die "$src has no tests/fuzz/*_fuzz.cpp"
if [ "$list" -eq 1 ]; then printf '%s\n' "${all[@]}"; exit 0; fi
names=("${only[@]+"${only[@]}"}")
[ "${#names[@]}" -gt 0 ] || names=("${all[@]}")
for n in "${names[@]}"; do
  [ -f "$src/tests/fuzz/${n}_fuzz.cpp" ] || die "unknown target '$n' (--list)"
done

findings=${findings:-$build_dir/fuzz-findings}
mkdir -p "$findings"
findings=$(cd "$findings" && pwd)

if [ "$build" -eq 1 ]; then
  "$root/scripts/install-deps"
  echo "fuzz.sh: building ${names[*]} in $build_dir"
  "$src/tests/fuzz/build" "$src" "$build_dir" --jobs 2 "${names[@]/%/_fuzz}" >/dev/null
fi
for n in "${names[@]}"; do
  [ -x "$build_dir/tests/fuzz/${n}_fuzz" ] || die "$build_dir/tests/fuzz/${n}_fuzz is not built"
done

scratch=$(mktemp -d "${TMPDIR:-/tmp}/vigil-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

summary=()
found=0
for name in "${names[@]}"; do
  fuzzer=$build_dir/tests/fuzz/${name}_fuzz
  out=$findings/$name
  mkdir -p "$out" "$scratch/$name"
  cp "$src/tests/fuzz/corpus/$name"/* "$scratch/$name/"
  if [ -n "$extra_corpus" ] && [ -d "$extra_corpus/$name" ]; then
    find "$extra_corpus/$name" -maxdepth 1 -type f -exec cp -t "$scratch/$name/" {} +
  fi
  dict=()
  [ -f "$src/tests/fuzz/$name.dict" ] && dict=(-dict="$src/tests/fuzz/$name.dict")
  log=$out/fuzz-$(date +%Y%m%d-%H%M%S).log
  before=$(ls -A "$out")
  if [ "$cpu_seconds" -gt 0 ]; then budget="${cpu_seconds} CPU-s"; else budget="${seconds}s"; fi
  echo "fuzz.sh: $name for $budget (seed corpus: $(ls "$scratch/$name" | wc -l) files; log: $log)"
  set +e
  nice -n "$niceness" "$fuzzer" -seed="$seed" -max_total_time="$seconds" -timeout="$timeout" \
    -rss_limit_mb=2048 -artifact_prefix="$out/" -print_final_stats=1 "${dict[@]}" \
    "$scratch/$name" >"$log" 2>&1 &
  pid=$!
  interrupted=0
  cpu=0
  started=$SECONDS
  # libFuzzer runs in one process: its CPU time is utime+stime in
  # /proc/PID/stat (fields 14 and 15, in clock ticks), sampled every 2 s.
  # With --cpu-seconds it is interrupted (SIGINT: final stats, exit 72)
  # once the budget is spent.
  ticks=$(getconf CLK_TCK)
  while kill -0 "$pid" 2>/dev/null; do
    if stat=$(cat "/proc/$pid/stat" 2>/dev/null); then
      read -r -a f <<<"${stat##*) }"
      cpu=$(( (f[11] + f[12]) / ticks ))
    fi
    if [ "$cpu_seconds" -gt 0 ] && [ "$cpu" -ge "$cpu_seconds" ] && [ "$interrupted" -eq 0 ]; then
      interrupted=1
      kill -INT "$pid" 2>/dev/null
    fi
    sleep 2
  done
  wait "$pid"
  rc=$?
  wall=$((SECONDS - started))
  set -e
  # 72 is libFuzzer's exit status when interrupted: the budget, not a finding.
  if [ "$interrupted" -eq 1 ] && [ "$rc" -eq 72 ]; then rc=0; fi

  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  [ -n "$runs" ] || runs=$(grep -Eo '^#[0-9]+' "$log" | tr -d '#' | tail -1 || true)
  secs=$(grep -Eo '^Done [0-9]+ runs in [0-9]+ second' "$log" | grep -Eo '[0-9]+ second' | grep -Eo '[0-9]+' || true)
  [ -n "$secs" ] && [ "$secs" -gt 0 ] || secs=$wall
  [ "$secs" -gt 0 ] || secs=1
  # On a shared machine a fuzzer gets part of the clock: rate per CPU second.
  if [ "$cpu" -gt 0 ]; then secs=$cpu; fi
  rate=$(( ${runs:-0} / secs ))
  cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
  corpus_n=$(find "$scratch/$name" -type f | wc -l)
  new=0
  while IFS= read -r f; do
    [ -n "$f" ] || continue
    case "$f" in fuzz-*.log) continue ;; esac
    grep -qxF "$f" <<<"$before" || new=$((new + 1))
  done < <(ls -A "$out")
  line=$(printf '%-20s runs %10s  exec/s %6s  clock %5ss  cpu %5ss  corpus %5s  %-18s  findings %s' \
         "$name" "${runs:-?}" "$rate" "$wall" "$cpu" "$corpus_n" "${cov:-cov: ?}" "$new")
  summary+=("$line")
  echo "fuzz.sh: $line"
  if [ "$rc" -ne 0 ] || [ "$new" -ne 0 ]; then
    found=1
    echo "fuzz.sh: $name: FINDING (libFuzzer exit status $rc), in $out/" >&2
    sed -n '/^==[0-9]*==ERROR\|runtime error:\|fuzz invariant failed\|^ALARM\|^==[0-9]*== ERROR/,/^SUMMARY/p' \
      "$log" | head -40 >&2
  fi
  if [ -n "$keep_corpus" ]; then
    mkdir -p "$keep_corpus/$name"
    cp "$scratch/$name"/* "$keep_corpus/$name/"
  fi
  rm -rf "${scratch:?}/$name"
done

echo
if [ "$cpu_seconds" -gt 0 ]; then
  echo "fuzz.sh: ${cpu_seconds} CPU-seconds per target, seed $seed"
else
  echo "fuzz.sh: ${seconds}s per target, seed $seed"
fi
printf '  %s\n' "${summary[@]}"
if [ "$found" -ne 0 ]; then
  echo "fuzz.sh: findings in $findings (replay: $build_dir/tests/fuzz/NAME_fuzz FILE)" >&2
  exit 1
fi
echo "fuzz.sh: no crash, leak or timeout"
