#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# fuzz.sh: fuzz the CIB reader and the scheduler behind it with libFuzzer
# (tests/fuzz/cib_reader_fuzz.cpp). Configures build-fuzz/ with clang, every
# library instrumented with -fsanitize=fuzzer-no-link,address,undefined,
# builds the target, and runs it for a fixed time on a scratch copy of the
# seed corpus tests/fuzz/corpus (the committed corpus is never modified).
# Prints the number of runs and any crash, leak, timeout or out-of-memory
# file; exits 1 if one was found.
#
#   bench/fuzz.sh [--seconds N] [--timeout SEC] [--build-dir DIR]
#                 [--artifacts DIR] [--keep-corpus DIR] [--extra-corpus DIR]
#                 [--rev REV]
#
#   --seconds N        fuzzing time, libFuzzer's -max_total_time (default 60)
#   --timeout SEC      one input taking longer is a finding (default 20)
#   --build-dir DIR    where to configure and build (default build-fuzz,
#                      build-fuzz-rev with --rev)
#   --artifacts DIR    where crash files go (default BUILD_DIR/artifacts);
#                      replay one with BUILD_DIR/tests/fuzz/cib_reader_fuzz FILE
#   --keep-corpus DIR  copy the grown corpus to DIR at the end
#   --extra-corpus DIR also seed from DIR (e.g. a corpus kept earlier), read only
#   --rev REV          build the sources of git revision REV (git archive into
#                      BUILD_DIR/src) instead of the work tree: reproducible,
#                      and immune to files edited while the build runs
#
# Needs clang and libFuzzer's runtime (Debian 12: clang, libclang-rt-dev,
# which brings libclang-rt-14-dev); scripts/install-deps installs them and
# is run first (it does nothing when they are present).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

seconds=60
timeout=20
build_dir=
artifacts=
keep_corpus=
extra_corpus=()
rev=

usage() { sed -n '4,30p' "$0" | sed 's/^# \{0,1\}//'; }
die() { printf 'fuzz.sh: %s\n' "$*" >&2; exit 2; }
is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }

while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) [ $# -ge 2 ] || die "--seconds needs a value"; seconds=$2; shift 2 ;;
    --timeout) [ $# -ge 2 ] || die "--timeout needs a value"; timeout=$2; shift 2 ;;
    --build-dir) [ $# -ge 2 ] || die "--build-dir needs a value"; build_dir=$2; shift 2 ;;
    --artifacts) [ $# -ge 2 ] || die "--artifacts needs a value"; artifacts=$2; shift 2 ;;
    --keep-corpus) [ $# -ge 2 ] || die "--keep-corpus needs a value"; keep_corpus=$2; shift 2 ;;
    --extra-corpus) [ $# -ge 2 ] || die "--extra-corpus needs a value"
                    [ -d "$2" ] || die "--extra-corpus: $2 is not a directory"
                    extra_corpus+=("$2"); shift 2 ;;
    --rev) [ $# -ge 2 ] || die "--rev needs a value"; rev=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
if ! is_uint "$seconds" || [ "$seconds" -eq 0 ]; then die "--seconds must be a positive integer"; fi
if ! is_uint "$timeout" || [ "$timeout" -eq 0 ]; then die "--timeout must be a positive integer"; fi
[ -n "$build_dir" ] || build_dir=$root/build-fuzz${rev:+-rev}
build_dir=$(mkdir -p "$build_dir" && cd "$build_dir" && pwd)
artifacts=${artifacts:-$build_dir/artifacts}
mkdir -p "$artifacts"
artifacts=$(cd "$artifacts" && pwd)

"$root/scripts/install-deps"
command -v clang++ >/dev/null || die "clang++ not found (scripts/install-deps)"

# --- sources: the work tree, or a clean export of --rev
src=$root
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
[ -f "$src/tests/fuzz/cib_reader_fuzz.cpp" ] || die "$src has no tests/fuzz/cib_reader_fuzz.cpp"

# --- build (a cache made for other sources would make cmake refuse)
home=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build_dir/CMakeCache.txt" 2>/dev/null || true)
if [ -n "$home" ] && [ "$home" != "$src" ]; then
  rm -rf "$build_dir/CMakeCache.txt" "$build_dir/CMakeFiles"
fi
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer"
echo "fuzz.sh: configuring $build_dir"
CC=clang CXX=clang++ cmake -S "$src" -B "$build_dir" \
  -DVIGIL_FUZZ=ON -DVIGIL_BUILD_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_CXX_FLAGS="$flags" >/dev/null
jobs=$(nproc 2>/dev/null || echo 2)
echo "fuzz.sh: building cib_reader_fuzz"
cmake --build "$build_dir" --target cib_reader_fuzz -j "$jobs" >/dev/null
fuzzer=$build_dir/tests/fuzz/cib_reader_fuzz
[ -x "$fuzzer" ] || die "build produced no $fuzzer"

# --- run, on a scratch copy of the seed corpus
scratch=$(mktemp -d "${TMPDIR:-/tmp}/vigil-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/corpus"
cp "$src"/tests/fuzz/corpus/* "$scratch/corpus/"
for d in "${extra_corpus[@]+"${extra_corpus[@]}"}"; do
  find "$d" -maxdepth 1 -type f -exec cp -t "$scratch/corpus/" {} +
done
log=$scratch/fuzz.log
before=$(ls -A "$artifacts")

echo "fuzz.sh: fuzzing for ${seconds}s (seed corpus: $(find "$scratch/corpus" -type f | wc -l) files," \
     "artifacts: $artifacts)"
set +e
# halt_on_error: the first UBSan report is a finding (UBSan only warns otherwise).
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
  "$fuzzer" -max_total_time="$seconds" -timeout="$timeout" \
    -dict="$src/tests/fuzz/cib.dict" -artifact_prefix="$artifacts/" \
    -print_final_stats=1 "$scratch/corpus" >"$log" 2>&1
rc=$?
set -e

runs=$(grep -Eo '^stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1 || true)
if [ -z "$runs" ]; then   # no final stats after a crash: use the last status line
  runs=$(grep -Eo '^#[0-9]+' "$log" | tr -d '#' | tail -1 || true)
fi
corpus_n=$(find "$scratch/corpus" -type f | wc -l)
cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
echo "fuzz.sh: $(grep -E '^Done [0-9]+ runs' "$log" || echo "stopped after ${runs:-?} runs")"
echo "fuzz.sh: runs: ${runs:-unknown}, ${cov:-cov: ?}, corpus: $corpus_n files," \
     "libFuzzer exit status: $rc"

if [ -n "$keep_corpus" ]; then
  mkdir -p "$keep_corpus"
  cp "$scratch"/corpus/* "$keep_corpus/"
  echo "fuzz.sh: grown corpus copied to $keep_corpus"
fi

new=()
while IFS= read -r f; do
  [ -n "$f" ] || continue
  grep -qxF "$f" <<<"$before" || new+=("$f")
done < <(ls -A "$artifacts")

if [ "$rc" -ne 0 ] || [ "${#new[@]}" -ne 0 ]; then
  echo "fuzz.sh: FINDING (exit status $rc)" >&2
  # The sanitizer's report, without libFuzzer's progress lines.
  sed -n '/^==[0-9]*==ERROR\|runtime error:\|^ALARM\|^==[0-9]*== ERROR/,/^SUMMARY/p' "$log" | head -60 >&2
  for f in "${new[@]}"; do
    echo "fuzz.sh: artifact: $artifacts/$f ($(wc -c <"$artifacts/$f") bytes)" >&2
  done
  cp "$log" "$artifacts/fuzz-$(date +%Y%m%d-%H%M%S).log"
  echo "fuzz.sh: replay with: $fuzzer ARTIFACT; minimize with: $fuzzer -minimize_crash=1 -runs=10000 ARTIFACT" >&2
  exit 1
fi
echo "fuzz.sh: no crash, leak or timeout"
