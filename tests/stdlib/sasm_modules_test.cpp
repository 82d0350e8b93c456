// Each embedded stdlib .sasm module assembles, verifies, and exports what docs/STDLIB.md marks
// *(sasm)*, with the signatures its callers will import.
#include <gtest/gtest.h>

#include <map>

#include "assembler/assembler.hpp"
#include "isa/verifier.hpp"
#include "stdlib/stdlib.hpp"

namespace strata::stdlib {
namespace {

const std::map<std::string, std::string> kExports = {
    {"std.fmt.pad_left", "(ref, i64, i64) -> ref"}, {"std.fmt.pad_right", "(ref, i64, i64) -> ref"},
    {"std.str.repeat", "(ref, i64) -> ref"},        {"std.str.join", "(ref, ref) -> ref"},
    {"std.array.sort_i", "(ref) -> void"},          {"std.array.sort_f", "(ref) -> void"},
    {"std.array.reverse", "(ref) -> void"},
};

TEST(StdSasm, ModulesAssembleVerifyAndExport) {
  size_t found = 0;
  for (const SasmModule& m : sasm_modules()) {
    auto mod = as::assemble(m.source, m.file);
    ASSERT_TRUE(mod.has_value()) << mod.error().message;
    EXPECT_EQ(mod->name, m.name);
    auto ok = isa::verify(*mod);
    EXPECT_TRUE(ok.has_value()) << m.file << ": " << ok.error().message;
    for (const isa::Export& e : mod->exports) {
      std::string full = std::string(m.name) + "." + e.name;
      auto it = kExports.find(full);
      ASSERT_NE(it, kExports.end()) << "unexpected export " << full;
      const isa::Function& f = mod->funcs.at(e.func);
      EXPECT_EQ(isa::to_string(mod->sigs.at(f.sig)), it->second) << full;
      // A native of the same name would shadow the SVI export at link time.
      EXPECT_EQ(find_native(m.name, e.name), nullptr) << full;
      ++found;
    }
    for (const isa::Import& im : mod->imports) {
      const vm::NativeDef* d = find_native(im.module, im.name);
      ASSERT_NE(d, nullptr) << m.file << " imports " << im.module << "." << im.name;
      EXPECT_EQ(d->signature, isa::to_string(mod->sigs.at(im.sig))) << im.name;
    }
  }
  EXPECT_EQ(found, kExports.size());
}

}  // namespace
}  // namespace strata::stdlib
