#include "tools/strata/cmd_repl_args.hpp"

#include <fmt/format.h>

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
    } else if (opt == "--fuel" || opt == "--mem-cap" || opt == "--heap-cap" ||
               opt == "--max-depth") {
      return usage_error(fmt::format("{} applies to SVI programs, not to ELF programs", opt),
                         usage);
    } else {
      return usage_error(fmt::format("unknown option '{}'", opt), usage);
    }
  }
  if (i >= args.size()) return usage_error("no program file", usage);
  opts.process.path = args[i];
  opts.process.argv.assign(args.begin() + static_cast<ptrdiff_t>(i), args.end());
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) opts.process.envp.emplace_back(*e);
  return 0;
}

}  // namespace strata::cli
