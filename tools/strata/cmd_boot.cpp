// strata boot: run a guest on /dev/kvm with the SVI device models: a flat binary (`--flat`)
// or a Linux bzImage (`--kernel`).
#include <cstdio>
#include <cstring>
#include <optional>
#include <span>

#include <fmt/format.h>

#include "hwvm/kvm/host.hpp"
#include "hwvm/monitor/console.hpp"
#include "hwvm/monitor/flat_machine.hpp"
#include "hwvm/monitor/linux_machine.hpp"
#include "tools/strata/cli.hpp"
#include "tools/strata/module_files.hpp"
#include "tools/strata/size_arg.hpp"

namespace strata::cli {

namespace {

constexpr std::string_view kBootUsage = R"(usage: strata boot --flat FILE [OPTIONS]
       strata boot --kernel BZIMAGE [--initrd FILE] [--append "ARGS"] [OPTIONS]

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

options:
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

exit code: 0 when the guest halts, resets the machine or powers off (or on Ctrl-A x), 3 when
it crashes (triple fault, an instruction KVM cannot run; the registers are printed), 1 when
the machine cannot be set up (no /dev/kvm, unreadable file, not a bzImage, a kernel that does
not fit in --mem, no hardware virtualization for --kernel), 2 for a bad command line.
)";

// FILE or FILE,ro.
Result<hwvm::DiskOption> parse_disk(const std::string& spec) {
  hwvm::DiskOption d;
  d.path = spec;
  if (auto comma = spec.rfind(','); comma != std::string::npos) {
    const std::string flag = spec.substr(comma + 1);
    if (flag != "ro")
      return fail("--disk: unknown flag '{}' in '{}' (expected FILE or FILE,ro)", flag, spec);
    d.path = spec.substr(0, comma);
    d.read_only = true;
  }
  if (d.path.empty()) return fail("--disk: no file in '{}' (expected FILE or FILE,ro)", spec);
  return d;
}

std::span<const std::uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

Result<std::unique_ptr<hwvm::Machine>> make_flat(const std::string& path,
                                                 std::optional<std::uint64_t> mem,
                                                 const hwvm::MachineOptions& devices,
                                                 hwvm::Console& console) {
  std::string image = STRATA_TRY(read_file(path));
  hwvm::FlatOptions options;
  static_cast<hwvm::MachineOptions&>(options) = devices;
  options.mem_size = mem.value_or(hwvm::kFlatDefaultMem);
  return hwvm::create_flat_machine(bytes_of(image), options, console);
}

// An empty error message: the reason is printed already.
Result<std::unique_ptr<hwvm::Machine>> make_linux(const std::string& kernel_path,
                                                  const std::string& initrd_path,
                                                  const std::optional<std::string>& append,
                                                  std::optional<std::uint64_t> mem,
                                                  const hwvm::MachineOptions& devices, bool force,
                                                  hwvm::Console& console) {
  std::string kernel = STRATA_TRY(read_file(kernel_path));
  std::string initrd;
  if (!initrd_path.empty()) initrd = STRATA_TRY(read_file(initrd_path));
  hwvm::LinuxOptions options;
  static_cast<hwvm::MachineOptions&>(options) = devices;
  options.irqchip = true;
  options.mem_size = mem.value_or(hwvm::kLinuxDefaultMem);
  options.append = append.value_or("");
  auto guest = hwvm::load_linux_guest(bytes_of(kernel), bytes_of(initrd), options);
  if (!guest) return tl::unexpected(guest.error());
  // Everything the user gave is good; now whether this host can run it at all.
  const hwvm::HostVirt host = hwvm::detect_host();
  if (host == hwvm::HostVirt::kPvm) {
    fmt::print(stderr, "strata: --kernel: this host has no hardware virtualization. {}\n",
               hwvm::explain_host(host));
    if (!force) {
      fmt::print(stderr,
                 "strata: not booting {} (--force tries anyway: expect minutes of emulation "
                 "and then an emulation failure)\n",
                 kernel_path);
      return fail("");
    }
    fmt::print(stderr, "strata: --force: trying anyway\n");
  }
  return hwvm::start_linux_machine(std::move(*guest), options, console);
}

}  // namespace

int cmd_boot(Args args) {
  if (wants_help(args, kBootUsage)) return 0;
  std::string flat, kernel, initrd;
  std::optional<std::string> append;
  std::optional<std::uint64_t> mem;
  std::string console_spec = "stdio";
  hwvm::MachineOptions devices;  // everything but the memory size
  bool stats = false;
  bool force = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& opt = args[i];
    auto value = [&]() -> const std::string* { return i + 1 < args.size() ? &args[++i] : nullptr; };
    if (opt == "--stats" || opt == "--force" || opt == "--bare-uart" || opt == "--bare-mmio" ||
        opt == "--irqchip") {
      (opt == "--stats"       ? stats
       : opt == "--force"     ? force
       : opt == "--bare-uart" ? devices.bare_uart
       : opt == "--bare-mmio" ? devices.bare_mmio
                              : devices.irqchip) = true;
      continue;
    }
    if (opt != "--flat" && opt != "--mem" && opt != "--console" && opt != "--model" &&
        opt != "--kernel" && opt != "--initrd" && opt != "--append" && opt != "--disk")
      return usage_error(fmt::format("unknown argument '{}'", opt), kBootUsage);
    const std::string* v = value();
    if (!v) return usage_error(fmt::format("{} needs a value", opt), kBootUsage);
    if (opt == "--flat") {
      flat = *v;
    } else if (opt == "--kernel") {
      kernel = *v;
    } else if (opt == "--initrd") {
      initrd = *v;
    } else if (opt == "--append") {
      append = *v;
    } else if (opt == "--model") {
      auto eq = v->find('=');
      if (eq == std::string::npos || eq == 0)
        return usage_error(fmt::format("--model: expected KIND=FILE, not '{}'", *v), kBootUsage);
      auto model = load_module_file(v->substr(eq + 1));
      if (!model) {
        fmt::print(stderr, "strata: {}\n", model.error().message);
        return kExitLoad;
      }
      devices.models.insert_or_assign(v->substr(0, eq), std::move(*model));
    } else if (opt == "--disk") {
      auto disk = parse_disk(*v);
      if (!disk) return usage_error(disk.error().message, kBootUsage);
      devices.disk = std::move(*disk);
    } else if (opt == "--mem") {
      auto n = parse_size(*v);
      if (!n) return usage_error(fmt::format("--mem: bad size '{}'", *v), kBootUsage);
      mem = *n;
    } else {
      console_spec = *v;
    }
  }
  if (flat.empty() == kernel.empty())
    return usage_error(flat.empty() ? "no guest given (--flat FILE or --kernel FILE)"
                                    : "--flat and --kernel exclude each other",
                       kBootUsage);
  if (!flat.empty() && (!initrd.empty() || append))
    return usage_error(
        fmt::format("{} goes with --kernel, not --flat", initrd.empty() ? "--append" : "--initrd"),
        kBootUsage);

  auto console = hwvm::Console::open(console_spec);
  if (!console) return usage_error(console.error().message, kBootUsage);
  auto machine = !flat.empty() ? make_flat(flat, mem, devices, **console)
                               : make_linux(kernel, initrd, append, mem, devices, force, **console);
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
  auto outcome = (*machine)->run();
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
  if (stats) fmt::print(stderr, "{}", hwvm::format_stats((*machine)->stats()));
  return outcome->exit_code;
}

}  // namespace strata::cli
