// libFuzzer target: .sasm text -> assemble -> verify -> write_sbc -> read_sbc. Properties:
//   * nothing crashes, hangs, or trips a sanitizer;
//   * an assembled module serialises and reads back to the same bytes;
//   * a verified module survives disassemble -> assemble unchanged (the disassembler's
//     contract), compared as .sbc bytes; STRATA_FUZZ_ROUNDTRIP=0 in the environment turns this
//     check off (to hunt crashes only while the disassembler is known to be broken).
// `.include` is resolved relative to the (nonexistent) fuzz file's directory, the current one.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "assembler/assembler.hpp"
#include "assembler/disassembler.hpp"
#include "isa/sbc_format.hpp"
#include "isa/verifier.hpp"

namespace {

using namespace strata;

[[noreturn]] void die(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_asm: %s: %s\n", what, detail.c_str());
  std::abort();
}

const bool kRoundTrip = [] {
  const char* e = std::getenv("STRATA_FUZZ_ROUNDTRIP");
  return !(e && *e == '0');
}();

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view src(reinterpret_cast<const char*>(data), size);
  auto m = as::assemble(src, "fuzz.sasm");
  if (!m) return 0;
  const std::string bytes = isa::write_sbc(*m);
  auto back = isa::read_sbc(bytes);
  if (!back) die("assembled module does not read back", back.error().message);
  if (isa::write_sbc(*back) != bytes) die("sbc round trip changed the module", m->name);
  if (!isa::verify(*m) || !kRoundTrip) return 0;
  const std::string text = as::disassemble(*m);
  auto again = as::assemble(text, "fuzz.sasm");
  if (!again) die("disassembly does not assemble", again.error().message + "\n" + text);
  if (isa::write_sbc(*again) != bytes) die("disassemble -> assemble changed the module", text);
  return 0;
}
