#!/usr/bin/env bash
# tools/bench/compile_cost.sh — what each JIT tier costs per function, and what a run of
# examples/hello.sasm costs at start-up: the figures issue 3 asks docs/BENCHMARKS.md to show.
#
#   tools/bench/compile_cost.sh --strata build/strata [--runs K] [--out FILE]
#
# Per bench program (examples/bench, full N as in run.sh): `--stats` of one run under
# --jit=baseline (functions compiled, microseconds per function: emit + install) and one under
# --jit=opt (functions compiled, mean and p99 microseconds per function, wall time on the
# compile thread). Start-up: `strata run examples/hello.sasm` under --jit=off and the default
# (auto), K runs each (default 21), median wall milliseconds from bash's EPOCHREALTIME (CPU time
# from `time` is rounded to 10 ms, too coarse here). Prints Markdown (and to FILE with --out).
set -euo pipefail

strata="" runs=21 out=""
while (($#)); do
  case "$1" in
    --strata) strata="$2"; shift ;;
    --runs) runs="$2"; shift ;;
    --out) out="$2"; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "compile_cost.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ -x "$strata" ]] || { echo "compile_cost.sh: give the strata binary with --strata" >&2; exit 2; }
root="$(cd "$(dirname "$0")/../.." && pwd)"
programs=(fib loop nbody spectralnorm binarytrees fannkuchredux mandelbrot strings)
declare -A n=([fib]=41 [loop]=30000000 [nbody]=5000000 [spectralnorm]=2000
              [binarytrees]=16 [fannkuchredux]=10 [mandelbrot]=2000 [strings]=1000000)

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# The stats line of tier T for program P ("baseline: ..." or "opt: N functions ...").
stats_line() {
  "$strata" run --jit="$2" --stats "$root/examples/bench/$1.sasm" "${n[$1]}" 2>&1 >/dev/null |
    grep -m1 -E "^$3: [0-9]+ functions compiled" || echo "$3: no stats line"
}

report() {
  echo "## SVI: compile time per function and start-up"
  echo
  echo "Produced by \`tools/bench/compile_cost.sh --strata $strata --runs $runs\` on $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "($(nproc) cores, repository at git $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)); one run per program and tier."
  echo
  echo "| program | baseline: functions | baseline: µs/function | opt: functions | opt: mean µs/function | opt: p99 µs |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  local p b o
  for p in "${programs[@]}"; do
    b="$(stats_line "$p" baseline baseline)"
    o="$(stats_line "$p" opt opt)"
    local bn bus on omean op99
    bn="$(sed -nE 's/^baseline: ([0-9]+) functions.*/\1/p' <<<"$b")"
    bus="$(sed -nE 's/.* ([0-9.]+) us\/function.*/\1/p' <<<"$b")"
    on="$(sed -nE 's/^opt: ([0-9]+) functions.*/\1/p' <<<"$o")"
    omean="$(sed -nE 's/.* ([0-9.]+) us\/function mean.*/\1/p' <<<"$o")"
    op99="$(sed -nE 's/.* ([0-9.]+) us p99.*/\1/p' <<<"$o")"
    echo "| $p | ${bn:-?} | ${bus:-?} | ${on:-?} | ${omean:-?} | ${op99:-?} |"
  done
  echo
  echo "| \`strata run examples/hello.sasm\` | median wall (ms) | fastest (ms) | slowest (ms) |"
  echo "| --- | ---: | ---: | ---: |"
  local jit i t0 t1 walls
  for jit in off auto; do
    walls=""
    for ((i = 0; i < runs; ++i)); do
      t0=$EPOCHREALTIME
      "$strata" run --jit="$jit" "$root/examples/hello.sasm" >/dev/null
      t1=$EPOCHREALTIME
      walls+="$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", (b - a) * 1000}')"$'\n'
    done
    echo "| --jit=$jit | $(printf '%s' "$walls" | median) | $(printf '%s' "$walls" | sort -n | head -1) | $(printf '%s' "$walls" | sort -n | tail -1) |"
  done
  echo
  echo "Wall time from the shell, including the fork and exec of the process."
}

if [[ -n "$out" ]]; then report | tee "$out"; else report; fi
