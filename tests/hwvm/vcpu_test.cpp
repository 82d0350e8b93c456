// Vcpu::writable over a fake kvm_run mapping (an anonymous mmap the Vcpu then owns and unmaps).
#include "hwvm/kvm/vcpu.hpp"

#include <sys/mman.h>

#include <gtest/gtest.h>

namespace strata::hwvm {
namespace {

TEST(Vcpu, WritableOnlyInsideTheMapping) {
  constexpr std::size_t kSize = 3 * 4096;
  void* p = ::mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(p, MAP_FAILED);
  auto* bytes = static_cast<std::uint8_t*>(p);
  Vcpu vcpu(Fd(), static_cast<kvm_run*>(p), kSize);

  auto w = vcpu.writable(std::span<const std::uint8_t>(bytes + 4096, 4));
  ASSERT_EQ(w.size(), 4u);
  EXPECT_EQ(w.data(), bytes + 4096);
  w[0] = 0x5a;
  EXPECT_EQ(bytes[4096], 0x5a);

  EXPECT_EQ(vcpu.writable(std::span<const std::uint8_t>(bytes + kSize - 4, 4)).size(), 4u);
  EXPECT_TRUE(vcpu.writable(std::span<const std::uint8_t>(bytes + kSize - 3, 4)).empty());
  const std::uint8_t elsewhere[4] = {};
  EXPECT_TRUE(vcpu.writable(std::span<const std::uint8_t>(elsewhere, 4)).empty());
}

}  // namespace
}  // namespace strata::hwvm
