#include "tools/strata/cmd_repl_args.hpp"

#include <fmt/format.h>

#include "tools/strata/size_arg.hpp"

extern char** environ;

namespace strata::cli {

int parse_rv64_args(Args args, std::string_view usage, Rv64Args* out) {
  jit::rv64::RunOptions& opts = out->run;
  size_t i = 0;
  for (; i < args.size() && args[i].starts_with("-"); ++i) {
    const std::string& opt = args[i];
    if (opt == "--jit" || opt == "--jit=baseline") {
      opts.jit = jit::rv64::JitMode::Baseline;
    } else if (opt == "--jit=off") {
      opts.jit = jit::rv64::JitMode::Off;
    } else if (opt == "--jit=auto") {
      opts.jit = jit::rv64::JitMode::Auto;
    } else if (opt == "--jit=opt") {
      opts.jit = jit::rv64::JitMode::Opt;
    } else if (opt.starts_with("--jit=")) {
      return usage_error(
          fmt::format("--jit: unknown mode '{}' (off, baseline, auto, opt)", opt.substr(6)), usage);
    } else if (opt == "--stats") {
      opts.stats = true;
    } else if (opt == "--strace") {
      opts.process.trace_syscalls = true;
    } else if (opt == "--sysroot") {
      if (i + 1 >= args.size()) return usage_error("--sysroot needs a directory", usage);
      opts.process.sysroot = args[++i];
    } else if (opt == "--gdb" || opt.starts_with("--gdb=")) {
      if (opt == "--gdb" && i + 1 >= args.size())
        return usage_error("--gdb needs tcp:HOST:PORT", usage);
      out->gdb = opt == "--gdb" ? args[++i] : opt.substr(6);
      if (!out->gdb.starts_with("tcp:"))
        return usage_error(fmt::format("--gdb: '{}' is not tcp:HOST:PORT", out->gdb), usage);
    } else if (opt == "--monitor" || opt.starts_with("--monitor=")) {
      if (opt == "--monitor" && i + 1 >= args.size())
        return usage_error("--monitor needs unix:PATH", usage);
      out->monitor = opt == "--monitor" ? args[++i] : opt.substr(10);
      if (!out->monitor.starts_with("unix:") || out->monitor.size() == 5)
        return usage_error(fmt::format("--monitor: '{}' is not unix:PATH", out->monitor), usage);
    } else if (opt == "--fuel" || opt == "--mem-cap" || opt == "--heap-cap" ||
               opt == "--max-depth") {
      return usage_error(fmt::format("{} applies to SVI programs, not to ELF programs", opt),
                         usage);
    } else {
      return usage_error(fmt::format("unknown option '{}'", opt), usage);
    }
  }
  if (!out->monitor.empty() && !out->gdb.empty())
    return usage_error("--monitor and --gdb exclude each other: pick one debugger", usage);
  if (i >= args.size()) return usage_error("no program file", usage);
  opts.process.path = args[i];
  opts.process.argv.assign(args.begin() + static_cast<ptrdiff_t>(i), args.end());
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) opts.process.envp.emplace_back(*e);
  return 0;
}

int parse_svi_args(Args args, std::string_view usage, SviArgs* out) {
  // As `strata run`: a sandboxed program must not take the whole host's memory by default.
  out->limits.heap_cap = 4ull << 30;
  size_t i = 0;
  for (; i < args.size() && args[i].starts_with("-"); ++i) {
    const std::string& opt = args[i];
    const bool takes_value =
        opt == "--fuel" || opt == "--mem-cap" || opt == "--heap-cap" || opt == "--max-depth";
    if (takes_value && i + 1 >= args.size())
      return usage_error(fmt::format("{} needs a value", opt), usage);
    if (opt == "--jit" || opt == "--jit=off" || opt == "--jit=baseline" || opt == "--jit=auto" ||
        opt == "--jit=opt") {
      out->jit = opt;
    } else if (opt.starts_with("--jit=")) {
      return usage_error(
          fmt::format("--jit: unknown mode '{}' (off, baseline, opt, auto)", opt.substr(6)), usage);
    } else if (opt == "--fuel" || opt == "--max-depth") {
      const std::string& v = args[++i];
      auto n = parse_count(v);
      if (!n || *n == 0 || (opt == "--max-depth" && *n > 100'000'000))
        return usage_error(fmt::format("{}: bad count '{}'", opt, v), usage);
      if (opt == "--fuel")
        out->limits.fuel = *n;
      else
        out->limits.max_call_depth = static_cast<uint32_t>(*n);
    } else if (opt == "--mem-cap" || opt == "--heap-cap") {
      const std::string& v = args[++i];
      auto n = parse_size(v);
      if (!n) return usage_error(fmt::format("{}: bad size '{}'", opt, v), usage);
      (opt == "--mem-cap" ? out->limits.memory_cap : out->limits.heap_cap) = *n;
    } else if (opt == "--stats") {
      return usage_error("repl: use the `stats` command instead of --stats", usage);
    } else if (opt == "--gdb" || opt.starts_with("--gdb=")) {
      return usage_error(
          "--gdb serves RV64 programs only: gdb has no SVI architecture (docs/REPL.md)", usage);
    } else if (opt == "--sysroot" || opt == "--strace") {
      return usage_error(fmt::format("{} applies to ELF programs, not to SVI programs", opt),
                         usage);
    } else {
      return usage_error(fmt::format("unknown option '{}'", opt), usage);
    }
  }
  if (i >= args.size()) return usage_error("no program file", usage);
  out->path = args[i];
  out->program_args.assign(args.begin() + static_cast<ptrdiff_t>(i) + 1, args.end());
  return 0;
}

}  // namespace strata::cli
