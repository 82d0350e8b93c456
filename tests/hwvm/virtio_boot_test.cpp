// virtio-blk in the machine, end to end on /dev/kvm: a 32-bit flat payload is the driver. It
// switches from real mode to flat protected mode, brings the device up at 0xd0000000 as
// Linux's virtio_mmio does, submits requests on a split virtqueue and polls the used ring
// (flat mode has no irqchip), and prints what it got through the UART. The test checks the
// console and the disk image's bytes after the monitor has exited. Skipped where /dev/kvm is
// unusable or binutils are missing.
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "hwvm/kvm/system.hpp"
#include "tests/hwvm/flat_guest.hpp"
#include "tests/support/subprocess.hpp"

namespace fs = std::filesystem;
using strata::test::ProcessResult;
using strata::test::run_process;

namespace {

// The driver. CASE (--defsym) picks the scenario: 0 a good session; 1..5 one malformed
// request or queue (see kCases), after which the payload prints Status and InterruptStatus,
// resets the device, brings it up again and does one good read; 6 one read that waits for the
// completion interrupt (with --irqchip).
constexpr const char* kDriver = R"(
        .equ    VIRTIO, 0xd0000000
        .equ    DESC, 0x80000           /* 16-byte aligned descriptor table */
        .equ    AVAIL, 0x81000
        .equ    USED, 0x82000
        .equ    HDR, 0x83000            /* request header {type, reserved, sector} */
        .equ    STATUSB, 0x83100        /* the status byte */
        .equ    BUF, 0x84000            /* data */

        .code16
        .globl  _start
_start: cli
        mov     %cs, %ax
        mov     %ax, %ds
        lgdtl   gdtr - _start
        mov     %cr0, %eax
        or      $1, %eax
        mov     %eax, %cr0
        ljmpl   $0x08, $pm32

        .code32
pm32:   mov     $0x10, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     $0x70000, %esp
        jmp     main

        .p2align 3
gdt:    .quad   0
        .quad   0x00cf9a000000ffff      /* 0x08: flat 32-bit code */
        .quad   0x00cf92000000ffff      /* 0x10: flat data */
gdtr:   .word   gdtr - gdt - 1
        .long   gdt

qnum:   .long   8

/* %bl to the UART once THR is empty. */
putc:   push    %eax
        push    %edx
        mov     $0x3fd, %dx
1:      inb     %dx, %al
        test    $0x20, %al
        jz      1b
        mov     $0x3f8, %dx
        mov     %bl, %al
        outb    %al, %dx
        pop     %edx
        pop     %eax
        ret

/* The NUL-terminated string at %esi. */
puts:   push    %ebx
1:      lodsb
        test    %al, %al
        jz      2f
        mov     %al, %bl
        call    putc
        jmp     1b
2:      pop     %ebx
        ret

/* %al as two hex digits. */
puthex: push    %eax
        push    %ebx
        mov     %al, %bh
        shr     $4, %al
        call    1f
        mov     %bh, %al
        and     $15, %al
        call    1f
        pop     %ebx
        pop     %eax
        ret
1:      add     $'0', %al
        cmp     $'9', %al
        jbe     2f
        add     $('a' - '0' - 10), %al
2:      mov     %al, %bl
        jmp     putc

newline: mov    $'\n', %bl
        jmp     putc

/* Linux's probe order: reset, ACKNOWLEDGE, DRIVER, features VERSION_1 | FLUSH, FEATURES_OK
   (read back), queue 0 of (qnum) entries, QueueReady, DRIVER_OK. */
setup:  movl    $0, VIRTIO+0x70
        movl    $1, VIRTIO+0x70
        movl    $3, VIRTIO+0x70
        movl    $1, VIRTIO+0x24
        movl    $1, VIRTIO+0x20
        movl    $0, VIRTIO+0x24
        movl    $0x200, VIRTIO+0x20
        movl    $0xb, VIRTIO+0x70
        movl    VIRTIO+0x70, %eax
        test    $8, %eax
        jnz     1f
        mov     $nofeat, %esi
        call    puts
        cli
        hlt
1:      movw    $0, AVAIL
        movw    $0, AVAIL+2
        movw    $0, USED+2
        movl    $0, VIRTIO+0x30
        mov     qnum, %eax
        mov     %eax, VIRTIO+0x38
        movl    $DESC, VIRTIO+0x80
        movl    $0, VIRTIO+0x84
        movl    $AVAIL, VIRTIO+0x90
        movl    $0, VIRTIO+0x94
        movl    $USED, VIRTIO+0xa0
        movl    $0, VIRTIO+0xa4
        movl    $1, VIRTIO+0x44
        movl    $0xf, VIRTIO+0x70
        ret

/* A request chain at descriptors 0, 1, 2: header (type %eax, sector %ecx), data at BUF of %edx
   bytes with flags %edi (2 = device-writable; no data descriptor when %edx is 0), status. */
build:  mov     %eax, HDR
        movl    $0, HDR+4
        mov     %ecx, HDR+8
        movl    $0, HDR+12
        movb    $0xff, STATUSB
        movl    $HDR, DESC
        movl    $0, DESC+4
        movl    $16, DESC+8
        movw    $1, DESC+12
        movw    $1, DESC+14
        movl    $BUF, DESC+16
        movl    $0, DESC+20
        mov     %edx, DESC+24
        mov     %edi, %eax
        or      $1, %eax
        movw    %ax, DESC+28
        movw    $2, DESC+30
        movl    $STATUSB, DESC+32
        movl    $0, DESC+36
        movl    $1, DESC+40
        movw    $2, DESC+44
        movw    $0, DESC+46
        test    %edx, %edx
        jnz     1f
        movw    $2, DESC+14
1:      ret

/* Makes chain 0 available and notifies. */
publish: movzwl AVAIL+2, %eax
        mov     %eax, %ebx
        mov     qnum, %ecx
        dec     %ecx
        and     %ecx, %ebx
        movw    $0, AVAIL+4(,%ebx,2)
        inc     %eax
        movw    %ax, AVAIL+2
        movl    $0, VIRTIO+0x50
        ret

/* Waits for the used ring to catch up with avail, then prints "<what> status=XX". */
wait:   mov     $100000, %ecx
1:      movw    USED+2, %ax
        cmpw    AVAIL+2, %ax
        je      2f
        loop    1b
        mov     $timeout, %esi
        call    puts
        cli
        hlt
2:      call    puts
        mov     $status, %esi
        call    puts
        movb    STATUSB, %al
        call    puthex
        jmp     newline

/* One whole request: build, publish, wait; %esi names it. */
request: push   %esi
        call    build
        call    publish
        pop     %esi
        jmp     wait

/* Prints %esi, then the string at BUF. */
showbuf: call   puts
        mov     $BUF, %esi
        call    puts
        jmp     newline

read0:  mov     $0, %eax
        mov     $0, %ecx
        mov     $512, %edx
        mov     $2, %edi
        mov     $rd, %esi
        jmp     request

main:
.if CASE == 6
        /* The completion interrupt: GSI 5 through the 8259 (vectors 0x20-0x27) to an IDT gate. */
        mov     $isr, %eax
        mov     $IDT + 0x25 * 8, %edi
        mov     %ax, (%edi)
        movw    $0x08, 2(%edi)
        movw    $0x8e00, 4(%edi)        /* present, DPL 0, 32-bit interrupt gate */
        shr     $16, %eax
        mov     %ax, 6(%edi)
        lidt    idtr
        mov     $0x11, %al
        outb    %al, $0x20
        mov     $0x20, %al
        outb    %al, $0x21
        mov     $0x04, %al
        outb    %al, $0x21
        mov     $0x01, %al
        outb    %al, $0x21
        mov     $0xdf, %al              /* only IRQ 5 unmasked */
        outb    %al, $0x21
        mov     $0xff, %al
        outb    %al, $0xa1
        call    setup
        mov     $0, %eax
        mov     $0, %ecx
        mov     $512, %edx
        mov     $2, %edi
        call    build
        call    publish
        sti                             /* the interrupt may be pending already */
1:      hlt
        jmp     1b
woken:  mov     $irq, %esi
        call    puts
        movb    isrstat, %al
        call    puthex
        call    newline
        mov     $rd, %esi
        call    wait
        mov     $sec0, %esi
        call    showbuf
.elseif CASE == 0
        call    setup
        call    read0
        mov     $sec0, %esi
        call    showbuf
        /* sector 1 := the message, zero-padded */
        mov     $BUF, %edi
        xor     %eax, %eax
        mov     $128, %ecx
        rep stosl
        mov     $msg, %esi
        mov     $BUF, %edi
        mov     $msglen, %ecx
        rep movsb
        mov     $1, %eax
        mov     $1, %ecx
        mov     $512, %edx
        mov     $0, %edi
        mov     $wr, %esi
        call    request
        /* sectors 4..5 := 0x5a in one 1024-byte request */
        mov     $BUF, %edi
        mov     $0x5a5a5a5a, %eax
        mov     $256, %ecx
        rep stosl
        mov     $1, %eax
        mov     $4, %ecx
        mov     $1024, %edx
        mov     $0, %edi
        mov     $wr, %esi
        call    request
        mov     $4, %eax
        mov     $0, %ecx
        mov     $0, %edx
        mov     $0, %edi
        mov     $fl, %esi
        call    request
        mov     $BUF, %edi
        xor     %eax, %eax
        mov     $8, %ecx
        rep stosl
        mov     $8, %eax
        mov     $0, %ecx
        mov     $20, %edx
        mov     $2, %edi
        mov     $gid, %esi
        call    request
        mov     $idis, %esi
        call    showbuf
        mov     $0, %eax
        mov     $1, %ecx
        mov     $512, %edx
        mov     $2, %edi
        mov     $rd, %esi
        call    request
        mov     $sec1, %esi
        call    showbuf
.else
.if CASE == 3
        movl    $3, qnum                /* bad QueueNum: rejected at QueueReady */
        call    setup
.else
        call    setup
        mov     $0, %eax
        mov     $0, %ecx
        mov     $512, %edx
        mov     $2, %edi
.if CASE == 2
        mov     $4, %eax                /* a flush: its data descriptors are only walked */
.endif
.if CASE == 4
        mov     $0, %edx                /* zero-length data buffer */
.endif
.if CASE == 5
        mov     $0xfffff000, %edx       /* oversized data buffer */
.endif
        call    build
.if CASE == 1
        movl    $0x40000000, DESC+16    /* data buffer at 1 GiB: past RAM */
.endif
.if CASE == 2
        movw    $0, DESC+30             /* data -> header again: a loop */
.endif
.if CASE == 4
        movw    $1, DESC+14             /* keep the empty data descriptor in the chain */
.endif
        call    publish
.endif
        mov     $stat, %esi
        call    puts
        movl    VIRTIO+0x70, %eax
        call    puthex
        mov     $intr, %esi
        call    puts
        movl    VIRTIO+0x60, %eax
        call    puthex
        call    newline
        movl    $8, qnum
        call    setup
        call    read0
        mov     $rec, %esi
        call    showbuf
.endif
        cli
        hlt

.if CASE == 6
/* GSI 5: acknowledge what InterruptStatus says, EOI, and go on at `woken` with the frame
   dropped instead of returning: kvm_pvm's instruction emulator implements IRET only in real
   mode (KVM_EXIT_INTERNAL_ERROR on a protected-mode IRET), and the payload needs no return. */
isr:    mov     VIRTIO+0x60, %eax
        mov     %al, isrstat
        mov     %eax, VIRTIO+0x64
        mov     $0x20, %al
        outb    %al, $0x20
        add     $12, %esp               /* EIP, CS, EFLAGS */
        jmp     woken
.endif

        .equ    IDT, 0x86000
idtr:   .word   0x30 * 8 - 1
        .long   IDT
isrstat: .byte  0
irq:    .asciz  "irq: InterruptStatus="
nofeat: .asciz  "FEATURES_OK refused\n"
timeout: .asciz "timeout waiting for the used ring\n"
status: .asciz  " status="
rd:     .asciz  "read"
wr:     .asciz  "write"
fl:     .asciz  "flush"
gid:    .asciz  "get-id"
sec0:   .asciz  "sector 0: "
sec1:   .asciz  "sector 1: "
idis:   .asciz  "id: "
stat:   .asciz  "after the bad request: Status="
intr:   .asciz  " InterruptStatus="
rec:    .asciz  "recovered: "
msg:    .asciz  "written by the guest"
        .equ    msglen, . - msg
)";

constexpr unsigned kSectors = 16;

class VirtioBoot : public ::testing::Test {
 protected:
  void SetUp() override {
    auto kvm = strata::hwvm::Kvm::open();
    if (!kvm) GTEST_SKIP() << "KVM unusable here: " << kvm.error().message;
    as_ = strata::test::find_tool("as");
    ld_ = strata::test::find_tool("ld");
    if (as_.empty() || ld_.empty()) GTEST_SKIP() << "GNU as/ld (binutils) are not installed";
    dir_ = fs::temp_directory_path() /
           ("strata_vblk_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // Sector n starts with "strata-disk-sector-n" and is filled with n after the NUL.
    disk_ = (dir_ / "vda.img").string();
    original_.assign(kSectors * 512, 0);
    for (unsigned n = 0; n < kSectors; ++n) {
      std::string label = "strata-disk-sector-" + std::to_string(n);
      for (unsigned i = 0; i < 512; ++i)
        original_[n * 512 + i] = i < label.size()    ? static_cast<std::uint8_t>(label[i])
                                 : i == label.size() ? 0
                                                     : static_cast<std::uint8_t>(n);
    }
    std::ofstream(disk_, std::ios::binary)
        .write(reinterpret_cast<const char*>(original_.data()),
               static_cast<std::streamsize>(original_.size()));
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  std::string driver(int scenario) {
    auto b = strata::test::assemble_flat(as_, ld_, dir_, "driver", kDriver,
                                         {0x10000, {"CASE=" + std::to_string(scenario)}});
    EXPECT_TRUE(b.error.empty()) << b.error;
    return b.path;
  }

  ProcessResult boot(const std::string& bin, const std::string& disk_arg,
                     const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {
        strata::test::strata_binary(), "boot", "--flat", bin, "--disk", disk_arg, "--stats"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_process(args, "", 60);
  }

  std::vector<std::uint8_t> on_disk() const {
    std::ifstream f(disk_, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), {}};
  }

  fs::path dir_;
  std::string as_, ld_, disk_;
  std::vector<std::uint8_t> original_;
};

TEST_F(VirtioBoot, ReadsWritesFlushesAndGetsTheIdAndTheBytesReachTheDisk) {
  const std::string bin = driver(0);
  ASSERT_FALSE(bin.empty());
  auto r = boot(bin, disk_);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "read status=00\n"
            "sector 0: strata-disk-sector-0\n"
            "write status=00\n"
            "write status=00\n"
            "flush status=00\n"
            "get-id status=00\n"
            "id: vda.img\n"
            "read status=00\n"
            "sector 1: written by the guest\n")
      << r.err;
  EXPECT_NE(r.err.find("  mmio            "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("  device faults   0\n"), std::string::npos) << r.err;

  // After the monitor exited: exactly sectors 1, 4 and 5 changed.
  std::vector<std::uint8_t> want = original_;
  std::fill(want.begin() + 512, want.begin() + 1024, 0);
  const std::string msg = "written by the guest";
  std::copy(msg.begin(), msg.end(), want.begin() + 512);
  std::fill(want.begin() + 4 * 512, want.begin() + 6 * 512, 0x5a);
  EXPECT_EQ(on_disk(), want);
}

TEST_F(VirtioBoot, AReadOnlyDiskRefusesWritesWithIoErr) {
  const std::string bin = driver(0);
  ASSERT_FALSE(bin.empty());
  auto r = boot(bin, disk_ + ",ro");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "read status=00\n"
            "sector 0: strata-disk-sector-0\n"
            "write status=01\n"
            "write status=01\n"
            "flush status=00\n"
            "get-id status=00\n"
            "id: vda.img\n"
            "read status=00\n"
            "sector 1: strata-disk-sector-1\n")
      << r.err;
  EXPECT_EQ(on_disk(), original_);
}

// With the irqchip the payload sleeps in HLT until the completion interrupt (GSI 5, through
// the PIC and a 32-bit IDT gate) wakes it, acknowledges it in the handler, and only then
// looks at the used ring.
TEST_F(VirtioBoot, TheCompletionInterruptWakesTheDriver) {
  const std::string bin = driver(6);
  ASSERT_FALSE(bin.empty());
  auto r = boot(bin, disk_, {"--irqchip"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "irq: InterruptStatus=01\n"
            "read status=00\n"
            "sector 0: strata-disk-sector-0\n")
      << r.err;
  EXPECT_NE(r.err.find("with interrupts off (nothing can wake it)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("  irq changes     2\n"), std::string::npos) << r.err;  // raise, ACK
}

struct BadCase {
  int scenario;
  const char* what;
  const char* log;  // the fault line the monitor prints
};

constexpr BadCase kCases[] = {
    {1, "descriptor outside RAM", "device vda: virtqueue 0: descriptor buffer outside guest RAM"},
    {2, "loop in the chain",
     "device vda: virtqueue 0: descriptor chain longer than the queue (a loop)"},
    {3, "bad queue size", "device vda: virtqueue 0: bad QueueNum (not a power of 2 in 1..256)"},
    {4, "zero-length buffer", "device vda: virtqueue 0: zero-length descriptor buffer"},
    {5, "oversized buffer", "device vda: virtqueue 0: descriptor buffer outside guest RAM"},
};

TEST_F(VirtioBoot, MalformedVirtqueuesResetTheDeviceAndTheGuestGoesOn) {
  for (const BadCase& c : kCases) {
    SCOPED_TRACE(c.what);
    const std::string bin = driver(c.scenario);
    ASSERT_FALSE(bin.empty());
    auto r = boot(bin, disk_);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    // NEEDS_RESET (0x40) on top of ACK|DRIVER|FEATURES_OK|DRIVER_OK, and the
    // configuration-change interrupt; then a fresh bring-up reads sector 0.
    EXPECT_EQ(r.out,
              "after the bad request: Status=4f InterruptStatus=02\n"
              "read status=00\n"
              "recovered: strata-disk-sector-0\n")
        << r.err;
    EXPECT_NE(r.err.find(std::string(c.log) + "\n"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("strata: guest halted"), std::string::npos) << r.err;
    EXPECT_EQ(on_disk(), original_);
  }
}

TEST_F(VirtioBoot, BadDiskArguments) {
  const std::string bin = driver(0);
  ASSERT_FALSE(bin.empty());
  auto missing = boot(bin, (dir_ / "nope.img").string());
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("strata: disk image " + (dir_ / "nope.img").string() +
                             ": cannot open for writing: No such file or directory"),
            std::string::npos)
      << missing.err;
  auto flag = boot(bin, disk_ + ",rw");
  EXPECT_EQ(flag.exit_code, 2);
  EXPECT_NE(
      flag.err.find("--disk: unknown flag 'rw' in '" + disk_ + ",rw' (expected FILE or FILE,ro)"),
      std::string::npos)
      << flag.err;
  const std::string odd = (dir_ / "odd.img").string();
  std::ofstream(odd) << "not a whole sector";
  auto partial = boot(bin, odd);
  EXPECT_EQ(partial.exit_code, 1);
  EXPECT_NE(partial.err.find("is not a whole number of 512-byte sectors"), std::string::npos)
      << partial.err;
  auto directory = boot(bin, dir_.string() + ",ro");
  EXPECT_EQ(directory.exit_code, 1);
  EXPECT_NE(directory.err.find("not a regular file or block device"), std::string::npos)
      << directory.err;
  if (::geteuid() == 0) return;  // root opens a mode-000 file anyway
  const std::string locked = (dir_ / "locked.img").string();
  std::ofstream(locked) << std::string(512, 'x');
  fs::permissions(locked, fs::perms::none);
  auto unreadable = boot(bin, locked);
  EXPECT_EQ(unreadable.exit_code, 1);
  EXPECT_NE(unreadable.err.find("Permission denied"), std::string::npos) << unreadable.err;
}

}  // namespace
