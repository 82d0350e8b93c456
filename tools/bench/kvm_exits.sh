#!/usr/bin/env bash
# tools/bench/kvm_exits.sh — VM exits per second through an SVI device model versus a bare C++
# handler, for port I/O (examples/guests/pio_loop.S against the 16550 model / --bare-uart) and
# MMIO (examples/guests/mmio_loop.S against the virtio-blk model / --bare-mmio). Each guest
# makes 200,000 exits; the runs alternate SVI and bare, and the best of RUNS counts. Prints a
# Markdown table for docs/BENCHMARKS.md ("KVM" section): exits/s, the ratio, and the monitor's
# user CPU seconds (what the device model itself costs, apart from the KVM round trip).
#
# Usage: tools/bench/kvm_exits.sh [--strata PATH] [--runs N]   (default build/strata, 5 runs)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
strata=$root/build/strata
runs=5
while (($#)); do
  case "$1" in
    --strata) strata=$2; shift ;;
    --runs) runs=$2; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "kvm_exits.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
for tool in as ld /usr/bin/time truncate; do
  command -v "$tool" >/dev/null || { echo "kvm_exits.sh: '$tool' is missing" >&2; exit 2; }
done
[[ -x $strata ]] || { echo "kvm_exits.sh: no strata binary at $strata (--strata PATH)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
truncate -s 1M "$tmp/disk.img"

# build NAME SOURCE LINK_ADDRESS DEFSYM
build() {
  as --32 --defsym "$4" -o "$tmp/$1.o" "$root/examples/guests/$2"
  ld -m elf_i386 -Ttext="$3" --oformat=binary -o "$tmp/$1.bin" "$tmp/$1.o"
}

# run BIN ARGS... -> "exits_per_second user_seconds"
run() {
  local bin=$1; shift
  /usr/bin/time -f '%U' -o "$tmp/time" "$strata" boot --flat "$bin" --stats "$@" \
    </dev/null >/dev/null 2>"$tmp/err"
  local rate
  rate=$(sed -n 's/^exits: .*(\([0-9]*\)\/s)$/\1/p' "$tmp/err")
  [[ -n $rate ]] || { cat "$tmp/err" >&2; exit 1; }
  echo "$rate $(tail -1 "$tmp/time")"
}

# row LABEL BIN "SVI ARGS" "BARE ARGS"
row() {
  local best_svi=0 best_bare=0 user_svi=999 user_bare=999 r u
  for ((i = 0; i < runs; i++)); do
    read -r r u < <(run "$2" $3)
    ((r > best_svi)) && best_svi=$r
    user_svi=$(awk -v a="$u" -v b="$user_svi" 'BEGIN { print (a < b) ? a : b }')
    read -r r u < <(run "$2" $4)
    ((r > best_bare)) && best_bare=$r
    user_bare=$(awk -v a="$u" -v b="$user_bare" 'BEGIN { print (a < b) ? a : b }')
  done
  awk -v l="$1" -v s="$best_svi" -v b="$best_bare" -v us="$user_svi" -v ub="$user_bare" \
    'BEGIN { printf "| %s | %d | %d | %.2f | %.2f | %.2f |\n", l, s, b, b / s, us, ub }'
}

build pio_lsr pio_loop.S 0 PORT=0x3fd
build pio_scr pio_loop.S 0 PORT=0x3ff
build mmio_magic mmio_loop.S 0x10000 OFFSET=0
build mmio_status mmio_loop.S 0x10000 OFFSET=0x70

echo "| exit | SVI model (exits/s) | bare C++ (exits/s) | SVI / bare time per exit | SVI user s | bare user s |"
echo "| --- | --- | --- | --- | --- | --- |"
row "port read 0x3fd LSR (model polls console input, updates IRQ)" "$tmp/pio_lsr.bin" "" "--bare-uart"
row "port read 0x3ff SCR (a plain register)" "$tmp/pio_scr.bin" "" "--bare-uart"
row "MMIO read 0xd0000000 MagicValue (virtio-blk)" "$tmp/mmio_magic.bin" "--disk $tmp/disk.img" "--bare-mmio"
row "MMIO read 0xd0000070 Status (virtio-blk, state record)" "$tmp/mmio_status.bin" "--disk $tmp/disk.img" "--bare-mmio"
echo
echo "Produced by \`tools/bench/kvm_exits.sh --runs $runs\` on $(date -u +%Y-%m-%d) ($(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg) at the end; /dev/kvm: $(ls /sys/module | grep -E '^kvm_(intel|amd|pvm)$' | paste -sd ' ')."
