#include "tools/strata/boot_args.hpp"

#include <span>

#include <fmt/format.h>

#include "hwvm/kvm/host.hpp"
#include "hwvm/monitor/flat_machine.hpp"
#include "hwvm/monitor/linux_machine.hpp"
#include "tools/strata/module_files.hpp"
#include "tools/strata/size_arg.hpp"

namespace strata::cli {

namespace {

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

// The options of the riscv64 machine: --kernel, and none of the KVM machine's own.
int check_riscv_args(const BootArgs& a, std::string_view usage) {
  if (!a.flat.empty())
    return usage_error("--flat is x86_64 only; riscv64 boots --kernel FILE", usage);
  if (a.kernel.empty()) return usage_error("no guest given (--kernel FILE)", usage);
  const char* kvm_only = a.force                     ? "--force"
                         : a.devices.irqchip         ? "--irqchip"
                         : a.devices.bare_uart       ? "--bare-uart"
                         : a.devices.bare_mmio       ? "--bare-mmio"
                         : !a.devices.models.empty() ? "--model"
                                                     : nullptr;
  if (kvm_only)
    return usage_error(fmt::format("{} is not supported with --arch riscv64", kvm_only), usage);
  if (a.jit && *a.jit != "off" && *a.jit != "baseline" && *a.jit != "auto" && *a.jit != "opt")
    return usage_error(fmt::format("--jit: '{}' is not off, baseline, auto or opt", *a.jit), usage);
  return 0;
}

}  // namespace

int parse_boot_args(Args args, std::string_view usage, BootArgs* a) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& opt = args[i];
    auto value = [&]() -> const std::string* { return i + 1 < args.size() ? &args[++i] : nullptr; };
    if (opt == "--stats" || opt == "--force" || opt == "--bare-uart" || opt == "--bare-mmio" ||
        opt == "--irqchip") {
      (opt == "--stats"       ? a->stats
       : opt == "--force"     ? a->force
       : opt == "--bare-uart" ? a->devices.bare_uart
       : opt == "--bare-mmio" ? a->devices.bare_mmio
                              : a->devices.irqchip) = true;
      continue;
    }
    if (opt == "--gdb" || opt.starts_with("--gdb=")) {
      const std::string* spec = opt == "--gdb" ? value() : nullptr;
      a->gdb = spec ? *spec : opt.substr(6);
      if (!a->gdb.starts_with("tcp:"))
        return usage_error(fmt::format("--gdb: '{}' is not tcp:HOST:PORT", a->gdb), usage);
      continue;
    }
    if (opt == "--monitor" || opt.starts_with("--monitor=")) {
      const std::string* spec = opt == "--monitor" ? value() : nullptr;
      a->monitor = spec ? *spec : opt.substr(10);
      if (!a->monitor.starts_with("unix:") || a->monitor.size() == 5)
        return usage_error(fmt::format("--monitor: '{}' is not unix:PATH", a->monitor), usage);
      continue;
    }
    if (opt.starts_with("--arch=") || opt.starts_with("--jit=")) {
      const auto eq = opt.find('=');
      (opt.starts_with("--arch=") ? a->arch : a->jit.emplace()) = opt.substr(eq + 1);
      continue;
    }
    if (opt != "--flat" && opt != "--mem" && opt != "--console" && opt != "--model" &&
        opt != "--kernel" && opt != "--initrd" && opt != "--append" && opt != "--disk" &&
        opt != "--arch" && opt != "--bios" && opt != "--jit" && opt != "--symbols")
      return usage_error(fmt::format("unknown argument '{}'", opt), usage);
    const std::string* v = value();
    if (!v) return usage_error(fmt::format("{} needs a value", opt), usage);
    if (opt == "--flat") {
      a->flat = *v;
    } else if (opt == "--arch") {
      a->arch = *v;
    } else if (opt == "--symbols") {
      a->symbols = *v;
    } else if (opt == "--bios") {
      a->bios = *v;
    } else if (opt == "--jit") {
      a->jit = *v;
    } else if (opt == "--kernel") {
      a->kernel = *v;
    } else if (opt == "--initrd") {
      a->initrd = *v;
    } else if (opt == "--append") {
      a->append = *v;
    } else if (opt == "--model") {
      auto eq = v->find('=');
      if (eq == std::string::npos || eq == 0)
        return usage_error(fmt::format("--model: expected KIND=FILE, not '{}'", *v), usage);
      auto model = load_module_file(v->substr(eq + 1));
      if (!model) {
        fmt::print(stderr, "strata: {}\n", model.error().message);
        return kExitLoad;
      }
      a->devices.models.insert_or_assign(v->substr(0, eq), std::move(*model));
    } else if (opt == "--disk") {
      auto disk = parse_disk(*v);
      if (!disk) return usage_error(disk.error().message, usage);
      a->devices.disk = std::move(*disk);
    } else if (opt == "--mem") {
      auto n = parse_size(*v);
      if (!n) return usage_error(fmt::format("--mem: bad size '{}'", *v), usage);
      a->mem = *n;
    } else {
      a->console_spec = *v;
    }
  }
  if (!a->monitor.empty() && !a->gdb.empty())
    return usage_error("--monitor and --gdb exclude each other: pick one debugger", usage);
  if (a->arch != "x86_64" && a->arch != "riscv64")
    return usage_error(fmt::format("--arch: '{}' is not x86_64 or riscv64", a->arch), usage);
  if (a->arch == "riscv64") return check_riscv_args(*a, usage);
  if (!a->bios.empty() || a->jit)
    return usage_error(fmt::format("{} goes with --arch riscv64 (x86_64 guests run on KVM)",
                                   a->bios.empty() ? "--jit" : "--bios"),
                       usage);
  if (a->flat.empty() == a->kernel.empty())
    return usage_error(a->flat.empty() ? "no guest given (--flat FILE or --kernel FILE)"
                                       : "--flat and --kernel exclude each other",
                       usage);
  if (!a->flat.empty() && (!a->initrd.empty() || a->append))
    return usage_error(fmt::format("{} goes with --kernel, not --flat",
                                   a->initrd.empty() ? "--append" : "--initrd"),
                       usage);

  return 0;
}

Result<std::unique_ptr<hwvm::Machine>> make_machine(const BootArgs& a, hwvm::Console& console) {
  if (!a.flat.empty()) return make_flat(a.flat, a.mem, a.devices, console);
  return make_linux(a.kernel, a.initrd, a.append, a.mem, a.devices, a.force, console);
}

}  // namespace strata::cli
