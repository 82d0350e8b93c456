// `strata boot --flat` end to end on /dev/kvm: tiny real-mode guests, assembled at test time
// with GNU as/ld, drive the SVI device models through the real KVM exit path. Skipped (with
// the reason) where /dev/kvm is unusable or binutils are missing.
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "hwvm/kvm/system.hpp"
#include "tests/support/subprocess.hpp"

namespace fs = std::filesystem;
using strata::test::ProcessResult;
using strata::test::run_process;

namespace {

// Waits for LSR.THRE, then sends %bl through THR (clobbers al, dx).
constexpr const char* kPutc = R"(
putc:   mov     $0x3fd, %dx
1:      inb     %dx, %al
        test    $0x20, %al
        jz      1b
        mov     $0x3f8, %dx
        mov     %bl, %al
        outb    %al, %dx
        ret
/* Prints the NUL-terminated string at %si. */
puts:   lodsb
        test    %al, %al
        jz      2f
        mov     %al, %bl
        call    putc
        jmp     puts
2:      ret
)";

constexpr const char* kPrologue = R"(
        .code16
        .globl _start
_start: mov     %cs, %ax
        mov     %ax, %ds
)";

// `name` found on PATH (run_process does not search it), or "" when it is not installed.
std::string find_tool(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (std::size_t start = 0; start <= dirs.size();) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    fs::path p = fs::path(dirs.substr(start, end - start)) / name;
    if (!p.parent_path().empty() && ::access(p.c_str(), X_OK) == 0) return p.string();
    start = end + 1;
  }
  return "";
}

class FlatBoot : public ::testing::Test {
 protected:
  void SetUp() override {
    auto kvm = strata::hwvm::Kvm::open();
    if (!kvm) GTEST_SKIP() << "KVM unusable here: " << kvm.error().message;
    as_ = find_tool("as");
    ld_ = find_tool("ld");
    if (as_.empty() || ld_.empty()) GTEST_SKIP() << "GNU as/ld (binutils) are not installed";
    dir_ = fs::temp_directory_path() /
           ("strata_flat_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // Assembles `body` (after the prologue; kPutc/puts are appended) into a flat binary.
  std::string build(const std::string& body) {
    const std::string src = (dir_ / "guest.S").string();
    const std::string obj = (dir_ / "guest.o").string();
    const std::string bin = (dir_ / "guest.bin").string();
    std::ofstream(src) << kPrologue << body << kPutc;
    auto as = run_process({as_, "--32", "-o", obj, src});
    if (as.exit_code != 0) return "as failed: " + as.err;
    auto ld = run_process({ld_, "-m", "elf_i386", "-Ttext=0", "--oformat=binary", "-o", bin, obj});
    if (ld.exit_code != 0) return "ld failed: " + ld.err;
    return bin;
  }

  ProcessResult boot(const std::string& bin, const std::string& input = "",
                     std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {strata::test::strata_binary(), "boot", "--flat", bin};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_process(args, input, 60);
  }

  fs::path dir_;
  std::string as_, ld_;
};

#define BUILD_OR_FAIL(var, body)       \
  const std::string var = build(body); \
  ASSERT_FALSE(var.starts_with("as failed") || var.starts_with("ld failed")) << var

TEST_F(FlatBoot, HelloThroughTheSviUart) {
  BUILD_OR_FAIL(bin, R"(
        mov     $msg, %si
        call    puts
        cli
        hlt
msg:    .asciz  "Hello from a flat guest\n"
)");
  auto r = boot(bin, "", {"--stats"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Hello from a flat guest\n");
  EXPECT_NE(r.err.find("strata: guest halted at 1000:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("  hlt             1\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("  io              "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("  device faults   0\n"), std::string::npos) << r.err;
}

TEST_F(FlatBoot, EchoesInputUppercased) {
  // Prints a prompt (no newline: it must still appear before the guest waits), then echoes
  // each received byte uppercased until a newline.
  BUILD_OR_FAIL(bin, R"(
        mov     $prompt, %si
        call    puts
next:   mov     $0x3fd, %dx
1:      inb     %dx, %al
        test    $1, %al                 /* LSR.DR */
        jz      1b
        mov     $0x3f8, %dx
        inb     %dx, %al                /* RBR */
        cmp     $'a', %al
        jb      2f
        cmp     $'z', %al
        ja      2f
        sub     $0x20, %al
2:      mov     %al, %bl
        call    putc
        cmp     $'\n', %bl
        jne     next
        cli
        hlt
prompt: .asciz  "echo> "
)");
  auto r = boot(bin, "hello, kvm!\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "echo> HELLO, KVM!\n");
}

TEST_F(FlatBoot, I8042ResetEndsTheRunWithZero) {
  BUILD_OR_FAIL(bin, R"(
        mov     $msg, %si
        call    puts
        mov     $0xfe, %al
        outb    %al, $0x64              /* pulse the reset line */
        mov     $late, %si
        call    puts
        cli
        hlt
msg:    .asciz  "rebooting\n"
late:   .asciz  "still here\n"
)");
  auto r = boot(bin);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "rebooting\n");
  EXPECT_NE(r.err.find("strata: guest reset the machine (i8042)"), std::string::npos) << r.err;
}

TEST_F(FlatBoot, TripleFaultIsReportedWithRegisters) {
  // Protected mode with empty GDT and IDT: loading selector 8 faults, the fault cannot be
  // delivered (#GP, #DF), and the CPU shuts down.
  BUILD_OR_FAIL(bin, R"(
        mov     $msg, %si
        call    puts
        lidt    empty
        lgdt    empty
        mov     %cr0, %eax
        or      $1, %eax
        mov     %eax, %cr0
        mov     $0x8, %ax
        mov     %ax, %ds
        hlt
empty:  .word   0
        .long   0
msg:    .asciz  "about to fault\n"
)");
  auto r = boot(bin);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(r.out, "about to fault\n");
  EXPECT_NE(r.err.find("strata: guest triple fault (KVM_EXIT_SHUTDOWN)"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("  rip="), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("  cs=1000 base=00010000"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cr0=60000011"), std::string::npos) << r.err;  // PE was set
}

// A UART model with a bug: every third LSR read divides by zero. The adapter resets it each
// time, the read returns all-ones (so THRE looks set), and the guest finishes its line.
constexpr const char* kBuggyUart = R"(.module buggy_uart
.memory 65536
.import "hw" console_write(i64)
.func reset() export
  .reg %z: i64
  li %z, 0
  st.i64 %z, %z, 0
  ret
.end
.func read(%off: i64, %size: i64) -> i64 export
  .reg %z: i64, %n: i64, %t: i64
  li %z, 0
  li %t, 5
  bne %off, %t, other
  ld.i64 %n, %z, 0
  addi %n, %n, 1
  st.i64 %z, %n, 0
  li %t, 3
  beq %n, %t, boom
  ret 0x60
boom:
  div %n, %n, %z
  ret %n
other:
  ret 0
.end
.func write(%off: i64, %size: i64, %value: i64) export
  bnz %off, done
  callh console_write(%value)
done:
  ret
.end
)";

TEST_F(FlatBoot, ABuggyDeviceIsResetAndTheGuestGoesOn) {
  BUILD_OR_FAIL(bin, R"(
        mov     $msg, %si
        call    puts
        cli
        hlt
msg:    .asciz  "Hello from a flat guest\n"
)");
  const std::string model = (dir_ / "buggy_uart.sasm").string();
  std::ofstream(model) << kBuggyUart;
  auto r = boot(bin, "", {"--model", "uart16550=" + model, "--stats"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Hello from a flat guest\n");
  EXPECT_NE(r.err.find("device uart0: trap in read: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("; device reset\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("  device faults   8\n"), std::string::npos) << r.err;  // 24 reads / 3
  EXPECT_NE(r.err.find("strata: guest halted"), std::string::npos) << r.err;
}

TEST_F(FlatBoot, InteractiveTerminalRawModeAndCtrlAX) {
  // A guest that echoes forever: only Ctrl-A x ends it. Runs on a pseudo-terminal.
  BUILD_OR_FAIL(bin, R"(
next:   mov     $0x3fd, %dx
1:      inb     %dx, %al
        test    $1, %al
        jz      1b
        mov     $0x3f8, %dx
        inb     %dx, %al
        mov     %al, %bl
        call    putc
        jmp     next
)");
  const std::string strata = strata::test::strata_binary();
  int master = -1;
  pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl(strata.c_str(), "strata", "boot", "--flat", bin.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::string out;
  auto read_for = [&](int ms) {
    for (int waited = 0; waited < ms; waited += 10) {
      char buf[512];
      pollfd p{master, POLLIN, 10};
      if (::poll(&p, 1, 10) > 0) {
        ssize_t n = ::read(master, buf, sizeof buf);
        if (n <= 0) return;
        out.append(buf, static_cast<std::size_t>(n));
      }
    }
  };
  read_for(1000);                                   // the banner, and time for raw mode
  ASSERT_EQ(::write(master, "hi\x01\x01!", 5), 5);  // Ctrl-A Ctrl-A sends one Ctrl-A
  read_for(1000);
  ASSERT_EQ(::write(master, "\x01x", 2), 2);
  read_for(2000);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ::close(master);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << out;
  EXPECT_NE(out.find("Ctrl-A x quits"), std::string::npos) << out;
  EXPECT_NE(out.find("hi\x01!"), std::string::npos) << out;  // raw: no line editing, no echo
  EXPECT_NE(out.find("strata: quit (Ctrl-A x)"), std::string::npos) << out;
}

TEST_F(FlatBoot, ConsoleToFileAndBadArguments) {
  BUILD_OR_FAIL(bin, R"(
        mov     $msg, %si
        call    puts
        cli
        hlt
msg:    .asciz  "to a file\n"
)");
  const std::string out = (dir_ / "console.txt").string();
  auto r = boot(bin, "", {"--console", "file:" + out, "--mem", "2M"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  std::ifstream f(out);
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "to a file\n");

  auto both = boot(bin, "", {"--kernel", bin});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("strata: --flat and --kernel exclude each other"), std::string::npos)
      << both.err;
  auto initrd = boot(bin, "", {"--initrd", bin});
  EXPECT_EQ(initrd.exit_code, 2);
  EXPECT_NE(initrd.err.find("strata: --initrd goes with --kernel, not --flat"), std::string::npos)
      << initrd.err;
  auto missing = boot((dir_ / "nope.bin").string());
  EXPECT_EQ(missing.exit_code, 1);
  auto tiny = boot(bin, "", {"--mem", "64K"});
  EXPECT_EQ(tiny.exit_code, 1);
  EXPECT_NE(tiny.err.find("--mem"), std::string::npos) << tiny.err;
  auto console = boot(bin, "", {"--console", "tty"});
  EXPECT_EQ(console.exit_code, 2);
  auto none = run_process({strata::test::strata_binary(), "boot"});
  EXPECT_EQ(none.exit_code, 2);
}

// The in-kernel irqchip under the flat machine: the payload programs the 8259 PIC (vectors
// 0x20-0x27), points vector 0x24 (IRQ 4) at its handler, enables the UART's THR-empty
// interrupt and waits in HLT. The SVI UART raises its line, the monitor drives KVM_IRQ_LINE,
// the PIC delivers the vector; the handler masks the source and sends EOI. Then `cli; hlt`
// ends the run (halted with interrupts off).
TEST_F(FlatBoot, TheUartInterruptReachesTheGuestThroughThePic) {
  BUILD_OR_FAIL(bin, R"(
        cli
        xor     %ax, %ax
        mov     %ax, %es
        movw    $isr, %es:0x24*4
        mov     %cs, %es:0x24*4+2
        mov     $0x11, %al              /* ICW1: edge, cascade, ICW4 follows */
        outb    %al, $0x20
        mov     $0x20, %al              /* ICW2: IRQ 0-7 are vectors 0x20-0x27 */
        outb    %al, $0x21
        mov     $0x04, %al              /* ICW3: the slave on IRQ 2 */
        outb    %al, $0x21
        mov     $0x01, %al              /* ICW4: 8086 mode */
        outb    %al, $0x21
        mov     $0xef, %al              /* only IRQ 4 unmasked */
        outb    %al, $0x21
        mov     $0xff, %al
        outb    %al, $0xa1
        mov     $msg, %si
        call    puts
        mov     $0x3f9, %dx             /* IER: THR empty */
        mov     $0x02, %al
        outb    %al, %dx
        sti
wait:   hlt
        cmpb    $0, %cs:taken
        je      wait
        cli
        mov     $done, %si
        call    puts
        hlt
isr:    push    %ax
        push    %dx
        movb    $1, %cs:taken
        mov     $0x3f9, %dx             /* IER := 0: the line goes low */
        xor     %al, %al
        outb    %al, %dx
        mov     $0x20, %al              /* EOI */
        outb    %al, $0x20
        pop     %dx
        pop     %ax
        iret
taken:  .byte   0
msg:    .asciz  "waiting for IRQ 4\n"
done:   .asciz  "IRQ 4 taken\n"
)");
  auto r = boot(bin, "", {"--irqchip", "--stats"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "waiting for IRQ 4\nIRQ 4 taken\n");
  EXPECT_NE(r.err.find("with interrupts off (nothing can wake it)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("  irq changes     2\n"), std::string::npos) << r.err;  // up, down
}

}  // namespace
