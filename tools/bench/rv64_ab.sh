#!/usr/bin/env bash
# tools/bench/rv64_ab.sh — A/B comparison of two Strata binaries on the RISC-V benchmark programs
# of tools/bench/rv64.sh (same sources, same N): CPU time (user+sys) of `strata run FLAGS`,
# median of RUNS runs taken alternately (A, B, A, B...) so machine-load drift hits both alike;
# prints one line per program with both medians and the ratio B/A, then the geometric mean.
# Each run's output must equal the first A run's (else the script exits 1).
#
# Usage: tools/bench/rv64_ab.sh --a STRATA_A --b STRATA_B [--runs K] [--flags "--jit=auto"]
#                               [--only P,...]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

programs=(fib sieve matmul hash memcpy coremark_like nbody mandelbrot fannkuchredux)
declare -A n=([fib]=40 [sieve]=5000000 [matmul]=700 [hash]=2000000 [memcpy]=30000
              [coremark_like]=7000 [nbody]=5000000 [mandelbrot]=2000 [fannkuchredux]=10)
a="" b="" runs=5 flags="--jit=auto" only=""
while (($#)); do
  case "$1" in
    --a) a="$2"; shift ;;
    --b) b="$2"; shift ;;
    --runs) runs="$2"; shift ;;
    --flags) flags="$2"; shift ;;
    --only) only="$2"; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "rv64_ab.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ -x "$a" && -x "$b" ]] || { echo "rv64_ab.sh: give two strata binaries with --a and --b" >&2; exit 2; }
if [[ -n "$only" ]]; then IFS=, read -r -a programs <<<"$only"; fi
dir=build/bench/rv64_ab
mkdir -p "$dir"

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
cpu() { awk '{ print $1 + $2 }' "$1"; }
log_sum=0 count=0
for p in "${programs[@]}"; do
  src=tools/bench/rv64/$p.c
  [[ -f "$src" ]] || src=tools/bench/peers/c/$p.c
  [[ "$dir/$p.rv64" -nt "$src" ]] || riscv64-linux-gnu-gcc -O2 -static -o "$dir/$p.rv64" "$src" -lm
  ta="" tb=""
  for ((k = 0; k < runs; k++)); do
    for side in a b; do
      bin=$a; [[ $side == b ]] && bin=$b
      # shellcheck disable=SC2086
      /usr/bin/time -f "%U %S" -o "$dir/$p.$side.time" "$bin" run $flags "$dir/$p.rv64" "${n[$p]}" \
        >"$dir/$p.$side.out"
      if [[ $k == 0 && $side == a ]]; then cp "$dir/$p.a.out" "$dir/$p.want"; fi
      cmp -s "$dir/$p.$side.out" "$dir/$p.want" || { echo "rv64_ab.sh: $p: $side's output differs" >&2; exit 1; }
      if [[ $side == a ]]; then ta+="$(cpu "$dir/$p.a.time")"$'\n'; else tb+="$(cpu "$dir/$p.b.time")"$'\n'; fi
    done
  done
  ma=$(printf '%s' "$ta" | median) mb=$(printf '%s' "$tb" | median)
  ratio=$(awk -v a="$ma" -v b="$mb" 'BEGIN { printf "%.3f", b / a }')
  log_sum=$(awk -v s="$log_sum" -v r="$ratio" 'BEGIN { print s + log(r) }')
  count=$((count + 1))
  printf '%-14s A %6.2f s  B %6.2f s  B/A %s\n' "$p" "$ma" "$mb" "$ratio"
done
awk -v s="$log_sum" -v c="$count" 'BEGIN { printf "geometric mean B/A %.3f over %d programs\n", exp(s / c), c }'
