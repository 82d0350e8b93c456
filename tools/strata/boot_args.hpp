// The command line of a KVM guest, shared by `strata boot` and `strata repl boot`: --flat FILE
// or --kernel BZIMAGE and their options (cmd_boot.cpp's usage lists them), and the machine
// they describe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "hwvm/monitor/console.hpp"
#include "hwvm/monitor/machine.hpp"
#include "tools/strata/cli.hpp"

namespace strata::hwvm::riscv {
class RiscvMachine;
}

namespace strata::cli {

struct BootArgs {
  std::string arch = "x86_64";  // --arch: x86_64 (KVM) or riscv64 (translated)
  std::string flat, kernel, initrd;
  std::string bios;                // --bios FILE (riscv64)
  std::optional<std::string> jit;  // --jit off|baseline|auto (riscv64)
  std::optional<std::string> append;
  std::optional<std::uint64_t> mem;
  std::string console_spec = "stdio";
  hwvm::MachineOptions devices;  // everything but the memory size
  bool stats = false;
  bool force = false;
  std::string gdb;      // --gdb tcp:HOST:PORT, or empty
  std::string monitor;  // --monitor unix:PATH (strata repl attach), or empty
  std::string symbols;  // --symbols FILE (strata repl boot): System.map or an ELF vmlinux
};

// Fills *out from `args`. Returns 0, or the exit code after printing a usage error.
int parse_boot_args(Args args, std::string_view usage, BootArgs* out);

// `strata boot --arch riscv64` with parsed arguments (cmd_boot_riscv.cpp): the exit code.
int boot_riscv(const BootArgs& a, std::string_view usage);

// The riscv64 machine of `a` (its files read and checked), the hart stopped at the entry.
[[nodiscard]] Result<std::unique_ptr<hwvm::riscv::RiscvMachine>> make_riscv_machine(
    const BootArgs& a, hwvm::Console& console);

// Loads the guest and creates its machine, stopped at the entry. An empty error message: the
// reason is printed already (the PVM gate of --kernel).
[[nodiscard]] Result<std::unique_ptr<hwvm::Machine>> make_machine(const BootArgs& a,
                                                                  hwvm::Console& console);

}  // namespace strata::cli
