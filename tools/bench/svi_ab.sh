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
name=svi_ab.sh runs=3
ab_input() { echo "examples/bench/$1.sasm"; }
# shellcheck source=tools/bench/ab_lib.sh
source tools/bench/ab_lib.sh
ab_main "$@"
