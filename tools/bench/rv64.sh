#!/usr/bin/env bash
# tools/bench/rv64.sh — RISC-V user-mode benchmarks: the same C programs built for riscv64
# (riscv64-linux-gnu-gcc -O2 -static) and run under Strata and qemu-riscv64, and built for the
# host (gcc -O2) as the baseline. Writes the "## RISC-V user mode" section of docs/BENCHMARKS.md
# (replacing it if present, keeping every other section).
#
# Programs: tools/bench/rv64/*.c (sieve, matmul, hash, memcpy, coremark_like) and some of the
# SVI benchmarks' C peers (tools/bench/peers/c: fib, nbody, mandelbrot, fannkuchredux). N is
# chosen so the native program runs about 0.1-0.5 s: a ratio needs more than the 10 ms
# resolution of `time`.
# Per program and runner: CPU time (user+sys, median of RUNS) with /usr/bin/time; every runner's
# output must equal the native program's (a difference is reported and the script exits 1).
# Strata's translation statistics (blocks, µs per block, LLVM compiles) come from `strata run --stats`.
#
# Usage: tools/bench/rv64.sh [--quick] [--runs K] [--strata PATH] [--out FILE] [--only P,...]
#                            [--config LABEL:FLAGS]...
#   --quick    small inputs, one run, writes build/bench/rv64/BENCHMARKS.quick.md unless --out
#   --config   a Strata row: label and the flags given to `strata run` (default rows:
#              strata-auto:--jit=auto and strata-baseline:--jit=baseline)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

programs=(fib sieve matmul hash memcpy coremark_like nbody mandelbrot fannkuchredux)
declare -A full_n=([fib]=40 [sieve]=5000000 [matmul]=700 [hash]=2000000 [memcpy]=30000
                   [coremark_like]=7000 [nbody]=5000000 [mandelbrot]=2000 [fannkuchredux]=10)
declare -A quick_n=([fib]=20 [sieve]=100000 [matmul]=60 [hash]=20000 [memcpy]=100
                    [coremark_like]=50 [nbody]=1000 [mandelbrot]=100 [fannkuchredux]=7)

quick=0 runs="" strata="" out="" only="" configs=()
cmdline="tools/bench/rv64.sh${*:+ $*}"
while (($#)); do
  case "$1" in
    --quick) quick=1 ;;
    --runs) runs="$2"; shift ;;
    --strata) strata="$2"; shift ;;
    --out) out="$2"; shift ;;
    --only) only="$2"; shift ;;
    --config) configs+=("$2"); shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "rv64.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ -n "$runs" ]] || runs=$((quick ? 1 : 3))
((${#configs[@]})) || configs=("strata-auto:--jit=auto" "strata-baseline:--jit=baseline")
if [[ -n "$only" ]]; then IFS=, read -r -a programs <<<"$only"; fi
bench_dir=build/bench/rv64
mkdir -p "$bench_dir/out"
[[ -n "$out" ]] || { if ((quick)); then out=$bench_dir/BENCHMARKS.quick.md; else out=docs/BENCHMARKS.md; fi; }

for tool in gcc riscv64-linux-gnu-gcc qemu-riscv64 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "rv64.sh: '$tool' is missing (tools/setup.sh installs it)" >&2; exit 2; }
done
if [[ -z "$strata" ]]; then
  for c in build/strata build/tools/strata/strata; do [[ -x "$c" ]] && { strata=$c; break; }; done
fi
[[ -x "$strata" ]] || { echo "rv64.sh: no strata binary (build it, or give --strata)" >&2; exit 2; }

source_of() {
  if [[ -f tools/bench/rv64/$1.c ]]; then echo "tools/bench/rv64/$1.c"; else echo "tools/bench/peers/c/$1.c"; fi
}
for p in "${programs[@]}"; do
  src=$(source_of "$p")
  [[ -f "$src" ]] || { echo "rv64.sh: unknown program '$p'" >&2; exit 2; }
  [[ "$bench_dir/$p.native" -nt "$src" ]] || gcc -O2 -o "$bench_dir/$p.native" "$src" -lm
  [[ "$bench_dir/$p.rv64" -nt "$src" ]] || riscv64-linux-gnu-gcc -O2 -static -o "$bench_dir/$p.rv64" "$src" -lm
done

labels=(native qemu-riscv64)
declare -A cmd=([native]="" [qemu-riscv64]="qemu-riscv64")
for c in "${configs[@]}"; do labels+=("${c%%:*}"); cmd[${c%%:*}]="$strata run ${c#*:}"; done

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
failures=0
declare -A t note

for p in "${programs[@]}"; do
  n=$((quick ? quick_n[$p] : full_n[$p]))
  declare -A times=()
  # Round k runs every runner once, so a change of the machine's load during the program's runs
  # hits each runner alike (the medians of runs taken back to back per runner moved by 10-25%
  # against each other on the shared machine).
  for ((k = 0; k < runs; k++)); do
    for l in "${labels[@]}"; do
      [[ -z "${note[$p.$l]:-}" ]] || continue
      if [[ $l == native ]]; then prog=$bench_dir/$p.native; else prog=$bench_dir/$p.rv64; fi
      if ! /usr/bin/time -f "%U %S" -o "$bench_dir/out/$p.$l.time" ${cmd[$l]} "$prog" "$n" \
          >"$bench_dir/out/$p.$l.txt" 2>"$bench_dir/out/$p.$l.err"; then
        note[$p.$l]="failed"; failures=$((failures + 1)); continue
      fi
      times[$l]+="$(awk '{ print $1 + $2 }' "$bench_dir/out/$p.$l.time")"$'\n'
      if [[ $l != native ]] && ! cmp -s "$bench_dir/out/$p.$l.txt" "$bench_dir/out/$p.native.txt"; then
        note[$p.$l]="wrong output"; failures=$((failures + 1))
        diff "$bench_dir/out/$p.native.txt" "$bench_dir/out/$p.$l.txt" | head -5 >&2 || true
      fi
    done
  done
  for l in "${labels[@]}"; do
    [[ -n "${note[$p.$l]:-}" ]] || t[$p.$l]=$(printf '%s' "${times[$l]}" | median)
    echo "rv64.sh: $p $l ${t[$p.$l]:-?} s ${note[$p.$l]:-}" >&2
  done
  unset times
  # Translation statistics from the first Strata configuration.
  first=${configs[0]%%:*}
  ${cmd[$first]} --stats "$bench_dir/$p.rv64" "$n" >/dev/null 2>"$bench_dir/out/$p.stats" || true
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "") printf "%.2f", a / b; else print "n/a" }'; }
{
  echo "## RISC-V user mode: riscv64 programs under Strata and qemu-riscv64"
  echo
  echo "Produced by \`$cmdline\` on $(date -u +%Y-%m-%d) ($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))."
  echo "CPU seconds (user+sys, median of $runs taken in rounds: each round runs every runner once); ratio = time / native x86-64 \`gcc -O2\` time;"
  echo "the riscv64 binaries are \`riscv64-linux-gnu-gcc -O2 -static\`. qemu: $(qemu-riscv64 --version | head -1)."
  echo
  printf '| program | N |'; for l in "${labels[@]}"; do printf ' %s |' "$l"; done; echo
  printf '| --- | ---: |'; for l in "${labels[@]}"; do printf ' ---: |'; done; echo
  for p in "${programs[@]}"; do
    n=$((quick ? quick_n[$p] : full_n[$p]))
    printf '| %s | %s |' "$p" "$n"
    for l in "${labels[@]}"; do
      if [[ -n "${note[$p.$l]:-}" ]]; then printf ' %s |' "${note[$p.$l]}"
      else printf ' %s s (%sx) |' "${t[$p.$l]}" "$(ratio "${t[$p.$l]}" "${t[$p.native]}")"; fi
    done
    echo
  done
  echo
  printf '| geometric mean vs native |'
  for l in "${labels[@]}"; do
    gm=$(for p in "${programs[@]}"; do [[ -z "${note[$p.$l]:-}" ]] && ratio "${t[$p.$l]}" "${t[$p.native]}" && echo; done |
      awk 'NF && $1 != "n/a" { s += log($1); k++ } END { if (k) printf "%.2fx", exp(s / k); else print "n/a" }')
    printf ' %s: %s |' "$l" "$gm"
  done
  echo
  echo
  echo "Strata translation statistics (\`${configs[0]#*:} --stats\`), per program:"
  echo
  echo '```'
  for p in "${programs[@]}"; do
    echo "$p: $(grep -iE 'translat|block|^  opt |^  opt:|^rv64 opt' "$bench_dir/out/$p.stats" | tr '\n' ';' | sed 's/;$//')"
  done
  echo '```'
} >"$bench_dir/section.md"

if [[ -f "$out" ]]; then
  awk '/^## RISC-V user mode/ { skip = 1; next } /^## / { skip = 0 } !skip' "$out" >"$out.tmp"
else
  : >"$out.tmp"
fi
{ cat "$out.tmp"; echo; cat "$bench_dir/section.md"; } | cat -s >"$out"
rm -f "$out.tmp"
echo "rv64.sh: wrote $out" >&2
exit $((failures > 0))
