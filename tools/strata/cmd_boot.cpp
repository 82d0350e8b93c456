// strata boot: run a guest on /dev/kvm with the SVI device models: a flat binary (`--flat`)
// or a Linux bzImage (`--kernel`).
#include <cstdio>
#include <cstring>
#include <optional>
#include <span>

#include <fmt/format.h>

#include "hwvm/monitor/console.hpp"
#include "hwvm/monitor/kvm_debug_vcpu.hpp"
#include "tools/strata/boot_args.hpp"
#include "tools/strata/cli.hpp"
#include "tools/strata/monitor/gdb_stub.hpp"
#include "tools/strata/monitor/monitored_run.hpp"
#include "tools/strata/monitor/unix_socket.hpp"

namespace strata::cli {

namespace {

constexpr std::string_view kBootUsage = R"(usage: strata boot --flat FILE [OPTIONS]
       strata boot --kernel BZIMAGE [--initrd FILE] [--append "ARGS"] [OPTIONS]
       strata boot --arch riscv64 --kernel IMAGE [--initrd FILE] [--append "ARGS"]
                   [--bios FILE] [--jit off|baseline|auto|opt] [--mem SIZE] [--disk FILE[,ro]]
                   [--console stdio|file:PATH] [--stats] [--gdb tcp:HOST:PORT]

Runs a guest on /dev/kvm. The devices are SVI models (stdlib/devices/): a 16550 UART at port
0x3f8, IRQ 4 (the console), the i8042 at ports 0x60/0x64, whose reset command (0xfe to port
0x64) ends the run, and with --disk a virtio-mmio block device at 0xd0000000, GSI 5.

With --flat, FILE is a raw binary loaded at guest physical 0x10000 and entered in 16-bit real
mode at 0x1000:0000 (as kvmtool does for non-bzImage kernels).
With --kernel, BZIMAGE is a Linux bzImage entered at its 64-bit entry point, with the
in-kernel irqchip and PIT, and ACPI tables describing the CPU and the disk. The command line
is "console=ttyS0 reboot=k panic=1", then ARGS. `reboot` in the guest (and a panic) ends the
run with exit code 0, and so does `poweroff` (the CPU halts with interrupts off).
On a host without hardware virtualization (kvm_pvm) --kernel explains why Linux cannot boot
there and stops, unless --force.

With --arch riscv64 (the default is x86_64), IMAGE is a RISC-V Linux Image run by translation
on a `virt` machine (docs/RISCV_SYSTEM.md): RAM at 0x80000000 (default 512M, at least 128M),
the kernel at RAM + 2 MiB entered in S-mode with the device tree in a1, the SBI built in, an
NS16550A at 0x10000000, PLIC, CLINT, the test device at 0x100000 and with --disk virtio-blk
in virtio-mmio slot 0 (0x10001000). ARGS is the whole command line (console=ttyS0 is a good
start). --bios FILE runs an M-mode firmware instead of the built-in SBI: OpenSBI's
fw_dynamic.bin or fw_jump.bin (Debian: /usr/lib/riscv64-linux-gnu/opensbi/generic/).
--jit picks the hart's tier (default auto). Exit code: 0 on poweroff or reboot, the test
device's code on its "fail" command, 1 when the hart faults (the message says why).

options:
  --arch x86_64|riscv64
                    the guest's architecture (default x86_64)
  --flat FILE       the raw guest binary
  --kernel FILE     the Linux bzImage (boot protocol 2.12+, 64-bit entry)
  --initrd FILE     an initial ramdisk for --kernel
  --append ARGS     more kernel command-line arguments
  --mem SIZE        guest RAM; suffixes K, M, G (--flat: default 16M, 1M..3G; --kernel:
                    default 512M, 1M..1T, more than 3G continues at 4G)
  --disk FILE[,ro]  a raw disk image (whole 512-byte sectors) as a virtio-blk device; ",ro"
                    opens it read-only (guest writes fail with IOERR)
  --console stdio|file:PATH
                    where the UART's output goes (default stdio). With stdio on a terminal
                    the console is interactive: raw mode, Ctrl-A x quits. Otherwise output
                    streams to stdout and input comes from stdin as it arrives.
  --stats           print the VM exits by reason to stderr at the end
  --force           --kernel on a host without hardware virtualization: try anyway
  --irqchip         (--flat) the in-kernel PIC, IOAPIC, LAPIC and PIT: device interrupts are
                    injected, HLT waits for one, and the run ends when the guest halts with
                    interrupts off
  --model KIND=FILE use the device model in FILE (.sasm or .sbc) for KIND (uart16550,
                    i8042, virtio-blk) instead of the built-in one
  --bare-uart       (benchmark) a minimal C++ UART instead of the SVI model
  --bare-mmio       (benchmark) a minimal C++ register file at 0xd0000000 instead of virtio-blk
  --gdb tcp:HOST:PORT
                    wait stopped at the entry for gdb (target remote HOST:PORT; x86-64
                    register layout, see docs/REPL.md; riscv64: set architecture
                    riscv:rv64 in gdb-multiarch first); after gdb detaches the guest runs on
  --monitor unix:PATH
                    run as usual with a monitor socket at PATH: `strata repl attach
                    unix:PATH` stops the guest and gives the REPL on it (docs/REPL.md);
                    after it detaches the guest runs on. The socket file goes at exit

exit code: 0 when the guest halts, resets the machine or powers off (or on Ctrl-A x), 3 when
it crashes (triple fault, an instruction KVM cannot run; the registers are printed), 1 when
the machine cannot be set up (no /dev/kvm, unreadable file, not a bzImage, a kernel that does
not fit in --mem, no hardware virtualization for --kernel), 2 for a bad command line.
)";

// --gdb: the guest waits at its entry for gdb; after gdb detaches it runs on to its end as
// without --gdb (the same signals and exit codes).
Result<hwvm::RunOutcome> run_under_gdb(hwvm::KvmDebugVcpu& cpu, const std::string& spec) {
  const monitor::GdbSessionEnd s = STRATA_TRY(monitor::serve_gdb(cpu, spec, stderr));
  if (s.kind == monitor::GdbSessionEnd::Kind::Killed)
    return hwvm::RunOutcome{0, "gdb killed the guest"};
  if (cpu.outcome()) return *cpu.outcome();
  STRATA_TRY(cpu.disarm());
  return cpu.machine().run();
}

// --monitor: the guest runs to its end as without it, stopped for each client that attaches.
Result<hwvm::RunOutcome> run_with_monitor(hwvm::KvmDebugVcpu& cpu, const std::string& spec,
                                          const std::string& name) {
  const std::string path = STRATA_TRY(monitor::unix_socket_path(spec));
  auto server = STRATA_TRY(monitor::MonitorServer::start(path, cpu));
  fmt::print(stderr, "strata: monitor on unix:{} (strata repl attach unix:{})\n", path, path);
  const monitor::SymbolTable no_symbols;
  const monitor::MonitoredEnd end =
      STRATA_TRY(monitor::run_monitored({cpu, no_symbols, name, {}}, *server));
  if (end.signal != 0)
    return hwvm::RunOutcome{hwvm::kExitInterrupted,
                            fmt::format("interrupted by signal {}", end.signal)};
  if (cpu.outcome()) return *cpu.outcome();
  // A fault the machine did not end with (a debug exit nobody asked for).
  return hwvm::RunOutcome{hwvm::kExitGuestCrashed, end.stop.message};
}

}  // namespace

int cmd_boot(Args args) {
  if (wants_help(args, kBootUsage)) return 0;
  BootArgs a;
  if (int rc = parse_boot_args(args, kBootUsage, &a)) return rc;
  if (!a.symbols.empty())
    return usage_error(
        "--symbols goes with strata repl boot (gdb reads symbols itself: symbol-file FILE)",
        kBootUsage);
  if (a.arch == "riscv64") return boot_riscv(a, kBootUsage);
  auto console = hwvm::Console::open(a.console_spec);
  if (!console) return usage_error(console.error().message, kBootUsage);
  auto machine = make_machine(a, **console);
  if (!machine) {
    if (!machine.error().message.empty())
      fmt::print(stderr, "strata: {}\n", machine.error().message);
    return kExitLoad;
  }
  if (auto raw = (*console)->enter_raw_mode(); !raw) {
    fmt::print(stderr, "strata: {}\n", raw.error().message);
    return kExitLoad;
  }
  if ((*console)->interactive())
    fmt::print(stderr, "strata: console on this terminal; Ctrl-A x quits\n");  // OPOST adds \r
  std::optional<hwvm::KvmDebugVcpu> debugged;
  if (!a.gdb.empty() || !a.monitor.empty()) debugged.emplace(std::move(*machine));
  hwvm::Machine& m = debugged ? debugged->machine() : **machine;
  auto outcome = !a.gdb.empty() ? run_under_gdb(*debugged, a.gdb)
                 : !a.monitor.empty()
                     ? run_with_monitor(*debugged, a.monitor, a.flat.empty() ? a.kernel : a.flat)
                     : m.run();
  // Every exit path from here restores the terminal before printing.
  (*console)->flush();
  const bool was_interactive = (*console)->interactive();
  (*console)->restore();
  if (was_interactive) fmt::print(stderr, "\n");  // the guest may have left the cursor mid-line
  if (!outcome) {
    fmt::print(stderr, "strata: {}\n", outcome.error().message);
    return kExitLoad;
  }
  fmt::print(stderr, "strata: {}\n", outcome->message);
  if (a.stats) fmt::print(stderr, "{}", hwvm::format_stats(m.stats()));
  return outcome->exit_code;
}

}  // namespace strata::cli
