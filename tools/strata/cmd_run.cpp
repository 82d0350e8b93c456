// strata run: assemble (if source), verify, link and run an SVI program, or hand an ELF
// program to the RV64 runner (cmd_run_rv64.cpp).
#include <charconv>
#include <cstdio>

#include <fmt/format.h>

#include "jit/baseline/baseline.hpp"
#include "jit/code_cache.hpp"
#include "jit/opt/opt_auto.hpp"
#include "jit/opt/opt_loader.hpp"
#include "stdlib/stdlib.hpp"
#include "tools/strata/cli.hpp"
#include "tools/strata/cmd_run_rv64.hpp"
#include "tools/strata/module_files.hpp"
#include "tools/strata/size_arg.hpp"
#include "vm/program.hpp"

namespace strata::cli {

namespace {

constexpr std::string_view kRunUsage = R"(usage: strata run [OPTIONS] FILE.sasm|FILE.sbc [ARGS...]
       strata run [--jit=MODE] [--stats] [--strace] [--sysroot DIR] [--gdb tcp:HOST:PORT]
                  [--monitor unix:PATH] PROGRAM [ARGS...]

An SVI program (FILE.sasm or FILE.sbc): runs its exported `main`. Its exit code is main's
result (or the code given to std.sys.exit). Arguments after FILE are the program's
(std.sys.argc / std.sys.arg).

A RISC-V program (PROGRAM is an RV64 Linux ELF executable, recognised by its magic): runs it
as a user-mode guest, its blocks translated to SVI. argv[0] is PROGRAM as given, the
environment and stdin/stdout/stderr are strata's. The exit code is the guest's; a guest killed
by a signal kills strata by the same signal.

options:
  --fuel N          stop with an out-of-fuel trap after N units (one per call and per loop
                    iteration, i.e. backward branch); default unlimited (SVI only)
  --mem-cap SIZE    cap on linear memory (default 4G); suffixes K, M, G (SVI only)
  --heap-cap SIZE   cap on the GC heap (default 4G; 0 = none) (SVI only)
  --max-depth N     maximum call depth (default 100000) (SVI only)
  --jit=MODE        execution tier: off (the interpreter), baseline (every function or block
                    compiled to x86-64 with the asmjit baseline tier, at load for SVI, when
                    first translated for RISC-V) or auto (start interpreted, compile what is
                    hot, moving a running SVI loop into compiled code; the hottest functions
                    or blocks then get the LLVM tier, compiled on a background thread).
                    Default: auto.
                    opt: every function (at load) or RISC-V block (at its first execution)
                    compiled with the LLVM optimizing tier, libstrata_opt.so, loaded on first
                    use; what it declines stays on the baseline tier
  --jit             same as --jit=baseline
  --stats           print JIT statistics (code cache, functions compiled; for RISC-V also the
                    translation cache) to stderr at exit
  --sysroot DIR     RISC-V only: where the dynamic linker and libraries of a dynamically
                    linked PROGRAM are found (e.g. /usr/riscv64-linux-gnu)
  --strace          RISC-V only: print each guest syscall and its result on stderr
                    (like qemu-riscv64 -strace)
  --gdb tcp:HOST:PORT  RISC-V only: serve one gdb remote connection, the guest stopped at its
                    entry (gdb-multiarch: target remote HOST:PORT); docs/REPL.md
  --monitor unix:PATH  RISC-V only: run as usual with a monitor socket at PATH; `strata repl
                    attach unix:PATH` stops the program and gives the REPL on it (docs/REPL.md)

An SVI trap prints its kind, message and a stack trace to stderr and exits with code 70.
)";

constexpr uint64_t kDefaultHeapCap = 4ull << 30;

}  // namespace

int cmd_run(Args args) {
  if (wants_help(args, kRunUsage)) return 0;
  if (const std::string* prog = program_arg(args); prog && is_elf_file(*prog))
    return cmd_run_rv64(args, kRunUsage);
  vm::LoadOptions opts;
  // A sandboxed program must not be able to take the whole host's memory by default.
  opts.limits.heap_cap = kDefaultHeapCap;
  // auto by default: it starts interpreted (nothing compiled, no LLVM loaded) and compiles only
  // what gets hot, a loop even in a function called once (on-stack replacement).
  bool jit_baseline = false, jit_auto = true, jit_opt = false, stats = false;
  size_t i = 0;
  for (; i < args.size() && args[i].starts_with("-"); ++i) {
    const std::string& opt = args[i];
    auto value = [&]() -> const std::string* { return i + 1 < args.size() ? &args[++i] : nullptr; };
    const std::string* v = nullptr;
    if (opt == "--fuel" || opt == "--mem-cap" || opt == "--heap-cap" || opt == "--max-depth") {
      v = value();
      if (!v) return usage_error(fmt::format("{} needs a value", opt), kRunUsage);
    }
    if (opt == "--jit" || opt == "--jit=baseline") {
      jit_baseline = true;
      jit_auto = jit_opt = false;
    } else if (opt == "--jit=off") {
      jit_baseline = jit_auto = jit_opt = false;
    } else if (opt == "--jit=auto") {
      jit_auto = true;
      jit_baseline = jit_opt = false;
    } else if (opt == "--jit=opt") {
      jit_opt = true;
      jit_baseline = jit_auto = false;
    } else if (opt.starts_with("--jit=")) {
      return usage_error(
          fmt::format("--jit: unknown mode '{}' (off, baseline, opt, auto)", opt.substr(6)),
          kRunUsage);
    } else if (opt == "--stats") {
      stats = true;
    } else if (opt == "--fuel") {
      auto n = parse_count(*v);
      if (!n || *n == 0) return usage_error(fmt::format("--fuel: bad count '{}'", *v), kRunUsage);
      opts.limits.fuel = *n;
    } else if (opt == "--mem-cap" || opt == "--heap-cap") {
      auto n = parse_size(*v);
      if (!n) return usage_error(fmt::format("{}: bad size '{}'", opt, *v), kRunUsage);
      (opt == "--mem-cap" ? opts.limits.memory_cap : opts.limits.heap_cap) = *n;
    } else if (opt == "--max-depth") {
      auto n = parse_count(*v);
      if (!n || *n == 0 || *n > 100'000'000)
        return usage_error(fmt::format("--max-depth: bad count '{}'", *v), kRunUsage);
      opts.limits.max_call_depth = static_cast<uint32_t>(*n);
    } else if (opt.starts_with("--gdb") || opt.starts_with("--monitor")) {
      return usage_error(fmt::format("{} serves RV64 ELF programs; an SVI program is debugged "
                                     "with strata repl run",
                                     opt.substr(0, opt.find('='))),
                         kRunUsage);
    } else {
      return usage_error(fmt::format("unknown option '{}'", opt), kRunUsage);
    }
  }
  if (i >= args.size()) return usage_error("no program file", kRunUsage);
  const std::string& path = args[i];
  std::vector<std::string> program_args(args.begin() + static_cast<ptrdiff_t>(i) + 1, args.end());

  auto module = load_module_file(path);
  if (!module) {
    fmt::print(stderr, "{}\n", module.error().message);
    return kExitLoad;
  }
  opts.natives = stdlib::natives();
  opts.resolver = resolve_module;
  opts.main_path = path;
  auto program = vm::Program::load(std::move(*module), std::move(opts));
  if (!program) {
    fmt::print(stderr, "{}: {}\n", path, program.error().message);
    return kExitLoad;
  }
  std::unique_ptr<jit::CodeCache> cache;
  std::unique_ptr<jit::baseline::BaselineJit> baseline;
  std::unique_ptr<jit::opt::OptAutoTier> tier;
  std::unique_ptr<jit::opt::OptTier> opt_tier;
  if (jit_baseline || jit_auto || jit_opt || stats) {
    auto c = jit::CodeCache::create({});
    if (!c) {
      fmt::print(stderr, "{}\n", c.error().message);
      return kExitLoad;
    }
    cache = std::move(*c);
    baseline = std::make_unique<jit::baseline::BaselineJit>(*cache);
    if (jit_baseline || jit_opt) baseline->compile_program(**program);
    if (jit_opt) {
      auto t = jit::opt::OptTier::load();
      if (!t) {
        fmt::print(stderr, "{}\n", t.error().message);
        return kExitLoad;
      }
      opt_tier = std::move(*t);
      opt_tier->compile_program(**program);
    }
    if (jit_auto) {
      tier = std::make_unique<jit::opt::OptAutoTier>(*baseline, *cache);
      tier->arm(**program);
      tier->arm_osr(**program);
    }
  }
  vm::RunResult r = (*program)->run_main(std::move(program_args));
  if (stats) {
    std::fflush(stdout);
    fmt::print(stderr, "{}{}{}", cache->format_stats(), baseline->format_stats(),
               tier       ? tier->format_stats()
               : opt_tier ? opt_tier->format_stats()
                          : std::string("opt: not loaded\n"));
  }
  switch (r.kind) {
    case vm::RunResult::Kind::Returned:
    case vm::RunResult::Kind::Exited: return static_cast<int>(r.exit_code & 0xff);
    case vm::RunResult::Kind::Trapped:
      std::fflush(stdout);
      fmt::print(stderr, "{}", vm::format_trap(*r.trap));
      return kExitTrap;
  }
  return kExitTrap;
}

}  // namespace strata::cli
