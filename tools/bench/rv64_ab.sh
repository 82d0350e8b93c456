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
name=rv64_ab.sh runs=5
ab_input() {
  local src=tools/bench/rv64/$1.c
  [[ -f "$src" ]] || src=tools/bench/peers/c/$1.c
  [[ "$dir/$1.rv64" -nt "$src" ]] || riscv64-linux-gnu-gcc -O2 -static -o "$dir/$1.rv64" "$src" -lm
  echo "$dir/$1.rv64"
}
# shellcheck source=tools/bench/ab_lib.sh
source tools/bench/ab_lib.sh
ab_main "$@"
