#!/usr/bin/env bash
# Installs every Debian package that the build, the tests and the benchmarks need.
# Idempotent: when everything is present it does no network work and returns in well under a second.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config clang-format
  libfmt-dev libgc-dev libasmjit-dev libexpected-dev llvm-19-dev libzstd-dev zlib1g-dev
  googletest libgtest-dev libgmock-dev
  clang-14 libclang-rt-14-dev
  lua5.4 luajit time binutils-riscv64-linux-gnu gcc-riscv64-linux-gnu g++-riscv64-linux-gnu libc6-dev-riscv64-cross
  qemu-user libedit-dev gdb-multiarch
  # The opt tier's teardown test runs itself under valgrind (tests/jit/opt/opt_teardown_test.cpp).
  valgrind
  libfdt-dev device-tree-compiler libzydis-dev
  # The x86 guest of tools/mkguest/mkguest; the ACPI table tests (iasl, and QEMU's microvm
  # booting that guest with our tables).
  linux-image-amd64 busybox-static cpio e2fsprogs acpica-tools qemu-system-x86
  # The riscv64 guest: its packages come from trixie (tools/mkguest/fetch-riscv64, below),
  # unpacked with dpkg-deb, indexed with depmod (kmod), modules decompressed with xz; QEMU's
  # virt machine and OpenSBI are its reference peer.
  kmod xz-utils debian-archive-keyring qemu-system-misc opensbi
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

# linux-image-amd64 needs some initramfs generator for the host; the guest never uses its
# output (mkguest builds its own). Where none is installed, take tiny-initramfs: it needs
# neither udev nor a systemd upgrade, as initramfs-tools would. It conflicts with
# initramfs-tools and dracut, so it is chosen only where neither is present.
if [[ " ${missing[*]} " == *" linux-image-amd64 "* ]]; then
  have_initramfs_tool=0
  for p in initramfs-tools dracut tiny-initramfs; do
    if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      have_initramfs_tool=1
    fi
  done
  ((have_initramfs_tool)) || missing+=(tiny-initramfs)
fi

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Debian 12 has no riscv64 kernel: trixie's, and its busybox-static, go into a cache of their
# own. Without them only the riscv64 guest tests are lost, so a failure does not fail setup.
if ! bash "$(dirname "${BASH_SOURCE[0]}")/mkguest/fetch-riscv64"; then
  echo "setup: trixie's riscv64 kernel and busybox-static could not be fetched; the riscv64 guest tests will skip"
fi
