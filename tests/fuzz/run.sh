#!/bin/sh
# Fuzz smoke test: configure and build the fuzz project (tests/fuzz) with clang-14 and
# sanitizers into BUILD_DIR (default: build/fuzz), then run every target for a bounded time over
# its checked-in corpus. Exits non-zero if a build fails or a target finds a crash.
#
#   tests/fuzz/run.sh [BUILD_DIR]
# Environment: FUZZ_SECONDS (per target, default 20), FUZZ_JOBS (parallel build jobs).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${1:-$repo/build/fuzz}
seconds=${FUZZ_SECONDS:-20}

launcher=""
if command -v ccache >/dev/null 2>&1; then launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"; fi

cmake -S "$here" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 $launcher >/dev/null

status=0
for target in fuzz_sbc fuzz_asm; do
  bin="$build/$target"
  if ! grep -q "build $target:" "$build/build.ninja"; then
    echo "run.sh: $target is not configured (its sources do not exist yet), skipped"
    continue
  fi
  # A target that does not build fails the smoke test, but the others still run.
  if ! cmake --build "$build" --target "$target" ${FUZZ_JOBS:+-j "$FUZZ_JOBS"} \
      >"$build/$target.build.log" 2>&1; then
    echo "run.sh: $target does not build; log: $build/$target.build.log"
    grep -m 10 -E "error" "$build/$target.build.log" || true
    status=1
    continue
  fi
  # A scratch corpus dir receives new inputs; the checked-in corpus is only read.
  work="$build/corpus-$target"
  mkdir -p "$work" "$build/artifacts"
  dict=""
  if [ -f "$here/$target.dict" ]; then
    # The checked-in keywords plus, for the assembler, every mnemonic of the opcode table.
    cp "$here/$target.dict" "$build/$target.dict"
    if [ "$target" = fuzz_asm ]; then
      sed -n 's/^STRATA_OP([A-Za-z0-9]*, *\("[^"]*"\).*/\1/p' "$repo/isa/opcodes.def" \
        >>"$build/$target.dict"
    fi
    dict="-dict=$build/$target.dict"
  fi
  echo "run.sh: fuzzing $target for ${seconds}s"
  if ! "$bin" $dict -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$build/artifacts/$target-" \
      "$work" "$here/corpus/$target" 2>"$build/$target.log"; then
    echo "run.sh: $target FAILED; log: $build/$target.log; reproducers: $build/artifacts/"
    tail -n 40 "$build/$target.log"
    status=1
  else
    grep -E "^stat::number_of_executed_units|^Done" "$build/$target.log" || true
  fi
done
exit $status
