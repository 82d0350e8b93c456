#!/usr/bin/env bash
# tools/bench/riscv_boot.sh — the riscv64 guest of tools/mkguest (Debian trixie's kernel, a
# busybox initramfs, 512 MiB, a virtio-blk disk) booted by an emulator of the RISC-V virt
# machine: wall time from start to the guest's "strata-guest: ready" line and to the emulator's
# exit at poweroff (a boot whose command is `true`), and a CPU-bound job inside the guest: busybox
# md5sum of a 64 MiB file on the disk, read into the page cache first and timed by the guest's
# own clock (/proc/uptime, 10 ms). Median of RUNS for each; the guest's md5 must equal the host's.
# Prints a Markdown section for docs/BENCHMARKS.md.
#
# Usage: tools/bench/riscv_boot.sh [--peer qemu] [--strata PATH] [--runs N] [--guest DIR]
#                                  [--timeout SECONDS]
#   --peer qemu     a row for qemu-system-riscv64 -M virt (the default when no row is asked for)
#   --strata PATH   a row for PATH boot --arch riscv64 (build/strata once it boots Linux)
#   --runs N        boots per measurement (default 5)
#   --guest DIR     a guest built by tools/mkguest/mkguest --arch riscv64 (default: built into
#                   build/guest-riscv64)
#   --timeout S     the longest one boot may take (default 300)
set -euo pipefail
export LC_ALL=C # $EPOCHREALTIME and awk with a decimal point

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
rows=() runs=5 guest="" timeout_s=300
while (($#)); do
  case "$1" in
    --peer)
      [[ ${2:-} == qemu ]] || { echo "riscv_boot.sh: --peer takes 'qemu', not '${2:-}'" >&2; exit 2; }
      rows+=(qemu); shift ;;
    --strata) rows+=("strata:${2:?--strata needs the path of the strata binary}"); shift ;;
    --runs) runs=${2:?--runs needs a number}; shift ;;
    --guest) guest=${2:?--guest needs a directory}; shift ;;
    --timeout) timeout_s=${2:?--timeout needs seconds}; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "riscv_boot.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "riscv_boot.sh: --runs needs a positive number, not '$runs'" >&2; exit 2; }
((${#rows[@]})) || rows=(qemu)

fail() {
  echo "riscv_boot.sh: $*" >&2
  exit 1
}
for tool in mkfs.ext4 md5sum timeout awk; do
  command -v "$tool" >/dev/null || fail "'$tool' is missing (bash tools/setup.sh)"
done

if [[ -z $guest ]]; then
  guest=$root/build/guest-riscv64
  bash "$root/tools/mkguest/mkguest" --arch riscv64 --out "$guest" >&2 ||
    fail "could not build the riscv64 guest (tools/mkguest/mkguest --arch riscv64)"
fi
for f in vmlinux initramfs.cpio.gz kernel-version; do
  [[ -r $guest/$f ]] || fail "no $guest/$f (tools/mkguest/mkguest --arch riscv64 --out $guest)"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The bench disk: one 64 MiB file of a non-zero pattern (mkfs.ext4 -d leaves zero blocks as
# holes, which the guest would never read from the disk).
mkdir "$tmp/disk"
head -c 64M <(yes strata-riscv64-bench) >"$tmp/disk/big.bin"
host_md5=$(md5sum <"$tmp/disk/big.bin" | cut -c1-32)
truncate -s 96M "$tmp/bench.ext4"
mkfs.ext4 -q -F -L bench -d "$tmp/disk" "$tmp/bench.ext4" || fail "mkfs.ext4 of the bench disk failed"
rm -rf "$tmp/disk"

qemu_bios=()
if [[ ! -r /usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin ]]; then
  qemu_bios=(-bios /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin)
fi

# emulator_command ROW APPEND: the argv of one boot, one word a line.
emulator_command() {
  local row=$1 append=$2
  case "$row" in
    qemu)
      printf '%s\n' qemu-system-riscv64 -M virt -m 512M -nographic "${qemu_bios[@]}" \
        -kernel "$guest/vmlinux" -initrd "$guest/initramfs.cpio.gz" -append "$append" \
        -drive "file=$tmp/bench.ext4,if=none,id=d0,format=raw" -device virtio-blk-device,drive=d0
      ;;
    strata:*)
      printf '%s\n' "${row#strata:}" boot --arch riscv64 --kernel "$guest/vmlinux" \
        --initrd "$guest/initramfs.cpio.gz" --append "$append" --mem 512M --disk "$tmp/bench.ext4"
      ;;
  esac
}

row_label() {
  case "$1" in
    qemu) echo "qemu-system-riscv64 $(qemu-system-riscv64 --version | sed -n '1s/.*version \([^ ]*\).*/\1/p') (TCG)" ;;
    strata:*) echo "strata ($(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'))" ;;
  esac
}

# boot ROW APPEND: one boot; sets ready_s and off_s (seconds from start) and leaves the
# console in $tmp/console. Exits with the console's tail when the guest does not get to the
# ready line or the emulator does not exit 0.
boot() {
  local -a argv
  mapfile -t argv < <(emulator_command "$1" "$2")
  local start=$EPOCHREALTIME ready="" status="" line
  : >"$tmp/console"
  while IFS= read -r line; do
    if [[ $line == strata-bench-status* ]]; then
      status=${line#strata-bench-status }
      break
    fi
    printf '%s\n' "$line" >>"$tmp/console"
    if [[ -z $ready && $line == "strata-guest: ready"* ]]; then ready=$EPOCHREALTIME; fi
  done < <(if timeout "$timeout_s" "${argv[@]}" </dev/null 2>&1; then
    echo "strata-bench-status 0"
  else
    echo "strata-bench-status $?"
  fi)
  local end=$EPOCHREALTIME
  if [[ -z $ready || $status != 0 ]]; then
    tail -n 30 "$tmp/console" >&2
    fail "${argv[0]}: no ready line or exit status ${status:-?} (124: the ${timeout_s} s timeout)"
  fi
  ready_s=$(awk -v a="$start" -v b="$ready" 'BEGIN { printf "%.3f", b - a }')
  off_s=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%.2f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

base_append="console=ttyS0 quiet"
# No double quote can appear in strata.cmd (tools/mkguest/cmdline.sh); $ and ; run in the guest.
md5_job="mount -o ro /dev/vda /mnt && cat /mnt/big.bin > /dev/null && read t0 x < /proc/uptime && md5sum /mnt/big.bin && read t1 x < /proc/uptime && echo strata-bench-md5 \$t0 \$t1"

table=()
for row in "${rows[@]}"; do
  label=$(row_label "$row")
  readies=() offs=() md5s=()
  for ((i = 1; i <= runs; i++)); do
    echo "riscv_boot.sh: $label: boot $i/$runs" >&2
    boot "$row" "$base_append strata.cmd=true"
    readies+=("$ready_s") offs+=("$off_s")
    boot "$row" "$base_append strata.cmd=\"$md5_job\""
    grep -q "^$host_md5  /mnt/big.bin" "$tmp/console" || {
      tail -n 30 "$tmp/console" >&2
      fail "$label: the guest's md5sum of big.bin is not the host's ($host_md5)"
    }
    read -r t0 t1 < <(sed -n 's/^strata-bench-md5 \([0-9.]*\) \([0-9.]*\).*/\1 \2/p' "$tmp/console")
    [[ -n ${t1:-} ]] || fail "$label: no strata-bench-md5 line on the console"
    md5s+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')")
  done
  md5_median=$(median "${md5s[@]}")
  rate=$(awk -v s="$md5_median" 'BEGIN { if (s > 0) printf "%.0f", 64 / s; else print "-" }')
  table+=("| $label | $(median "${readies[@]}") | $(median "${offs[@]}") | $md5_median | $rate |")
done

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
cat <<EOF
## RISC-V full system: booting Debian's riscv64 kernel

\`tools/bench/riscv_boot.sh --runs $runs\` on $(date +%Y-%m-%d), ${cpu:-unknown CPU}. Guest: Linux
$(<"$guest/kernel-version") with tools/mkguest's busybox initramfs, 512 MiB, the disk on
virtio-blk (virtio-mmio). Median of $runs boots: wall time to the guest's \`strata-guest: ready\`
line and to the emulator's exit at poweroff (command \`true\`); busybox \`md5sum\` of a 64 MiB
file already in the page cache, timed by the guest's clock (10 ms resolution).

| emulator | to ready line (s) | to poweroff (s) | md5sum 64 MiB in guest (s) | MiB/s |
| --- | ---: | ---: | ---: | ---: |
EOF
printf '%s\n' "${table[@]}"
