// decode_exit() on hand-built kvm_run areas: no /dev/kvm needed (STYLE lesson 5).
#include "hwvm/kvm/exit.hpp"

#include <cstring>
#include <vector>

#include <gtest/gtest.h>

namespace strata::hwvm {
namespace {

// A fake VCPU mapping: kvm_run at the start, port I/O data one page in, as KVM lays it out.
struct FakeRun {
  static constexpr std::size_t kSize = 3 * 4096;
  alignas(4096) std::uint8_t bytes[kSize] = {};
  kvm_run& run() { return *reinterpret_cast<kvm_run*>(bytes); }
};

TEST(DecodeExit, IoOutSingleByte) {
  FakeRun f;
  f.run().exit_reason = KVM_EXIT_IO;
  f.run().io.direction = KVM_EXIT_IO_OUT;
  f.run().io.size = 1;
  f.run().io.port = 0x3f8;
  f.run().io.count = 1;
  f.run().io.data_offset = 4096;
  f.bytes[4096] = 'A';
  Exit e = decode_exit(f.run(), FakeRun::kSize);
  auto* io = std::get_if<exit::Io>(&e);
  ASSERT_NE(io, nullptr) << describe(e);
  EXPECT_EQ(io->port, 0x3f8);
  EXPECT_EQ(io->size, 1);
  EXPECT_EQ(io->direction, exit::Direction::kOut);
  EXPECT_EQ(io->count, 1u);
  ASSERT_EQ(io->data.size(), 1u);
  EXPECT_EQ(io->data[0], 'A');
  EXPECT_EQ(io->data.data(), f.bytes + 4096);  // a view into the mapping, not a copy
  EXPECT_EQ(describe(e), "io out port 0x3f8 size 1 count 1 data 41");
}

TEST(DecodeExit, IoInRepWord) {
  FakeRun f;
  f.run().exit_reason = KVM_EXIT_IO;
  f.run().io.direction = KVM_EXIT_IO_IN;
  f.run().io.size = 2;
  f.run().io.port = 0x1f0;
  f.run().io.count = 256;  // rep insw of one sector
  f.run().io.data_offset = 4096;
  Exit e = decode_exit(f.run(), FakeRun::kSize);
  auto* io = std::get_if<exit::Io>(&e);
  ASSERT_NE(io, nullptr) << describe(e);
  EXPECT_EQ(io->direction, exit::Direction::kIn);
  EXPECT_EQ(io->data.size(), 512u);
  EXPECT_EQ(describe(e), "io in port 0x1f0 size 2 count 256");
}

TEST(DecodeExit, IoDataOutsideMappingIsMalformed) {
  FakeRun f;
  f.run().exit_reason = KVM_EXIT_IO;
  f.run().io.size = 4;
  f.run().io.count = 0xffffffff;  // would be 16 GiB of data
  f.run().io.data_offset = 4096;
  Exit e = decode_exit(f.run(), FakeRun::kSize);
  auto* u = std::get_if<exit::Unknown>(&e);
  ASSERT_NE(u, nullptr) << describe(e);
  EXPECT_TRUE(u->malformed);
  EXPECT_EQ(u->reason, static_cast<std::uint32_t>(KVM_EXIT_IO));

  f.run().io.count = 1;
  f.run().io.data_offset = ~0ull;  // offset past the end
  EXPECT_TRUE(std::holds_alternative<exit::Unknown>(decode_exit(f.run(), FakeRun::kSize)));
  f.run().io.data_offset = FakeRun::kSize - 4;  // exactly fits
  EXPECT_TRUE(std::holds_alternative<exit::Io>(decode_exit(f.run(), FakeRun::kSize)));
  f.run().io.data_offset = FakeRun::kSize - 3;  // one byte over
  EXPECT_TRUE(std::holds_alternative<exit::Unknown>(decode_exit(f.run(), FakeRun::kSize)));
  f.run().io.data_offset = 4096;
  f.run().io.size = 3;  // no such port access width
  EXPECT_TRUE(std::holds_alternative<exit::Unknown>(decode_exit(f.run(), FakeRun::kSize)));
}

TEST(DecodeExit, MmioWriteAndRead) {
  FakeRun f;
  f.run().exit_reason = KVM_EXIT_MMIO;
  f.run().mmio.phys_addr = 0xd0000000;
  f.run().mmio.len = 4;
  f.run().mmio.is_write = 1;
  const std::uint8_t value[8] = {0x78, 0x56, 0x34, 0x12, 0xee, 0xee, 0xee, 0xee};
  std::memcpy(f.run().mmio.data, value, 8);
  Exit e = decode_exit(f.run(), FakeRun::kSize);
  auto* m = std::get_if<exit::Mmio>(&e);
  ASSERT_NE(m, nullptr) << describe(e);
  EXPECT_EQ(m->addr, 0xd0000000u);
  EXPECT_EQ(m->len, 4u);
  EXPECT_TRUE(m->is_write);
  EXPECT_EQ(m->data[0], 0x78);
  EXPECT_EQ(m->data[3], 0x12);
  EXPECT_EQ(m->data[4], 0);  // only len bytes are the value
  EXPECT_EQ(describe(e), "mmio write 0xd0000000 len 4 data 78 56 34 12");

  f.run().mmio.is_write = 0;
  f.run().mmio.len = 8;
  e = decode_exit(f.run(), FakeRun::kSize);
  m = std::get_if<exit::Mmio>(&e);
  ASSERT_NE(m, nullptr);
  EXPECT_FALSE(m->is_write);
  EXPECT_EQ(describe(e), "mmio read 0xd0000000 len 8");

  f.run().mmio.len = 9;  // wider than kvm_run's data[8]
  e = decode_exit(f.run(), FakeRun::kSize);
  ASSERT_TRUE(std::holds_alternative<exit::Unknown>(e));
  EXPECT_TRUE(std::get<exit::Unknown>(e).malformed);
}

TEST(DecodeExit, HltAndShutdownAndIntr) {
  FakeRun f;
  f.run().exit_reason = KVM_EXIT_HLT;
  EXPECT_TRUE(std::holds_alternative<exit::Hlt>(decode_exit(f.run(), FakeRun::kSize)));
  f.run().exit_reason = KVM_EXIT_SHUTDOWN;
  Exit e = decode_exit(f.run(), FakeRun::kSize);
  EXPECT_TRUE(std::holds_alternative<exit::Shutdown>(e));
  EXPECT_NE(describe(e).find("triple fault"), std::string::npos);
  f.run().exit_reason = KVM_EXIT_INTR;
  EXPECT_TRUE(std::holds_alternative<exit::Intr>(decode_exit(f.run(), FakeRun::kSize)));
}

TEST(DecodeExit, InternalErrorEmulation) {
  FakeRun f;
  f.run().exit_reason = KVM_EXIT_INTERNAL_ERROR;
  f.run().internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
  f.run().internal.ndata = 2;
  f.run().internal.data[0] = 0x1;
  f.run().internal.data[1] = 0x0f0b;
  Exit e = decode_exit(f.run(), FakeRun::kSize);
  auto* ie = std::get_if<exit::InternalError>(&e);
  ASSERT_NE(ie, nullptr);
  EXPECT_EQ(ie->suberror, 1u);
  EXPECT_EQ(ie->ndata, 2u);
  EXPECT_EQ(ie->data[1], 0x0f0bu);
  EXPECT_EQ(describe(e), "internal error: suberror 1 (emulation failure) data 0x1 0xf0b");

  f.run().internal.ndata = 1000;  // clamped to the 16 entries kvm_run has
  e = decode_exit(f.run(), FakeRun::kSize);
  EXPECT_EQ(std::get<exit::InternalError>(e).ndata, 16u);
}

TEST(DecodeExit, FailEntry) {
  FakeRun f;
  f.run().exit_reason = KVM_EXIT_FAIL_ENTRY;
  f.run().fail_entry.hardware_entry_failure_reason = 0x21;
  f.run().fail_entry.cpu = 3;
  Exit e = decode_exit(f.run(), FakeRun::kSize);
  auto* fe = std::get_if<exit::FailEntry>(&e);
  ASSERT_NE(fe, nullptr);
  EXPECT_EQ(fe->reason, 0x21u);
  EXPECT_EQ(fe->cpu, 3u);
  EXPECT_EQ(describe(e), "VM entry failed: hardware reason 0x21 on cpu 3");
}

TEST(DecodeExit, SystemEvents) {
  FakeRun f;
  f.run().exit_reason = KVM_EXIT_SYSTEM_EVENT;
  struct Case {
    std::uint32_t raw;
    exit::SystemEventType type;
    const char* text;
  };
  for (Case c : {Case{KVM_SYSTEM_EVENT_SHUTDOWN, exit::SystemEventType::kShutdown, "shutdown"},
                 Case{KVM_SYSTEM_EVENT_RESET, exit::SystemEventType::kReset, "reset"},
                 Case{KVM_SYSTEM_EVENT_CRASH, exit::SystemEventType::kCrash, "crash"},
                 Case{KVM_SYSTEM_EVENT_WAKEUP, exit::SystemEventType::kOther, "other"}}) {
    f.run().system_event.type = c.raw;
    Exit e = decode_exit(f.run(), FakeRun::kSize);
    auto* se = std::get_if<exit::SystemEvent>(&e);
    ASSERT_NE(se, nullptr);
    EXPECT_EQ(se->type, c.type);
    EXPECT_EQ(se->raw_type, c.raw);
    EXPECT_NE(describe(e).find(c.text), std::string::npos) << describe(e);
  }
}

TEST(DecodeExit, Debug) {
  FakeRun f;
  f.run().exit_reason = KVM_EXIT_DEBUG;
  f.run().debug.arch.exception = 1;
  f.run().debug.arch.pc = 0x100200;
  f.run().debug.arch.dr6 = 0xffff0ff0;
  f.run().debug.arch.dr7 = 0x400;
  Exit e = decode_exit(f.run(), FakeRun::kSize);
  auto* d = std::get_if<exit::Debug>(&e);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->exception, 1u);
  EXPECT_EQ(d->pc, 0x100200u);
  EXPECT_EQ(d->dr6, 0xffff0ff0u);
  EXPECT_EQ(d->dr7, 0x400u);
}

TEST(DecodeExit, UnknownReasons) {
  FakeRun f;
  f.run().exit_reason = KVM_EXIT_UNKNOWN;
  f.run().hw.hardware_exit_reason = 0x30;
  Exit e = decode_exit(f.run(), FakeRun::kSize);
  ASSERT_TRUE(std::holds_alternative<exit::Unknown>(e));
  EXPECT_EQ(std::get<exit::Unknown>(e).hardware_exit_reason, 0x30u);
  EXPECT_EQ(describe(e), "unknown exit: hardware reason 0x30");

  f.run().exit_reason = KVM_EXIT_HYPERCALL;  // not handled by this monitor
  e = decode_exit(f.run(), FakeRun::kSize);
  ASSERT_TRUE(std::holds_alternative<exit::Unknown>(e));
  EXPECT_EQ(std::get<exit::Unknown>(e).reason, static_cast<std::uint32_t>(KVM_EXIT_HYPERCALL));
  EXPECT_FALSE(std::get<exit::Unknown>(e).malformed);
  EXPECT_EQ(describe(e), "unhandled exit reason 3");
}

}  // namespace
}  // namespace strata::hwvm
