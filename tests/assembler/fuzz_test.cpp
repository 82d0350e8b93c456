// Hostile input never crashes or hangs; whatever assembles also round-trips exactly.
#include <random>

#include "isa/verifier.hpp"
#include "tests/assembler/helpers.hpp"

namespace strata::as::test {
namespace {

const char* const kSeeds[] = {"fib.sasm", "all_ops.sasm", "loop_memory.sasm", "records.sasm"};
const char* const kJunk[] = {
    "%",          "@x",      ",",     ":",       "(",    ")",    "{",
    "}",          "#0",      "\"",    "'",       "-",    "0x",   "99999999999999999999",
    ".macro m\n", ".endm\n", ".func", ".end\n",  "\n",   " m\n", "-inf",
    "1e999",      "\\",      ";",     "ret 1\n", "call", "\x80"};

std::string mutate(std::string s, std::mt19937_64& rng) {
  int n = 1 + static_cast<int>(rng() % 4);
  for (int k = 0; k < n && !s.empty(); ++k) {
    size_t at = rng() % s.size();
    switch (rng() % 4) {
      case 0: s.erase(at, 1 + rng() % 12); break;
      case 1: s.insert(at, kJunk[rng() % std::size(kJunk)]); break;
      case 2: s[at] = static_cast<char>(rng() % 256); break;
      default: {
        size_t from = rng() % s.size(), len = rng() % 40;
        s.insert(at, s.substr(from, len));
      }
    }
  }
  return s;
}

TEST(Fuzz, MutatedProgramsNeverCrash) {
  std::mt19937_64 rng(1234);
  int assembled = 0;
  for (const char* seed : kSeeds) {
    std::string text = read_text(data_path(seed));
    for (int i = 0; i < 400; ++i) {
      std::string src = mutate(text, rng);
      auto m = assemble(src, "fuzz.sasm");
      if (!m) {
        EXPECT_EQ(m.error().message.rfind("fuzz.sasm:", 0), 0u) << m.error().message;
        continue;
      }
      ++assembled;
      auto again = assemble(disassemble(*m), "d.sasm");
      ASSERT_TRUE(again) << again.error().message << "\n" << src;
      EXPECT_TRUE(*again == *m || m->consts != m->consts) << src;  // NaN constants compare unequal
      (void)isa::verify(*m);
    }
  }
  EXPECT_GT(assembled, 0);
}

TEST(Fuzz, RandomBytesNeverCrash) {
  std::mt19937_64 rng(99);
  for (int i = 0; i < 500; ++i) {
    std::string s(rng() % 300, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 256);
    (void)assemble(s, "r.sasm");
  }
}

TEST(Fuzz, ArbitraryWordsRoundTrip) {
  // Any code words at all disassemble to text that reassembles to the same module.
  std::mt19937_64 rng(7);
  isa::Module m = asm_ok(R"(
.struct S { a: i64, b: ref }
.import "h" f(i64, i64, i64, i64, i64) -> i64
.kpool 1, 2.5, "s"
.func g(%a: i64, %b: f64, %c: ref) -> i64
  ret %a
.end
)");
  for (int i = 0; i < 300; ++i) {
    isa::Module t = m;
    auto& code = t.funcs[0].code;
    code.clear();
    size_t n = 1 + rng() % 12;
    for (size_t k = 0; k < n; ++k) {
      uint64_t w = rng();
      // Bias towards valid opcodes and small fields so that many words decode.
      if (rng() % 4) w = (w & 0x0003000300030000ull) | (rng() % isa::kOpCount);
      code.push_back(w);
    }
    t.debug.lines[0].clear();
    for (uint32_t k = 0; k < n; ++k) t.debug.lines[0].push_back({k, k + 1});
    auto again = assemble(disassemble(t), "w.sasm");
    ASSERT_TRUE(again) << again.error().message << "\n" << disassemble(t);
    EXPECT_EQ(again->funcs[0].code, t.funcs[0].code) << disassemble(t);
  }
}

}  // namespace
}  // namespace strata::as::test
