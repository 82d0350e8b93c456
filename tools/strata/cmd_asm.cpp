// strata asm / disasm / verify: the module tools.
#include <fstream>

#include <fmt/format.h>

#include "assembler/assembler.hpp"
#include "assembler/disassembler.hpp"
#include "isa/sbc_format.hpp"
#include "isa/verifier.hpp"
#include "tools/strata/cli.hpp"
#include "tools/strata/module_files.hpp"

namespace strata::cli {

namespace {

constexpr std::string_view kAsmUsage = R"(usage: strata asm IN.sasm -o OUT.sbc

Assembles IN.sasm, verifies the module and writes it to OUT.sbc.
)";
constexpr std::string_view kDisasmUsage = R"(usage: strata disasm IN.sbc [-o OUT.sasm]

Prints the module as SASM text (to stdout, or OUT.sasm). Assembling that text gives the same
module back.
)";
constexpr std::string_view kVerifyUsage = R"(usage: strata verify IN.sbc|IN.sasm

Loads and verifies a module; prints "ok: ..." or the first error. Exit code 0 when valid.
)";

// Parses "IN [-o OUT]"; returns false (after printing) on a usage error.
bool parse_in_out(Args args, std::string_view usage, std::string& in, std::string& out,
                  int& status) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "-o") {
      if (i + 1 >= args.size()) return status = usage_error("-o needs a file name", usage), false;
      out = args[++i];
    } else if (args[i].starts_with("-")) {
      return status = usage_error(fmt::format("unknown option '{}'", args[i]), usage), false;
    } else if (in.empty()) {
      in = args[i];
    } else {
      return status = usage_error(fmt::format("unexpected argument '{}'", args[i]), usage), false;
    }
  }
  if (in.empty()) return status = usage_error("no input file", usage), false;
  return true;
}

bool write_file(const std::string& path, std::string_view bytes) {
  std::ofstream o(path, std::ios::binary | std::ios::trunc);
  o.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  o.close();
  if (!o) {
    fmt::print(stderr, "strata: cannot write '{}'\n", path);
    return false;
  }
  return true;
}

// Loads and verifies; prints the error and returns nullopt on failure.
std::optional<isa::Module> load_verified(const std::string& path) {
  auto m = load_module_file(path);
  if (!m) {
    fmt::print(stderr, "{}\n", m.error().message);
    return std::nullopt;
  }
  if (auto v = isa::verify(*m); !v) {
    fmt::print(stderr, "{}: {}\n", path, v.error().message);
    return std::nullopt;
  }
  return std::move(*m);
}

}  // namespace

int cmd_asm(Args args) {
  if (wants_help(args, kAsmUsage)) return 0;
  std::string in, out;
  int status = 0;
  if (!parse_in_out(args, kAsmUsage, in, out, status)) return status;
  if (out.empty()) return usage_error("missing -o OUT.sbc", kAsmUsage);
  auto m = load_verified(in);
  if (!m) return kExitLoad;
  return write_file(out, isa::write_sbc(*m)) ? 0 : kExitLoad;
}

int cmd_disasm(Args args) {
  if (wants_help(args, kDisasmUsage)) return 0;
  std::string in, out;
  int status = 0;
  if (!parse_in_out(args, kDisasmUsage, in, out, status)) return status;
  auto m = load_module_file(in);
  if (!m) {
    fmt::print(stderr, "{}\n", m.error().message);
    return kExitLoad;
  }
  std::string text = as::disassemble(*m);
  if (out.empty()) {
    fmt::print("{}", text);
    return 0;
  }
  return write_file(out, text) ? 0 : kExitLoad;
}

int cmd_verify(Args args) {
  if (wants_help(args, kVerifyUsage)) return 0;
  std::string in, out;
  int status = 0;
  if (!parse_in_out(args, kVerifyUsage, in, out, status)) return status;
  if (!out.empty()) return usage_error("verify takes no -o", kVerifyUsage);
  auto m = load_verified(in);
  if (!m) return kExitLoad;
  size_t words = 0;
  for (const auto& f : m->funcs) words += f.code.size();
  fmt::print("ok: {}: {} functions, {} imports, {} code words\n", in, m->funcs.size(),
             m->imports.size(), words);
  return 0;
}

}  // namespace strata::cli
