#!/usr/bin/env bash
# Installs every Debian package that the build, the tests and the benchmarks need.
# Idempotent: when everything is present it does no network work and returns in well under a second.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config clang-format
  libfmt-dev libgc-dev libasmjit-dev libexpected-dev llvm-19-dev
  googletest libgtest-dev libgmock-dev
  clang-14 libclang-rt-14-dev
  lua5.4 luajit time binutils-riscv64-linux-gnu gcc-riscv64-linux-gnu g++-riscv64-linux-gnu libc6-dev-riscv64-cross
  qemu-user libedit-dev gdb-multiarch
  libfdt-dev device-tree-compiler libzydis-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
