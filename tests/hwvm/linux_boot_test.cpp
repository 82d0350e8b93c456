// `strata boot --kernel`: the Linux machine.
//   - load_linux_guest() with no KVM: what goes into guest RAM, and every bad input's message.
//   - The command line: bad inputs, each with its exact message and exit code, and the PVM
//     gate (on a kvm_pvm host without --force).
//   - A 64-bit stand-in kernel (a synthetic bzImage whose entry code the test assembles) boots
//     through the whole Linux path on /dev/kvm — long-mode entry, CPUID, MSRs, irqchip, ACPI
//     tables — and ends the run each way Linux can (i8042 reset, ACPI power off and reset, halt).
//   - The default Debian guest (tools/mkguest): needs hardware virtualization and the images;
//     skipped with the reason otherwise.
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "hwvm/kvm/host.hpp"
#include "hwvm/kvm/system.hpp"
#include "hwvm/monitor/linux_machine.hpp"
#include "hwvm/x86/acpi.hpp"
#include "hwvm/x86/boot_params.hpp"
#include "tests/hwvm/bzimage_fixture.hpp"
#include "tests/hwvm/flat_guest.hpp"
#include "tests/support/subprocess.hpp"

namespace fs = std::filesystem;
using strata::test::ProcessResult;
using strata::test::run_process;

namespace strata::hwvm {
namespace {

using x86::testing::fake_bzimage;

constexpr std::uint64_t kMiB = 1 << 20;
// fake_bzimage: setup is 5 sectors, pref_address 16 MiB, init_size 32 MiB.
constexpr std::size_t kFakeKernelOffset = 5 * 512;
constexpr std::uint64_t kFakeLoadAddress = 16 * kMiB;

std::string temp_dir(const char* what) {
  fs::path d =
      fs::temp_directory_path() / (std::string("strata_linux_") + what + "_" +
                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

void write_file(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

// ---- load_linux_guest: no KVM ----

TEST(LoadLinuxGuest, FillsRamWithKernelCmdlineZeroPageAndAcpi) {
  auto image = fake_bzimage(0x4000);
  image[kFakeKernelOffset] = 0xab;
  LinuxOptions options;
  options.mem_size = 64 * kMiB;
  options.append = "quiet strata.cmd=true";
  auto g = load_linux_guest(image, {}, options);
  ASSERT_TRUE(g) << g.error().message;
  EXPECT_EQ(g->boot.load_address, kFakeLoadAddress);
  EXPECT_EQ(g->boot.regs.rip, kFakeLoadAddress + 0x200);
  EXPECT_EQ(*g->mem.read_obj<std::uint8_t>(kFakeLoadAddress), 0xab);
  auto bp = g->mem.read_obj<::boot_params>(g->boot.zero_page);
  ASSERT_TRUE(bp);
  EXPECT_EQ(bp->acpi_rsdp_addr, x86::kAcpiRsdpAddress);
  const std::string want = "console=ttyS0 reboot=k panic=1 quiet strata.cmd=true";
  auto cmd = g->mem.slice(bp->hdr.cmd_line_ptr, want.size() + 1);
  ASSERT_TRUE(cmd);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(cmd->data())), want);
  auto rsdp = g->mem.slice(x86::kAcpiRsdpAddress, 8);
  ASSERT_TRUE(rsdp);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(rsdp->data()), 8), "RSD PTR ");
  EXPECT_EQ(g->disk, nullptr);
}

TEST(LoadLinuxGuest, DefaultCommandLineAlone) {
  EXPECT_EQ(linux_cmdline(""), "console=ttyS0 reboot=k panic=1");
  EXPECT_EQ(linux_cmdline("init=/bin/sh"), "console=ttyS0 reboot=k panic=1 init=/bin/sh");
}

TEST(LoadLinuxGuest, BadInputsSayWhatIsWrong) {
  LinuxOptions options;
  options.mem_size = 64 * kMiB;
  const std::vector<std::uint8_t> junk(0x4000, 0x90);
  auto not_bz = load_linux_guest(junk, {}, options);
  ASSERT_FALSE(not_bz);
  EXPECT_EQ(not_bz.error().message, "not a bzImage: no HdrS signature at offset 0x202");

  auto image = fake_bzimage(0x4000);
  options.append = std::string("a\0b", 3);
  auto nul = load_linux_guest(image, {}, options);
  ASSERT_FALSE(nul);
  EXPECT_EQ(nul.error().message, "the kernel command line contains a NUL byte");
  options.append = std::string(3000, 'x');
  auto long_line = load_linux_guest(image, {}, options);
  ASSERT_FALSE(long_line);
  EXPECT_EQ(long_line.error().message,
            "command line is 3031 bytes; this kernel accepts at most 2047 (cmdline_size)");
  options.append.clear();

  options.mem_size = 32 * kMiB;
  auto small = load_linux_guest(image, {}, options);
  ASSERT_FALSE(small);
  EXPECT_EQ(small.error().message,
            "guest RAM of 32 MiB is too small for this kernel: kernel needs 0x2000000 bytes at "
            "0x200000, but RAM below the MMIO hole ends at 0x2000000");
  options.mem_size = 1000;
  auto odd = load_linux_guest(image, {}, options);
  ASSERT_FALSE(odd);
  EXPECT_EQ(odd.error().message,
            "guest RAM size 1000 bytes: need a multiple of 4 KiB between 1 MiB and 1 TiB");

  options.mem_size = 64 * kMiB;
  auto big_initrd = load_linux_guest(image, std::vector<std::uint8_t>(60 * kMiB), options);
  ASSERT_FALSE(big_initrd);
  EXPECT_NE(big_initrd.error().message.find("initrd of 62914560 bytes does not fit"),
            std::string::npos)
      << big_initrd.error().message;

  options.disk = DiskOption{"/nonexistent/disk.img", false};
  options.mem_size = 4096 * kMiB;
  auto high = load_linux_guest(image, {}, options);
  ASSERT_FALSE(high);
  EXPECT_EQ(high.error().message,
            "--disk with more than 3 GiB of RAM is not supported: the virtio-blk model reaches "
            "only RAM below the MMIO hole at 3 GiB");
  options.mem_size = 64 * kMiB;
  auto disk = load_linux_guest(image, {}, options);
  ASSERT_FALSE(disk);
  EXPECT_EQ(disk.error().message,
            "disk image /nonexistent/disk.img: cannot open for writing: No such file or "
            "directory");
}

// ---- the command line ----

class LinuxBootCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir("cli");
    kernel_ = dir_ + "/bzImage";
    write_file(kernel_, fake_bzimage(0x4000));
  }
  void TearDown() override { fs::remove_all(dir_); }
  ProcessResult boot(std::vector<std::string> extra) {
    std::vector<std::string> args = {strata::test::strata_binary(), "boot"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_process(args, "", 60);
  }
  std::string dir_, kernel_;
};

TEST_F(LinuxBootCli, BadInputsFailWithAClearMessage) {
  const std::string junk = dir_ + "/junk";
  write_file(junk, std::vector<std::uint8_t>(0x4000, 0x90));
  auto not_bz = boot({"--kernel", junk});
  EXPECT_EQ(not_bz.exit_code, 1);
  EXPECT_EQ(not_bz.err, "strata: not a bzImage: no HdrS signature at offset 0x202\n");

  auto missing = boot({"--kernel", dir_ + "/nope"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find(dir_ + "/nope"), std::string::npos) << missing.err;

  auto initrd = boot({"--kernel", kernel_, "--initrd", dir_ + "/nope"});
  EXPECT_EQ(initrd.exit_code, 1);
  EXPECT_NE(initrd.err.find(dir_ + "/nope"), std::string::npos) << initrd.err;

  auto small = boot({"--kernel", kernel_, "--mem", "32M"});
  EXPECT_EQ(small.exit_code, 1);
  EXPECT_NE(small.err.find("strata: guest RAM of 32 MiB is too small for this kernel: "),
            std::string::npos)
      << small.err;

  auto bad_mem = boot({"--kernel", kernel_, "--mem", "12Q"});
  EXPECT_EQ(bad_mem.exit_code, 2);
  EXPECT_NE(bad_mem.err.find("strata: --mem: bad size '12Q'"), std::string::npos) << bad_mem.err;

  auto disk = boot({"--kernel", kernel_, "--mem", "64M", "--disk", dir_ + "/nope.img"});
  EXPECT_EQ(disk.exit_code, 1);
  EXPECT_EQ(disk.err, "strata: disk image " + dir_ +
                          "/nope.img: cannot open for writing: No such file or directory\n");
  auto dir_disk = boot({"--kernel", kernel_, "--mem", "64M", "--disk", dir_ + ",ro"});
  EXPECT_EQ(dir_disk.exit_code, 1);
  EXPECT_EQ(dir_disk.err, "strata: disk image " + dir_ + ": not a regular file or block device\n");

  auto no_value = boot({"--kernel", kernel_, "--append"});
  EXPECT_EQ(no_value.exit_code, 2);
  EXPECT_NE(no_value.err.find("strata: --append needs a value"), std::string::npos) << no_value.err;
}

TEST_F(LinuxBootCli, WithoutHardwareVirtualizationItExplainsAndStops) {
  if (detect_host() != HostVirt::kPvm)
    GTEST_SKIP() << "this host is not kvm_pvm (" << host_virt_name(detect_host()) << ")";
  auto r = boot({"--kernel", kernel_, "--mem", "64M"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("strata: --kernel: this host has no hardware virtualization. KVM here is "
                       "the kvm_pvm module (PVM)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("strata: not booting " + kernel_ + " (--force tries anyway"),
            std::string::npos)
      << r.err;
}

// ---- a 64-bit stand-in kernel on /dev/kvm ----

// Entered at load + 0x200 in long mode with RSI = the zero page. Prints what the boot protocol
// gave it (cmd_line_ptr, acpi_rsdp_addr, e820 count, CS, the CPUID hypervisor signature), then
// ends the run the way END (--defsym) says.
constexpr const char* kStandIn = R"(
        .code64
        .globl  _start
_start: mov     %rsi, %r12
        lea     hello(%rip), %rsi
        call    puts
        lea     cmdline(%rip), %rsi
        call    puts
        mov     0x228(%r12), %esi       /* hdr.cmd_line_ptr */
        call    puts
        call    newline
        lea     rsdp(%rip), %rsi
        call    puts
        mov     0x70(%r12), %rsi        /* acpi_rsdp_addr */
        mov     $8, %ecx
        call    putn
        call    newline
        lea     e820(%rip), %rsi
        call    puts
        mov     0x1e8(%r12), %al        /* e820_entries */
        call    puthex
        call    newline
        lea     cs(%rip), %rsi
        call    puts
        mov     %cs, %ax
        call    puthex
        call    newline
        lea     hv(%rip), %rsi
        call    puts
        mov     $0x40000000, %eax
        cpuid
        lea     buf(%rip), %rsi
        mov     %ebx, (%rsi)
        mov     %ecx, 4(%rsi)
        mov     %edx, 8(%rsi)
        mov     $9, %ecx
        call    putn
        call    newline
.if END == 0
        mov     $0xfe, %al              /* reboot=k: the i8042 reset line */
        outb    %al, $0x64
.elseif END == 1
        mov     $0x600, %dx             /* ACPI SLEEP_CONTROL: SLP_EN | SLP_TYP 5 */
        mov     $0x34, %al
        outb    %al, %dx
.elseif END == 2
        mov     $0x602, %dx             /* ACPI RESET_REG */
        mov     $0x01, %al
        outb    %al, %dx
.elseif END == 4
        /* IRQ 4 through the IOAPIC and the LAPIC, as Linux takes it. Map the 4th GiB (IOAPIC,
           LAPIC) with uncached 2 MiB pages: a page directory at 0x80000 in PDPT slot 3. */
        mov     $0x80000, %rdi
        xor     %eax, %eax
        mov     $512, %ecx
        rep stosq
        mov     $0xfec00093, %eax       /* present, writable, PCD, 2 MiB */
        mov     %rax, 0x80000 + 502 * 8
        mov     $0xfee00093, %eax
        mov     %rax, 0x80000 + 503 * 8
        mov     %cr3, %rax
        mov     (%rax), %rbx
        and     $~0xfff, %rbx           /* the PDPT */
        movq    $0x80003, 24(%rbx)
        mov     %cr3, %rax
        mov     %rax, %cr3
        /* a 64-bit interrupt gate for vector 0x30 in an IDT at 0x81000 */
        lea     ioapic_isr(%rip), %rax
        mov     $0x81000 + 0x30 * 16, %rdi
        mov     %ax, (%rdi)
        movw    $0x10, 2(%rdi)
        movw    $0x8e00, 4(%rdi)
        shr     $16, %rax
        mov     %ax, 6(%rdi)
        shr     $16, %rax
        mov     %eax, 8(%rdi)
        movl    $0, 12(%rdi)
        lidt    idtr(%rip)
        mov     $0xfee00000, %r9d
        movl    $0, 0x80(%r9)           /* TPR 0 */
        movl    $0x1ff, 0xf0(%r9)       /* SVR: APIC enabled, spurious vector 0xff */
        mov     $0xfec00000, %r8d
        movl    $0x18, (%r8)            /* IOREDTBL[4] low: vector 0x30, fixed, edge, unmasked */
        movl    $0x30, 0x10(%r8)
        movl    $0x19, (%r8)            /* high: destination APIC id 0 */
        movl    $0, 0x10(%r8)
        mov     $0x3f9, %dx             /* UART IER: THR empty */
        mov     $0x02, %al
        outb    %al, %dx
        sti
2:      hlt
        jmp     2b
.endif
        cli
1:      hlt
        jmp     1b

.if END == 4
/* Does not return (kvm_pvm's emulator runs IRET only in real mode): says so, EOI, reboot. */
ioapic_isr:
        lea     ioapic(%rip), %rsi
        call    puts
        movl    $0, 0xb0(%r9)           /* LAPIC EOI */
        mov     $0xfe, %al
        outb    %al, $0x64
        cli
        hlt
idtr:   .word   0x31 * 16 - 1
        .quad   0x81000
ioapic: .asciz  "IOAPIC: vector 0x30 from IRQ 4\n"
.endif

putc:   push    %rax
        push    %rdx
        mov     $0x3fd, %dx
1:      inb     %dx, %al
        test    $0x20, %al
        jz      1b
        mov     $0x3f8, %dx
        mov     %bl, %al
        outb    %al, %dx
        pop     %rdx
        pop     %rax
        ret
puts:   lodsb
        test    %al, %al
        jz      2f
        mov     %al, %bl
        call    putc
        jmp     puts
2:      ret
putn:   lodsb                           /* %ecx bytes at %rsi */
        mov     %al, %bl
        call    putc
        loop    putn
        ret
puthex: push    %rax
        mov     %al, %bh
        shr     $4, %al
        call    1f
        mov     %bh, %al
        and     $15, %al
        call    1f
        pop     %rax
        ret
1:      add     $'0', %al
        cmp     $'9', %al
        jbe     2f
        add     $('a' - '0' - 10), %al
2:      mov     %al, %bl
        jmp     putc
newline: mov    $'\n', %bl
        jmp     putc

hello:  .asciz  "64-bit entry\n"
cmdline: .asciz "cmdline: "
rsdp:   .asciz  "rsdp: "
e820:   .asciz  "e820 entries: "
cs:     .asciz  "cs: "
hv:     .asciz  "cpuid 0x40000000: "
buf:    .space  12
)";

class StandInKernel : public ::testing::Test {
 protected:
  void SetUp() override {
    auto kvm = Kvm::open();
    if (!kvm) GTEST_SKIP() << "KVM unusable here: " << kvm.error().message;
    as_ = strata::test::find_tool("as");
    ld_ = strata::test::find_tool("ld");
    if (as_.empty() || ld_.empty()) GTEST_SKIP() << "GNU as/ld (binutils) are not installed";
    dir_ = temp_dir("standin");
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // The synthetic bzImage with the assembled entry code at kernel offset 0x200.
  std::string kernel(int end) {
    auto b = strata::test::assemble_flat(
        as_, ld_, dir_, "entry", kStandIn,
        {static_cast<unsigned>(kFakeLoadAddress + 0x200), {"END=" + std::to_string(end)}, true});
    EXPECT_TRUE(b.error.empty()) << b.error;
    std::ifstream f(b.path, std::ios::binary);
    std::vector<std::uint8_t> code{std::istreambuf_iterator<char>(f), {}};
    const std::size_t at = kFakeKernelOffset + 0x200;
    std::vector<std::uint8_t> image = fake_bzimage(at + code.size());
    std::copy(code.begin(), code.end(), image.begin() + static_cast<std::ptrdiff_t>(at));
    const std::string path = dir_ + "/bzImage-" + std::to_string(end);
    write_file(path, image);
    return path;
  }

  ProcessResult boot(const std::string& kernel, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {strata::test::strata_binary(),
                                     "boot",
                                     "--kernel",
                                     kernel,
                                     "--mem",
                                     "64M",
                                     "--append",
                                     "root=/dev/vda",
                                     "--stats"};
    if (detect_host() == HostVirt::kPvm) args.push_back("--force");
    args.insert(args.end(), extra.begin(), extra.end());
    return run_process(args, "", 60);
  }

  std::string as_, ld_, dir_;
};

constexpr const char* kStandInOutput =
    "64-bit entry\n"
    "cmdline: console=ttyS0 reboot=k panic=1 root=/dev/vda\n"
    "rsdp: RSD PTR \n"
    "e820 entries: 03\n"
    "cs: 10\n"
    "cpuid 0x40000000: KVMKVMKVM\n";

TEST_F(StandInKernel, RebootThroughTheI8042EndsTheRunWithZero) {
  auto r = boot(kernel(0));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, kStandInOutput) << r.err;
  EXPECT_NE(r.err.find("strata: guest reset the machine (i8042)\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("  device faults   0\n"), std::string::npos) << r.err;
}

TEST_F(StandInKernel, AcpiPowerOffAndResetEndTheRunWithZero) {
  auto off = boot(kernel(1));
  EXPECT_EQ(off.exit_code, 0) << off.err;
  EXPECT_EQ(off.out, kStandInOutput) << off.err;
  EXPECT_NE(off.err.find("strata: guest powered off (ACPI S5)\n"), std::string::npos) << off.err;
  auto reset = boot(kernel(2));
  EXPECT_EQ(reset.exit_code, 0) << reset.err;
  EXPECT_NE(reset.err.find("strata: guest reset the machine (ACPI reset register)\n"),
            std::string::npos)
      << reset.err;
}

TEST_F(StandInKernel, HaltWithInterruptsOffEndsTheRun) {
  // What a kernel without a power-off method does; the in-kernel LAPIC keeps HLT from us, so
  // the monitor finds the VCPU halted with IF clear on its 20 ms tick.
  auto halted = boot(kernel(3));
  EXPECT_EQ(halted.exit_code, 0) << halted.err;
  EXPECT_EQ(halted.out, kStandInOutput) << halted.err;
  EXPECT_NE(halted.err.find("with interrupts off (nothing can wake it)\n"), std::string::npos)
      << halted.err;
}

TEST_F(StandInKernel, TheUartInterruptArrivesThroughTheIoapicAndLapic) {
  auto r = boot(kernel(4));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, std::string(kStandInOutput) + "IOAPIC: vector 0x30 from IRQ 4\n") << r.err;
  EXPECT_NE(r.err.find("strata: guest reset the machine (i8042)\n"), std::string::npos) << r.err;
}

// ---- the default Debian guest (tools/mkguest) ----

// Where tools/mkguest put the images: $STRATA_GUEST_DIR, else build/guest in the source tree.
std::string guest_dir() {
  const char* env = std::getenv("STRATA_GUEST_DIR");
  return env ? env : strata::test::source_path("build/guest");
}

class DebianGuest : public ::testing::Test {
 protected:
  void SetUp() override {
    const HostVirt host = detect_host();
    if (host != HostVirt::kHardware)
      GTEST_SKIP() << "needs hardware virtualization (vmx/svm); this host is "
                   << host_virt_name(host) << ": " << explain_host(host);
    if (!Kvm::open()) GTEST_SKIP() << "/dev/kvm is not usable here";
    dir_ = guest_dir();
    for (const char* f : {"vmlinuz", "initramfs.cpio.gz", "disk.ext4"})
      if (!fs::exists(fs::path(dir_) / f))
        GTEST_SKIP() << dir_ << "/" << f << " is missing: run tools/mkguest/mkguest";
    tmp_ = temp_dir("debian");
  }
  void TearDown() override {
    if (!tmp_.empty()) fs::remove_all(tmp_);
  }
  ProcessResult boot(const std::string& command, const std::string& disk = "") {
    std::vector<std::string> args = {strata::test::strata_binary(),
                                     "boot",
                                     "--kernel",
                                     dir_ + "/vmlinuz",
                                     "--initrd",
                                     dir_ + "/initramfs.cpio.gz",
                                     "--append",
                                     "strata.cmd=\"" + command + "\""};
    if (!disk.empty()) {
      args.push_back("--disk");
      args.push_back(disk);
    }
    return run_process(args, "", 120);
  }
  std::string dir_, tmp_;
};

TEST_F(DebianGuest, BootsRunsACommandAndPowersOff) {
  auto r = boot("echo hello from $(uname -s)");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("strata-guest: ready"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("hello from Linux"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("strata-guest: exit 0"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("strata: guest powered off (ACPI S5)"), std::string::npos) << r.err;
}

TEST_F(DebianGuest, AFileWrittenToTheDiskSurvivesARebootInANewMonitor) {
  const std::string disk = tmp_ + "/disk.ext4";
  fs::copy_file(dir_ + "/disk.ext4", disk);
  auto w = boot("mount /dev/vda /mnt && echo persisted > /mnt/note && umount /mnt", disk);
  EXPECT_EQ(w.exit_code, 0) << w.err;
  EXPECT_NE(w.out.find("strata-guest: exit 0"), std::string::npos) << w.out;
  auto r = boot("mount -o ro /dev/vda /mnt && cat /mnt/note", disk);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("persisted"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("strata-guest: exit 0"), std::string::npos) << r.out;
}

TEST_F(DebianGuest, DmesgShowsNoVirtioOrSerialErrors) {
  const std::string disk = tmp_ + "/disk.ext4";
  fs::copy_file(dir_ + "/disk.ext4", disk);
  auto r = boot("dmesg | grep -iE 'virtio|serial|ttyS|vda' ; echo dmesg-end", disk);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::size_t end = r.out.find("dmesg-end");
  ASSERT_NE(end, std::string::npos) << r.out;
  const std::string log = r.out.substr(0, end);
  EXPECT_NE(log.find("ttyS0"), std::string::npos) << log;
  EXPECT_NE(log.find("vda"), std::string::npos) << log;
  for (const char* bad : {"error", "Error", "fail", "timed out", "lost interrupt"})
    EXPECT_EQ(log.find(bad), std::string::npos) << bad << " in:\n" << log;
}

}  // namespace
}  // namespace strata::hwvm
