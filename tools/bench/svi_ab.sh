#!/usr/bin/env bash
# tools/bench/svi_ab.sh — A/B comparison of two Strata binaries on the SVI benchmark programs of
# tools/bench/run.sh (examples/bench/*.sasm, the same full-run N): CPU time (user+sys) of
# `strata run FLAGS PROG N`, median of RUNS runs taken alternately (A, B, A, B...) so that drift in
# the machine's load hits both sides alike. Prints each side's runs, both medians and B/A per
# program, then the geometric mean of B/A. Every run's output must equal the first A run's (else
# the script exits 1). run.sh runs its configurations one after the other and always runs the
# Lua and C peers; this is for measuring one change.
#
# Usage: tools/bench/svi_ab.sh --a STRATA_A --b STRATA_B [--runs K] [--flags "--jit=opt"]
#                              [--only P,...]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

programs=(fib loop nbody spectralnorm binarytrees fannkuchredux mandelbrot strings)
declare -A n=([fib]=41 [loop]=30000000 [nbody]=5000000 [spectralnorm]=2000
              [binarytrees]=16 [fannkuchredux]=10 [mandelbrot]=2000 [strings]=1000000)
a="" b="" runs=3 flags="--jit=auto" only=""
while (($#)); do
  case "$1" in
    --a) a="$2"; shift ;;
    --b) b="$2"; shift ;;
    --runs) runs="$2"; shift ;;
    --flags) flags="$2"; shift ;;
    --only) only="$2"; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "svi_ab.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ -x "$a" && -x "$b" ]] || { echo "svi_ab.sh: give two strata binaries with --a and --b" >&2; exit 2; }
if [[ -n "$only" ]]; then IFS=, read -r -a programs <<<"$only"; fi
for p in "${programs[@]}"; do
  [[ -n "${n[$p]:-}" ]] || { echo "svi_ab.sh: unknown program '$p'" >&2; exit 2; }
done
dir=build/bench/svi_ab
mkdir -p "$dir"

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
cpu() { awk '{ print $1 + $2 }' "$1"; }
log_sum=0 count=0
for p in "${programs[@]}"; do
  ta="" tb=""
  for ((k = 0; k < runs; k++)); do
    for side in a b; do
      bin=$a; [[ $side == b ]] && bin=$b
      # shellcheck disable=SC2086
      /usr/bin/time -f "%U %S" -o "$dir/$p.$side.time" "$bin" run $flags "examples/bench/$p.sasm" \
        "${n[$p]}" >"$dir/$p.$side.out"
      if [[ $k == 0 && $side == a ]]; then cp "$dir/$p.a.out" "$dir/$p.want"; fi
      cmp -s "$dir/$p.$side.out" "$dir/$p.want" || { echo "svi_ab.sh: $p: $side's output differs" >&2; exit 1; }
      if [[ $side == a ]]; then ta+="$(cpu "$dir/$p.a.time")"$'\n'; else tb+="$(cpu "$dir/$p.b.time")"$'\n'; fi
    done
  done
  ma=$(printf '%s' "$ta" | median) mb=$(printf '%s' "$tb" | median)
  ratio=$(awk -v a="$ma" -v b="$mb" 'BEGIN { printf "%.3f", b / a }')
  log_sum=$(awk -v s="$log_sum" -v r="$ratio" 'BEGIN { print s + log(r) }')
  count=$((count + 1))
  printf '%-14s A %s-> %.2f s  B %s-> %.2f s  B/A %s\n' "$p" "$(echo $ta)" "$ma" "$(echo $tb)" "$mb" "$ratio"
done
awk -v s="$log_sum" -v c="$count" 'BEGIN { printf "geometric mean B/A %.3f over %d programs\n", exp(s / c), c }'
