// Writes the .sbc seed corpus for fuzz_sbc: valid modules of several shapes, plus a few
// resealed mutations of them, plus (when built with the assembler) the assembled form of each
// .sasm file given. Usage: make_sbc_seeds OUTDIR [FILE.sasm...]
#include <cstdio>
#include <fstream>
#include <random>
#include <string>

#include "isa/sbc_format.hpp"
#include "isa/verifier.hpp"
#ifdef STRATA_FUZZ_HAVE_ASM
#include "assembler/assembler.hpp"
#endif
#include "tests/isa/builder.hpp"

using namespace strata::isa;
using namespace strata::isa::test;

namespace {

void put(const std::string& dir, const std::string& name, const std::string& bytes) {
  std::ofstream(dir + "/" + name, std::ios::binary) << bytes;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: make_sbc_seeds OUTDIR [FILE.sasm...]\n");
    return 2;
  }
  const std::string dir = argv[1];
  std::vector<std::pair<std::string, std::string>> seeds;
  seeds.emplace_back("empty.sbc", write_sbc(Module{}));
  seeds.emplace_back("rich.sbc", write_sbc(make_rich_module()));

  Builder fib;
  fib.m.name = "fib";
  const uint32_t s = fib.sig({I}, I);
  fib.func("fib", s, {I, I},
           {make_abx(Op::Li, 1, 2), make_abc(Op::Blt, 0, 1, 7), make_abc(Op::AddI, 1, 0, 0xffff),
            make_abc(Op::Call, 1, 0, 0), make_args(1), make_abc(Op::AddI, 2, 0, 0xfffe),
            make_abc(Op::Call, 2, 0, 0), make_args(2), make_abc(Op::Add, 1, 1, 2),
            make_abc(Op::Ret, 1, 0, 0)});
  fib.exp("fib", 0);
  fib.m.debug = DebugInfo{"fib.sasm", {{{0, 3}, {1, 4}, {2, 5}, {3, 6}}}};
  seeds.emplace_back("fib.sbc", write_sbc(fib.m));

  Builder mem;
  mem.m.name = "mem";
  mem.m.memory = Memory{65536, 1 << 20};
  mem.m.data = {DataSegment{16, "hello"}, DataSegment{1024, std::string(64, '\xab')}};
  mem.func("main", mem.sig({}, I), {I},
           {make_abx(Op::Li, 0, 16), make_abc(Op::LdU8, 0, 0, 1), make_abc(Op::Ret, 0, 0, 0)});
  seeds.emplace_back("memory.sbc", write_sbc(mem.m));

  std::mt19937_64 rng(1);
  const size_t nvalid = seeds.size();
  for (size_t i = 0; i < nvalid; ++i) {
    for (int k = 0; k < 3; ++k) {
      std::string t = seeds[i].second;
      t[8 + rng() % (t.size() - 12)] ^= static_cast<char>(1u << (rng() % 8));
      sbc_reseal(t);
      seeds.emplace_back("mut" + std::to_string(k) + "_" + seeds[i].first, t);
    }
  }
#ifdef STRATA_FUZZ_HAVE_ASM
  for (int i = 2; i < argc; ++i) {
    const std::string path = argv[i];
    auto m = strata::as::assemble_file(path);
    if (!m) {
      std::fprintf(stderr, "%s\n", m.error().message.c_str());
      return 1;
    }
    // A seed the verifier rejects is still a useful seed, but it points at a bug to report.
    if (auto v = verify(*m); !v)
      std::fprintf(stderr, "warning: %s: %s\n", path.c_str(), v.error().message.c_str());
    const std::string base = path.substr(path.find_last_of('/') + 1);
    seeds.emplace_back(base.substr(0, base.rfind('.')) + ".sbc", write_sbc(*m));
  }
#endif
  for (const auto& [name, bytes] : seeds) put(dir, name, bytes);
  std::printf("wrote %zu seeds to %s\n", seeds.size(), dir.c_str());
  return 0;
}
