// Hostile guest code: random instruction words (any encoding, legal or not, compressed or not)
// must always translate into blocks that verify, and running them must end in a return or a
// trap (never a host fault), identically on both SVI tiers.
#include <random>

#include "translate_test_support.hpp"

namespace strata::jit::rv64::test {
namespace {

// Random words biased towards the major opcodes, so most decode to real instructions.
uint32_t random_word(std::mt19937_64& rng) {
  static constexpr uint32_t kMajor[] = {0x03, 0x0f, 0x13, 0x17, 0x1b, 0x23, 0x2f, 0x33, 0x37,
                                        0x3b, 0x63, 0x67, 0x6f, 0x73, 0x07, 0x27, 0x43, 0x53};
  const auto w = static_cast<uint32_t>(rng());
  switch (rng() % 4) {
    case 0: return w;  // anything, compressed parcels included
    default: return (w & ~0x7fu) | kMajor[rng() % std::size(kMajor)];
  }
}

TEST(Rv64TranslateFuzz, RandomCodeAlwaysVerifies) {
  std::mt19937_64 rng(7);
  Rig r;
  for (int round = 0; round < 3000; ++round) {
    std::vector<uint32_t> words(kMaxBlockInsns + 1);
    for (uint32_t& w : words) w = random_word(rng);
    r.code(words);
    auto t = r.translate(kCode);
    ASSERT_TRUE(t.has_value()) << t.error().message;
    EXPECT_GT(t->end, kCode);
    EXPECT_LE(t->guest_insns, kMaxBlockInsns);
    Rig::verify(*t);
    if (HasFailure()) return;
  }
}

TEST(Rv64TranslateFuzz, RandomCodeRunsTheSameOnBothTiers) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 150; ++round) {
    Rig r;
    for (unsigned k = 1; k < 32; ++k)  // half the registers point into the guest
      r.set_x(k, (rng() & 1) ? kData + (rng() % 0x1000) : rng());
    std::vector<uint32_t> words(kMaxBlockInsns + 1);
    for (uint32_t& w : words) w = random_word(rng);
    r.code(words);
    const Outcome o = r.run();  // compares the tiers
    if (o.status == vm::ExecStatus::Trapped) {
      EXPECT_EQ(o.trap_kind, vm::TrapKind::MemoryOutOfBounds);
      EXPECT_TRUE(o.fault_linear.has_value()) << "a trap outside a guest access";
    } else {
      EXPECT_EQ(o.status, vm::ExecStatus::Returned);
    }
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace strata::jit::rv64::test
