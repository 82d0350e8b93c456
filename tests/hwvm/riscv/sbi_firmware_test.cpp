// The SBI firmware (stdlib/firmware/sbi.sasm) against the RISC-V SBI specification v2.0, with a
// recording machine and no hart: each test makes the calls a kernel makes and checks sbiret and
// what the machine was asked to do.
#include "hwvm/riscv/sbi_firmware.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "assembler/assembler.hpp"

namespace strata::hwvm::riscv {
namespace {

constexpr uint64_t kBase = 0x10, kTime = 0x54494d45, kIpi = 0x735049, kRfence = 0x52464e43,
                   kHsm = 0x48534d, kSrst = 0x53525354, kDbcn = 0x4442434e;
constexpr int64_t kNotSupported = -2, kInvalidParam = -3, kInvalidAddress = -5,
                  kAlreadyAvailable = -6;

class Machine final : public SbiHost {
 public:
  uint32_t harts = 4;
  uint32_t current = 0;
  std::vector<std::string> log;  // what the firmware asked, in order
  std::string console;
  std::string input;
  uint64_t ram_lo = 0x8000'0000, ram_hi = 0x9000'0000;

  uint32_t hart_count() override { return harts; }
  uint32_t hart_id() override { return current; }
  void set_timer(uint64_t d) override { log.push_back("timer " + std::to_string(d)); }
  void console_write(uint8_t b) override { console += static_cast<char>(b); }
  int console_read() override {
    if (input.empty()) return -1;
    int c = static_cast<unsigned char>(input[0]);
    input.erase(0, 1);
    return c;
  }
  int64_t console_write_phys(uint64_t addr, uint64_t len) override {
    if (addr < ram_lo || addr + len > ram_hi || addr + len < addr) return -1;
    log.push_back("write_phys " + std::to_string(len));
    return static_cast<int64_t>(len);
  }
  int64_t console_read_phys(uint64_t addr, uint64_t len) override {
    if (addr < ram_lo || addr + len > ram_hi || addr + len < addr) return -1;
    const uint64_t n = std::min<uint64_t>(len, input.size());
    input.erase(0, n);
    return static_cast<int64_t>(n);
  }
  void send_ipi(uint32_t h) override { log.push_back("ipi " + std::to_string(h)); }
  void remote_fence_i(uint32_t h) override { log.push_back("fence.i " + std::to_string(h)); }
  void remote_sfence_vma(uint32_t h, uint64_t start, uint64_t size, uint64_t asid) override {
    log.push_back("sfence " + std::to_string(h) + " " + std::to_string(start) + " " +
                  std::to_string(size) + " " + std::to_string(static_cast<int64_t>(asid)));
  }
  int64_t hart_start(uint32_t h, uint64_t addr, uint64_t opaque) override {
    if (addr < ram_lo || addr >= ram_hi) return -1;
    log.push_back("start " + std::to_string(h) + " " + std::to_string(opaque));
    return 0;
  }
  void hart_stop() override { log.push_back("stop " + std::to_string(current)); }
  void hart_suspend() override { log.push_back("suspend"); }
  void system_reset(uint32_t type, uint32_t reason) override {
    log.push_back("reset " + std::to_string(type) + " " + std::to_string(reason));
  }
};

struct Rig {
  Machine m;
  std::vector<std::string> faults;
  std::unique_ptr<SbiFirmware> fw;
  Rig() {
    auto f = SbiFirmware::create(m, [this](std::string_view l) { faults.emplace_back(l); });
    EXPECT_TRUE(f) << f.error().message;
    if (f) fw = std::move(*f);
  }
  SbiRet call(uint64_t eid, uint64_t fid, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0,
              uint64_t a3 = 0, uint64_t a4 = 0) {
    return fw->call({a0, a1, a2, a3, a4, 0, fid, eid});
  }
};

TEST(SbiFirmware, BaseExtension) {
  Rig r;
  auto v = r.call(kBase, 0);
  EXPECT_EQ(v.error, 0);
  EXPECT_EQ(v.value, 0x2000000) << "spec version 2.0";
  EXPECT_EQ(r.call(kBase, 1).value, 0x53545241);
  EXPECT_EQ(r.call(kBase, 2).value, 1);
  for (uint64_t eid : {kBase, kTime, kIpi, kRfence, kHsm, kSrst, kDbcn, 0ul, 1ul, 2ul, 8ul})
    EXPECT_EQ(r.call(kBase, 3, eid).value, 1) << std::hex << eid;
  for (uint64_t eid : {0x504d55ul /*PMU*/, 0x53555350ul /*SUSP*/, 4ul, 0xdeadul})
    EXPECT_EQ(r.call(kBase, 3, eid).value, 0) << std::hex << eid;
  EXPECT_EQ(r.call(kBase, 4).value, 0);
  EXPECT_EQ(r.call(kBase, 7).error, kNotSupported);
  EXPECT_EQ(r.call(0x12345678, 0).error, kNotSupported);
}

TEST(SbiFirmware, TimeAndLegacyCalls) {
  Rig r;
  EXPECT_EQ(r.call(kTime, 0, 123456).error, 0);
  EXPECT_EQ(r.call(kTime, 1).error, kNotSupported);
  EXPECT_EQ(r.call(0, 0, 777).error, 0);  // legacy set_timer
  EXPECT_EQ(r.m.log, (std::vector<std::string>{"timer 123456", "timer 777"}));
  r.call(1, 0, 'h');  // legacy console_putchar
  r.call(1, 0, 'i');
  EXPECT_EQ(r.m.console, "hi");
  r.m.input = "x";
  EXPECT_EQ(r.call(2, 0).error, 'x');
  EXPECT_EQ(r.call(2, 0).error, -1) << "legacy console_getchar: -1 when nothing waits";
  EXPECT_EQ(r.call(5, 0).error, kNotSupported) << "legacy remote_fence_i";
}

TEST(SbiFirmware, IpiHartMasks) {
  Rig r;
  EXPECT_EQ(r.call(kIpi, 0, 0b101, 0).error, 0);
  EXPECT_EQ(r.call(kIpi, 0, 0b1, 3).error, 0);
  EXPECT_EQ(r.call(kIpi, 0, 0, ~0ull).error, 0) << "base -1: every hart";
  EXPECT_EQ(r.m.log, (std::vector<std::string>{"ipi 0", "ipi 2", "ipi 3", "ipi 0", "ipi 1", "ipi 2",
                                               "ipi 3"}));
  r.m.log.clear();
  EXPECT_EQ(r.call(kIpi, 0, 0b11, 3).error, kInvalidParam) << "hart 4 does not exist";
  EXPECT_EQ(r.call(kIpi, 0, 1, ~0ull - 1).error, kInvalidParam);
  EXPECT_EQ(r.call(kIpi, 0, 1ull << 63, 2).error, kInvalidParam) << "base + 63 wraps past harts";
  EXPECT_TRUE(r.m.log.empty()) << "an invalid mask sends nothing at all";
}

TEST(SbiFirmware, RemoteFences) {
  Rig r;
  EXPECT_EQ(r.call(kRfence, 0, 0b10, 0).error, 0);
  EXPECT_EQ(r.call(kRfence, 1, 0b1, 0, 0x1000, 0x2000).error, 0);
  EXPECT_EQ(r.call(kRfence, 2, 0b1, 1, 0x1000, 0x2000, 7).error, 0);
  EXPECT_EQ(r.m.log, (std::vector<std::string>{"fence.i 1", "sfence 0 4096 8192 -1",
                                               "sfence 1 4096 8192 7"}));
  EXPECT_EQ(r.call(kRfence, 3, 1, 0).error, kNotSupported) << "hypervisor fences";
}

TEST(SbiFirmware, HartStateManagement) {
  Rig r;
  EXPECT_EQ(r.call(kHsm, 2, 0).value, 0) << "hart 0 started";
  EXPECT_EQ(r.call(kHsm, 2, 1).value, 1) << "hart 1 stopped";
  EXPECT_EQ(r.call(kHsm, 2, 9).error, kInvalidParam);
  EXPECT_EQ(r.call(kHsm, 0, 1, 0x10, 5).error, kInvalidAddress) << "start outside RAM";
  EXPECT_EQ(r.call(kHsm, 0, 1, 0x8020'0000, 5).error, 0);
  EXPECT_EQ(r.call(kHsm, 2, 1).value, 0);
  EXPECT_EQ(r.call(kHsm, 0, 1, 0x8020'0000, 5).error, kAlreadyAvailable);
  EXPECT_EQ(r.call(kHsm, 0, 0, 0x8020'0000, 5).error, kAlreadyAvailable);
  EXPECT_EQ(r.call(kHsm, 0, 4, 0x8020'0000, 5).error, kInvalidParam);
  r.m.current = 1;
  EXPECT_EQ(r.call(kHsm, 1).error, 0);
  EXPECT_EQ(r.call(kHsm, 2, 1).value, 1);
  EXPECT_EQ(r.call(kHsm, 3, 0).error, 0) << "retentive suspend";
  EXPECT_EQ(r.call(kHsm, 3, 0x8000'0000).error, kNotSupported) << "non-retentive";
  EXPECT_EQ(r.call(kHsm, 3, 5).error, kInvalidParam) << "reserved type";
  EXPECT_EQ(r.m.log, (std::vector<std::string>{"start 1 5", "stop 1", "suspend"}));
}

TEST(SbiFirmware, SystemReset) {
  Rig r;
  EXPECT_EQ(r.call(kSrst, 0, 0, 0).error, 0);
  EXPECT_EQ(r.call(kSrst, 0, 1, 1).error, 0);
  EXPECT_EQ(r.call(kSrst, 0, 0xf000'0001, 0xf000'0000).error, 0) << "vendor types and reasons";
  EXPECT_EQ(r.call(kSrst, 0, 3, 0).error, kInvalidParam);
  EXPECT_EQ(r.call(kSrst, 0, 0, 2).error, kInvalidParam);
  EXPECT_EQ(r.call(kSrst, 0, 1ull << 32, 0).error, kInvalidParam);
  EXPECT_EQ(r.m.log,
            (std::vector<std::string>{"reset 0 0", "reset 1 1", "reset 4026531841 4026531840"}));
}

TEST(SbiFirmware, DebugConsole) {
  Rig r;
  auto w = r.call(kDbcn, 0, 12, 0x8000'1000, 0);
  EXPECT_EQ(w.error, 0);
  EXPECT_EQ(w.value, 12);
  EXPECT_EQ(r.call(kDbcn, 0, 12, 0x1000, 0).error, kInvalidParam) << "not guest RAM";
  EXPECT_EQ(r.call(kDbcn, 0, 12, 0x8000'1000, 1).error, kInvalidParam) << "base_hi set";
  r.m.input = "abc";
  auto rd = r.call(kDbcn, 1, 2, 0x8000'2000, 0);
  EXPECT_EQ(rd.error, 0);
  EXPECT_EQ(rd.value, 2);
  EXPECT_EQ(r.call(kDbcn, 2, 'Z').error, 0);
  EXPECT_EQ(r.m.console, "Z");
  EXPECT_EQ(r.call(kDbcn, 3).error, kNotSupported);
}

TEST(SbiFirmware, AFaultyFirmwareFailsTheCallAndIsReloaded) {
  Machine m;
  auto mod = as::assemble(R"(.module firmware.broken
.memory 65536
.import "fw" {
  set_value(i64)
}
.func reset() export
  ret
.end
.func ecall(%eid: i64, %fid: i64, %a0: i64, %a1: i64, %a2: i64, %a3: i64, %a4: i64, %a5: i64) -> i64 export
  .reg %z: i64
  li %z, 0
  div %z, %eid, %z
  ret %z
.end
)",
                          "broken.sasm");
  ASSERT_TRUE(mod) << mod.error().message;
  std::vector<std::string> faults;
  auto fw =
      SbiFirmware::create(m, std::move(*mod), [&](std::string_view l) { faults.emplace_back(l); });
  ASSERT_TRUE(fw) << fw.error().message;
  auto r = (*fw)->call({0, 0, 0, 0, 0, 0, 0, 0x10});
  EXPECT_EQ(r.error, kSbiErrFailed);
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_NE(faults[0].find("sbi: firmware fault in ecall (eid 0x10, fid 0)"), std::string::npos)
      << faults[0];
  EXPECT_NE(faults[0].find("divide by zero"), std::string::npos) << faults[0];
  EXPECT_NE(faults[0].find("firmware reloaded"), std::string::npos) << faults[0];
  EXPECT_EQ((*fw)->faults(), 1u);
}

TEST(SbiFirmware, TheModuleMustExportTheEntryPoints) {
  Machine m;
  auto mod = as::assemble(".module firmware.empty\n.func reset() export\n  ret\n.end\n", "e.sasm");
  ASSERT_TRUE(mod) << mod.error().message;
  auto fw = SbiFirmware::create(m, std::move(*mod));
  ASSERT_FALSE(fw);
  EXPECT_EQ(fw.error().message, "sbi: firmware module 'firmware.empty' does not export ecall");
}

TEST(SbiFirmware, HartCountIsChecked) {
  Machine m;
  m.harts = 65;
  auto fw = SbiFirmware::create(m);
  ASSERT_FALSE(fw);
  EXPECT_EQ(fw.error().message, "sbi: 65 harts; the firmware serves 1..64");
}

}  // namespace
}  // namespace strata::hwvm::riscv
