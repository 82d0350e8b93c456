// strata: the command-line entry point. Dispatches to one subcommand per job.
#include <csignal>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "tools/strata/cli.hpp"
#include "tools/strata/cmd_repl.hpp"

namespace {

constexpr std::string_view kUsage = R"(usage: strata COMMAND [ARGS...]

commands:
  run FILE.sasm|FILE.sbc [ARGS...]   assemble (if source), verify, link and run a program
  run PROGRAM.elf [ARGS...]          run an RV64 Linux executable (translated to SVI)
  repl run PROGRAM.elf [ARGS...]     debug it: registers, memory, breakpoints, steps (and gdb)
  asm IN.sasm -o OUT.sbc             assemble a module
  disasm IN.sbc [-o OUT.sasm]        print a module as SASM text
  verify IN.sbc|IN.sasm              check a module without running it
  boot --flat FILE [--mem SIZE]      run a flat guest binary on /dev/kvm (SVI device models)

`strata COMMAND --help` describes each command. Docs: docs/SASM.md, docs/STDLIB.md.
)";

struct Command {
  std::string_view name;
  int (*fn)(strata::cli::Args);
};

constexpr Command kCommands[] = {
    {"run", strata::cli::cmd_run},       {"asm", strata::cli::cmd_asm},
    {"disasm", strata::cli::cmd_disasm}, {"verify", strata::cli::cmd_verify},
    {"boot", strata::cli::cmd_boot},     {"repl", strata::cli::cmd_repl},
};

}  // namespace

int main(int argc, char** argv) {
  // A guest writing to a closed pipe gets EPIPE as an error value; it must not kill the host.
  std::signal(SIGPIPE, SIG_IGN);

  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::fputs(kUsage.data(), stderr);
    return strata::cli::kExitUsage;
  }
  std::string_view cmd = args[0];
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    std::fputs(kUsage.data(), stdout);
    return 0;
  }
  if (cmd == "--version") {
    std::puts("strata 0.1.0");
    return 0;
  }
  for (const auto& c : kCommands)
    if (c.name == cmd) return c.fn(strata::cli::Args(args).subspan(1));
  std::fprintf(stderr, "strata: unknown command '%s'\n\n%s", args[0].c_str(), kUsage.data());
  return strata::cli::kExitUsage;
}
