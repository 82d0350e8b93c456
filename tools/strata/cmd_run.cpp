// strata run: assemble (if source), verify, link and run a program.
#include <charconv>
#include <cstdio>

#include <fmt/format.h>

#include "jit/baseline/auto_tier.hpp"
#include "jit/baseline/baseline.hpp"
#include "jit/code_cache.hpp"
#include "stdlib/stdlib.hpp"
#include "tools/strata/cli.hpp"
#include "tools/strata/module_files.hpp"
#include "tools/strata/size_arg.hpp"
#include "vm/program.hpp"

namespace strata::cli {

namespace {

constexpr std::string_view kRunUsage = R"(usage: strata run [OPTIONS] FILE.sasm|FILE.sbc [ARGS...]

Runs the program's exported `main`. Its exit code is main's result (or the code given to
std.sys.exit). Arguments after FILE are the program's (std.sys.argc / std.sys.arg).

options:
  --fuel N          stop with an out-of-fuel trap after N units (one per call and per loop
                    iteration, i.e. backward branch); default unlimited
  --mem-cap SIZE    cap on linear memory (default 4G); suffixes K, M, G
  --heap-cap SIZE   cap on the GC heap (default 4G; 0 = none)
  --max-depth N     maximum call depth (default 100000)
  --jit=MODE        execution tier: off (the interpreter, default), baseline (every function
                    compiled to x86-64 at load with the asmjit baseline tier) or auto (start
                    interpreted, compile a function with the baseline tier once it is hot)
  --jit             same as --jit=baseline
  --stats           print JIT statistics (code cache, functions compiled) to stderr at exit

A trap prints its kind, message and a stack trace to stderr and exits with code 70.
)";

constexpr uint64_t kDefaultHeapCap = 4ull << 30;

}  // namespace

int cmd_run(Args args) {
  if (wants_help(args, kRunUsage)) return 0;
  vm::LoadOptions opts;
  // A sandboxed program must not be able to take the whole host's memory by default.
  opts.limits.heap_cap = kDefaultHeapCap;
  bool jit_baseline = false, jit_auto = false, stats = false;
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
      jit_auto = false;
    } else if (opt == "--jit=off") {
      jit_baseline = jit_auto = false;
    } else if (opt == "--jit=auto") {
      jit_auto = true;
      jit_baseline = false;
    } else if (opt.starts_with("--jit=")) {
      return usage_error(
          fmt::format("--jit: unknown mode '{}' (off, baseline, auto)", opt.substr(6)), kRunUsage);
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
  std::unique_ptr<jit::baseline::AutoTier> tier;
  if (jit_baseline || jit_auto || stats) {
    auto c = jit::CodeCache::create({});
    if (!c) {
      fmt::print(stderr, "{}\n", c.error().message);
      return kExitLoad;
    }
    cache = std::move(*c);
    baseline = std::make_unique<jit::baseline::BaselineJit>(*cache);
    if (jit_baseline) baseline->compile_program(**program);
    if (jit_auto) {
      tier = std::make_unique<jit::baseline::AutoTier>(*baseline, *cache);
      tier->arm(**program);
    }
  }
  vm::RunResult r = (*program)->run_main(std::move(program_args));
  if (stats) {
    std::fflush(stdout);
    fmt::print(stderr, "{}{}{}", cache->format_stats(), baseline->format_stats(),
               tier ? tier->format_stats() : std::string());
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
