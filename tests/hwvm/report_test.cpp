// The monitor's reports (register dumps, exit statistics): pure functions, no KVM.
#include <gtest/gtest.h>

#include "hwvm/monitor/report.hpp"

namespace strata::hwvm {
namespace {

TEST(Report, RegistersShowRipSegmentsAndControlRegisters) {
  kvm_regs r{};
  kvm_sregs s{};
  r.rip = 0x1234;
  r.rax = 0xdead;
  r.rflags = 2;
  s.cs.selector = 0x1000;
  s.cs.base = 0x10000;
  s.cs.limit = 0xffff;
  s.cr0 = 0x60000011;
  std::string text = format_registers(r, s);
  EXPECT_NE(text.find("  rax=000000000000dead rbx="), std::string::npos) << text;
  EXPECT_NE(text.find("  rip=0000000000001234 rflags=0000000000000002\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("  cs=1000 base=00010000 limit=0000ffff"), std::string::npos) << text;
  EXPECT_NE(text.find("cr0=60000011"), std::string::npos) << text;
  EXPECT_EQ(text.back(), '\n');
}

TEST(Report, StatsCountEveryReason) {
  ExitStats st;
  st.by_reason["io"] = 98;
  st.by_reason["hlt"] = 1;
  st.by_reason["intr"] = 1;
  st.unclaimed = 2;
  st.seconds = 0.5;
  std::string text = format_stats(st);
  EXPECT_TRUE(text.starts_with("exits: 100 in 0.500 s (200/s)\n")) << text;
  EXPECT_NE(text.find("  io              98\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  unclaimed       2\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace strata::hwvm
