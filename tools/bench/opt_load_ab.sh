#!/usr/bin/env bash
# tools/bench/opt_load_ab.sh — what loading the optimizing tier costs, A/B between two Strata
# builds: `strata run --jit=opt --stats examples/hello.sasm` (load libstrata_opt.so, compile
# hello's functions, run) RUNS times per side, alternately (A, B, A, B...). Per side it prints the
# median of "module loaded in" (wall time of dlopen and of creating the LLJIT, from --stats), of
# the first compile ("us/function mean": hello's main, the first function LLVM compiles), of
# the whole run's CPU time (user+sys, in ms: bash's `time`, so it includes the /usr/bin/time that
# reports the peak RSS, about the same on both sides) and of its peak RSS, and the module's path. Each binary
# loads the module next to it (STRATA_OPT_LIB is cleared), so copying a build's strata and
# libstrata_opt.so into one directory keeps it as side A.
#
# Usage: tools/bench/opt_load_ab.sh --a STRATA_A --b STRATA_B [--runs K]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

# shellcheck source=tools/bench/ab_lib.sh
source tools/bench/ab_lib.sh  # ab_usage, ab_median

a="" b="" runs=11
while (($#)); do
  case "$1" in
    --a) a="$2"; shift ;;
    --b) b="$2"; shift ;;
    --runs) runs="$2"; shift ;;
    -h|--help) ab_usage; exit 0 ;;
    *) echo "opt_load_ab.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ -x "$a" && -x "$b" ]] || { echo "opt_load_ab.sh: give two strata binaries with --a and --b" >&2; exit 2; }
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "opt_load_ab.sh: --runs needs a positive count" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One run: appends "load_ms cpu_ms rss_kib compile_us" to $tmp/<side> and keeps the module path.
run_one() {
  local side=$1 bin=$2 err=$tmp/err cpu
  local TIMEFORMAT='%3U %3S'
  { time env -u STRATA_OPT_LIB /usr/bin/time -f '%M' -o "$tmp/rss" \
      "$bin" run --jit=opt --stats examples/hello.sasm >/dev/null 2>"$err"; } 2>"$tmp/cpu" || {
    echo "opt_load_ab.sh: $bin failed:" >&2; cat "$err" >&2; exit 1; }
  local load compile
  compile=$(sed -nE 's/.* ([0-9.]+) us\/function mean.*/\1/p' "$err")
  load=$(sed -nE 's/.*module loaded in ([0-9.]+) ms \((.*)\)$/\1/p' "$err")
  [[ -n "$load" ]] || { echo "opt_load_ab.sh: $bin printed no module load time:" >&2; cat "$err" >&2; exit 1; }
  sed -nE 's/.*module loaded in [0-9.]+ ms \((.*)\)$/\1/p' "$err" >"$tmp/$side.path"
  cpu=$(awk '{print ($1 + $2) * 1000}' "$tmp/cpu")
  echo "$load $cpu $(cat "$tmp/rss") $compile" >>"$tmp/$side"
}

for ((k = 0; k < runs; k++)); do
  run_one a "$a"
  run_one b "$b"
done

for side in a b; do
  printf '%s: module loaded in %s ms, first compile %s us, run CPU %s ms, peak RSS %s KiB (median of %d; %s)\n' \
    "$side" "$(awk '{print $1}' "$tmp/$side" | ab_median)" "$(awk '{print $4}' "$tmp/$side" | ab_median)" \
    "$(awk '{print $2}' "$tmp/$side" | ab_median)" "$(awk '{print $3}' "$tmp/$side" | ab_median)" "$runs" \
    "$(cat "$tmp/$side.path")"
done
