#include "tools/strata/cmd_repl.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <functional>

#include <fmt/format.h>

#include "hwvm/monitor/kvm_debug_vcpu.hpp"
#include "hwvm/riscv/machine.hpp"
#include "jit/rv64/rv64_vcpu.hpp"
#include "stdlib/stdlib.hpp"
#include "tools/strata/boot_args.hpp"
#include "tools/strata/cmd_run_rv64.hpp"
#include "tools/strata/module_files.hpp"
#include "tools/strata/monitor/attach_client.hpp"
#include "tools/strata/monitor/elf_symbols.hpp"
#include "tools/strata/monitor/gdb_stub.hpp"
#include "tools/strata/monitor/line_reader.hpp"
#include "tools/strata/monitor/monitored_run.hpp"
#include "tools/strata/monitor/repl.hpp"
#include "tools/strata/monitor/repl_format.hpp"
#include "tools/strata/monitor/system_map.hpp"
#include "tools/strata/monitor/unix_socket.hpp"
#include "vm/debug/svi_vcpu.hpp"

namespace strata::cli {

namespace {

constexpr std::string_view kReplUsage =
    R"(usage: strata repl run [--jit=MODE] [--sysroot DIR] [--gdb tcp:HOST:PORT] PROGRAM [ARGS...]
       strata repl run [--fuel N] [--mem-cap SIZE] [--heap-cap SIZE] [--max-depth N]
                       FILE.sasm|FILE.sbc [ARGS...]
       strata repl boot --flat FILE | --kernel BZIMAGE [BOOT OPTIONS] [--symbols FILE]
                        [--gdb tcp:HOST:PORT]
       strata repl boot --arch riscv64 --kernel IMAGE [BOOT OPTIONS] [--symbols FILE]
                        [--gdb tcp:HOST:PORT]
       strata repl attach unix:PATH

Loads a program stopped at its first instruction and reads commands: from a terminal with line
editing and history, otherwise line by line (scripts, tests). `help` lists the commands (regs,
set, mem, disas, step, break, watch, delete, continue, stats, tc, bt, quit); Ctrl-C stops a
running program.

An RV64 Linux ELF program (recognised by its magic) runs as with `strata run`. With --gdb, a gdb
session is served first (target remote HOST:PORT); the prompt comes after gdb detaches.

An SVI program stops before the first instruction of its main. Code addresses are functions
and source lines (fib, fib+3, fib.sasm:12); `bt` shows its call stack, `watch` stops on writes
to its linear memory. Under the debugger every function is interpreted: --jit=MODE is accepted
and has no effect. There is no gdb stub for SVI (gdb has no SVI architecture).

A KVM guest (`repl boot`, the options of `strata boot`) stops at its entry: a flat guest at
0x10000 in real mode. Addresses are linear (pc is CS base + IP); `sregs` shows the segment
bases, control registers, EFER and descriptor tables; `pmem` reads guest-physical memory;
breakpoints are the four debug registers. The guest's console prints to stdout (or the
--console file) and gets no input.

A RISC-V guest (`repl boot --arch riscv64`, the options of `strata boot --arch riscv64`)
stops at the kernel's entry (with --bios, the firmware's). Addresses are virtual, through the
guest's page tables as the current privilege sees them; `pmem` reads guest-physical RAM;
`sregs` shows the privilege, satp, mstatus, the trap CSRs and the interrupt bits decoded.

--symbols FILE gives a kernel's symbols to `break`, `disas` and the locations printed: a
System.map ("ADDR TYPE NAME" lines, as /proc/kallsyms; boot with nokaslr so the addresses
hold) or an ELF vmlinux with a symbol table.

`repl attach unix:PATH` attaches to a guest running in `strata boot ... --monitor unix:PATH`:
it stops the guest and gives this REPL on it; `continue` runs it in its own process until a
breakpoint, its end or `stop` (Ctrl-C); `detach` (or quit, or the end of input) deletes the
breakpoints and leaves it running. One client at a time.

docs/REPL.md has examples; docs/RISCV_SYSTEM.md ("Debugging") the RISC-V guest.
)";

std::atomic<vm::Vcpu*> g_interrupt_target{nullptr};

void on_sigint(int) {
  if (vm::Vcpu* v = g_interrupt_target.load()) v->request_stop();
}

jit::rv64::GuestExit guest_exit(const vm::StopReason& r) {
  using jit::rv64::GuestExit;
  return GuestExit{r.kind == vm::StopReason::Kind::Signaled ? GuestExit::Kind::Signaled
                                                            : GuestExit::Kind::Exited,
                   r.code};
}

}  // namespace

Result<jit::rv64::GuestExit> run_rv64_with_gdb(const Rv64Args& a) {
  auto vcpu = STRATA_TRY(jit::rv64::Rv64Vcpu::create(a.run));
  const monitor::GdbSessionEnd s = STRATA_TRY(monitor::serve_gdb(*vcpu, a.gdb, stderr));
  using K = monitor::GdbSessionEnd::Kind;
  if (s.kind == K::Killed) return jit::rv64::GuestExit{jit::rv64::GuestExit::Kind::Signaled, 9};
  vm::StopReason end;
  if (s.kind == K::GuestEnded) {
    end = *s.end;
  } else {
    do end = STRATA_TRY(vcpu->run(vm::RunLimit{}));
    while (!end.ended());
  }
  if (a.run.stats) {
    std::fflush(stdout);
    fmt::print(stderr, "{}", vcpu->stats());
  }
  return guest_exit(end);
}

Result<jit::rv64::GuestExit> run_rv64_with_monitor(const Rv64Args& a) {
  const std::string path = STRATA_TRY(monitor::unix_socket_path(a.monitor));
  auto vcpu = STRATA_TRY(jit::rv64::Rv64Vcpu::create(a.run));
  auto server = STRATA_TRY(monitor::MonitorServer::start(path, *vcpu));
  fmt::print(stderr, "strata: monitor on unix:{} (strata repl attach unix:{})\n", path, path);
  std::fflush(stderr);
  auto syms = monitor::SymbolTable::load(a.run.process.path);
  if (!syms) syms = monitor::SymbolTable{};
  auto cfi = monitor::CallFrameInfo::load(a.run.process.path);
  const monitor::MonitoredEnd end = STRATA_TRY(monitor::run_monitored(
      {*vcpu, *syms, a.run.process.path, [] { std::fflush(stdout); }, cfi ? &*cfi : nullptr},
      *server));
  if (end.signal != 0)
    return jit::rv64::GuestExit{jit::rv64::GuestExit::Kind::Signaled, end.signal};
  if (a.run.stats) {
    std::fflush(stdout);
    fmt::print(stderr, "{}", vcpu->stats());
  }
  if (!end.stop.ended()) return fail("the guest stopped: {}", monitor::describe_stop(end.stop));
  return guest_exit(end.stop);
}

namespace {

// The prompt: commands until quit or the end of input, Ctrl-C stopping a running guest.
// `after_command` runs after each command (a console that buffers a partial line flushes it, so
// the guest's output comes before the next prompt).
int prompt_loop(monitor::Repl& repl, vm::Vcpu& cpu, const std::string& path,
                monitor::LineReader& reader, const std::function<void()>& after_command = {}) {
  repl.set_interrupt_slot(&g_interrupt_target);
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);

  fmt::print("strata repl: {} ({}), stopped at ", path, cpu.arch());
  repl.print_here();
  if (reader.interactive()) std::puts("type help for the commands, quit to leave");
  std::fflush(stdout);
  while (auto line = reader.read("(strata) ")) {
    const bool more = repl.execute(*line);
    if (after_command) after_command();
    if (!more) break;
  }
  signal(SIGINT, SIG_DFL);
  return 0;
}

int repl_svi(Args args) {
  SviArgs a;
  if (int rc = parse_svi_args(args, kReplUsage, &a)) return rc;
  auto module = load_module_file(a.path);
  if (!module) {
    fmt::print(stderr, "{}\n", module.error().message);
    return kExitLoad;
  }
  vm::LoadOptions opts;
  opts.limits = a.limits;
  opts.natives = stdlib::natives();
  opts.resolver = resolve_module;
  opts.main_path = a.path;
  auto program = vm::Program::load(std::move(*module), std::move(opts));
  if (!program) {
    fmt::print(stderr, "{}: {}\n", a.path, program.error().message);
    return kExitLoad;
  }
  auto vcpu = vm::SviVcpu::create(std::move(*program), std::move(a.program_args));
  if (!vcpu) {
    fmt::print(stderr, "strata: {}: {}\n", a.path, vcpu.error().message);
    return kExitLoad;
  }
  // Commands come from stdin when it is not a terminal: the program must not eat them, so its
  // stdin (fd 0, which the natives read) becomes /dev/null and the commands are read from a copy.
  int commands = STDIN_FILENO;
  if (isatty(STDIN_FILENO) != 1) {
    const int copy = ::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
    const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (copy >= 0 && null >= 0 && ::dup2(null, STDIN_FILENO) == STDIN_FILENO) commands = copy;
    if (null >= 0) ::close(null);
  }
  const monitor::SymbolTable no_elf_symbols;
  monitor::Repl repl(**vcpu, no_elf_symbols, stdout, stderr);
  if (!a.jit.empty())
    fmt::print("note: {} has no effect under the debugger: every function is interpreted\n", a.jit);
  monitor::LineReader reader(commands);
  return prompt_loop(repl, **vcpu, a.path, reader);
}

// Serves gdb first when asked; false when gdb killed the guest (the session is over).
bool gdb_first(vm::Vcpu& cpu, monitor::Repl& repl, const std::string& spec, int* rc) {
  auto s = monitor::serve_gdb(cpu, spec, stderr);
  if (!s) {
    fmt::print(stderr, "strata: {}\n", s.error().message);
    *rc = kExitUsage;
    return false;
  }
  if (s->kind == monitor::GdbSessionEnd::Kind::Killed) {
    std::puts("gdb killed the guest");
    *rc = 0;
    return false;
  }
  if (s->end) repl.print_stop(*s->end);
  return true;
}

// The RISC-V machine stopped at its entry (the kernel's, or the firmware's with --bios); its
// devices are polled from the hart's time slices, so they run whenever the REPL runs the hart.
int repl_riscv(const BootArgs& a, hwvm::Console& console, const monitor::SymbolTable& syms) {
  auto machine = make_riscv_machine(a, console);
  if (!machine) {
    fmt::print(stderr, "strata: {}\n", machine.error().message);
    return kExitLoad;
  }
  vm::Vcpu& cpu = (*machine)->hart();
  monitor::Repl repl(cpu, syms, stdout, stderr);
  int rc = 0;
  if (!a.gdb.empty() && !gdb_first(cpu, repl, a.gdb, &rc)) return rc;
  monitor::LineReader reader;
  return prompt_loop(repl, cpu, a.kernel, reader, [&console] { console.flush(); });
}

int repl_boot(Args args) {
  BootArgs a;
  if (int rc = parse_boot_args(args, kReplUsage, &a)) return rc;
  if (a.stats) return usage_error("repl: use the `stats` command instead of --stats", kReplUsage);
  if (!a.monitor.empty())
    return usage_error(
        "repl boot: --monitor goes with strata boot (the REPL here is the monitor already)",
        kReplUsage);
  monitor::SymbolTable syms;
  if (!a.symbols.empty()) {
    auto loaded = monitor::load_kernel_symbols(a.symbols);
    if (!loaded) {
      fmt::print(stderr, "strata: --symbols {}\n", loaded.error().message);
      return kExitLoad;
    }
    syms = std::move(*loaded);
  }
  // The commands come from stdin, so the guest's console gets no input.
  std::unique_ptr<hwvm::Console> console;
  if (a.console_spec == "stdio") {
    console = std::make_unique<hwvm::Console>(-1, STDOUT_FILENO, false);
  } else {
    auto c = hwvm::Console::open(a.console_spec);
    if (!c) return usage_error(c.error().message, kReplUsage);
    console = std::move(*c);
  }
  if (a.arch == "riscv64") return repl_riscv(a, *console, syms);
  auto machine = make_machine(a, *console);
  if (!machine) {
    if (!machine.error().message.empty())
      fmt::print(stderr, "strata: {}\n", machine.error().message);
    return kExitLoad;
  }
  hwvm::KvmDebugVcpu cpu(std::move(*machine));
  monitor::Repl repl(cpu, syms, stdout, stderr);
  int rc = 0;
  if (!a.gdb.empty() && !gdb_first(cpu, repl, a.gdb, &rc)) return rc;
  monitor::LineReader reader;
  return prompt_loop(repl, cpu, a.flat.empty() ? a.kernel : a.flat, reader);
}

}  // namespace

int cmd_repl(Args args) {
  if (wants_help(args, kReplUsage)) return 0;
  if (args.empty())
    return usage_error("repl: say what to run: repl run PROGRAM or repl boot --flat FILE",
                       kReplUsage);
  if (args[0] == "boot") return repl_boot(args.subspan(1));
  if (args[0] == "attach") {
    if (args.size() != 2)
      return usage_error("repl attach: say where: repl attach unix:PATH", kReplUsage);
    auto path = monitor::unix_socket_path(args[1]);
    if (!path) return usage_error("repl attach: " + path.error().message, kReplUsage);
    return monitor::attach_monitor(*path);
  }
  if (args[0] != "run")
    return usage_error(fmt::format("repl: '{}' is not supported ('run PROGRAM' is, for RV64 ELF "
                                   "and SVI programs, 'boot' for KVM and RISC-V guests, "
                                   "'attach unix:PATH' for a running one)",
                                   args[0]),
                       kReplUsage);
  if (const std::string* prog = program_arg(args.subspan(1)); prog && !is_elf_file(*prog))
    return repl_svi(args.subspan(1));
  Rv64Args a;
  if (int rc = parse_rv64_args(args.subspan(1), kReplUsage, &a)) return rc;
  if (a.run.stats)
    return usage_error("repl: use the `stats` command instead of --stats", kReplUsage);
  if (!a.monitor.empty())
    return usage_error(
        "repl run: --monitor goes with strata run (the REPL here is the monitor already)",
        kReplUsage);

  // Commands come from stdin when it is not a terminal: the guest must not eat them.
  if (isatty(STDIN_FILENO) != 1) {
    const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null >= 0) a.run.process.stdin_fd = null;
  }
  auto vcpu = jit::rv64::Rv64Vcpu::create(a.run);
  if (!vcpu) {
    fmt::print(stderr, "strata: {}\n", vcpu.error().message);
    return kExitLoad;
  }
  auto syms = monitor::SymbolTable::load(a.run.process.path);
  if (!syms) {
    fmt::print(stderr, "strata: repl: no symbols: {}\n", syms.error().message);
    syms = monitor::SymbolTable{};
  }
  monitor::Repl repl(**vcpu, *syms, stdout, stderr);
  auto cfi = monitor::CallFrameInfo::load(a.run.process.path);
  if (cfi) repl.set_call_frames(&*cfi);

  int rc = 0;
  if (!a.gdb.empty() && !gdb_first(**vcpu, repl, a.gdb, &rc)) return rc;
  monitor::LineReader reader;
  return prompt_loop(repl, **vcpu, a.run.process.path, reader);
}

}  // namespace strata::cli
