// strata boot --arch riscv64: the RISC-V full-system machine (hwvm/riscv/machine.hpp), one
// translated hart, the virt board's SVI device models.
#include <fmt/format.h>

#include "hwvm/monitor/console.hpp"
#include "hwvm/riscv/image.hpp"
#include "hwvm/riscv/machine.hpp"
#include "hwvm/riscv/riscv_boot.hpp"
#include "tools/strata/boot_args.hpp"
#include "tools/strata/cli.hpp"
#include "tools/strata/module_files.hpp"
#include "tools/strata/monitor/gdb_stub.hpp"
#include "tools/strata/monitor/monitored_run.hpp"
#include "tools/strata/monitor/repl_format.hpp"
#include "tools/strata/monitor/unix_socket.hpp"

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

// --gdb: the hart waits at its entry for gdb; after gdb detaches the machine runs on as
// without --gdb (the same exit codes).
Result<hwvm::RunOutcome> run_riscv_under_gdb(hwvm::riscv::RiscvMachine& m,
                                             const std::string& spec) {
  const monitor::GdbSessionEnd s = STRATA_TRY(monitor::serve_gdb(m.hart(), spec, stderr));
  using K = monitor::GdbSessionEnd::Kind;
  if (s.kind == K::Killed) return hwvm::RunOutcome{0, "gdb killed the guest"};
  if (s.kind == K::GuestEnded) {
    const vm::StopReason& r = *s.end;
    if (m.board().ending()) return hwvm::RunOutcome{r.code, m.board().ending()->message};
    return hwvm::RunOutcome{r.code, fmt::format("guest exited with code {}", r.code)};
  }
  return m.run();
}

// --monitor: the machine runs as without it (the same exit codes), the hart stopped for each
// client that attaches.
Result<hwvm::RunOutcome> run_riscv_with_monitor(hwvm::riscv::RiscvMachine& m,
                                                hwvm::Console& console, const std::string& spec,
                                                const std::string& name) {
  const std::string path = STRATA_TRY(monitor::unix_socket_path(spec));
  auto server = STRATA_TRY(monitor::MonitorServer::start(path, m.hart()));
  fmt::print(stderr, "strata: monitor on unix:{} (strata repl attach unix:{})\n", path, path);
  const monitor::SymbolTable no_symbols;
  const monitor::MonitoredEnd end = STRATA_TRY(monitor::run_monitored(
      {m.hart(), no_symbols, name, [&console] { console.flush(); }}, *server));
  const vm::StopReason& r = end.stop;
  using Kind = vm::StopReason::Kind;
  if (end.signal != 0)
    return hwvm::RunOutcome{hwvm::kExitInterrupted,
                            fmt::format("interrupted by signal {}", end.signal)};
  if (r.kind == Kind::Exited) {
    if (m.board().ending()) return hwvm::RunOutcome{r.code, m.board().ending()->message};
    return hwvm::RunOutcome{r.code, fmt::format("guest exited with code {}", r.code)};
  }
  if (r.kind == Kind::Stopped && console.quit_requested())
    return hwvm::RunOutcome{0, "quit (Ctrl-A x)"};
  if (r.kind == Kind::Fault)
    return hwvm::RunOutcome{hwvm::riscv::kExitHartFault,
                            fmt::format("hart fault at pc 0x{:x}: {}", m.hart().pc(), r.message)};
  return hwvm::RunOutcome{hwvm::riscv::kExitHartFault,
                          fmt::format("hart stopped: {}", monitor::describe_stop(r))};
}

}  // namespace

Result<std::unique_ptr<hwvm::riscv::RiscvMachine>> make_riscv_machine(const BootArgs& a,
                                                                      hwvm::Console& console) {
  const RiscvFiles files = STRATA_TRY(read_riscv_files(a));
  hwvm::riscv::RiscvMachineOptions options;
  options.mem_size = a.mem.value_or(hwvm::riscv::kRiscvDefaultMem);
  options.bootargs = a.append.value_or("");
  options.disk = a.devices.disk;
  if (a.jit)
    options.jit = *a.jit == "off"        ? jit::rv64::JitMode::Off
                  : *a.jit == "baseline" ? jit::rv64::JitMode::Baseline
                  : *a.jit == "opt"      ? jit::rv64::JitMode::Opt
                                         : jit::rv64::JitMode::Auto;
  // The files are read into strings the machine copies into guest RAM: they may go after.
  return hwvm::riscv::RiscvMachine::create(
      {bytes_of(files.kernel), bytes_of(files.initrd), bytes_of(files.bios)}, options, console);
}

int boot_riscv(const BootArgs& a, std::string_view usage) {
  auto console = hwvm::Console::open(a.console_spec);
  if (!console) return usage_error(console.error().message, usage);
  auto machine = make_riscv_machine(a, **console);
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
  auto outcome = !a.gdb.empty() ? run_riscv_under_gdb(**machine, a.gdb)
                 : !a.monitor.empty()
                     ? run_riscv_with_monitor(**machine, **console, a.monitor, a.kernel)
                     : (*machine)->run();
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
}

}  // namespace strata::cli
