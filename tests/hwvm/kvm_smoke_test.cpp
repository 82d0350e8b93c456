// Tiny guests on the real /dev/kvm (kvmtool's tests/kernel idea): hand-assembled payloads whose
// exit sequence is asserted. Skipped, with the reason, where /dev/kvm is missing or unusable.
// On kvm_pvm hosts the payloads run in KVM's instruction emulator; they use only simple
// instructions it implements.
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "hwvm/kvm/host.hpp"
#include "hwvm/kvm/system.hpp"
#include "hwvm/kvm/vcpu.hpp"
#include "hwvm/kvm/vm.hpp"
#include "hwvm/memory/guest_memory.hpp"
#include "hwvm/x86/linux_loader.hpp"
#include "hwvm/x86/long_mode.hpp"
#include "tests/hwvm/bzimage_fixture.hpp"

namespace strata::hwvm {
namespace {

constexpr std::uint64_t kRamSize = 2 << 20;
constexpr std::uint64_t kLinuxRamSize = 64 << 20;

struct Machine {
  Kvm kvm;
  Vm vm;
  GuestMemory mem;
  Vcpu vcpu;
};

// A 2 MiB machine with one VCPU, or the reason there cannot be one here.
Result<Machine> make_machine(std::uint64_t ram_size = kRamSize) {
  Kvm kvm = STRATA_TRY(Kvm::open());
  STRATA_TRY(kvm.require(KVM_CAP_USER_MEMORY));
  Vm vm = STRATA_TRY(kvm.create_vm());
  STRATA_TRY(vm.set_tss_addr());
  const RamRange ram[] = {{0, ram_size}};
  GuestMemory mem = STRATA_TRY(GuestMemory::create(ram));
  STRATA_TRY(mem.register_slots(vm));
  Vcpu vcpu = STRATA_TRY(vm.create_vcpu(0));
  return Machine{std::move(kvm), std::move(vm), std::move(mem), std::move(vcpu)};
}

#define MAKE_MACHINE_OR_SKIP(m, ...)                                          \
  auto m##_r = make_machine(__VA_ARGS__);                                     \
  if (!m##_r) GTEST_SKIP() << "KVM unusable here: " << m##_r.error().message; \
  Machine& m = *m##_r

// Runs until a non-I/O exit (or `max_exits`), answering every `in` with `in_value`. Returns
// every exit's description, in order; out data is also collected in `out_bytes`.
struct Trace {
  std::vector<std::string> exits;
  std::string out_bytes;
  Exit last;
};

Result<Trace> run_guest(Vcpu& vcpu, std::uint8_t in_value = 0, int max_exits = 32) {
  Trace t;
  for (int i = 0; i < max_exits; ++i) {
    Exit e = STRATA_TRY(vcpu.run());
    t.exits.push_back(describe(e));
    t.last = e;
    if (auto* io = std::get_if<exit::Io>(&e)) {
      if (io->direction == exit::Direction::kOut) {
        t.out_bytes.append(io->data.begin(), io->data.end());
      } else {
        for (std::uint8_t& b : vcpu.writable(io->data)) b = in_value;
      }
      continue;
    }
    if (std::holds_alternative<exit::Mmio>(e)) continue;  // writes are recorded; reads read 0
    break;
  }
  return t;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += "\n  " + x;
  return s;
}

Result<void> enter_real_mode(Vcpu& vcpu, std::uint16_t segment, std::uint16_t ip) {
  kvm_sregs sregs = STRATA_TRY(vcpu.get_sregs());
  x86::set_real_mode_segments(sregs, segment);
  STRATA_TRY(vcpu.set_sregs(sregs));
  kvm_regs regs{};
  regs.rip = ip;
  regs.rflags = 2;
  regs.rsp = 0xfff0;
  return vcpu.set_regs(regs);
}

TEST(KvmSmoke, HostKind) {
  HostVirt h = detect_host();
  std::cout << "host: " << host_virt_name(h) << "\n" << explain_host(h) << "\n";
  auto kvm = Kvm::open();
  if (!kvm) GTEST_SKIP() << kvm.error().message;
  EXPECT_EQ(kvm->api_version(), kKvmApiVersion);
  EXPECT_GE(kvm->vcpu_mmap_size(), sizeof(kvm_run));
  auto caps = kvm->require_x86_monitor_caps();
  EXPECT_TRUE(caps) << caps.error().message;
  auto none = kvm->require(99999);
  ASSERT_FALSE(none);
  EXPECT_TRUE(none.error().message.starts_with("KVM_CAP_99999 is not supported"))
      << none.error().message;
  if (h == HostVirt::kPvm) {
    // notes/pvm.md: kvm_pvm lacks TSC_CONTROL; the error names it and the host kind.
    auto tsc = kvm->require(KVM_CAP_TSC_CONTROL);
    ASSERT_FALSE(tsc);
    EXPECT_EQ(tsc.error().message,
              "KVM_CAP_TSC_CONTROL is not supported by this kernel's KVM (kvm_pvm (no vmx/svm)); "
              "Strata's KVM monitor needs it");
  }
}

TEST(KvmSmoke, RealModeOutAndHlt) {
  MAKE_MACHINE_OR_SKIP(m);
  // At 0x1000:0000 (flat 0x10000):
  //   mov dx, 0x3f8 ; mov al, 'A' ; out dx, al ; mov al, 'B' ; out dx, al ; hlt
  const std::vector<std::uint8_t> code = {0xba, 0xf8, 0x03, 0xb0, 'A', 0xee, 0xb0, 'B', 0xee, 0xf4};
  ASSERT_TRUE(m.mem.write(0x10000, code));
  ASSERT_TRUE(enter_real_mode(m.vcpu, 0x1000, 0));
  auto t = run_guest(m.vcpu);
  ASSERT_TRUE(t) << t.error().message;
  std::cout << "real-mode exits:" << joined(t->exits) << "\n";
  ASSERT_EQ(t->exits.size(), 3u) << joined(t->exits);
  EXPECT_EQ(t->exits[0], "io out port 0x3f8 size 1 count 1 data 41");
  EXPECT_EQ(t->exits[1], "io out port 0x3f8 size 1 count 1 data 42");
  EXPECT_EQ(t->exits[2], "hlt");
  EXPECT_EQ(t->out_bytes, "AB");
  auto regs = m.vcpu.get_regs();
  ASSERT_TRUE(regs);
  EXPECT_EQ(regs->rip, code.size());  // just past the hlt
}

TEST(KvmSmoke, RealModeInAnswered) {
  MAKE_MACHINE_OR_SKIP(m);
  // mov dx, 0x3f8 ; in al, dx ; inc al ; out dx, al ; hlt
  const std::vector<std::uint8_t> code = {0xba, 0xf8, 0x03, 0xec, 0xfe, 0xc0, 0xee, 0xf4};
  ASSERT_TRUE(m.mem.write(0x10000, code));
  ASSERT_TRUE(enter_real_mode(m.vcpu, 0x1000, 0));
  auto t = run_guest(m.vcpu, 'Y');
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_EQ(t->exits.size(), 3u) << joined(t->exits);
  EXPECT_EQ(t->exits[0], "io in port 0x3f8 size 1 count 1");
  EXPECT_EQ(t->out_bytes, "Z");  // the guest saw our 'Y' and added one
  EXPECT_EQ(t->exits[2], "hlt");
}

TEST(KvmSmoke, RealModeRepOutsb) {
  MAKE_MACHINE_OR_SKIP(m);
  // mov si, msg ; mov cx, 5 ; mov dx, 0x3f8 ; rep outsb ; hlt ; msg: "hello"
  const std::vector<std::uint8_t> code = {0xbe, 0x0c, 0x00, 0xb9, 0x05, 0x00, 0xba, 0xf8, 0x03,
                                          0xf3, 0x6e, 0xf4, 'h',  'e',  'l',  'l',  'o'};
  ASSERT_TRUE(m.mem.write(0x10000, code));
  ASSERT_TRUE(enter_real_mode(m.vcpu, 0x1000, 0));
  auto t = run_guest(m.vcpu);
  ASSERT_TRUE(t) << t.error().message;
  std::cout << "rep outsb exits:" << joined(t->exits) << "\n";
  EXPECT_EQ(t->out_bytes, "hello");  // however KVM batches the string (count >= 1 per exit)
  EXPECT_TRUE(std::holds_alternative<exit::Hlt>(t->last)) << joined(t->exits);
}

TEST(KvmSmoke, LongModeOutMmioAndHlt) {
  MAKE_MACHINE_OR_SKIP(m);
  x86::LongModeLayout layout;
  layout.mapped_gib = 4;  // so the MMIO hole at 0xd0000000 is mapped too
  ASSERT_TRUE(x86::write_long_mode_tables(m.mem, layout));
  // At 0x100000, in 64-bit mode:
  //   mov r8, 0x1122334455667788   (REX.W+B: only decodes this way in 64-bit mode)
  //   mov dx, 0x3f8 ; mov al, 'L' ; out dx, al
  //   movabs [0xd0000000], al      (no RAM there: an MMIO exit)
  //   hlt
  const std::vector<std::uint8_t> code = {0x49, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22,
                                          0x11,                                                  //
                                          0x66, 0xba, 0xf8, 0x03, 0xb0, 'L',  0xee,              //
                                          0xa2, 0x00, 0x00, 0x00, 0xd0, 0x00, 0x00, 0x00, 0x00,  //
                                          0xf4};
  constexpr std::uint64_t kEntry = 0x100000;
  ASSERT_TRUE(m.mem.write(kEntry, code));
  auto sregs = m.vcpu.get_sregs();
  ASSERT_TRUE(sregs);
  x86::set_long_mode_sregs(*sregs, layout);
  auto set = m.vcpu.set_sregs(*sregs);
  if (!set && detect_host() == HostVirt::kPvm) {
    GTEST_SKIP() << "kvm_pvm refused the long-mode sregs: " << set.error().message;
  }
  ASSERT_TRUE(set) << set.error().message;
  ASSERT_TRUE(m.vcpu.set_regs(x86::long_mode_regs(kEntry, 0x7000, 0x8ff0)));

  auto t = run_guest(m.vcpu);
  ASSERT_TRUE(t) << t.error().message;
  std::cout << "long-mode exits:" << joined(t->exits) << "\n";
  bool refused = std::holds_alternative<exit::InternalError>(t->last) ||
                 std::holds_alternative<exit::FailEntry>(t->last) ||
                 std::holds_alternative<exit::Shutdown>(t->last);
  if (refused && detect_host() == HostVirt::kPvm) {
    GTEST_SKIP() << "kvm_pvm could not run the 64-bit payload; exits:" << joined(t->exits);
  }
  ASSERT_EQ(t->exits.size(), 3u) << joined(t->exits);
  EXPECT_EQ(t->exits[0], "io out port 0x3f8 size 1 count 1 data 4c");
  EXPECT_EQ(t->exits[1], "mmio write 0xd0000000 len 1 data 4c");
  EXPECT_EQ(t->exits[2], "hlt");

  auto regs = m.vcpu.get_regs();
  ASSERT_TRUE(regs);
  EXPECT_EQ(regs->r8, 0x1122334455667788u);  // proof the code ran as 64-bit code
  EXPECT_EQ(regs->rip, kEntry + code.size());
  auto after = m.vcpu.get_sregs();
  ASSERT_TRUE(after);
  EXPECT_NE(after->efer & x86::kEferLma, 0u);
  EXPECT_EQ(after->cs.l, 1);
}

TEST(KvmSmoke, TripleFaultIsShutdown) {
  MAKE_MACHINE_OR_SKIP(m);
  // Long mode with an empty IDT: ud2 raises #UD → #GP → #DF → triple fault.
  x86::LongModeLayout layout;
  ASSERT_TRUE(x86::write_long_mode_tables(m.mem, layout));
  const std::vector<std::uint8_t> code = {0x0f, 0x0b};
  ASSERT_TRUE(m.mem.write(0x100000, code));
  auto sregs = m.vcpu.get_sregs();
  ASSERT_TRUE(sregs);
  x86::set_long_mode_sregs(*sregs, layout);
  ASSERT_TRUE(m.vcpu.set_sregs(*sregs));
  ASSERT_TRUE(m.vcpu.set_regs(x86::long_mode_regs(0x100000, 0, 0x8ff0)));
  auto t = run_guest(m.vcpu);
  ASSERT_TRUE(t) << t.error().message;
  std::cout << "ud2 exits:" << joined(t->exits) << "\n";
  if (!std::holds_alternative<exit::Shutdown>(t->last) && detect_host() == HostVirt::kPvm) {
    GTEST_SKIP() << "kvm_pvm does not report a triple fault as KVM_EXIT_SHUTDOWN; exits:"
                 << joined(t->exits);
  }
  EXPECT_TRUE(std::holds_alternative<exit::Shutdown>(t->last)) << joined(t->exits);
}

TEST(KvmSmoke, FakeKernelReadsItsZeroPage) {
  // The whole 64-bit boot path (load_linux + set_long_mode_sregs) with a stand-in kernel: its
  // "kernel" at load + 0x200 reads the zero page through RSI like Linux's startup_64 does.
  MAKE_MACHINE_OR_SKIP(m, kLinuxRamSize);
  auto image = x86::testing::fake_bzimage();
  const std::vector<std::uint8_t> kernel = {
      0x66, 0xba, 0xf8, 0x03,              // mov dx, 0x3f8
      0x8a, 0x86, 0x10, 0x02, 0, 0, 0xee,  // mov al, [rsi+0x210] (type_of_loader) ; out
      0x8b, 0x86, 0x28, 0x02, 0, 0,        // mov eax, [rsi+0x228] (cmd_line_ptr)
      0x8a, 0x00, 0xee,                    // mov al, [rax] ; out
      0x8a, 0x86, 0xe8, 0x01, 0, 0, 0xee,  // mov al, [rsi+0x1e8] (e820_entries) ; out
      0x8b, 0x86, 0x18, 0x02, 0, 0,        // mov eax, [rsi+0x218] (ramdisk_image)
      0x8a, 0x00, 0xee,                    // mov al, [rax] ; out
      0xf4};                               // hlt
  std::copy(kernel.begin(), kernel.end(), image.begin() + 5 * 512 + 0x200);
  const std::vector<std::uint8_t> initrd = {'I', 'N', 'I', 'T'};
  auto boot = x86::load_linux(m.mem, std::vector<RamRange>{{0, kLinuxRamSize}}, image,
                              "console=ttyS0", initrd);
  ASSERT_TRUE(boot) << boot.error().message;
  auto sregs = m.vcpu.get_sregs();
  ASSERT_TRUE(sregs);
  x86::set_long_mode_sregs(*sregs, boot->layout);
  ASSERT_TRUE(m.vcpu.set_sregs(*sregs));
  ASSERT_TRUE(m.vcpu.set_regs(boot->regs));
  auto t = run_guest(m.vcpu);
  ASSERT_TRUE(t) << t.error().message;
  std::cout << "fake kernel exits:" << joined(t->exits) << "\n";
  EXPECT_EQ(t->out_bytes, std::string("\xff"
                                      "c"
                                      "\x03"
                                      "I"));
  EXPECT_TRUE(std::holds_alternative<exit::Hlt>(t->last)) << joined(t->exits);
}

TEST(KvmSmoke, LongModeMmioReadAnswered) {
  MAKE_MACHINE_OR_SKIP(m);
  x86::LongModeLayout layout;
  layout.mapped_gib = 4;
  ASSERT_TRUE(x86::write_long_mode_tables(m.mem, layout));
  // movabs al, [0xd0000004] ; mov dx, 0x3f8 ; out dx, al ; hlt
  const std::vector<std::uint8_t> code = {0xa0, 0x04, 0x00, 0x00, 0xd0, 0x00, 0x00, 0x00,
                                          0x00, 0x66, 0xba, 0xf8, 0x03, 0xee, 0xf4};
  ASSERT_TRUE(m.mem.write(0x100000, code));
  auto sregs = m.vcpu.get_sregs();
  ASSERT_TRUE(sregs);
  x86::set_long_mode_sregs(*sregs, layout);
  ASSERT_TRUE(m.vcpu.set_sregs(*sregs));
  ASSERT_TRUE(m.vcpu.set_regs(x86::long_mode_regs(0x100000, 0, 0x8ff0)));

  auto first = m.vcpu.run();
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_EQ(describe(*first), "mmio read 0xd0000004 len 1");
  const std::uint8_t answer[] = {'R'};
  ASSERT_TRUE(m.vcpu.answer_mmio_read(answer));
  const std::uint8_t too_wide[] = {1, 2};
  EXPECT_FALSE(m.vcpu.answer_mmio_read(too_wide));
  auto t = run_guest(m.vcpu);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->out_bytes, "R") << joined(t->exits);
  EXPECT_TRUE(std::holds_alternative<exit::Hlt>(t->last)) << joined(t->exits);
}

}  // namespace
}  // namespace strata::hwvm
