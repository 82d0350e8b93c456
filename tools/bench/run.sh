#!/usr/bin/env bash
# tools/bench/run.sh — run the benchmark programs side by side and write docs/BENCHMARKS.md.
#
# Every program of examples/bench/*.sasm has peers in tools/bench/peers/{lua,c}/. For each
# program this script runs, with the same N:
#   strata   build/.../strata run examples/bench/PROG.sasm N   (one row per entry of STRATA_CONFIGS)
#   lua5.4   lua5.4 tools/bench/peers/lua/PROG.lua N
#   luajit-joff, luajit   the same Lua file with the JIT off / on
#   c        build/bench/PROG (gcc -O2 of tools/bench/peers/c/PROG.c)
# It repeats each run (median of RUNS), measures CPU time (user+sys) and peak RSS with
# /usr/bin/time, checks that every runner printed exactly what the C peer printed (a
# difference is an error: the diff is shown and the script exits 1), and writes a Markdown
# report: a table per program, the geometric mean of the ratios vs C per runner, the machine,
# the date and the command line.
#
# Usage: tools/bench/run.sh [--quick] [--only PROG[,PROG...]] [--runs K] [--strata PATH]
#                           [--out FILE] [--keep-going] [--timeout SECONDS] [--config L:FLAGS]
#   --quick       small N, one run; writes build/bench/BENCHMARKS.quick.md unless --out is given
#                 (a smoke test of the programs and of this script)
#   --only        run only these programs
#   --runs K      repetitions per runner (default 3; 1 with --quick)
#   --strata P    the strata binary (default: the first of build/tools/strata/strata,
#                 build/strata, build-bench/tools/strata/strata, build-bench/strata); without
#                 one the strata rows are skipped with a warning
#   --keep-going  a wrong output or a failed run marks the cell instead of stopping the script
#                 (the script still exits 1 at the end)
#   --timeout S   kill a single run after S seconds (default 600)
#   --config L:F  add a strata row labelled L that runs `strata run F ...` (repeatable)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

# Programs, in report order, with the N of a full run (chosen so that the C peer takes about
# 0.2 s on a 2020s x86-64 core) and the N of a --quick run.
programs=(fib loop nbody spectralnorm binarytrees fannkuchredux mandelbrot strings)
declare -A full_n=([fib]=41 [loop]=30000000 [nbody]=5000000 [spectralnorm]=2000
                   [binarytrees]=16 [fannkuchredux]=10 [mandelbrot]=2000 [strings]=1000000)
declare -A quick_n=([fib]=25 [loop]=100000 [nbody]=10000 [spectralnorm]=100
                    [binarytrees]=8 [fannkuchredux]=7 [mandelbrot]=200 [strings]=10000)

# Strata configurations: "label:extra flags for `strata run`". The interpreter always runs;
# when `strata run --help` lists a `--jit` option it runs with --jit=off (the default mode is
# auto) and "strata-jit:--jit" and "strata-auto:--jit=auto" rows are added; more can be given
# with --config (e.g. --config "strata-opt:--jit=opt").
STRATA_CONFIGS=("strata:")

quick=0 runs="" only="" strata="" out="" keep_going=0 timeout_s=600 extra_configs=()
cmdline="tools/bench/run.sh${*:+ $*}"
while (($#)); do
  case "$1" in
    --quick) quick=1 ;;
    --only) only="$2"; shift ;;
    --runs) runs="$2"; shift ;;
    --strata) strata="$2"; shift ;;
    --out) out="$2"; shift ;;
    --keep-going) keep_going=1 ;;
    --timeout) timeout_s="$2"; shift ;;
    --config) extra_configs+=("$2"); shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ -n "$runs" ]] || runs=$((quick ? 1 : 3))
[[ -n "$out" ]] || { if ((quick)); then out=build/bench/BENCHMARKS.quick.md; else out=docs/BENCHMARKS.md; fi; }

if [[ -n "$only" ]]; then
  IFS=, read -r -a selected <<<"$only"
  for p in "${selected[@]}"; do
    [[ -n "${full_n[$p]:-}" ]] || { echo "run.sh: unknown program '$p' (one of: ${programs[*]})" >&2; exit 2; }
  done
  programs=("${selected[@]}")
fi

for tool in gcc lua5.4 luajit /usr/bin/time timeout; do
  command -v "$tool" >/dev/null || { echo "run.sh: '$tool' is missing (tools/setup.sh installs it)" >&2; exit 2; }
done

if [[ -z "$strata" ]]; then
  for c in build/tools/strata/strata build/strata build-bench/tools/strata/strata build-bench/strata; do
    [[ -x "$c" ]] && { strata=$c; break; }
  done
fi
if [[ -n "$strata" && ! -x "$strata" ]]; then
  echo "run.sh: --strata '$strata' is not an executable" >&2; exit 2
fi
[[ -n "$strata" ]] || echo "run.sh: warning: no strata binary found; strata rows are skipped" >&2
if [[ -n "$strata" ]] && "$strata" run --help 2>&1 | grep -qE '(^|[[:space:]])--jit([[:space:]]|$)'; then
  STRATA_CONFIGS=("strata:--jit=off" "strata-jit:--jit" "strata-auto:--jit=auto")
fi
STRATA_CONFIGS+=("${extra_configs[@]}")

bench_dir=build/bench
mkdir -p "$bench_dir/out"
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)

# --- build the C peers
for p in "${programs[@]}"; do
  src=tools/bench/peers/c/$p.c
  if [[ ! -x "$bench_dir/$p" || "$src" -nt "$bench_dir/$p" ]]; then
    gcc -O2 -o "$bench_dir/$p" "$src" -lm
  fi
done

# --- runners: label -> command prefix (the program path and N are appended)
runner_labels=()
declare -A runner_cmd
if [[ -n "$strata" ]]; then
  for cfg in "${STRATA_CONFIGS[@]}"; do
    runner_labels+=("${cfg%%:*}")
    runner_cmd[${cfg%%:*}]="$strata run ${cfg#*:}"
  done
fi
runner_labels+=(lua5.4 luajit-joff luajit c)
runner_cmd[lua5.4]="lua5.4"
runner_cmd[luajit-joff]="luajit -joff"
runner_cmd[luajit]="luajit"
runner_cmd[c]=""

program_file() { # runner program
  case "$1" in
    lua*) echo "tools/bench/peers/lua/$2.lua" ;;
    c) echo "$bench_dir/$2" ;;
    *) echo "examples/bench/$2.sasm" ;;
  esac
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

failures=0
declare -A cell_time cell_rss cell_note

# run_one runner prog n: runs K times, fills cell_time/cell_rss, compares each output with the C's.
run_one() {
  local runner=$1 prog=$2 n=$3 k times="" rsses="" outf timef status cmd
  cmd="${runner_cmd[$runner]} $(program_file "$runner" "$prog") $n"
  outf=$bench_dir/out/$prog.$runner.txt
  timef=$bench_dir/out/$prog.$runner.time
  for ((k = 0; k < runs; k++)); do
    status=0
    # shellcheck disable=SC2086  # the command is split into words on purpose
    /usr/bin/time -f '%U %S %M' -o "$timef" timeout "$timeout_s" $cmd >"$outf" 2>"$outf.err" || status=$?
    if ((status != 0)); then
      echo "run.sh: FAILED ($status): $cmd" >&2
      sed 's/^/  | /' "$outf.err" | tail -n 20 >&2
      cell_note[$runner.$prog]="failed (exit $status)"
      return 1
    fi
    if [[ "$runner" != c ]] && ! cmp -s "$outf" "$bench_dir/out/$prog.c.txt"; then
      echo "run.sh: WRONG OUTPUT: $cmd differs from the C peer:" >&2
      diff "$bench_dir/out/$prog.c.txt" "$outf" | head -n 20 | sed 's/^/  | /' >&2 || true
      cell_note[$runner.$prog]="wrong output"
      return 1
    fi
    read -r user sys rss < <(tail -n 1 "$timef")
    times+="$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')"$'\n'
    rsses+="$rss"$'\n'
  done
  cell_time[$runner.$prog]=$(printf '%s' "$times" | median)
  cell_rss[$runner.$prog]=$(printf '%s' "$rsses" | median)
  printf '  %-12s %8.2f s  %8.1f MiB\n' "$runner" "${cell_time[$runner.$prog]}" \
    "$(awk -v k="${cell_rss[$runner.$prog]}" 'BEGIN { print k / 1024 }')" >&2
}

declare -A used_n
for p in "${programs[@]}"; do
  if ((quick)); then n=${quick_n[$p]}; else n=${full_n[$p]}; fi
  used_n[$p]=$n
  echo "== $p $n" >&2
  # The C peer runs first: its output is the reference for the others.
  for runner in c "${runner_labels[@]}"; do
    [[ "$runner" == c && -n "${cell_time[c.$p]:-}" ]] && continue # already ran first
    if ! run_one "$runner" "$p" "$n"; then
      failures=$((failures + 1))
      if [[ "$runner" == c ]]; then echo "run.sh: the C peer of $p failed" >&2; exit 1; fi
      ((keep_going)) || exit 1
    fi
  done
done

# --- the report
# Times below the 10 ms resolution of `time` count as 5 ms (keeps ratios and logs finite).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a < 0.005) a = 0.005; if (b < 0.005) b = 0.005; printf "%.2f", a / b }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

{
  echo "# Benchmarks"
  echo
  echo "Generated by \`tools/bench/run.sh\`; do not edit by hand."
  echo
  echo "- command: \`$cmdline\`"
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) cores, $(uname -sr);"
  echo "  load average (1, 5, 15 min) $load_at_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
  echo "- strata: ${strata:-not found} (git $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ', dirty tree'))"
  echo "- peers: $(gcc --version | head -n 1) with \`-O2\`; $(lua5.4 -v 2>&1 | cut -d' ' -f1-2); $(luajit -v | cut -d' ' -f1-2)"
  echo "- method: CPU time (user+sys) and peak RSS from \`/usr/bin/time -f '%U %S %M'\`, median of $runs run(s);"
  echo "  every runner's output is checked byte for byte against the C peer's."
  echo "- ratio: time / time of the C peer (lower is better). Times are rounded to 10 ms by"
  echo "  \`time\`; a time of 0.00 counts as 0.005 s."
  echo
  for p in "${programs[@]}"; do
    echo "## $p (N = ${used_n[$p]})"
    echo
    echo "| runner | time (s) | ratio vs C -O2 | peak MiB |"
    echo "| --- | ---: | ---: | ---: |"
    for runner in "${runner_labels[@]}"; do
      if [[ -n "${cell_time[$runner.$p]:-}" ]]; then
        echo "| $runner | ${cell_time[$runner.$p]} | $(ratio "${cell_time[$runner.$p]}" "${cell_time[c.$p]}") | $(mib "${cell_rss[$runner.$p]}") |"
      else
        echo "| $runner | ${cell_note[$runner.$p]:-not run} | | |"
      fi
    done
    echo
  done
  echo "## Geometric mean of the ratios vs C -O2"
  echo
  echo "| runner | geomean ratio | programs |"
  echo "| --- | ---: | ---: |"
  for runner in "${runner_labels[@]}"; do
    ratios=""
    count=0
    for p in "${programs[@]}"; do
      if [[ -n "${cell_time[$runner.$p]:-}" ]]; then
        ratios+="$(ratio "${cell_time[$runner.$p]}" "${cell_time[c.$p]}") "
        count=$((count + 1))
      fi
    done
    if ((count)); then
      gm=$(echo "$ratios" | awk '{ s = 0; for (i = 1; i <= NF; i++) s += log($i); printf "%.2f", exp(s / NF) }')
    else
      gm="n/a"
    fi
    echo "| $runner | $gm | $count/${#programs[@]} |"
  done
  if ((failures)); then
    echo
    echo "**$failures run(s) failed or printed a wrong output** (see the tables; run with"
    echo "\`--only PROG\` to see the difference); their programs are left out of the means."
  fi
} >"$out.tmp"
# Sections that other benchmark scripts append (headed "## KVM...", "## RISC-V...") are not
# this script's: keep them from the previous report.
if [[ -f "$out" ]]; then
  awk '/^## (KVM|RISC-V)/ {keep = 1} keep' "$out" >"$out.kept"
  if [[ -s "$out.kept" ]]; then
    echo >>"$out.tmp"
    cat "$out.kept" >>"$out.tmp"
  fi
  rm -f "$out.kept"
fi
mv "$out.tmp" "$out"
echo "run.sh: wrote $out" >&2

if ((failures)); then
  echo "run.sh: $failures run(s) failed or printed a wrong output" >&2
  exit 1
fi
