// strata boot --arch riscv64: the RISC-V full-system machine (hwvm/riscv/machine.hpp), one
// translated hart, the virt board's SVI device models.
#include <fmt/format.h>

#include "hwvm/monitor/console.hpp"
#include "hwvm/riscv/image.hpp"
#include "hwvm/riscv/riscv_boot.hpp"
#include "tools/strata/boot_args.hpp"
#include "tools/strata/cli.hpp"
#include "tools/strata/module_files.hpp"
#if STRATA_HAVE_RISCV_MACHINE
#include "hwvm/riscv/machine.hpp"
#endif

namespace strata::cli {

namespace {

std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// The guest's files, read and checked before any machine exists.
struct RiscvFiles {
  std::string kernel, initrd, bios;
};

Result<RiscvFiles> read_riscv_files(const BootArgs& a) {
  STRATA_TRY(hwvm::riscv::check_riscv_mem(a.mem.value_or(hwvm::riscv::kRiscvDefaultMem)));
  RiscvFiles f;
  f.kernel = STRATA_TRY(read_file(a.kernel));
  if (auto img = hwvm::riscv::parse_riscv_image(bytes_of(f.kernel)); !img)
    return fail(
        "{}: {} (--kernel expects a RISC-V Linux Image, such as Debian's "
        "/boot/vmlinux-*-riscv64)",
        a.kernel, img.error().message);
  if (!a.initrd.empty()) f.initrd = STRATA_TRY(read_file(a.initrd));
  if (!a.bios.empty()) {
    f.bios = STRATA_TRY(read_file(a.bios));
    if (f.bios.empty()) return fail("{}: the firmware file is empty", a.bios);
  }
  return f;
}

}  // namespace

int boot_riscv(const BootArgs& a, std::string_view usage) {
  (void)usage;
  auto files = read_riscv_files(a);
  if (!files) {
    fmt::print(stderr, "strata: {}\n", files.error().message);
    return kExitLoad;
  }
#if STRATA_HAVE_RISCV_MACHINE
  auto console = hwvm::Console::open(a.console_spec);
  if (!console) return usage_error(console.error().message, usage);
  hwvm::riscv::RiscvMachineOptions options;
  options.mem_size = a.mem.value_or(hwvm::riscv::kRiscvDefaultMem);
  options.bootargs = a.append.value_or("");
  options.disk = a.devices.disk;
  if (a.jit)
    options.jit = *a.jit == "off"        ? jit::rv64::JitMode::Off
                  : *a.jit == "baseline" ? jit::rv64::JitMode::Baseline
                                         : jit::rv64::JitMode::Auto;
  auto machine = hwvm::riscv::RiscvMachine::create(
      {bytes_of(files->kernel), bytes_of(files->initrd), bytes_of(files->bios)}, options,
      **console);
  if (!machine) {
    fmt::print(stderr, "strata: {}\n", machine.error().message);
    return kExitLoad;
  }
  if (auto raw = (*console)->enter_raw_mode(); !raw) {
    fmt::print(stderr, "strata: {}\n", raw.error().message);
    return kExitLoad;
  }
  if ((*console)->interactive())
    fmt::print(stderr, "strata: console on this terminal; Ctrl-A x quits\n");
  auto outcome = (*machine)->run();
  (*console)->flush();
  const bool was_interactive = (*console)->interactive();
  (*console)->restore();
  if (was_interactive) fmt::print(stderr, "\n");
  if (!outcome) {
    fmt::print(stderr, "strata: {}\n", outcome.error().message);
    return kExitLoad;
  }
  fmt::print(stderr, "strata: {}\n", outcome->message);
  if (a.stats) fmt::print(stderr, "{}", (*machine)->stats());
  return outcome->exit_code;
#else
  fmt::print(stderr,
             "strata: --arch riscv64: this strata was built without the RISC-V hart "
             "(jit/rv64sys), so it can check a riscv64 guest's files but not run it\n");
  return kExitLoad;
#endif
}

}  // namespace strata::cli
