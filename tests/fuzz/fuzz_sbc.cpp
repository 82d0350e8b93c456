// libFuzzer target: .sbc bytes -> read_sbc -> verify. Properties checked on every input:
//   * nothing crashes, leaks past ASan, or trips UBSan (sanitizers abort);
//   * errors are one line starting "sbc: " (reader) or "verify: " (verifier);
//   * an accepted file re-encodes to exactly the same bytes (the format is canonical);
//   * a verified module decodes with CodeWalk without an undecodable instruction.
// Each input is tried twice: as is (mostly stopped by the checksum), and resealed with a correct
// checksum so the mutations reach the section parsers.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "isa/code_walk.hpp"
#include "isa/sbc_format.hpp"
#include "isa/verifier.hpp"

namespace {

using namespace strata::isa;

[[noreturn]] void die(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_sbc: %s: %s\n", what, detail.c_str());
  std::abort();
}

void one(const std::string& bytes) {
  auto m = read_sbc(bytes);
  if (!m) {
    if (m.error().message.rfind("sbc: ", 0) != 0)
      die("reader error without prefix", m.error().message);
    if (m.error().message.find('\n') != std::string::npos)
      die("multi-line error", m.error().message);
    return;
  }
  if (write_sbc(*m) != bytes) die("non-canonical encoding accepted", "write_sbc(read_sbc(x)) != x");
  auto v = verify(*m);
  if (!v) {
    if (v.error().message.rfind("verify: ", 0) != 0)
      die("verifier error without prefix", v.error().message);
    return;
  }
  for (const Function& f : m->funcs)
    for (const Insn& in : CodeWalk(*m, f))
      if (in.status != InsnStatus::Ok) die("verified code does not decode", f.name);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  one(bytes);
  if (bytes.size() >= 12) {
    sbc_reseal(bytes);
    one(bytes);
  }
  return 0;
}
