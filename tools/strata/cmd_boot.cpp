// strata boot: run a guest on /dev/kvm with the SVI device models. Only flat binaries for now
// (`--flat`); the bzImage path (`--kernel`) is a separate piece of work and says so.
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "hwvm/kvm/host.hpp"
#include "hwvm/monitor/console.hpp"
#include "hwvm/monitor/flat_machine.hpp"
#include "tools/strata/cli.hpp"
#include "tools/strata/module_files.hpp"
#include "tools/strata/size_arg.hpp"

namespace strata::cli {

namespace {

constexpr std::string_view kBootUsage = R"(usage: strata boot --flat FILE [OPTIONS]

Runs a guest on /dev/kvm. With --flat, FILE is a raw binary loaded at guest physical 0x10000
and entered in 16-bit real mode at 0x1000:0000 (as kvmtool does for non-bzImage kernels). The
devices are SVI models (stdlib/devices/): a 16550 UART at port 0x3f8 (the console) and the
i8042 at ports 0x60/0x64, whose reset command (0xfe to port 0x64) ends the run.

options:
  --flat FILE       the raw guest binary
  --mem SIZE        guest RAM (default 16M; 1M..3G); suffixes K, M, G
  --console stdio|file:PATH
                    where the UART's output goes (default stdio). With stdio on a terminal
                    the console is interactive: raw mode, Ctrl-A x quits. Otherwise output
                    streams to stdout and input comes from stdin as it arrives.
  --stats           print the VM exits by reason to stderr at the end
  --model KIND=FILE use the device model in FILE (.sasm or .sbc) for KIND (uart16550,
                    i8042) instead of the built-in one
  --bare-uart       (benchmark) a minimal C++ UART instead of the SVI model
  --kernel FILE     boot a Linux bzImage: not implemented yet

exit code: 0 when the guest halts or resets the machine (or on Ctrl-A x), 3 when it crashes
(triple fault, an instruction KVM cannot run; the registers are printed), 1 when the machine
cannot be set up (no /dev/kvm, unreadable file), 2 for a bad command line.
)";

}  // namespace

int cmd_boot(Args args) {
  if (wants_help(args, kBootUsage)) return 0;
  std::string flat;
  std::string console_spec = "stdio";
  hwvm::FlatOptions options;
  bool stats = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& opt = args[i];
    auto value = [&]() -> const std::string* { return i + 1 < args.size() ? &args[++i] : nullptr; };
    if (opt == "--stats") {
      stats = true;
      continue;
    }
    if (opt == "--bare-uart") {
      options.bare_uart = true;
      continue;
    }
    if (opt != "--flat" && opt != "--mem" && opt != "--console" && opt != "--model" &&
        opt != "--kernel" && opt != "--initrd" && opt != "--append" && opt != "--disk")
      return usage_error(fmt::format("unknown argument '{}'", opt), kBootUsage);
    const std::string* v = value();
    if (!v) return usage_error(fmt::format("{} needs a value", opt), kBootUsage);
    if (opt == "--kernel" || opt == "--initrd" || opt == "--append" || opt == "--disk") {
      // Say it plainly rather than pretend: only flat binaries boot today.
      fmt::print(stderr,
                 "strata: {}: booting a Linux bzImage is not implemented yet; "
                 "only flat binaries run (--flat FILE)\n",
                 opt);
      return kExitUsage;
    }
    if (opt == "--flat") {
      flat = *v;
    } else if (opt == "--model") {
      auto eq = v->find('=');
      if (eq == std::string::npos || eq == 0)
        return usage_error(fmt::format("--model: expected KIND=FILE, not '{}'", *v), kBootUsage);
      auto model = load_module_file(v->substr(eq + 1));
      if (!model) {
        fmt::print(stderr, "strata: {}\n", model.error().message);
        return kExitLoad;
      }
      options.models.insert_or_assign(v->substr(0, eq), std::move(*model));
    } else if (opt == "--mem") {
      auto n = parse_size(*v);
      if (!n) return usage_error(fmt::format("--mem: bad size '{}'", *v), kBootUsage);
      options.mem_size = *n;
    } else {
      console_spec = *v;
    }
  }
  if (flat.empty()) return usage_error("no guest given (--flat FILE)", kBootUsage);

  auto image = read_file(flat);
  if (!image) {
    fmt::print(stderr, "strata: {}\n", image.error().message);
    return kExitLoad;
  }
  auto console = hwvm::Console::open(console_spec);
  if (!console) return usage_error(console.error().message, kBootUsage);
  auto bytes = std::span(reinterpret_cast<const std::uint8_t*>(image->data()), image->size());
  auto machine = hwvm::FlatMachine::create(bytes, options, **console);
  if (!machine) {
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
