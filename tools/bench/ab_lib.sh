# tools/bench/ab_lib.sh — the A/B loop shared by svi_ab.sh and rv64_ab.sh (sourced, not run);
# opt_load_ab.sh uses only its ab_usage and ab_median.
#
# The script that sources it sets `name` (for messages and the output directory), `programs` (an
# array), `n` (an associative array: program -> argument), `runs` (the default K) and defines
# `ab_input P`, which prints the file `strata run` takes for program P (building it if needed);
# then it calls `ab_main "$@"`. Each program runs `runs` times per side, alternately (A, B, A,
# B...) so that drift in the machine's load hits both sides alike; every run's output must equal
# the first A run's (else exit 1). Prints each side's runs, both medians (CPU time, user+sys) and
# B/A per program, then the geometric mean of B/A.

ab_usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

ab_main() {
  local a="" b="" flags="--jit=auto" only=""
  while (($#)); do
    case "$1" in
      --a) a="$2"; shift ;;
      --b) b="$2"; shift ;;
      --runs) runs="$2"; shift ;;
      --flags) flags="$2"; shift ;;
      --only) only="$2"; shift ;;
      -h|--help) ab_usage; exit 0 ;;
      *) echo "$name: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
  done
  [[ -x "$a" && -x "$b" ]] || { echo "$name: give two strata binaries with --a and --b" >&2; exit 2; }
  if [[ -n "$only" ]]; then IFS=, read -r -a programs <<<"$only"; fi
  local p
  for p in "${programs[@]}"; do
    [[ -n "${n[$p]:-}" ]] || { echo "$name: unknown program '$p'" >&2; exit 2; }
  done
  dir=build/bench/${name%.sh}
  mkdir -p "$dir"

  local log_sum=0 count=0 input ta tb k side bin ma mb ratio
  for p in "${programs[@]}"; do
    input=$(ab_input "$p")
    ta="" tb=""
    for ((k = 0; k < runs; k++)); do
      for side in a b; do
        bin=$a; [[ $side == b ]] && bin=$b
        # shellcheck disable=SC2086
        /usr/bin/time -f "%U %S" -o "$dir/$p.$side.time" "$bin" run $flags "$input" "${n[$p]}" \
          >"$dir/$p.$side.out"
        if [[ $k == 0 && $side == a ]]; then cp "$dir/$p.a.out" "$dir/$p.want"; fi
        cmp -s "$dir/$p.$side.out" "$dir/$p.want" || { echo "$name: $p: $side's output differs" >&2; exit 1; }
        if [[ $side == a ]]; then ta+="$(ab_cpu "$dir/$p.a.time")"$'\n'; else tb+="$(ab_cpu "$dir/$p.b.time")"$'\n'; fi
      done
    done
    ma=$(printf '%s' "$ta" | ab_median) mb=$(printf '%s' "$tb" | ab_median)
    ratio=$(awk -v a="$ma" -v b="$mb" 'BEGIN { printf "%.3f", b / a }')
    log_sum=$(awk -v s="$log_sum" -v r="$ratio" 'BEGIN { print s + log(r) }')
    count=$((count + 1))
    # shellcheck disable=SC2086
    printf '%-14s A %s-> %.2f s  B %s-> %.2f s  B/A %s\n' "$p" "$(echo $ta)" "$ma" "$(echo $tb)" "$mb" "$ratio"
  done
  awk -v s="$log_sum" -v c="$count" 'BEGIN { printf "geometric mean B/A %.3f over %d programs\n", exp(s / c), c }'
}

ab_median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ab_cpu() { awk '{ print $1 + $2 }' "$1"; }
