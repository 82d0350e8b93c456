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

}  // namespace strata::cli
