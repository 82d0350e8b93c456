// `strata repl boot --flat` driven through a pipe: a real-mode guest stopped at its entry, a
// hardware breakpoint, registers the payload set, single steps, memory the guest wrote,
// disassembly and sregs in the CPU's mode, exits by reason, and the run to the guest's end;
// a long-mode guest (--kernel) read through its own page tables; Ctrl-C stopping a guest that never
// ends.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

#include "tests/hwvm/bzimage_fixture.hpp"
#include "tests/support/subprocess.hpp"
#include "tests/tools/kvm_guest_fixture.hpp"

namespace {

using strata::test::hex;
using strata::test::kKernelEntry;
using strata::test::run_process;
using strata::test::strata_binary;

class ReplKvm : public strata::test::KvmGuestTest {
 protected:
  strata::test::ProcessResult repl(const std::string& script) {
    return run_process({strata_binary(), "repl", "boot", "--flat", bin_}, script, 60);
  }
};

TEST_F(ReplKvm, RealModeBreakInspectStepAndRunToExit) {
  ASSERT_EQ(build(strata::test::kRealModeGuest), "");
  const std::string here = hex(syms_["here"]);
  const auto r =
      repl("sregs\nbreak " + here + "\ncontinue\nregs\nstep\nstep 2\nmem " + hex(syms_["data"]) +
           " 8\npmem 0x10000 4\n"
           "disas 0x10000 3\nset rax 0x99\nregs\nstats\nmem 0x7fffffff 2\n"
           "continue\ncontinue\nquit\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::string& o = r.out;
  // Stopped at the entry: pc is CS base + IP.
  EXPECT_NE(o.find("stopped at 0x10000:\tmov %cs, %ax\n"), std::string::npos) << o;
  // sregs: real mode with CS at 0x1000, so its base is 0x10000; PE and PG clear.
  EXPECT_NE(o.find("cs_base    0x0000000000010000\n"), std::string::npos) << o;
  EXPECT_NE(o.find("cr0        0x0000000060000010\n"), std::string::npos) << o;
  EXPECT_NE(o.find("efer       0x0000000000000000\n"), std::string::npos) << o;
  EXPECT_NE(o.find("idt_limit  0x0000ffff\n"), std::string::npos) << o;
  // The hardware breakpoint, then the registers the payload set.
  EXPECT_NE(o.find("breakpoint 1 at " + here + "\n"), std::string::npos) << o;
  EXPECT_NE(o.find("breakpoint 1, " + here + ":\tinc %bx\n"), std::string::npos) << o;
  EXPECT_NE(o.find("rbx        0x0000000000001234\n"), std::string::npos) << o;
  EXPECT_NE(o.find("rcx        0x0000000000005678\n"), std::string::npos) << o;
  EXPECT_NE(
      o.find("rip        0x" + std::string(16 - (here.size() - 3), '0') + here.substr(3) + "\n"),
      std::string::npos)
      << o;
  EXPECT_NE(o.find("cs         0x00001000\n"), std::string::npos) << o;
  // step: one instruction (inc %bx is one byte), then two more (inc, mov $0x3f8, %dx).
  EXPECT_NE(o.find(hex(syms_["here"] + 1) + ":\tinc %bx\n"), std::string::npos) << o;
  EXPECT_NE(o.find(hex(syms_["here"] + 5) + ":\tmov $0x4B, %al\n"), std::string::npos) << o;
  // The bytes the guest stored, by linear and by physical address.
  EXPECT_NE(o.find(" 41 42 43 44 00 00 00 00"), std::string::npos) << o;
  EXPECT_NE(o.find("|ABCD....|"), std::string::npos) << o;
  EXPECT_NE(o.find("0x0000000000010000  8c c8 8e d8"), std::string::npos) << o;
  EXPECT_NE(o.find("   0x10002:                 mov %ax, %ds\n"), std::string::npos) << o;
  EXPECT_NE(o.find("rax = 0x99\n"), std::string::npos) << o;
  EXPECT_NE(o.find("rax        0x0000000000000099\n"), std::string::npos) << o;
  EXPECT_NE(o.find("cpu mode: 16-bit real\n"), std::string::npos) << o;
  EXPECT_NE(o.find("  debug           4\n"), std::string::npos) << o;
  EXPECT_NE(o.find("  debug steps     3\n"), std::string::npos) << o;
  EXPECT_NE(o.find("  breakpoint hits 1\n"), std::string::npos) << o;
  // The UART's output, then the end; `continue` after it says why nothing runs.
  EXPECT_NE(o.find("K\nthe guest exited with status 0: guest halted at 1000:"), std::string::npos)
      << o;
  EXPECT_NE(r.err.find("error: 0x7fffffff (guest-physical 0x7fffffff) is not guest RAM\n"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("error: the guest exited with status 0"), std::string::npos) << r.err;
}

TEST_F(ReplKvm, BreakpointsAreTheFourDebugRegisters) {
  ASSERT_EQ(build(strata::test::kRealModeGuest), "");
  const auto r = repl(
      "break 0x10002\nbreak 0x10004\nbreak 0x10007\nbreak 0x1000a\nbreak 0x1000f\n"
      "delete 2\nbreak 0x1000f\ncontinue\ncontinue\nquit\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("error: 0x1000f: all 4 hardware breakpoints (DR0-DR3) are in use"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.out.find("breakpoint 5 at 0x1000f\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("breakpoint 1, 0x10002:"), std::string::npos) << r.out;
  // Breakpoint 2 (0x10004) was deleted: the next stop is breakpoint 3.
  EXPECT_NE(r.out.find("breakpoint 3, 0x10007:"), std::string::npos) << r.out;
}

// `set pc` is linear and moves IP within CS; a selector set in real mode loads its base.
TEST_F(ReplKvm, SetWritesLinearPcAndRealModeSegments) {
  ASSERT_EQ(build(strata::test::kRealModeGuest), "");
  const auto r = repl(
      "set pc 0x10004\nset pc 0x5\nset ds 0x2000\nset cr3 0x5000\nregs\n"
      "sregs\nset fs 0x10000\nset nosuch 1\nquit\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("pc = 0x10004\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rip        0x0000000000000004\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ds_base    0x0000000000020000\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cr3        0x0000000000005000\n"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("error: pc 0x5 is outside the code segment (base 0x10000, limit 0xffff)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("error: fs: a selector is 16 bits, not 0x10000"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("error: no x86 register 'nosuch'"), std::string::npos) << r.err;
}

// A crash is a Fault: the reason and the registers, the state still inspectable, and every
// later run says the same.
TEST_F(ReplKvm, TripleFaultLeavesTheStateInspectable) {
  ASSERT_EQ(build(R"(
        .code16
        .globl  _start
_start: mov     %cs, %ax
        mov     %ax, %ds
        lidt    empty - _start
        lgdt    empty - _start
        mov     %cr0, %eax
        or      $1, %eax
        mov     %eax, %cr0
        mov     $0x8, %ax
fault:  mov     %ax, %ds                /* no GDT: #GP, no IDT: #DF, then shutdown */
        hlt
empty:  .word   0
        .long   0
)"),
            "");
  const auto r = repl("continue\nsregs\ncontinue\nquit\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::string fault = "the CPU faulted: guest triple fault (KVM_EXIT_SHUTDOWN)\n";
  const size_t first = r.out.find(fault);
  ASSERT_NE(first, std::string::npos) << r.out;
  EXPECT_NE(r.out.find(fault, first + 1), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  cs=1000 base=00010000"), std::string::npos) << r.out;
  // The registers, then where the CPU stopped on a line of its own.
  EXPECT_NE(r.out.find("idt base=0 limit=0\n" + hex(syms_["fault"]) + ":\tmov %ax, %ds\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("cr0        0x0000000060000011\n"), std::string::npos) << r.out;
}

// Flat guests cannot turn paging on under kvm_pvm (a guest write of CR0.PG or EFER.LME faults),
// so the page tables are exercised through `--kernel`: a stand-in kernel (the synthetic bzImage
// of tests/hwvm/bzimage_fixture.hpp) entered in long mode on the monitor's identity map. It maps
// linear 1 GiB to guest-physical 2 MiB with a page directory of its own (at 3 MiB), stores a marker
// there and resets the machine.
constexpr const char* kPagedKernel = R"(
        .code64
        .globl  _start
_start: mov     %cr3, %rax
        and     $-4096, %rax
        mov     (%rax), %rbx            /* PML4[0]: the PDPT */
        and     $-4096, %rbx
        mov     $0x300000, %rcx         /* a free page, identity-mapped */
        movq    $0x200083, (%rcx)       /* PD[0]: a 2 MiB page at 2 MiB */
        or      $3, %rcx
        mov     %rcx, 8(%rbx)           /* PDPT[1] -> the PD: linear 1 GiB .. 2 GiB */
        invlpg  0x40000000
        movabs  $0x2144454747415021, %rax   /* "!PAGGED!" */
mark:   mov     %rax, 0x40000123
        mov     $0x3f8, %dx
        mov     $'L', %al
        outb    %al, %dx
        mov     $'\n', %al
        outb    %al, %dx
        mov     $0xfe, %al              /* the i8042 reset line ends the run */
        outb    %al, $0x64
)";

TEST_F(ReplKvm, LongModeMemoryThroughThePageTables) {
  std::string error;
  const std::string kernel = build_standin_kernel(kPagedKernel, &error);
  ASSERT_EQ(error, "");
  auto nm = run_process({nm_, (dir_ / "entry.o").string()});
  const size_t at = nm.out.find(" t mark");
  ASSERT_NE(at, std::string::npos) << nm.out;
  const std::string mark = hex(kKernelEntry + std::stoull(nm.out.substr(at - 16, 16), nullptr, 16));

  const auto r =
      run_process({strata_binary(), "repl", "boot", "--kernel", kernel, "--mem", "64M", "--force"},
                  "break " + mark +
                      "\ncontinue\nsregs\ndisas\nstep\nmem 0x40000123 8\n"
                      "pmem 0x200123 8\nmem 0x80000000 8\nstats\ncontinue\nquit\n",
                  60);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::string& o = r.out;
  EXPECT_NE(o.find("stopped at " + hex(kKernelEntry) + ":\tmov %cr3, %rax\n"), std::string::npos)
      << o;
  EXPECT_NE(o.find("breakpoint 1, " + mark + ":\tmov %rax, 0x0000000040000123"), std::string::npos)
      << o;
  // Long mode: CR0.PG and PE, EFER.LMA; 64-bit disassembly at pc.
  EXPECT_NE(o.find("cr0        0x00000000800"), std::string::npos) << o;
  EXPECT_NE(o.find("=> " + mark), std::string::npos) << o;
  EXPECT_NE(o.find("mov $0x3F8, %dx"), std::string::npos) << o;
  // The marker at linear 1 GiB + 0x123 and at guest-physical 2 MiB + 0x123.
  EXPECT_NE(o.find("0x0000000040000123  21 50 41 47 47 45 44 21"), std::string::npos) << o;
  EXPECT_NE(o.find("0x0000000000200123  21 50 41 47 47 45 44 21"), std::string::npos) << o;
  EXPECT_NE(o.find("cpu mode: 64-bit long\n"), std::string::npos) << o;
  EXPECT_NE(r.err.find("error: 0x80000000 is not mapped (PDPTE 0x0 at "), std::string::npos)
      << r.err;
  EXPECT_NE(o.find("L\nthe guest exited with status 0: guest reset the machine (i8042)"),
            std::string::npos)
      << o;
}

// Ctrl-C while `continue` runs a guest that never exits: the run stops, the prompt comes back.
TEST_F(ReplKvm, SigintStopsARunningGuest) {
  ASSERT_EQ(build(".code16\n.globl _start\n_start: jmp _start\n"), "");
  const std::string out_path = (dir_ / "out.txt").string();
  int in[2];
  ASSERT_EQ(pipe(in), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    const int o = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(in[0], 0);
    dup2(o, 1);
    dup2(o, 2);
    close(in[1]);
    const std::string bin = strata_binary();
    execl(bin.c_str(), bin.c_str(), "repl", "boot", "--flat", bin_.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(in[0]);
  auto say = [&](const std::string& s) {
    ASSERT_EQ(write(in[1], s.data(), s.size()), ssize_t(s.size()));
  };
  say("continue\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  kill(pid, SIGINT);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  say("regs\nquit\n");
  close(in[1]);
  int status = 0;
  for (int i = 0; i < 300 && waitpid(pid, &status, WNOHANG) != pid; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (!WIFEXITED(status)) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  std::ifstream f(out_path);
  const std::string out((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  ASSERT_TRUE(WIFEXITED(status)) << out;
  EXPECT_EQ(WEXITSTATUS(status), 0) << out;
  EXPECT_NE(out.find("stopped: 0x10000:\tjmp 0x"), std::string::npos) << out;
  EXPECT_NE(out.find("\npc         0x0000000000010000\n"), std::string::npos) << out;
}

TEST(ReplKvmArgs, BootNeedsAGuest) {
  const auto r = run_process({strata_binary(), "repl", "boot"}, "", 30);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no guest given (--flat FILE or --kernel FILE)"), std::string::npos)
      << r.err;
}

}  // namespace
