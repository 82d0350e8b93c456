// Hostile input: truncated, bit-flipped, spliced and random files. Every one must be rejected
// with an "sbc: " error or decode to a module that re-encodes to exactly the same bytes (the
// encoding is canonical); decoded modules then go through the verifier. Nothing may crash (run
// under ASan/UBSan via tests/fuzz for the deeper check).
#include <gtest/gtest.h>

#include <random>

#include "isa/sbc_format.hpp"
#include "isa/verifier.hpp"
#include "tests/isa/builder.hpp"

namespace strata::isa {
namespace {

using namespace test;

struct Outcome {
  int accepted = 0, rejected = 0, verified = 0;
};

void check_one(const std::string& bytes, Outcome& out) {
  auto m = read_sbc(bytes);
  if (!m) {
    ASSERT_EQ(m.error().message.rfind("sbc: ", 0), 0u) << m.error().message;
    ++out.rejected;
    return;
  }
  ++out.accepted;
  ASSERT_EQ(write_sbc(*m), bytes) << "accepted a non-canonical encoding";
  auto v = verify(*m);
  if (v) {
    ++out.verified;
  } else {
    ASSERT_EQ(v.error().message.rfind("verify: ", 0), 0u) << v.error().message;
  }
}

std::vector<std::string> seeds() {
  Builder small;
  const uint32_t s = small.sig({I}, I);
  small.func("id", s, {}, {make_abc(Op::Ret, 0, 0, 0)});
  small.exp("id", 0);
  return {write_sbc(Module{}), write_sbc(make_rich_module()), write_sbc(small.m)};
}

TEST(SbcMutation, EveryTruncationIsRejected) {
  for (const std::string& seed : seeds()) {
    for (size_t n = 0; n < seed.size(); ++n) {
      std::string t = seed.substr(0, n);
      EXPECT_FALSE(read_sbc(t)) << "prefix of " << n << " bytes accepted";
      sbc_reseal(t);  // past the checksum, into the section parser
      Outcome o;
      check_one(t, o);
      if (HasFatalFailure()) return;
    }
  }
}

TEST(SbcMutation, EverySingleBitFlipOfASmallModule) {
  const std::string seed = seeds()[2];
  Outcome sealed, raw;
  for (size_t bit = 0; bit < seed.size() * 8; ++bit) {
    std::string t = seed;
    t[bit / 8] ^= static_cast<char>(1 << (bit % 8));
    check_one(t, raw);
    if (HasFatalFailure()) return;
    sbc_reseal(t);
    check_one(t, sealed);
    if (HasFatalFailure()) return;
  }
  // The checksum catches every unsealed single-bit flip.
  EXPECT_EQ(raw.accepted, 0);
  EXPECT_GT(sealed.rejected, 0);
}

TEST(SbcMutation, ThousandsOfRandomMutations) {
  std::mt19937_64 rng(12345);
  const auto base = seeds();
  Outcome o;
  for (int iter = 0; iter < 100000; ++iter) {
    std::string t = base[rng() % base.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !t.empty(); ++e) {
      const size_t at = rng() % t.size();
      switch (rng() % 6) {
        case 0: t[at] ^= static_cast<char>(1u << (rng() % 8)); break;
        case 1: t[at] = static_cast<char>(rng()); break;
        case 2: t.insert(at, std::string(1 + rng() % 8, static_cast<char>(rng()))); break;
        case 3: t.erase(at, 1 + rng() % 8); break;
        case 4: t.resize(at); break;
        case 5: {  // an "interesting" value: a huge or boundary LEB128
          static const std::string kVals[] = {"\xff\xff\xff\xff\x0f", "\x80\x80\x80\x80\x10",
                                              "\x00", "\x7f",
                                              "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"};
          t.insert(at, kVals[rng() % 5]);
          break;
        }
      }
    }
    if (rng() % 5 != 0) sbc_reseal(t);
    check_one(t, o);
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(o.rejected, 0);
  EXPECT_GT(o.accepted, 0);  // some mutations (e.g. inside names) stay well-formed
}

TEST(SbcMutation, RandomBytesBehindAValidHeader) {
  std::mt19937_64 rng(777);
  Outcome o;
  for (int iter = 0; iter < 5000; ++iter) {
    std::string t("SVIM\x01\x00\x00\x00", 8);
    const size_t n = rng() % 200;
    for (size_t i = 0; i < n; ++i) t.push_back(static_cast<char>(rng() % 12));  // small ids
    t += std::string(4, '\0');
    sbc_reseal(t);
    check_one(t, o);
    if (HasFatalFailure()) return;
  }
  EXPECT_EQ(o.accepted + o.rejected, 5000);
}

TEST(SbcMutation, FullyRandomBytes) {
  std::mt19937_64 rng(99);
  Outcome o;
  for (int iter = 0; iter < 5000; ++iter) {
    std::string t(rng() % 64, '\0');
    for (char& c : t) c = static_cast<char>(rng());
    check_one(t, o);
    if (HasFatalFailure()) return;
  }
  EXPECT_EQ(o.accepted, 0);
}

}  // namespace
}  // namespace strata::isa
