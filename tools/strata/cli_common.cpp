#include <cstdio>

#include <fmt/format.h>

#include "tools/strata/cli.hpp"

namespace strata::cli {

bool wants_help(Args args, std::string_view usage) {
  for (const auto& a : args) {
    if (a == "-h" || a == "--help") {
      fmt::print("{}", usage);
      return true;
    }
    if (!a.starts_with("-")) return false;  // past the options: the rest belongs to the program
  }
  return false;
}

int usage_error(std::string_view message, std::string_view usage) {
  fmt::print(stderr, "strata: {}\n\n{}", message, usage);
  return kExitUsage;
}

const std::string* program_arg(Args args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!a.starts_with("-")) return &a;
    if (a == "--fuel" || a == "--mem-cap" || a == "--heap-cap" || a == "--max-depth" ||
        a == "--sysroot" || a == "--gdb" || a == "--monitor")
      ++i;
  }
  return nullptr;
}

}  // namespace strata::cli
